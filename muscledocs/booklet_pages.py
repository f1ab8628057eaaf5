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
from pathlib import Path

from .cache import Cache, key_for
from .model import Book
from .print_html import PAPERS, Part, fonts_css, handout_html, handout_stylesheet

FRONT_PAGES_GUESS = 2  # cover and contents; corrected if the contents run onto a second page


@dataclass(frozen=True)
class BookletJob:
    name: str
    book: Book
    drawings: dict[str, str]
    paper: str  # the page size: "a5" or "half-letter"
    sheet: str  # the sheet it is imposed on: "a4" or "letter"
    project: Path
    allowed_roots: tuple[Path, ...]
    cache_folder: Path


def render_booklet(job: BookletJob) -> tuple[bytes, dict]:
    """The imposed booklet, and {"pages": booklet pages before imposition, "sheets": sheet sides,
    "findings": the page proof's findings, numbered by booklet page (the cover is page 1)}."""
    # Imported here so that the EPUB-only and no-op paths never load pypdf or WeasyPrint.
    from .booklet import impose_booklet, page_order
    from .pdf import SharedStyle, render_pdf

    paper = PAPERS[job.paper]
    cache = Cache(job.cache_folder)
    css = str(fonts_css()) + handout_stylesheet(paper)
    shared: list[SharedStyle] = []  # parsed only if some part is not in the cache

    def part_pdf(part: Part) -> tuple[bytes, int, list]:
        """The part's PDF, its page count and its proof findings (numbered from its first page)."""
        html = handout_html(job.book, paper, job.project, job.drawings, part, inline_css=False)
        key = key_for("booklet-part", paper.name, css, html)  # the HTML leaves the stylesheet out
        hit = cache.get(key)
        if hit:
            return hit[0], hit[1]["pages"], hit[1]["findings"]
        if not shared:
            shared.append(SharedStyle(css, job.name, job.project, job.allowed_roots))
        rendered = render_pdf(html, job.name, job.project, job.allowed_roots, shared=shared[0], tagged=False)
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
    return impose_booklet(merged, job.sheet), {"pages": pages, "sheets": len(page_order(pages)),
                                               "findings": booklet_findings}


def _left(front_pages: int, start: int) -> bool:
    """Whether the booklet page printed as `start` is a left-hand page (the cover is a right one)."""
    return (front_pages + start - 1) % 2 == 1


def merge(pdfs: list[bytes]) -> bytes:
    """One PDF of all the parts' pages, with the first part's title, author and language, and
    each typeface embedded once (font_subsets): the parts' subsets of a font become one."""
    import pikepdf

    from .font_subsets import merge_font_subsets

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
