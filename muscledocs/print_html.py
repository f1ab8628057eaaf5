"""Render the print HTML (handout, quick reference) for one paper size from the Book model.

The HTML is self-contained: CSS inline, drawings as data: URIs, fonts and project images as
absolute file: URLs, so the bare `weasyprint` command renders exactly what the builder does.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache

from markupsafe import Markup

from .model import PHASES, Book
from .papers import Paper
from .typefaces import FONT_DIRS, FONT_FACES, font_files  # noqa: F401 (FONT_* re-exported for the renderers)
from .typography import apply_hyphenation_rules, balanced_lines, keep_compounds_whole, read_exceptions, smarten
from .urls import rewrite_urls, split_chapter_url

COVER_TITLE_FONT = next(path for family, path, weight, style in font_files()
                        if family == "Source Sans Pro" and weight == 700 and style == "normal")


@cache
def fonts_css() -> str:
    """@font-face rules for the project's own typefaces, installed with it from PyPI."""
    rules = []
    for family, path, weight, style in font_files():
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                     f"font-weight: {weight}; font-style: {style}; }}")
    return Markup("\n".join(rules))  # our own trusted CSS, not chapter text


def print_url(url: str, present: set[str], context) -> str | None:
    """The print formats' URLs: drawings as data: URIs and project files as file: URLs (so the
    HTML renders the same with the bare `weasyprint` command), chapters as in-document anchors."""
    if url.startswith("chapter:"):
        chapter, anchor = split_chapter_url(url)
        return f"#{anchor or chapter}" if chapter in present else None
    if url.startswith("figure:"):
        svg = context.drawings[url.removeprefix("figure:")].encode("utf-8")
        return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return (context.project / url).resolve().as_uri()  # assets/...


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


def handout_stylesheet(paper: Paper, templates) -> str:
    return templates.read("print/handout.css") + (templates.read("print/booklet-page.css") if paper.compact else "")


def handout_html(book: Book, paper: Paper, context, part: Part | None = None, inline_css: bool = True) -> str:
    """The print HTML. With `inline_css` False the stylesheet is left out, for a renderer that
    passes one parsed copy to every part."""
    templates = context.templates()
    group_numbers = {ch.id: index for index, ch in enumerate(book.groups, start=1)}
    cover_width = (paper.width_mm - 2 * paper.cover_margin_mm) * 72 / 25.4
    html = templates.render("print/handout.html.j2", book=book, t=book.strings, paper=paper,
                  cover_title=balanced_lines(smarten(book.title), COVER_TITLE_FONT, paper.cover_title_pt, cover_width),
                  cover_map_alt=cover_map_alt(book),
                  fonts_css=fonts_css() if inline_css else "",
                  stylesheet=Markup(handout_stylesheet(paper, templates)) if inline_css else "",
                  group_numbers=group_numbers, part=part,
                  toc_pages=dict(part.toc_pages) if part and part.toc_pages else None)
    present = {part.chapter} if part else {chapter.id for chapter in book.chapters}
    html = rewrite_urls(html, lambda url: print_url(url, present, context))
    head, body = _split_at_body(html)
    return head + apply_hyphenation_rules(body, read_exceptions(templates.read("print/hyphenation.txt")))


def cover_map_alt(book: Book) -> str:
    t = book.strings
    return t("cover.map_alt", groups=t.list(chapter.title for chapter in book.groups))


# Up to this many groups, the quick reference has room for every move and the cues too.
DETAILED_UP_TO = 3


def quick_reference_html(book: Book, paper: Paper, context, font_size: str) -> str:
    """The quick reference at `font_size` (the builder passes pdf.FIT_SLOT and fits it)."""
    templates = context.templates()
    html = templates.render("print/quick-reference.html.j2", book=book, t=book.strings, paper=paper,
                            fonts_css=fonts_css(),
                            stylesheet=Markup(templates.read("print/quick-reference.css")),
                            font_size=Markup(font_size), phases=PHASES, detailed=len(book.groups) <= DETAILED_UP_TO)
    html = rewrite_urls(html, lambda url: print_url(url, set(), context))
    head, body = _split_at_body(html)
    return head + keep_compounds_whole(body)


def _split_at_body(html: str) -> tuple[str, str]:
    """(everything up to and including the <body ...> tag, the rest): what is typeset."""
    end = html.index(">", html.index("<body")) + 1
    return html[:end], html[end:]
