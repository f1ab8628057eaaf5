"""Where each structure element and each piece of marked content came from in the HTML.

WeasyPrint builds its structure tree page by page from the laid-out boxes, and keeps nothing
of the HTML in it: no ids, no classes, no ARIA. To repair the tree by HTML semantics rather
than by guessing from the PDF, `recording()` watches WeasyPrint build the tree (it wraps
`weasyprint.pdf.tags._build_box_tree`, which WeasyPrint 70 calls once per box, recursively)
and notes, for every structure element, the HTML element (or pseudo-element) it was made for,
and, for every marked-content sequence, the text drawn in it and whether it is a running head,
a page number or a leader. A box split across pages is the same HTML element on every page,
which is what lets the repair join the pieces into one element.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    """The HTML behind one structure element."""

    node: int  # the same number on every page the element continues on
    tag: str  # the box's tag: "section", "a", "a::after", "li::marker"...
    role: str  # the structure type WeasyPrint gave it: "/Sect", "/LI"...
    anonymous: bool  # a box CSS generated around content (no element of its own)
    element: object  # the lxml element (for a pseudo-element: the element it belongs to)

    @property
    def key(self) -> tuple:
        return self.node, self.tag, self.role, self.anonymous

    def attribute(self, name: str) -> str | None:
        return None if self.anonymous else self.element.get(name)

    def text(self) -> str:
        return " ".join("".join(self.element.itertext()).split())


@dataclass
class Run:
    """One marked-content sequence: a piece of text (or an image) WeasyPrint painted."""

    text: str | None
    node: int | None  # the HTML element the text belongs to
    margin: str | None = None  # "@top-center"... for running heads and page numbers
    leader: bool = False  # a leader() dot
    hyphen: str = ""  # the hyphen a line break added at the end of the text
    continues_in: tuple[int, int] | None = None  # (page, mcid) of the rest of a broken word


@dataclass
class Origins:
    elements: dict[int, Origin] = field(default_factory=dict)  # structure element object number ->
    runs: dict[tuple[int, int], Run] = field(default_factory=dict)  # (page index, MCID) ->
    page_heights: list[float] = field(default_factory=list)  # in PDF points
    _nodes: dict[int, int] = field(default_factory=dict)
    _keep: list = field(default_factory=list)  # keeps the elements numbered alive
    _text_boxes: list = field(default_factory=list)

    def node(self, element) -> int | None:
        if element is None:
            return None
        if id(element) not in self._nodes:
            self._nodes[id(element)] = len(self._nodes)
            self._keep.append(element)
        return self._nodes[id(element)]

    def add_element(self, element, box) -> None:
        number = element.number
        if number in self.elements or box.element is None:
            return  # already noted by the inner call (html, body and pages pass their children up)
        from weasyprint.css import AnonymousStyle

        self.elements[number] = Origin(self.node(box.element), box.element_tag, str(element["S"]),
                                       isinstance(box.style, AnonymousStyle), box.element)

    def add_page(self, page_number: int, page_box, tags: dict) -> None:
        from weasyprint.formatting_structure import boxes

        while len(self.page_heights) <= page_number:
            self.page_heights.append(0.0)
        self.page_heights[page_number] = page_box.margin_height() * 0.75  # CSS px -> pt

        def walk(box, margin, leader):
            box = getattr(box, "_box", box)  # an absolutely positioned box's placeholder
            if isinstance(box, boxes.MarginBox):
                margin = box.at_keyword
            leader = leader or box.is_leader
            if box in tags:
                text = box.text if isinstance(box, boxes.TextBox) else None
                run = Run(text, self.node(box.element), margin, leader)
                self.runs[page_number, tags[box]["mcid"]] = run
                if text is not None and not margin and not leader:
                    self._text_boxes.append((box, (page_number, tags[box]["mcid"])))
            for child in getattr(box, "children", ()):
                walk(child, margin, leader)

        walk(page_box, None, False)

    def find_broken_words(self) -> None:
        """Mark each run that ends in a hyphen the line breaking added (not one the text has)."""
        following: dict[int, tuple] = {}
        for box, where in reversed(self._text_boxes):
            node = self.node(box.element)
            hyphen = box.style["hyphenate_character"]
            after = following.get(node)
            following[node] = (box, where)
            if not hyphen or not box.text.endswith(hyphen) or after is None:
                continue
            head = box.text[: -len(hyphen)].split()[-1:] or [""]
            tail = after[0].text.split()[:1] or [""]
            if not head[0] or not tail[0]:
                continue
            source = "".join(box.element.itertext()).replace("\u00ad", "")
            word = head[0] + tail[0]
            if word in source and head[0] + hyphen + tail[0] not in source:
                run = self.runs[where]
                run.hyphen, run.continues_in = hyphen, after[1]
        self._text_boxes.clear()


@contextmanager
def recording():
    """Note the origins of the structure WeasyPrint writes inside this block."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags

    origins = Origins()
    build = tags._build_box_tree

    def noting_build(box, parent, pdf, page_number, nums, annotations, page_tags):
        if isinstance(box, boxes.PageBox):
            origins.add_page(page_number, box, page_tags)
        for element in build(box, parent, pdf, page_number, nums, annotations, page_tags):
            origins.add_element(element, getattr(box, "_box", box))
            yield element

    tags._build_box_tree = noting_build
    try:
        yield origins
    finally:
        tags._build_box_tree = build
    origins.find_broken_words()
