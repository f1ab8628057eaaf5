"""Render the print HTML (handout, quick reference) for one paper size from the Book model.

The HTML is self-contained: CSS inline, drawings as data: URIs, fonts and project images as
absolute file: URLs, so the bare `weasyprint` command renders exactly what the builder does.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import Markup

from .chapter_links import map_chapter_links
from .model import PHASES, Book
from .templates import read_layout, render
from .typefaces import FONT_DIRS, FONT_FACES, font_files  # noqa: F401 (FONT_* re-exported for the renderers)


@dataclass(frozen=True)
class Paper:
    name: str
    size: str  # CSS @page size
    note_lines: int  # ruled lines that fill the notes page
    booklet_page: bool = False  # half a folded sheet: layouts/print/booklet-page.css applies


PAPERS = {
    "a4": Paper("a4", "A4", 22),
    "letter": Paper("letter", "letter", 20),
    "a5": Paper("a5", "A5", 14, booklet_page=True),
    "half-letter": Paper("half-letter", "5.5in 8.5in", 13, booklet_page=True),
}
SRC_ATTR = re.compile(r'src="([^"]*)"')


@cache
def fonts_css() -> str:
    """@font-face rules for the project's own typefaces, installed with it from PyPI."""
    rules = []
    for family, path, weight, style in font_files():
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                     f"font-weight: {weight}; font-style: {style}; }}")
    return Markup("\n".join(rules))  # our own trusted CSS, not chapter text


def url_mapper(project: Path, drawings: dict[str, str]):
    def url(src: str) -> str:
        if src.startswith("figure:"):
            svg = drawings[src.removeprefix("figure:")].encode("utf-8")
            return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        if src.startswith("assets/"):
            return (project / src).resolve().as_uri()
        return src
    return url


def _map_sources(html: str, url) -> str:
    return SRC_ATTR.sub(lambda m: f'src="{url(m.group(1))}"', html)


@dataclass(frozen=True)
class Part:
    """A slice of the handout rendered on its own. Booklet pages are rendered chapter by
    chapter so that an edit re-renders one chapter, not the whole booklet."""

    front: bool = False  # the cover and the contents
    chapter: str = ""  # one chapter's id
    notes: bool = False
    start: int = 0  # the printed number of its first page (body parts)
    left_first: bool = False  # its first page is a left-hand page
    toc_pages: tuple[tuple[str, str], ...] = ()  # chapter id -> printed page, for the contents


def handout_stylesheet(paper: Paper) -> str:
    return read_layout("print/handout.css") + (read_layout("print/booklet-page.css") if paper.booklet_page else "")


def handout_html(book: Book, paper: Paper, project: Path, drawings: dict[str, str],
                 part: Part | None = None, inline_css: bool = True) -> str:
    """The print HTML. With `inline_css` False the stylesheet is left out, for a renderer that
    passes one parsed copy to every part."""
    url = url_mapper(project, drawings)
    group_numbers = {ch.id: index for index, ch in enumerate(book.groups, start=1)}
    html = render("print/handout.html.j2", book=book, paper=paper,
                  fonts_css=fonts_css() if inline_css else "",
                  stylesheet=Markup(handout_stylesheet(paper)) if inline_css else "",
                  group_numbers=group_numbers, url=url, part=part,
                  toc_pages=dict(part.toc_pages) if part and part.toc_pages else None)
    # Prose images were rendered by the Markdown stage with internal URLs.
    html = _map_sources(html, url)
    present = {part.chapter} if part else {chapter.id for chapter in book.chapters}
    return map_chapter_links(html, present, lambda chapter_id, anchor: f"#{anchor or chapter_id}")


def quick_reference_html(book: Book, paper: Paper, scale: float = 1.0) -> str:
    return render("print/quick-reference.html.j2", book=book, paper=paper, fonts_css=fonts_css(),
                  stylesheet=Markup(read_layout("print/quick-reference.css")), scale=scale, phases=PHASES)
