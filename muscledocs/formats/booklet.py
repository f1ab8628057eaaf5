"""Booklet pages rendered part by part, each part cached (handout_parts.py), then merged and
imposed. Imposed sheets carry no PDF tags or links anyway, so assembling them from parts loses
nothing. The booklet is a print imposition and claims no PDF/UA: a reader with a screen reader
takes the handout."""

from __future__ import annotations

import io
from dataclasses import dataclass

from .. import papers
from ..cache import key_for
from ..handout_parts import PartRenderer
from ..model import Book
from ..print_html import handout_html, print_url
from .base import Context, Format, Job, Result, Settings, _count


@dataclass(frozen=True)
class BookletJob:
    book: Book
    paper: str  # the page size: "a5" or "half-letter"
    sheet: str  # the sheet it is imposed on: "a4" or "letter"


class Booklet(Format):
    name = "booklet"
    summary = "fold-and-staple booklet (print duplex, flip on the short edge, fold, staple)"
    group = "pdf"

    def plan(self, book: Book, settings: Settings, context: Context) -> list[Job]:
        jobs = []
        for sheet in settings.papers:
            page = papers.folded(sheet)
            if page is None:
                continue  # this paper makes no booklet
            html = handout_html(book, page, context)
            jobs.append(Job(self.name, f"booklet-{sheet}.pdf", key_for(self.name, sheet, html),
                            BookletJob(book, page.name, sheet), weight=2 * len(html)))
        return jobs

    def render(self, job: Job, context: Context, needed: dict[str, Result]) -> Result:
        return render_booklet(job.name, job.payload, context)

    def url(self, url: str, present: set[str], context: Context) -> str | None:
        return print_url(url, present, context)

    def describe(self, result: Result) -> str:
        return _count(result.sheets, "sheet side")

    def files(self, papers_: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(f"booklet-{p}.pdf", self.summary) for p in papers_ if papers.folded(p)]


def render_booklet(name: str, job: BookletJob, context: Context) -> Result:
    """The imposed booklet; its proof findings are numbered by booklet page (the cover is 1)."""
    # Imported here so that the EPUB-only and no-op paths never load pypdf or WeasyPrint.
    from ..imposition import impose_booklet, page_order

    # Notes pages fill the booklet to whole sheets (four pages each), the back cover last.
    parts = PartRenderer(papers.paper(job.paper), name).render(job.book, context, pad_to=4, back=True)
    merged = merge([part.pdf for part in parts.parts])
    return Result(impose_booklet(merged, job.sheet), parts.pages, list(parts.findings),
                  sheets=len(page_order(parts.pages)))


def merge(pdfs: list[bytes]) -> bytes:
    """One PDF of all the parts' pages, with the first part's title, author and language, and
    each typeface embedded once (font_subsets): the parts' subsets of a font become one."""
    import pikepdf

    from ..font_subsets import merge_font_subsets

    merged = pikepdf.new()
    parts = [pikepdf.open(io.BytesIO(data)) for data in pdfs]
    for part in parts:
        merged.pages.extend(part.pages)
    info = parts[0].docinfo
    for key in ("/Title", "/Author", "/Subject"):
        if key in info:
            merged.docinfo[key] = info[key]
    if "/Lang" in parts[0].Root:
        merged.Root.Lang = parts[0].Root.Lang
    merge_font_subsets(merged)
    out = io.BytesIO()
    merged.save(out, deterministic_id=True)
    return out.getvalue()
