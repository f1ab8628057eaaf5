"""Where each page of the printed A4 handout begins, taken from the actual render.

Labels follow the printed numbers: lower-case roman for the front matter (cover, contents),
then 1, 2, 3... from the first chapter. The EPUB uses this to place page-break markers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


def roman(number: int) -> str:
    numerals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def page_label(index: int, front_pages: int) -> str:
    """The printed number of the page at 0-based `index`."""
    return roman(index + 1) if index < front_pages else str(index - front_pages + 1)


@dataclass(frozen=True)
class Page:
    index: int
    label: str
    anchors: tuple[str, ...]  # ids of elements that start on this page, top to bottom


@dataclass(frozen=True)
class PageMap:
    pages: tuple[Page, ...]
    front_pages: int

    @classmethod
    def from_anchors(cls, page_anchors: list[list[str]], front_pages: int) -> PageMap:
        return cls(tuple(Page(i, page_label(i, front_pages), tuple(a))
                         for i, a in enumerate(page_anchors)), front_pages)

    def body_pages(self) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if p.index >= self.front_pages)

    def to_json(self) -> str:
        return json.dumps({"front_pages": self.front_pages,
                           "pages": [list(p.anchors) for p in self.pages]}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> PageMap:
        data = json.loads(text)
        return cls.from_anchors(data["pages"], data["front_pages"])
