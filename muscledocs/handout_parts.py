"""A handout rendered part by part (the front matter, each chapter, the notes, and for a booklet
its back cover), each part cached on its own.

Every chapter starts on a new page, so a chapter's pages depend only on its own content, the
printed number of its first page and whether that page is a left-hand one. A one-chapter edit
then re-renders that chapter alone. The booklet is assembled this way, and so is the preview
server's first view of the A4 handout. The parts are untagged: the tagged handouts stay whole
renders, as their structure tree must be one piece.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cache import Cache, key_for
from .model import Book
from .papers import Paper
from .print_html import Part, fonts_css, handout_html, handout_stylesheet
from .proof import Finding

FRONT_PAGES_GUESS = 2  # cover and contents; corrected if the contents run onto another page


@dataclass(frozen=True)
class RenderedPart:
    pdf: bytes
    pages: int


@dataclass(frozen=True)
class Parts:
    parts: tuple[RenderedPart, ...]  # in page order: front matter, chapters, notes, back cover
    front_pages: int
    findings: tuple[Finding, ...]  # numbered by the page of the whole (the cover is 1)

    @property
    def pages(self) -> int:
        return sum(part.pages for part in self.parts)


class PartRenderer:
    """Renders the parts of one paper's handout. The parsed stylesheet is kept while it is
    unchanged, across renders too (parsing it is a good share of a one-chapter render)."""

    def __init__(self, paper: Paper, name: str):
        self.paper = paper
        self.name = name  # the output the findings name
        self._style = None  # (css, SharedStyle)

    def render(self, book: Book, context, pad_to: int = 1, back: bool = False) -> Parts:
        """The parts of `book`. The notes fill the whole to a multiple of `pad_to` pages (at
        least one notes page); `back` adds an outside back cover as the last page."""
        cache = Cache(context.cache_folder)
        css = str(fonts_css()) + handout_stylesheet(self.paper, context.templates())

        def part_pdf(part: Part) -> tuple[RenderedPart, list]:
            """The part and its findings, numbered from its own first page."""
            from .pdf import SharedStyle, render_pdf

            html = handout_html(book, self.paper, context, part, inline_css=False)
            # The HTML leaves the stylesheet out; the epoch and subsetter change the bytes too.
            key = key_for("handout-part", self.paper.name, css, html, str(context.epoch), context.subsetter)
            hit = cache.get(key)
            if hit:
                return RenderedPart(hit[0], hit[1]["pages"]), hit[1]["findings"]
            if self._style is None or self._style[0] != css:
                self._style = (css, SharedStyle(css, self.name, context.project, context.allowed_roots))
            rendered = render_pdf(html, self.name, context.project, context.allowed_roots, shared=self._style[1],
                                  tagged=False, epoch=context.epoch, subsetter=context.subsetter)
            findings = [f.to_json() for f in rendered.findings]
            cache.put(key, rendered.pdf, {"pages": rendered.pages, "findings": findings})
            return RenderedPart(rendered.pdf, rendered.pages), findings

        front_pages = FRONT_PAGES_GUESS
        for _ in range(3):  # the contents' length decides which side the first chapter starts on
            body, contents, start, found = [], {}, 1, []
            for chapter in book.chapters:
                rendered, part_findings = part_pdf(Part(chapter=chapter.id, start=start,
                                                        left_first=_left(front_pages, start)))
                body.append(rendered)
                found += [(start, finding) for finding in part_findings]
                contents[chapter.id] = str(start)
                start += rendered.pages
            so_far = front_pages + start - 1 + (1 if back else 0)
            notes, part_findings = part_pdf(Part(notes=True, notes_pages=(-so_far) % pad_to or pad_to, start=start,
                                                 left_first=_left(front_pages, start)))
            body.append(notes)
            found += [(start, finding) for finding in part_findings]
            contents["notes"] = str(start)
            start += notes.pages
            front, front_findings = part_pdf(Part(front=True, toc_pages=tuple(contents.items())))
            if front.pages == front_pages:
                break
            front_pages = front.pages
        if back:
            cover, back_findings = part_pdf(Part(back=True))
            body.append(cover)
            found += [(start, finding) for finding in back_findings]
        # A part's findings count from its own first page; in the whole it follows the front
        # matter and the parts before it.
        findings = [Finding.from_json(self.name, f) for f in front_findings]
        findings += [Finding.from_json(self.name, [page + front_pages + part_start - 1, rule, message])
                     for part_start, (page, rule, message) in found]
        return Parts((front, *body), front_pages, tuple(findings))


def _left(front_pages: int, start: int) -> bool:
    """Whether the page printed as `start` is a left-hand one (the cover is a right one)."""
    return (front_pages + start - 1) % 2 == 1
