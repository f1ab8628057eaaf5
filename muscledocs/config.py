"""Clinic editions: a small TOML file and/or command-line flags choose what one build contains."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import papers as papers_registry
from .errors import BuildError, SourceError, UsageError
from .model import Edition

KEYS = {"only", "clinic", "date", "coach", "contact", "paper", "out"}


@dataclass(frozen=True)
class EditionSettings:
    """What goes into the book (the Edition) and where and on what paper it is printed."""

    edition: Edition
    papers: tuple[str, ...] = field(default_factory=papers_registry.defaults)
    out: Path | None = None


TOML_MESSAGES = (
    ("Illegal character '\\n'", "a quoted value is not closed", 'End it with " on the same line'),
    ("Unclosed array", "a list in [brackets] is not closed", "End it with ']'"),
    ("Cannot overwrite a value", "a setting appears twice", "Keep only one of them"),
    ("Cannot declare", "a setting appears twice", "Keep only one of them"),
    ("Expected '=' after a key", "a setting has no '='", 'Write each setting as key = "value"'),
)


def read_edition_file(path: Path, project: Path) -> dict:
    """Read a clinic TOML file; errors carry the file and line."""
    shown = _shown(path, project)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such edition file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the edition file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise BuildError([SourceError(shown, raw[:exc.start].count(b"\n") + 1,
                                      f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} on this line)",
                                      "Save it as UTF-8 in your editor")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BuildError([_toml_error(str(exc), text, shown)]) from None
    errors = []
    for key in sorted(set(data) - KEYS):
        close = difflib.get_close_matches(key, sorted(KEYS), n=1)
        errors.append(SourceError(shown, _line_of(text, key), f'unknown setting "{key}"',
                                  (f'Did you mean "{close[0]}"? ' if close else "")
                                  + "Known settings: " + ", ".join(sorted(KEYS))))
    for key in ("clinic", "coach", "contact", "out"):
        if key in data and not isinstance(data[key], str):
            errors.append(SourceError(shown, _line_of(text, key), f'"{key}" must be text in quotes',
                                      f'For example: {key} = "{EXAMPLES[key]}"'))
    if "date" in data and not isinstance(data["date"], str | dt.date):
        errors.append(SourceError(shown, _line_of(text, "date"), '"date" must be a date or text',
                                  "For example: date = 2026-12-03"))
    if "only" in data and not (isinstance(data["only"], list)
                               and all(isinstance(g, str) for g in data["only"])):
        errors.append(SourceError(shown, _line_of(text, "only"), '"only" must be a list of group ids',
                                  'For example: only = ["glutes", "calves"]'))
    if "paper" in data:
        papers = data["paper"] if isinstance(data["paper"], list) else [data["paper"]]
        if not papers or not all(isinstance(p, str) and p in papers_registry.PAPERS for p in papers):
            errors.append(SourceError(shown, _line_of(text, "paper"),
                                      f'"paper" must be one of {_paper_list()} or a list of them',
                                      'For example: paper = "a4" or paper = ["a4", "letter"]'))
    if errors:
        raise BuildError(errors)
    data["_lines"] = {key: _line_of(text, key) for key in data}
    data["_path"] = shown
    if "out" in data:
        data["out"] = (path.parent / str(data["out"])).resolve()
    return data


EXAMPLES = {"clinic": "Thursday Track Night", "coach": "Sam Rivera", "contact": "sam@example.org",
            "out": "build/thursday"}


def _toml_error(text_of_error: str, text: str, shown: str) -> SourceError:
    match = re.search(r"at line (\d+)", text_of_error)
    if match:
        line = int(match.group(1))
    elif "end of document" in text_of_error:
        line = max(len(text.splitlines()), 1)
    else:
        line = 1
    message = re.sub(r"\s*\((?:at line \d+, column \d+|at end of document)\)", "", text_of_error)
    lines = text.splitlines()
    written = re.match(r"\s*(\w+)\s*=\s*(\d{4}-\d\d?-\d\d?)\b", lines[line - 1] if 0 < line <= len(lines) else "")
    if written:  # TOML reads 2026-13-03 as a broken date: say that, not "expected a newline"
        key, value = written.groups()
        return SourceError(shown, line, f'"{key}" is not a real date: {value}',
                           f"Write it as YYYY-MM-DD with a month from 01 to 12 and a day the month has, "
                           f"for example {key} = 2026-12-03")
    for start, friendly, hint in TOML_MESSAGES:
        if message.startswith(start):
            return SourceError(shown, line, f"TOML syntax error: {friendly}", hint)
    return SourceError(shown, line, f"TOML syntax error: {message}",
                       'Write each setting as key = "value", and lists as ["a", "b"]')


def settle(file_data: dict, flags: dict, valid_groups: list[str]) -> EditionSettings:
    """Merge file settings with flags (flags win) and check them against the canonical groups.

    With no valid groups (the book file is broken) the check is left to load_book, which says
    what is wrong with the book file.
    """
    merged = {k: v for k, v in file_data.items() if not k.startswith("_")}
    merged.update({k: v for k, v in flags.items() if v not in (None, "", ())})
    only = merged.get("only") or ()
    if isinstance(only, str):
        only = [g.strip() for g in only.split(",") if g.strip()]
    unknown = [g for g in only if g not in valid_groups] if valid_groups else []
    if unknown:
        names = ", ".join(f'"{g}"' for g in unknown)
        hint = "valid ids: " + ", ".join(valid_groups)
        if "only" in flags and flags["only"]:
            raise UsageError(f"unknown group id {names}; {hint}")
        raise BuildError([SourceError(file_data["_path"], file_data["_lines"]["only"],
                                      f"unknown group id {names}", hint.capitalize())])
    papers = merged.get("paper") or papers_registry.defaults()
    papers = (papers,) if isinstance(papers, str) else tuple(papers)
    for paper in papers:
        if paper not in papers_registry.PAPERS:
            raise UsageError(f'unknown paper "{paper}"; choose from {_paper_list()}')
    _check_printable(merged, file_data, flags)
    date = merged.get("date", "")
    if isinstance(date, dt.date):
        date = date.isoformat()
    elif date:
        # The date prints as words ("Thursday 3 December 2026"), so it must be a real date.
        try:
            date = dt.date.fromisoformat(str(date).strip()).isoformat()
        except ValueError:
            if flags.get("date"):
                raise UsageError(f'--date "{date}" is not a date; write it as YYYY-MM-DD, '
                                 "for example 2026-12-03") from None
            raise BuildError([SourceError(file_data["_path"], file_data["_lines"]["date"],
                                          f'"date" must be a date, not "{date}"',
                                          "Write it as YYYY-MM-DD, for example date = 2026-12-03")]) from None
    # Keep the book's canonical order whatever order the coach typed.
    ordered = tuple(g for g in valid_groups if g in only)
    edition = Edition(only=ordered, clinic=str(merged.get("clinic", "")), date=str(date),
                      coach=str(merged.get("coach", "")), contact=str(merged.get("contact", "")))
    return EditionSettings(edition, papers=tuple(p for p in papers_registry.PAPERS if p in papers),
                           out=Path(merged["out"]) if merged.get("out") else None)


def _check_printable(merged: dict, file_data: dict, flags: dict) -> None:
    """The cover prints the clinic, coach and contact: each must be in the book's typefaces."""
    from . import typefaces

    errors = []
    for key in ("clinic", "coach", "contact"):
        for run in typefaces.unprintable(str(merged.get(key, ""))):
            message, hint = typefaces.describe(run)
            if flags.get(key):
                raise UsageError(f"--{key}: {message}; {hint[0].lower()}{hint[1:]}")
            errors.append(SourceError(file_data["_path"], file_data["_lines"][key], message, hint))
    if errors:
        raise BuildError(errors)


def _paper_list() -> str:
    return ", ".join(f'"{name}"' for name in papers_registry.PAPERS)


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
