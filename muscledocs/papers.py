"""The papers the print outputs come on: one registry, the data every part of the builder reads
(the command line's choices, edition files, page CSS, booklet sheets, defaults).

A new paper is one entry here, plus CSS in the layouts if it needs any. A paper that `folds_to`
another makes a booklet: its sheets carry two pages of that paper, folded.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4  # points per millimetre


@dataclass(frozen=True)
class Paper:
    """A page size and its text block. The block is the same width on papers of one kind, so
    that running text sets at about 70 characters a line on each; the outer margin takes the
    rest (room for notes)."""

    name: str
    label: str  # for people, in the builder's messages: "A4", "US Letter" (the outputs print layouts/strings/ [papers])
    size: str  # CSS @page size
    width_mm: float
    height_mm: float
    note_lines: int  # ruled lines that fill the notes page
    block_mm: float = 130  # width of the text block
    inner_mm: float = 26  # binding margin; the outer margin is what the block leaves
    top_mm: float = 20
    bottom_mm: float = 22
    compact: bool = False  # a half-size page: smaller type (layouts/print/booklet-page.css)
    cover_margin_mm: float = 18  # the cover's margins
    cover_title_pt: float = 42  # the cover title's size
    folds_to: str | None = None  # the booklet: this paper folded holds two pages of that one
    default: bool = False  # built when no --paper is given

    @property
    def outer_mm(self) -> float:
        return round(self.width_mm - self.inner_mm - self.block_mm, 2)

    @property
    def points(self) -> tuple[float, float]:
        """(width, height) in PDF points, portrait."""
        return self.width_mm * MM, self.height_mm * MM


PAPERS: dict[str, Paper] = {
    "a4": Paper("a4", "A4", "A4", 210, 297, 22, folds_to="a5", default=True),
    "letter": Paper("letter", "US Letter", "letter", 215.9, 279.4, 20, folds_to="half-letter", default=True),
    "a5": Paper("a5", "A5", "A5", 148, 210, 14, block_mm=112, inner_mm=19, top_mm=14, bottom_mm=16,
                compact=True, cover_margin_mm=14, cover_title_pt=29),
    "half-letter": Paper("half-letter", "half-letter", "5.5in 8.5in", 139.7, 215.9, 14, block_mm=108, inner_mm=17,
                         top_mm=14, bottom_mm=16, compact=True, cover_margin_mm=13, cover_title_pt=28),
}


def paper(name: str) -> Paper:
    return PAPERS[name]


def names() -> tuple[str, ...]:
    return tuple(PAPERS)


def defaults() -> tuple[str, ...]:
    return tuple(name for name, entry in PAPERS.items() if entry.default)


def folded(sheet: str) -> Paper | None:
    """The page paper a booklet on `sheet` has, or None if that paper makes no booklet."""
    target = PAPERS[sheet].folds_to
    return PAPERS[target] if target else None
