"""What an output format is: the one small interface every format implements.

A format plans its outputs for a book (one `Job` each: plain data, so a job pickles to a
worker process), renders a job into a typed `Result`, maps the internal link and image URLs
for its own layout, and describes a result for the build line. The builder knows nothing
else about any format, so a new one (an HTML edition, slides) is one new module registered in
`formats/__init__.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..model import Book
from ..proof import Finding


@dataclass(frozen=True)
class Settings:
    """What one build makes: the formats, the papers for the print ones, the HTML kept."""

    formats: tuple[str, ...]
    papers: tuple[str, ...]
    keep_html: bool = False


@dataclass(frozen=True)
class Context:
    """Everything a format needs besides its job: plain data, so it travels to a worker."""

    project: Path
    layout_dirs: tuple[Path, ...]
    allowed_roots: tuple[Path, ...]
    cache_folder: Path
    drawings: dict[str, str]
    epoch: int  # SOURCE_DATE_EPOCH for this book: fixed dates in every file
    subsetter: str  # "harfbuzz" or "fonttools": which font subsetter WeasyPrint uses

    def templates(self):
        from ..templates import templates_for

        return templates_for(self.layout_dirs, self.cache_folder / "templates")


@dataclass(frozen=True)
class Job:
    format: str  # the registry name of the format that renders it
    name: str  # the output's file name
    key: str  # the cache key: a hash of everything the render reads
    payload: Any  # the format's own data (the HTML to render, say)
    write: bool = True  # False: rendered only for another output (the EPUB's page map)
    needs: tuple[str, ...] = ()  # outputs whose results this render reads; they go first
    weight: int = 0  # an estimate of the work: the heaviest go first, so workers end together
    html: str = ""  # the print HTML, kept with --keep-html


@dataclass
class Result:
    data: bytes
    pages: int  # pages (PDF) or documents (EPUB)
    findings: list[Finding] = field(default_factory=list)  # the page proof's
    page_anchors: list[list[str]] = field(default_factory=list)  # ids starting on each page
    front_pages: int = 0  # pages numbered i, ii... before page 1
    sheets: int = 0  # booklet: sheet sides after imposition

    def info(self) -> dict:
        """Everything but the bytes, as JSON for the cache."""
        return {"pages": self.pages, "findings": [f.to_json() for f in self.findings],
                "page_anchors": self.page_anchors, "front_pages": self.front_pages, "sheets": self.sheets}

    @classmethod
    def from_cache(cls, name: str, data: bytes, info: dict) -> Result:
        return cls(data, info["pages"], [Finding.from_json(name, f) for f in info.get("findings", [])],
                   info.get("page_anchors", []), info.get("front_pages", 0), info.get("sheets", 0))


class Format:
    name: ClassVar[str]  # the CLI target, e.g. "handout"
    summary: ClassVar[str]  # one line for --help
    group: ClassVar[str]  # "pdf" or "epub": the CLI's group targets
    in_worker: ClassVar[bool] = True  # False: cheap, rendered in the build's own process

    def plan(self, book: Book, settings: Settings, context: Context) -> list[Job]:
        raise NotImplementedError

    def render(self, job: Job, context: Context, needed: dict[str, Result]) -> Result:
        raise NotImplementedError

    def url(self, url: str, present: set[str], context: Context) -> str | None:
        """An internal URL (see urls.py) as this format links to it; None unlinks a chapter
        link whose chapter `present` lacks."""
        raise NotImplementedError

    def describe(self, result: Result) -> str:
        return _count(result.pages, "page")

    def files(self, papers: tuple[str, ...]) -> list[tuple[str, str]]:
        """(file name, what it is) for --help and the README."""
        return []


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


def document_id(book: Book, name: str) -> bytes:
    """A PDF's permanent /ID: the same for every build of this output of this edition."""
    import hashlib

    return hashlib.md5(f"{book.identifier}|{name}|{book.edition}".encode()).hexdigest().encode()
