"""The A4 handout as the preview shows it first: rendered chapter by chapter, each part cached.

Every chapter starts on a new page, so a chapter's pages depend only on its own content, the
printed number of its first page and its side (the booklet relies on the same fact). A save in
one chapter then re-renders that chapter alone, in well under the time of the whole tagged
handout, which the full build renders next for the files themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import papers
from ..cache import Cache, key_for
from ..model import Book
from ..print_html import Part, fonts_css, handout_html, handout_stylesheet
from ..proof import Finding

FRONT_PAGES_GUESS = 2  # cover and contents; corrected if the contents run longer
NAME = "handout-a4.pdf"


@dataclass(frozen=True)
class PreviewPart:
    pdf: bytes
    pages: int


@dataclass(frozen=True)
class Preview:
    parts: tuple[PreviewPart, ...]  # in page order: front matter, chapters, notes
    front_pages: int
    findings: tuple[Finding, ...]

    @property
    def pages(self) -> int:
        return sum(part.pages for part in self.parts)


class PartRenderer:
    """Renders parts of one paper's handout, keeping the parsed stylesheet between builds
    while the stylesheet is unchanged (parsing it is a good share of a one-chapter render)."""

    def __init__(self, paper: str = "a4"):
        self.paper = papers.paper(paper)
        self._style = None  # (css, SharedStyle)

    def render(self, book: Book, context) -> Preview:
        from ..pdf import SharedStyle, render_pdf

        cache = Cache(context.cache_folder)
        css = str(fonts_css()) + handout_stylesheet(self.paper, context.templates())

        def part_pdf(part: Part) -> tuple[PreviewPart, list]:
            # The cover's own size rules sit in the page before the stylesheet, and a shared
            # stylesheet would come after them: the front matter keeps its stylesheet inline.
            inline = part.front
            html = handout_html(book, self.paper, context, part, inline_css=inline)
            key = key_for("preview-part", self.paper.name, css, html)
            hit = cache.get(key)
            if hit:
                return PreviewPart(hit[0], hit[1]["pages"]), hit[1]["findings"]
            if not inline and (self._style is None or self._style[0] != css):
                self._style = (css, SharedStyle(css, NAME, context.project, context.allowed_roots))
            rendered = render_pdf(html, NAME, context.project, context.allowed_roots,
                                  shared=None if inline else self._style[1], tagged=False, epoch=context.epoch,
                                  subsetter=context.subsetter)
            findings = [f.to_json() for f in rendered.findings]
            cache.put(key, rendered.pdf, {"pages": rendered.pages, "findings": findings})
            return PreviewPart(rendered.pdf, rendered.pages), findings

        front_pages = FRONT_PAGES_GUESS
        for _ in range(3):  # the contents' length decides where the first chapter starts
            body, contents, start, found = [], {}, 1, []
            for chapter in book.chapters:
                part, part_findings = part_pdf(Part(chapter=chapter.id, start=start,
                                                    left_first=_left(front_pages, start)))
                body.append(part)
                found += [(start, f) for f in part_findings]
                contents[chapter.id] = str(start)
                start += part.pages
            notes, part_findings = part_pdf(Part(notes=True, notes_pages=1, start=start,
                                                 left_first=_left(front_pages, start)))
            body.append(notes)
            found += [(start, f) for f in part_findings]
            contents["notes"] = str(start)
            front, front_findings = part_pdf(Part(front=True, toc_pages=tuple(contents.items())))
            if front.pages == front_pages:
                break
            front_pages = front.pages
        findings = [Finding.from_json(NAME, f) for f in front_findings]
        findings += [Finding.from_json(NAME, [page + front_pages + part_start - 1, rule, message])
                     for part_start, (page, rule, message) in found]
        return Preview((front, *body), front_pages, tuple(findings))


def _left(front_pages: int, start: int) -> bool:
    """Whether the page printed as `start` is a left-hand one (the cover is a right one)."""
    return (front_pages + start - 1) % 2 == 1
