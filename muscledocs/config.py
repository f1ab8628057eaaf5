"""Clinic editions: a small TOML file and/or command-line flags choose what one build contains."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, SourceError

KEYS = {"only", "clinic", "date", "coach", "contact", "paper", "out"}
PAPER_NAMES = ("a4", "letter")


class UsageError(Exception):
    """A command-line mistake (exit status 2)."""


@dataclass(frozen=True)
class EditionSettings:
    only: tuple[str, ...] = ()
    clinic: str = ""
    date: str = ""
    coach: str = ""
    contact: str = ""
    papers: tuple[str, ...] = PAPER_NAMES
    out: Path | None = None


def read_edition_file(path: Path, project: Path) -> dict:
    """Read a clinic TOML file; errors carry the file and line."""
    shown = _shown(path, project)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such edition file") from None
    except UnicodeDecodeError:
        raise BuildError([SourceError(shown, 1, "the file is not valid UTF-8",
                                      "Save it as UTF-8")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise BuildError([SourceError(shown, int(match.group(1)) if match else 1,
                                      f"TOML syntax error: {message}",
                                      'Write each setting as key = "value"')]) from None
    errors = []
    for key in sorted(set(data) - KEYS):
        errors.append(SourceError(shown, _line_of(text, key), f'unknown setting "{key}"',
                                  "Known settings: " + ", ".join(sorted(KEYS))))
    for key in ("clinic", "coach", "contact"):
        if key in data and not isinstance(data[key], str):
            errors.append(SourceError(shown, _line_of(text, key), f'"{key}" must be text in quotes'))
    if "only" in data and not (isinstance(data["only"], list)
                               and all(isinstance(g, str) for g in data["only"])):
        errors.append(SourceError(shown, _line_of(text, "only"), '"only" must be a list of group ids',
                                  'For example: only = ["glutes", "calves"]'))
    if errors:
        raise BuildError(errors)
    data["_lines"] = {key: _line_of(text, key) for key in data}
    data["_path"] = shown
    if "out" in data:
        data["out"] = (path.parent / str(data["out"])).resolve()
    return data


def settle(file_data: dict, flags: dict, valid_groups: list[str]) -> EditionSettings:
    """Merge file settings with flags (flags win) and check them against the canonical groups."""
    merged = {k: v for k, v in file_data.items() if not k.startswith("_")}
    merged.update({k: v for k, v in flags.items() if v not in (None, "", ())})
    only = merged.get("only") or ()
    if isinstance(only, str):
        only = [g.strip() for g in only.split(",") if g.strip()]
    unknown = [g for g in only if g not in valid_groups]
    if unknown:
        names = ", ".join(f'"{g}"' for g in unknown)
        hint = "valid ids: " + ", ".join(valid_groups)
        if "only" in flags and flags["only"]:
            raise UsageError(f"unknown group id {names}; {hint}")
        raise BuildError([SourceError(file_data["_path"], file_data["_lines"]["only"],
                                      f"unknown group id {names}", hint.capitalize())])
    papers = merged.get("paper") or PAPER_NAMES
    papers = (papers,) if isinstance(papers, str) else tuple(papers)
    for paper in papers:
        if paper not in PAPER_NAMES:
            raise UsageError(f'unknown paper "{paper}"; choose a4 or letter')
    date = merged.get("date", "")
    if isinstance(date, dt.date):
        date = date.isoformat()
    # Keep the book's canonical order whatever order the coach typed.
    ordered = tuple(g for g in valid_groups if g in only)
    return EditionSettings(only=ordered, clinic=str(merged.get("clinic", "")), date=str(date),
                           coach=str(merged.get("coach", "")), contact=str(merged.get("contact", "")),
                           papers=tuple(p for p in PAPER_NAMES if p in papers),
                           out=Path(merged["out"]) if merged.get("out") else None)


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return 1


def _shown(path: Path, project: Path) -> str:
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return str(path)
