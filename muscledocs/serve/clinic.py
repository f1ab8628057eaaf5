"""Clinic editions from the browser: the form's fields checked by the command line's own rules
(config.settle, which --only, --date, --clinic, --paper go through), each message next to its
field; the edition as a TOML file `make_docs.py --edition` rebuilds; a build into its own folder.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import papers
from ..config import EditionSettings, settle
from ..errors import MuscledocsError
from ..formats import FORMATS

LIMITS = {"clinic": 100, "coach": 100, "contact": 120, "date": 10}  # what fits a cover line
TEXT_FIELDS = ("clinic", "date", "coach", "contact")
EDITIONS = "editions"  # build/editions/<name>/: never the folder the book's own outputs are in
FORMAT_NAMES = {"handout": "Handout", "quick-reference": "Quick reference", "booklet": "Booklet", "epub": "EPUB"}
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ClinicRequest:
    settings: EditionSettings
    formats: tuple[str, ...]

    @property
    def name(self) -> str:
        """The edition's folder and file name: the clinic's name and date, in plain letters."""
        edition = self.settings.edition
        words = re.sub(r"[^a-z0-9]+", "-", f"{edition.clinic} {edition.date}".lower()).strip("-")
        return words[:60].strip("-") or "edition"

    def toml(self) -> str:
        """The edition file: the same edition from the command line, later."""
        edition = self.settings.edition
        targets = " ".join(self.formats) if set(self.formats) != set(FORMATS) else ""  # the CLI targets
        lines = [f"# A clinic edition. Rebuild it with: python make_docs.py {targets + ' ' if targets else ''}"
                 f"--edition {self.name}.toml",
                 f"only = [{', '.join(_quoted(g) for g in edition.only)}]"]
        lines += [f"{key} = {_quoted(getattr(edition, key))}" for key in ("clinic", "coach", "contact")
                  if getattr(edition, key)]
        if edition.date:
            lines.append(f"date = {edition.date}")  # a TOML date, as the README writes it
        lines.append(f"paper = [{', '.join(_quoted(p) for p in self.settings.papers)}]")
        return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def read_form(fields: dict[str, list[str]], group_ids: list[str]) -> tuple[ClinicRequest | None, dict[str, str]]:
    """(the request, {}) or (None, {field: what is wrong}). Nothing is built on bad input."""
    errors: dict[str, str] = {}

    def one(name: str) -> str:
        values = fields.get(name, [])
        return values[0].strip() if values else ""

    only = [g for g in fields.get("only", []) if g]
    if not only:
        errors["only"] = "Choose at least one group"
    else:
        _check(errors, "only", {"only": ",".join(only)}, group_ids)
    for name in TEXT_FIELDS:
        value = one(name)
        if len(value) > LIMITS[name]:
            errors[name] = f"At most {LIMITS[name]} characters"
        elif CONTROL.search(value):
            errors[name] = "One line of text, please"
        elif value:
            _check(errors, name, {name: value}, group_ids)
    chosen_papers = [p for p in fields.get("paper", []) if p]
    if not chosen_papers:
        errors["paper"] = "Choose at least one paper"
    else:
        _check(errors, "paper", {"paper": tuple(chosen_papers)}, group_ids)
    formats = [f for f in fields.get("format", []) if f]
    if not formats:
        errors["format"] = "Choose at least one output"
    elif any(f not in FORMATS for f in formats):
        errors["format"] = "Choose from: " + ", ".join(FORMATS)
    if errors:
        return None, errors
    flags = {name: one(name) or None for name in TEXT_FIELDS}
    settings = settle({}, dict(flags, only=",".join(only), paper=tuple(chosen_papers)), group_ids)
    return ClinicRequest(settings, tuple(f for f in FORMATS if f in formats)), {}


def _check(errors: dict[str, str], field: str, flags: dict, group_ids: list[str]) -> None:
    """One field through the command line's rules; its message, without the option's name."""
    try:
        settle({}, flags, group_ids)
    except MuscledocsError as exc:
        message = re.sub(r"^--[\w-]+:?\s*", "", str(exc).splitlines()[0]).strip()
        errors[field] = message[:1].upper() + message[1:]


def choices(group_titles: list[tuple[str, str]], default_papers: tuple[str, ...]) -> dict:
    """What the form offers: the groups, papers and outputs, from the registries; the papers
    ticked at first are the ones the server builds (serve --paper)."""
    return {"groups": [{"id": g, "title": t} for g, t in group_titles],
            "papers": [{"id": p.name, "title": p.label} for p in papers.PAPERS.values()],
            "default_papers": list(default_papers),
            "formats": [{"id": name, "title": f"{FORMAT_NAMES.get(name, name)}: {fmt.summary}"}
                        for name, fmt in FORMATS.items()],
            "limits": LIMITS}


def edition_folder(build: Path, name: str) -> Path:
    return build / EDITIONS / name


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return out.getvalue()
