"""The printed handout: one tagged PDF (PDF/UA-1) per paper, with a cover, contents, running
heads, page numbers and labels, the chapters, the glossary and a notes page."""

from __future__ import annotations

from dataclasses import dataclass

from .. import papers
from ..cache import key_for
from ..model import Book
from ..print_html import handout_html, print_url
from .base import Context, Format, Job, Result, Settings, document_id


@dataclass(frozen=True)
class HandoutJob:
    html: str
    first_body_anchor: str | None  # the element page 1 starts with: pages before it are i, ii...
    document_id: bytes


class Handout(Format):
    name = "handout"
    summary = "the printed handout"
    group = "pdf"

    def plan(self, book: Book, settings: Settings, context: Context) -> list[Job]:
        return [self.job(book, paper, context) for paper in settings.papers]

    def job(self, book: Book, paper: str, context: Context, write: bool = True) -> Job:
        """The handout on one paper (the EPUB asks for the one its page list follows)."""
        name = f"handout-{paper}.pdf"
        html = handout_html(book, papers.paper(paper), context)
        first = book.chapters[0].id if book.chapters else None
        return Job(self.name, name, key_for(self.name, "", html), HandoutJob(html, first, document_id(book, name)),
                   write=write, weight=len(html), html=html)

    def render(self, job: Job, context: Context, needed: dict[str, Result]) -> Result:
        from ..pdf import render_pdf

        payload: HandoutJob = job.payload
        rendered = render_pdf(payload.html, job.name, context.project, context.allowed_roots,
                              payload.first_body_anchor, payload.document_id, epoch=context.epoch,
                              subsetter=context.subsetter)
        return Result(rendered.pdf, rendered.pages, rendered.findings, rendered.page_anchors, rendered.front_pages)

    def url(self, url: str, present: set[str], context: Context) -> str | None:
        return print_url(url, present, context)

    def files(self, papers_: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(f"handout-{p}.pdf", self.summary) for p in papers_]
