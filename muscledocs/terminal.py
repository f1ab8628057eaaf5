"""What the command line prints while it builds: the file lines on stdout; warnings, errors and
(on a terminal) a progress line on stderr. Colour only on a terminal, never with NO_COLOR."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .build import Output, Report

COLOURS = {"error": "31", "warning": "33", "ok": "32", "dim": "2"}


def use_colour(stream) -> bool:
    """https://no-color.org: NO_COLOR set to anything turns colour off; so do pipes and dumb terminals."""
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


def paint(text: str, kind: str, stream=None) -> str:
    stream = stream or sys.stderr
    return f"\033[{COLOURS[kind]}m{text}\033[0m" if use_colour(stream) else text


class TerminalReport(Report):
    """-q: nothing but problems; default: a line per file written; -v: also each render as it starts.
    On a terminal, a progress line shows what is rendering and is replaced by the file lines."""

    def __init__(self, verbosity: int = 1, out=None, err=None):
        self.verbosity = verbosity
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.live = self.err.isatty() and verbosity >= 1
        self.rendering_now: list[str] = []

    def rendering(self, name: str) -> None:
        self.rendering_now.append(name)
        if self.verbosity >= 2:
            self._clear()
            print(paint(f"  rendering {name}", "dim", self.err), file=self.err, flush=True)
        self._progress()

    def rendered(self, name: str, seconds: float) -> None:
        if name in self.rendering_now:
            self.rendering_now.remove(name)
        self._clear()
        self._progress()

    def written(self, output: Output, folder: Path) -> None:
        if self.verbosity >= 1:
            self._clear()
            print(output.line(folder), file=self.out, flush=True)

    def done(self, seconds: float) -> None:
        self.rendering_now.clear()
        self._clear()
        if self.verbosity >= 1:
            print(f"done in {seconds:.1f} s", file=self.out, flush=True)

    def _progress(self) -> None:
        if self.live and self.rendering_now:
            names = ", ".join(self.rendering_now[-3:])
            self.err.write("\r\033[K" + paint(f"rendering {names} …", "dim", self.err))
            self.err.flush()

    def _clear(self) -> None:
        if self.live:
            self.err.write("\r\033[K")
            self.err.flush()
