"""The builder's one error hierarchy. The command line turns each kind into its exit status:

- `SourceErrors` (exit 1): problems in the chapters, book.yaml or an edition file, each with a
  file and line (`SourceError`). Raised before anything is written.
- `UsageError` (exit 2): a command-line mistake.
- `RenderFailed` (exit 1): a renderer refused an output (it names the output, not a source line).
- `ProofFailed` (exit 1): a `--strict` build whose page proof found defects.
- `EnvironmentProblem` (exit 2): the machine stands in the way (an output folder that cannot be
  written, a full disk), with what to do about it.

Anything else reaching the command line is a bug in the builder ("internal error", exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class MuscledocsError(Exception):
    """Base of every error the builder reports to its user as a message, never as a traceback."""


@dataclass(frozen=True, order=True)
class SourceError:
    """One problem in the sources, printed as `path:line: message. hint`."""

    path: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else text


class SourceErrors(MuscledocsError):
    """Raised with every collected SourceError; nothing has been written when it is raised."""

    def __init__(self, errors: list[SourceError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


BuildError = SourceErrors  # the name the rest of the builder has always used


class UsageError(MuscledocsError):
    """A command-line mistake (exit status 2)."""


class RenderFailed(MuscledocsError):
    """A renderer refused an output; `problems` says why, in the renderer's words."""

    def __init__(self, output: str, problems: list[str]):
        self.output = output
        self.problems = problems
        super().__init__(f"{output}: " + "; ".join(problems))

    def __reduce__(self):  # travels back from worker processes
        return (RenderFailed, (self.output, self.problems))


class ProofFailed(MuscledocsError):
    """Raised by a --strict build that found page defects; nothing has been written."""

    def __init__(self, findings: list):
        self.findings = findings  # proof.Finding
        super().__init__("\n".join(str(f) for f in findings))


class EnvironmentProblem(MuscledocsError):
    """Something about the machine, not the sources, stops the build (exit status 2)."""


class ErrorLog:
    """Collects errors so validation can report all of them at once."""

    def __init__(self, root: Path):
        self.root = root
        self.errors: list[SourceError] = []

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def add(self, path: Path, line: int, message: str, hint: str = "") -> None:
        self.errors.append(SourceError(self.relative(path), max(line, 1), message, hint))

    def raise_if_any(self) -> None:
        if self.errors:
            raise SourceErrors(self.errors)
