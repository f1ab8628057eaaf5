"""Booklet pages rendered chapter by chapter, each part cached, then merged and imposed.

Every chapter starts on a new page, so a chapter's pages depend only on its own content, the
printed number of its first page and whether that page is a left-hand one. Rendering the
booklet in parts lets a one-chapter edit re-render that chapter instead of the whole booklet
(the parts, sharing one parsed stylesheet, cost no more than one whole render). Imposed sheets
carry no PDF tags or links anyway, so assembling them from parts loses nothing. The handouts
stay whole renders: they are tagged, and their structure tree must be one piece. The booklet
is a print imposition and claims no PDF/UA: a reader with a screen reader takes the handout.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from .. import papers
from ..cache import Cache, key_for
from ..model import Book
from ..print_html import Part, fonts_css, handout_html, handout_stylesheet, print_url
from ..proof import Finding
from .base import Context, Format, Job, Result, Settings, _count

FRONT_PAGES_GUESS = 2  # cover and contents; corrected if the contents run onto a second page


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
    from ..pdf import SharedStyle, render_pdf

    paper = papers.paper(job.paper)
    cache = Cache(context.cache_folder)
    css = str(fonts_css()) + handout_stylesheet(paper, context.templates())
    shared: list[SharedStyle] = []  # parsed only if some part is not in the cache

    def part_pdf(part: Part) -> tuple[bytes, int, list]:
        """The part's PDF, its page count and its proof findings (numbered from its first page)."""
        html = handout_html(job.book, paper, context, part, inline_css=False)
        # The HTML leaves the stylesheet out; the epoch and subsetter change the bytes too.
        key = key_for("booklet-part", paper.name, css, html, str(context.epoch), context.subsetter)
        hit = cache.get(key)
        if hit:
            return hit[0], hit[1]["pages"], hit[1]["findings"]
        if not shared:
            shared.append(SharedStyle(css, name, context.project, context.allowed_roots))
        rendered = render_pdf(html, name, context.project, context.allowed_roots, shared=shared[0], tagged=False,
                              epoch=context.epoch, subsetter=context.subsetter)
        findings = [f.to_json() for f in rendered.findings]
        cache.put(key, rendered.pdf, {"pages": rendered.pages, "findings": findings})
        return rendered.pdf, rendered.pages, findings

    front_pages = FRONT_PAGES_GUESS
    for _ in range(3):  # the contents' length decides which side the first chapter starts on
        body, contents, start, findings = [], {}, 1, []
        for chapter in job.book.chapters:
            part = Part(chapter=chapter.id, start=start, left_first=_left(front_pages, start))
            pdf, pages, part_findings = part_pdf(part)
            body.append(pdf)
            findings += [(start, finding) for finding in part_findings]
            contents[chapter.id] = str(start)
            start += pages
        # Notes pages fill the booklet to a multiple of four pages, less the back cover.
        notes_pages = (-(front_pages + start - 1 + 1)) % 4 or 4
        pdf, pages, part_findings = part_pdf(Part(notes=True, notes_pages=notes_pages, start=start,
                                                  left_first=_left(front_pages, start)))
        body.append(pdf)
        findings += [(start, finding) for finding in part_findings]
        contents["notes"] = str(start)
        start += pages
        front, pages, front_findings = part_pdf(Part(front=True, toc_pages=tuple(contents.items())))
        if pages == front_pages:
            break
        front_pages = pages
    back, _, back_findings = part_pdf(Part(back=True))
    body.append(back)
    findings += [(start, finding) for finding in back_findings]
    start += 1
    merged = merge([front] + body)
    pages = front_pages + start - 1
    # A part's findings count from its own first page; in the booklet it follows the front
    # matter and the parts before it.
    booklet_findings = front_findings + [[page + front_pages + part_start - 1, rule, message]
                                         for part_start, (page, rule, message) in findings]
    return Result(impose_booklet(merged, job.sheet), pages, [Finding.from_json(name, f) for f in booklet_findings],
                  sheets=len(page_order(pages)))


def _left(front_pages: int, start: int) -> bool:
    """Whether the booklet page printed as `start` is a left-hand page (the cover is a right one)."""
    return (front_pages + start - 1) % 2 == 1


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
