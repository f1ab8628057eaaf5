"""The quick reference: one page per paper with every group at a glance, its type sized by the
builder to fill the page (cards instead of a table for a clinic of few groups)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import papers
from ..cache import key_for
from ..errors import RenderFailed
from ..model import Book
from ..pdf import FIT_SLOT
from ..print_html import print_url, quick_reference_html
from .base import Context, Format, Job, Result, Settings, _count, document_id


@dataclass(frozen=True)
class QuickReferenceJob:
    html: str  # with pdf.FIT_SLOT where the fitted type size goes
    document_id: bytes


class QuickReference(Format):
    name = "quick-reference"
    summary = "one page, every group at a glance"
    group = "pdf"

    def plan(self, book: Book, settings: Settings, context: Context) -> list[Job]:
        jobs = []
        for paper in settings.papers:
            name = f"quick-reference-{paper}.pdf"
            html = quick_reference_html(book, papers.paper(paper), context, FIT_SLOT)
            jobs.append(Job(self.name, name, key_for(self.name, "", html),
                            QuickReferenceJob(html, document_id(book, name)), weight=len(html) // 4))
        return jobs

    def render(self, job: Job, context: Context, needed: dict[str, Result]) -> Result:
        from ..pdf import fit_one_page, render_pdf

        payload: QuickReferenceJob = job.payload
        html = fit_one_page(payload.html, job.name, context.project, context.allowed_roots)
        rendered = render_pdf(html, job.name, context.project, context.allowed_roots, None, payload.document_id,
                              epoch=context.epoch, subsetter=context.subsetter)
        if rendered.pages != 1:
            raise RenderFailed(job.name, ["the quick reference does not fit on one page even at the "
                                          "smallest type size; shorten the summaries or key moves"])
        return Result(rendered.pdf, rendered.pages, rendered.findings)

    def url(self, url: str, present: set[str], context: Context) -> str | None:
        return print_url(url, present, context)

    def describe(self, result: Result) -> str:
        return _count(result.pages, "page")

    def files(self, papers_: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(f"quick-reference-{p}.pdf", self.summary) for p in papers_]
