"""The page proof: what a proofreader checks on every laid-out page, read from WeasyPrint's
own box tree (never by re-reading the PDF), so it costs a walk over boxes already in memory.

`proof_pages(document, output_name)` takes a rendered `weasyprint.Document` and returns a
`Finding` per defect, each printed as `<output> page N: what is wrong`, N being the page's
1-based position in the document (`first_page_number` shifts it, for documents rendered in
parts). The rules, one per kind of defect (`RULES`):

- stranded: a heading (h1-h3), a caption above what it captions, a table header or a term of
  a definition list, followed by fewer than two lines of what it introduces before the page
  ends while the rest goes on overleaf (a heading introduces its parent element's content up
  to the next heading of its rank or higher; a caption or header, its table's rows);
- runt: a page of fewer than five lines of text, other than the cover and the notes page (an
  element of class "cover" or "notes" on it) and deliberate blanks (nothing on them, such as
  the pages `break-before: left` inserts);
  the labels that introduce text (headings, captions, table headers, glossary terms) are not
  counted: a heading and four lines is a page a proofreader sends back;
- split: a table or list broken across pages leaving fewer than three body rows (table) or two
  items (list) on one side of the break;
- figure: a figure on another page than its caption;
- hyphenation: an automatic hyphenation (one the hyphenator added, not a hyphen of the text
  such as "push-off") inside a table cell, leaving fewer than three letters on one side,
  ending a paragraph (its last line is the rest of the word) or ending the page;
- small-text: text smaller than 7 pt, in the page or in an SVG image on it;
- overflow: text reaching outside the page's text block (the area inside its margins), where
  an office printer may cut it off.

The running heads and page numbers (margin boxes) are not part of the page's content and are
skipped. Lines are counted as a reader sees them: a table row is as many lines as its tallest
cell, an image as many lines as its height would hold.

WeasyPrint is imported inside `proof_pages`: the main process imports this module for
`Finding` alone and must not pay for WeasyPrint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RULES = ("stranded", "runt", "split", "figure", "hyphenation", "small-text", "overflow")
OVERFLOW_TOLERANCE_PT = 0.5
MIN_LINES_AFTER = 2  # lines a heading, caption or table header needs below it on its page
MIN_PAGE_LINES = 5
MIN_TABLE_ROWS = 3
MIN_LIST_ITEMS = 2
MIN_HYPHEN_LETTERS = 3
MIN_TEXT_PT = 7.0
EXEMPT_CLASSES = frozenset({"cover", "notes"})  # pages meant to hold little or no text
HEADINGS = {"h1": 1, "h2": 2, "h3": 3}
LISTS = {"ul": "li", "ol": "li", "dl": "dt"}  # list -> the element that makes one item
PX_PER_PT = 4 / 3  # WeasyPrint's computed lengths are CSS px
IMAGE_LINE = 1.2  # an image counts as its height in lines of this many font sizes
LETTERS = r"[^\W\d_]+"


@dataclass(frozen=True)
class Finding:
    output: str
    page: int  # 1-based position of the page in its document (booklet: the unimposed page)
    message: str
    rule: str = ""  # one of RULES

    def __str__(self) -> str:
        return f"{self.output} page {self.page}: {self.message}"

    def to_json(self) -> list:
        return [self.page, self.rule, self.message]

    @classmethod
    def from_json(cls, output: str, data: list) -> Finding:
        page, rule, message = data
        return cls(output, page, message, rule)



def proof_pages(document, output: str, first_page_number: int = 1) -> list[Finding]:
    """Every defect on the laid-out pages of `document` (a rendered weasyprint.Document)."""
    walker = _Walker()
    for index, page in enumerate(document.pages):
        walker.walk_page(index, page._page_box)
    found = sorted(walker.findings(), key=lambda item: item[0])  # stable: rules keep their order
    return [Finding(output, index + first_page_number, message, rule) for index, rule, message in found]


# --- what the walk collects --------------------------------------------------------------------

@dataclass
class _Unit:
    """One line (or row, or image) of content, in document order, with its ancestor elements."""

    page: int
    chain: tuple  # the elements enclosing it, outermost first
    lines: int
    intro: str = ""  # "heading", "caption", "header", "term": it introduces what follows
    element: object = None  # the introducing element
    scope: object = None  # the element whose content it introduces
    rank: int = 0  # heading level


@dataclass
class _Line:
    page: int
    first: str  # text of its first and last text box
    last: str
    hyphen: str  # the hyphenate-character of its last text box
    in_cell: bool


@dataclass
class _Block:
    element: object
    lines: list[_Line] = field(default_factory=list)


@dataclass
class _PageTally:
    blank: bool
    exempt: bool = False
    lines: int = 0  # lines of text, not counting the labels that introduce them
    units: int = 0  # anything at all: lines, labels, images
    small_text: list[tuple[float, str]] = field(default_factory=list)
    overflow: list[tuple[float, str]] = field(default_factory=list)  # (points outside, text)
    block: tuple[float, float] = (0.0, 0.0)  # the text block's left and right edges (px)


class _Walker:
    def __init__(self):
        from weasyprint.formatting_structure import boxes

        self.boxes = boxes
        self.units: list[_Unit] = []
        self.pages: list[_PageTally] = []
        self.blocks: dict[int, _Block] = {}
        self.splits: dict[int, tuple[str, object, dict[int, set]]] = {}  # table/list -> pages -> parts
        self.figures: dict[int, tuple[object, set, set]] = {}  # figure -> image pages, caption pages
        self.images: list[tuple[int, tuple[float, str], int]] = []  # page, (smallest pt, text), count
        self.page = 0

    # - walking -

    def walk_page(self, index: int, page_box) -> None:
        self.page = index
        self.pages.append(_PageTally(blank=bool(getattr(page_box.page_type, "blank", False)),
                                     block=(page_box.content_box_x(), page_box.content_box_x() + page_box.width)))
        for child in page_box.children:
            if not isinstance(child, self.boxes.MarginBox):  # running heads, page numbers
                self._walk(child, (), counted=False, in_cell=False)

    def _walk(self, box, chain: tuple, counted: bool, in_cell: bool) -> None:
        b = self.boxes
        element = box.element
        if element is not None and (not chain or chain[-1] is not element):
            chain = chain + (element,)
            self._note_element(box, element, chain)
        if getattr(box, "is_outside_marker", False):
            return  # a list bullet: part of its item's first line
        tag = box.element_tag
        if isinstance(box, b.LineBox):
            self._line(box, chain, counted, in_cell)
            return
        if isinstance(box, b.ReplacedBox):  # a block-level image
            self._image(box, chain, counted)
            return
        if not counted:
            if tag in HEADINGS and isinstance(box, b.BlockBox):
                self._add(chain, _count_lines(box, b), "heading", element, chain[-2] if len(chain) > 1 else None,
                          HEADINGS[tag])
                counted = True
            elif isinstance(box, b.TableCaptionBox) or tag == "figcaption":
                above = box.style["caption_side"] == "top" if isinstance(box, b.TableCaptionBox) \
                    else _first_child(chain[-2]) is element
                scope = chain[-2] if len(chain) > 1 else None
                self._add(chain, _count_lines(box, b), "caption" if above else "", element, scope)
                counted = True
            elif tag == "dt" and isinstance(box, b.BlockBox):
                self._add(chain, _count_lines(box, b), "term", element, chain[-2] if len(chain) > 1 else None)
                counted = True
            elif isinstance(box, b.TableRowGroupBox) and box.is_header:
                self._add(chain, sum(_row_lines(row, b) for row in box.children), "header", element,
                          _nearest(chain, "table"))
                counted = True
            elif isinstance(box, b.TableRowBox):
                self._add(chain, _row_lines(box, b))
                self._part_of("table", chain, element)
                counted = True
        if isinstance(box, b.TableCellBox):
            in_cell = True
        for child in box.children:
            self._walk(child, chain, counted, in_cell)

    def _note_element(self, box, element, chain) -> None:
        classes = element.get("class")
        if classes and EXEMPT_CLASSES.intersection(classes.split()):
            self.pages[-1].exempt = True
        tag = box.element_tag
        if tag in ("li", "dt") and len(chain) > 1:
            self._part_of("list", chain[:-1], item=element)
        if tag == "figcaption" and len(chain) > 1 and chain[-2].tag == "figure":
            self._figure(chain[-2])[2].add(self.page)

    def _add(self, chain, lines, intro="", element=None, scope=None, rank=0) -> None:
        self.units.append(_Unit(self.page, chain, lines, intro, element, scope, rank))
        self.pages[-1].units += 1
        if not intro:
            self.pages[-1].lines += lines

    def _part_of(self, kind: str, chain: tuple, item) -> None:
        """Count a table row or a list item on this page, for the split rule."""
        for element in reversed(chain):
            if kind == "table" and element.tag == "table":
                break
            if kind == "list" and element.tag in LISTS:
                if LISTS[element.tag] != item.tag:
                    return  # a dd of a definition list, say: not an item of its own
                break
        else:
            return
        entry = self.splits.setdefault(id(element), (kind, element, {}))
        entry[2].setdefault(self.page, set()).add(id(item))

    def _figure(self, element):
        return self.figures.setdefault(id(element), (element, set(), set()))

    def _line(self, line, chain, counted, in_cell) -> None:
        b = self.boxes
        texts: list = []
        images: list = []
        _inline_content(line, b, texts, images)
        if not texts and not images:
            return
        lines = 1
        for image in images:
            lines = max(lines, _image_lines(image))
            self._image(image, chain, counted=True)
        if not counted:
            self._add(chain, lines)
        tally = self.pages[-1]
        left, right = tally.block
        for text in texts:
            size = text.style["font_size"]
            if size < MIN_TEXT_PT * PX_PER_PT and text.text.strip():
                tally.small_text.append((size / PX_PER_PT, text.text))
            outside = max(left - text.position_x, text.position_x + text.width - right) / PX_PER_PT
            if outside > OVERFLOW_TOLERANCE_PT and text.text.strip():
                tally.overflow.append((outside, text.text))
        if texts:
            block = self.blocks.setdefault(id(line.element), _Block(line.element))
            last = texts[-1]
            block.lines.append(_Line(self.page, texts[0].text, last.text, last.style["hyphenate_character"],
                                     in_cell))

    def _image(self, box, chain, counted) -> None:
        if not counted:
            self._add(chain, _image_lines(box))
        figure = _nearest(chain, "figure")
        if figure is not None:
            self._figure(figure)[1].add(self.page)
        self._svg_text(box)

    def _svg_text(self, box) -> None:
        """Text drawn inside an SVG image, at the size the image is scaled to on the page."""
        svg = getattr(getattr(box, "replacement", None), "_svg", None)
        if svg is None:
            return
        from weasyprint.svg.utils import preserve_ratio, size

        root_size = size("12pt")  # where WeasyPrint's SVG drawing starts
        scale, _, _, _ = preserve_ratio(svg, svg.tree, root_size, box.width, box.height)
        smallest = None
        count = 0
        for text, font_size in _svg_texts(svg.tree, root_size, scale):
            pt = font_size / PX_PER_PT
            if pt < MIN_TEXT_PT:
                count += 1
                if smallest is None or pt < smallest[0]:
                    smallest = (pt, text)
        if smallest:
            self.images.append((self.page, smallest, count))

    # - judging -

    def findings(self):
        yield from self._stranded()
        yield from self._runts()
        yield from self._splits()
        yield from self._figures()
        yield from self._hyphenation()
        yield from self._small_text()
        yield from self._overflow()

    def _stranded(self):
        units = self.units
        for index, unit in enumerate(units):
            if not unit.intro or unit.scope is None:
                continue
            after = 0
            for position in range(index + 1, len(units)):
                later = units[position]
                if not any(element is unit.scope for element in later.chain):
                    break  # what it introduces ends on this page
                if later.intro:
                    if later.intro == unit.intro == "term" and later.scope is unit.scope:
                        break  # the next term: this one's definition is complete
                    if later.intro == unit.intro == "heading" and later.rank <= unit.rank:
                        break
                    continue
                if later.page != unit.page:
                    what = {"heading": "heading", "caption": "caption", "header": "table header of",
                            "term": "term"}[unit.intro]
                    label = _label(unit.element) if unit.intro != "header" else _table_label(unit.scope)
                    count = "no lines" if after == 0 else f"only {after} line" + ("s" if after > 1 else "")
                    yield unit.page, "stranded", f'{what} "{label}" is followed by {count} before the page ends'
                    break
                after += later.lines
                if after >= MIN_LINES_AFTER:
                    break

    def _runts(self):
        for index, tally in enumerate(self.pages):
            if tally.blank or tally.exempt or tally.units == 0 or tally.lines >= MIN_PAGE_LINES:
                continue
            count = "no lines" if tally.lines == 0 else f"only {tally.lines} line{'s' if tally.lines != 1 else ''}"
            yield index, "runt", f"{count} of text on the page"

    def _splits(self):
        for kind, element, pages in self.splits.values():
            if len(pages) < 2:
                continue
            least = MIN_TABLE_ROWS if kind == "table" else MIN_LIST_ITEMS
            unit = "row" if kind == "table" else "item"
            for page, parts in sorted(pages.items()):
                if len(parts) < least:
                    name = f'table "{_table_label(element)}"' if kind == "table" \
                        else f'list starting "{_label(_first_item(element))}"'
                    count = f"{len(parts)} {unit}{'s' if len(parts) != 1 else ''}"
                    yield page, "split", f"{name} split leaving {count} on this page"

    def _figures(self):
        for element, image_pages, caption_pages in self.figures.values():
            if image_pages and caption_pages and not image_pages & caption_pages:
                page, caption_page = min(image_pages), min(caption_pages)
                where = {1: "the next page", -1: "the page before"}.get(caption_page - page) \
                    or f"{abs(caption_page - page)} pages {'on' if caption_page > page else 'back'}"
                caption = _label(_caption(element))
                yield page, "figure", f'figure separated from its caption ("{caption}" is on {where})'

    def _hyphenation(self):
        for block in self.blocks.values():
            lines = block.lines
            source = None
            for position, (line, following) in enumerate(zip(lines, lines[1:], strict=False)):
                hyphen = line.hyphen
                if not hyphen or not line.last.endswith(hyphen):
                    continue
                before = re.search(f"({LETTERS}){re.escape(hyphen)}$", line.last)
                after = re.match(f"\\s*({LETTERS})", following.first)
                if not before or not after:
                    continue
                if source is None:
                    source = _source_text(block.element)
                head, tail = before.group(1), after.group(1)
                joined = (head + tail).lower()
                if (head + hyphen + tail).lower() in source or joined not in source:
                    continue  # a hyphen of the text, or not ours to judge
                word = f"{head}-{tail}"
                if line.in_cell:
                    yield line.page, "hyphenation", f'hyphenation "{word}" inside a table cell'
                    continue
                if min(len(head), len(tail)) < MIN_HYPHEN_LETTERS:
                    yield line.page, "hyphenation", \
                        f'hyphenation "{word}" leaves fewer than {MIN_HYPHEN_LETTERS} letters on one side'
                if position == len(lines) - 2:
                    yield line.page, "hyphenation", f'hyphenation "{word}" ends a paragraph'
                elif following.page != line.page:
                    yield line.page, "hyphenation", f'hyphenation "{word}" ends the page'

    def _small_text(self):
        for index, tally in enumerate(self.pages):
            if tally.small_text:
                pt, text = min(tally.small_text)
                more = len(tally.small_text) - 1
                yield index, "small-text", f'text smaller than {MIN_TEXT_PT:g} pt: {_pt(pt)} pt "{_short(text)}"' \
                                           + (f" and {more} more" if more else "")
        for index, (pt, text), count in self.images:
            yield index, "small-text", f'text smaller than {MIN_TEXT_PT:g} pt in an image: {_pt(pt)} pt ' \
                                       f'"{_short(text)}"' + (f" and {count - 1} more" if count > 1 else "")


    def _overflow(self):
        for index, tally in enumerate(self.pages):
            if tally.overflow:
                outside, text = max(tally.overflow)
                more = len(tally.overflow) - 1
                yield index, "overflow", f'text reaches {_pt(outside)} pt outside the text block: "{_short(text)}"' \
                                         + (f" and {more} more" if more else "")


# --- helpers over boxes and elements ----------------------------------------------------------

def _inline_content(box, b, texts: list, images: list) -> None:
    for child in box.children:
        if isinstance(child, b.TextBox):
            if child.text.strip():
                texts.append(child)
        elif isinstance(child, b.ReplacedBox):
            images.append(child)
        elif isinstance(child, b.InlineBlockBox):
            # Its own lines are inside: count it as part of this line.
            for line in _line_boxes(child, b):
                _inline_content(line, b, texts, images)
        elif isinstance(child, b.ParentBox):
            _inline_content(child, b, texts, images)


def _line_boxes(box, b):
    for child in box.children:
        if isinstance(child, b.LineBox):
            yield child
        elif isinstance(child, b.ParentBox) and not getattr(child, "is_outside_marker", False):
            yield from _line_boxes(child, b)


def _count_lines(box, b) -> int:
    count = 0
    for line in _line_boxes(box, b):
        texts: list = []
        images: list = []
        _inline_content(line, b, texts, images)
        if texts or images:
            count += max([1] + [_image_lines(image) for image in images])
    return count


def _row_lines(row, b) -> int:
    return max([0] + [_count_lines(cell, b) for cell in row.children])


def _image_lines(box) -> int:
    return max(1, round(box.height / (IMAGE_LINE * box.style["font_size"])))


def _svg_texts(node, font_size, scale):
    """(text, size in px on the page) for every text element of an SVG tree, `scale` being what
    one user unit measures on the page; sizes and transforms resolved the way WeasyPrint draws."""
    from weasyprint.svg.utils import size, transform

    if node.tag == "defs":
        return
    font_size = size(node.get("font-size", "1em"), font_size, font_size)
    if node.get("transform"):
        matrix = transform(node.get("transform"), node.get("transform-origin", "0 0"), font_size, 1)
        a, b, c, d, _, _ = matrix.values
        scale *= abs(a * d - b * c) ** 0.5
    if node.tag in ("text", "textPath"):
        text = " ".join("".join(node._etree_node.itertext()).split())
        if text:
            yield text, font_size * scale
        return
    for child in node:
        yield from _svg_texts(child, font_size, scale)


def _nearest(chain, tag):
    for element in reversed(chain):
        if element.tag == tag:
            return element
    return None


def _first_child(element):
    return next(iter(element), None) if element is not None else None


def _first_item(element):
    return next((child for child in element if child.tag == LISTS[element.tag]), element)


def _caption(figure):
    return next((child for child in figure if child.tag == "figcaption"), figure)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _pt(value: float) -> str:
    """A size in pt, never rounded up to the limit it misses (6.98 pt is not "7.0 pt")."""
    text = f"{value:.1f}"
    return f"{value:.2f}" if float(text) >= MIN_TEXT_PT else text


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _label(element) -> str:
    return _short(_text(element))


def _table_label(table) -> str:
    """Its caption, or else its first row's cells ("Move, How to do it")."""
    caption = next((child for child in table if child.tag == "caption"), None)
    if caption is not None:
        return _label(caption)
    first_row = next(table.iter("tr"), None)
    return _short(", ".join(_text(cell) for cell in first_row) if first_row is not None else _text(table))


def _source_text(element) -> str:
    """The element's text as written, lower-cased, soft hyphens removed, spaces collapsed."""
    return " ".join("".join(element.itertext()).replace("\xad", "").split()).lower()
