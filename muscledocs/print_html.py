"""Render the print HTML (handout, quick reference) for one paper size from the Book model.

The HTML is self-contained: CSS inline, drawings as data: URIs, fonts and project images as
absolute file: URLs, so the bare `weasyprint` command renders exactly what the builder does.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from html import escape, unescape
from pathlib import Path

from markupsafe import Markup

from .chapter_links import map_chapter_links
from .model import PHASES, Book
from .templates import read_layout, render
from .typefaces import FONT_DIRS, FONT_FACES, font_files  # noqa: F401 (FONT_* re-exported for the renderers)
from .typography import apply_hyphenation_rules, balanced_lines, read_exceptions, smarten


@dataclass(frozen=True)
class Paper:
    """A page size and its text block. The block is the same width on papers of one kind, so
    that running text sets at about 70 characters a line on each; the outer margin takes
    the rest (room for notes)."""

    name: str
    size: str  # CSS @page size
    width_mm: float
    height_mm: float
    note_lines: int  # ruled lines that fill the notes page
    block_mm: float = 130  # width of the text block
    inner_mm: float = 26  # binding margin; the outer margin is what the block leaves
    top_mm: float = 20
    bottom_mm: float = 22
    booklet_page: bool = False  # half a folded sheet: layouts/print/booklet-page.css applies
    cover_margin_mm: float = 18  # the cover's margins
    cover_title_pt: float = 42  # the cover title's size

    @property
    def outer_mm(self) -> float:
        return round(self.width_mm - self.inner_mm - self.block_mm, 2)


PAPERS = {
    "a4": Paper("a4", "A4", 210, 297, 22),
    "letter": Paper("letter", "letter", 215.9, 279.4, 20),
    "a5": Paper("a5", "A5", 148, 210, 14, block_mm=112, inner_mm=19, top_mm=14, bottom_mm=16,
                booklet_page=True, cover_margin_mm=14, cover_title_pt=29),
    "half-letter": Paper("half-letter", "5.5in 8.5in", 139.7, 215.9, 14, block_mm=108, inner_mm=17, top_mm=14,
                         bottom_mm=16, booklet_page=True, cover_margin_mm=13, cover_title_pt=28),
}
COVER_TITLE_FONT = next(path for family, path, weight, style in font_files()
                        if family == "Source Sans Pro" and weight == 700 and style == "normal")
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
    # Markup: a URL is never typeset, so the templates' typographer must leave it alone.
    def url(src: str) -> Markup:
        if src.startswith("figure:"):
            svg = drawings[src.removeprefix("figure:")].encode("utf-8")
            return Markup("data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"))
        if src.startswith("assets/"):
            return Markup((project / src).resolve().as_uri())
        return Markup(escape(src))
    return url


def _map_sources(html: str, url) -> str:
    return SRC_ATTR.sub(lambda m: f'src="{url(unescape(m.group(1)))}"', html)


@dataclass(frozen=True)
class Part:
    """A slice of the handout rendered on its own. Booklet pages are rendered chapter by
    chapter so that an edit re-renders one chapter, not the whole booklet."""

    front: bool = False  # the cover and the contents
    chapter: str = ""  # one chapter's id
    notes: bool = False
    notes_pages: int = 1  # the booklet pads itself to whole sheets with notes pages
    back: bool = False  # the booklet's outside back cover
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
    cover_width = (paper.width_mm - 2 * paper.cover_margin_mm) * 72 / 25.4
    html = render("print/handout.html.j2", book=book, paper=paper,
                  cover_title=balanced_lines(smarten(book.title), COVER_TITLE_FONT, paper.cover_title_pt, cover_width),
                  cover_map_alt=cover_map_alt(book),
                  fonts_css=fonts_css() if inline_css else "",
                  stylesheet=Markup(handout_stylesheet(paper)) if inline_css else "",
                  group_numbers=group_numbers, url=url, part=part,
                  toc_pages=dict(part.toc_pages) if part and part.toc_pages else None)
    # Prose images were rendered by the Markdown stage with internal URLs.
    html = _map_sources(html, url)
    present = {part.chapter} if part else {chapter.id for chapter in book.chapters}
    html = map_chapter_links(html, present, lambda chapter_id, anchor: f"#{anchor or chapter_id}")
    head, body = html.split("<body", 1)
    return head + "<body" + apply_hyphenation_rules(body, hyphenation_exceptions())


@cache
def hyphenation_exceptions() -> dict[str, str]:
    return read_exceptions(read_layout("print/hyphenation.txt"))


def cover_map_alt(book: Book) -> str:
    groups = [chapter.title.lower() for chapter in book.groups]
    listed = groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + " and " + groups[-1]
    return f"Outline of a runner, front and back, with the {listed} shaded."


# Up to this many groups, the quick reference has room for every move and the cues too.
DETAILED_UP_TO = 3


def quick_reference_html(book: Book, paper: Paper, project: Path, drawings: dict[str, str], font_size: str) -> str:
    """The quick reference at `font_size` (the builder passes pdf.FIT_SLOT and fits it)."""
    url = url_mapper(project, drawings)
    return render("print/quick-reference.html.j2", book=book, paper=paper, fonts_css=fonts_css(),
                  stylesheet=Markup(read_layout("print/quick-reference.css")), font_size=Markup(font_size),
                  phases=PHASES, url=url, detailed=len(book.groups) <= DETAILED_UP_TO)
