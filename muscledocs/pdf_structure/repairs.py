"""The repairs, each a function of the tree. They key on structure types and the HTML each
element came from (tags, ARIA, scope), never on page numbers or positions on the page, so a
change to the layout or the templates does not break them."""

from __future__ import annotations

from collections import defaultdict

from pikepdf import Array, Dictionary, Name, String

from . import content
from .origins import Origins
from .tree import Annotation, Content, Element, Tree

PRINT_FLAG = 4  # annotation flag: print the annotation (and so show it alike on screen and paper)


class Artifacts:
    """Marked content taken out of the structure, with the artifact properties it gets."""

    def __init__(self):
        self.by_page: dict[int, dict[int, Dictionary]] = defaultdict(dict)

    def add(self, contents, properties_for) -> None:
        for item in contents:
            self.by_page[item.page][item.mcid] = properties_for()

    def __contains__(self, item: Content) -> bool:
        return item.mcid in self.by_page.get(item.page, {})

    def take_out_of(self, element: Element) -> None:
        element.kids = [kid for kid in element.kids if not (isinstance(kid, Content) and kid in self)]
        for kid in element.elements():
            self.take_out_of(kid)


def page_furniture(tree: Tree, origins: Origins, artifacts: Artifacts) -> None:
    """Running heads and page numbers (margin boxes, WeasyPrint issue 1836) become pagination
    artifacts: WeasyPrint tags them as content of elements the tree never reaches."""
    for item in tree.unreached:
        run = origins.runs.get((item.page, item.mcid))
        margin = run.margin if run else None
        subtype = "Header" if margin and margin.startswith("@top") else \
            "Footer" if margin and margin.startswith("@bottom") else None
        artifacts.add([item], lambda subtype=subtype: content.pagination(subtype))


def join_pieces(element: Element) -> None:
    """WeasyPrint makes one element per page an element appears on; join the pieces of each
    HTML element (a chapter, a section, a paragraph, a table...) into one."""
    kids: list = []
    for kid in element.kids:
        previous = kids[-1] if kids else None
        if isinstance(kid, Element) and isinstance(previous, Element) and kid.origin and previous.origin \
                and kid.origin.key == previous.origin.key:
            previous.kids.extend(kid.kids)
        else:
            kids.append(kid)
    element.kids = kids
    for kid in element.elements():
        join_pieces(kid)


def hidden_and_leaders(document: Element, origins: Origins, artifacts: Artifacts) -> None:
    """What the HTML hides from assistive technology (aria-hidden) and leader dots are layout."""
    for element in document.walk():
        if element.origin and element.origin.attribute("aria-hidden") == "true":
            artifacts.add(element.contents(), content.layout)
    artifacts.add([item for item in document.contents() if origins.runs.get((item.page, item.mcid))
                   and origins.runs[item.page, item.mcid].leader], content.layout)


def aria_headings(document: Element) -> None:
    """role="heading" aria-level="n" is a heading, whatever element carries it (the cover title)."""
    for element in document.walk():
        if element.origin and element.origin.attribute("role") == "heading":
            level = element.origin.attribute("aria-level") or "2"
            element.role = f"/H{level}" if level.isdigit() and 1 <= int(level) <= 6 else "/H"


def links(tree: Tree) -> None:
    """One /Link per HTML link, holding its text and one annotation per line it covers, named by
    its text. WeasyPrint gives the link, each element inside it and its ::after content (the
    contents page's number) annotations of their own, some under /Span elements."""
    dropped: set[tuple[int, int]] = set()
    for element in list(tree.document.walk()):
        if element.role != "/Link" or not element.origin or element.origin.tag != "a":
            continue
        texts = list(element.contents())
        lines = _by_line(list(element.annotations()))
        name = element.origin.text()
        kept = []
        for line in lines:
            first = line[0]
            first.obj.Rect = Array(_union(annotation.obj.Rect for annotation in line))
            first.obj.Contents = String(name)
            first.obj.F = PRINT_FLAG
            dropped.update(annotation.obj.objgen for annotation in line[1:])
            kept.append(first)
        element.kids = texts + kept
    for page in tree.pdf.pages:
        if "/Annots" in page.obj and dropped:
            page.obj.Annots = Array(a for a in page.obj.Annots if a.objgen not in dropped)
    for element in tree.document.walk():
        for annotation in element.annotations():
            annotation.obj.F = PRINT_FLAG


def _rect(rect) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in rect)
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _union(rects) -> list[float]:
    boxes = [_rect(rect) for rect in rects]
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _by_line(annotations: list[Annotation]) -> list[list[Annotation]]:
    """Annotations grouped by page and line: rectangles that share most of their height."""
    lines: list[list[Annotation]] = []
    for annotation in annotations:
        _, bottom, _, top = _rect(annotation.obj.Rect)
        for line in lines:
            _, line_bottom, _, line_top = _rect(line[0].obj.Rect)
            overlap = min(top, line_top) - max(bottom, line_bottom)
            if line[0].page == annotation.page and overlap > 0.5 * min(top - bottom, line_top - line_bottom):
                line.append(annotation)
                break
        else:
            lines.append([annotation])
    return lines


def tables(document: Element, artifacts: Artifacts) -> None:
    """One /Table per HTML table: the header rows repeated on each new page become pagination
    artifacts. Every /TH gets a /Scope (from the HTML scope, else Column in the header rows
    and Row in the body). WeasyPrint's /ID and /Headers go: they point at per-page copies, and
    the file has no /IDTree, which ISO 32000-1 requires for element ids."""
    for table in document.walk():
        if table.role != "/Table":
            continue
        seen, kids = set(), []
        for group in table.kids:
            if isinstance(group, Element) and group.role == "/THead" and group.origin:
                if group.origin.key in seen:
                    artifacts.add(group.contents(), content.pagination)
                    continue
                seen.add(group.origin.key)
            kids.append(group)
        table.kids = kids
    join_pieces(document)
    for group in document.walk():
        if group.role in ("/THead", "/TBody", "/TFoot", "/Table"):
            for row in group.elements():
                if row.role == "/TR":
                    for index, cell in enumerate(row.elements()):
                        _cell_attributes(cell, "Column" if group.role == "/THead" or index else "Row")


def _cell_attributes(cell: Element, default_scope: str) -> None:
    attributes = cell.obj.get("/A")
    if "/ID" in cell.obj:
        del cell.obj["/ID"]
    if not isinstance(attributes, Dictionary):
        attributes = cell.obj.A = Dictionary(O=Name.Table)
    if "/Headers" in attributes:
        del attributes["/Headers"]
    if cell.role != "/TH" and set(attributes.keys()) == {"/O"}:
        del cell.obj["/A"]
    if cell.role == "/TH":
        scope = cell.origin.attribute("scope") if cell.origin else None
        scope = {"col": "Column", "colgroup": "Column", "row": "Row", "rowgroup": "Row"}.get(scope or "", default_scope)
        attributes.Scope = Name("/" + scope)


def description_lists(document: Element, origins: Origins, artifacts: Artifacts) -> None:
    """<dl> as /L > /LI > (/Lbl + /LBody): a term and its definition are one item. WeasyPrint
    makes each <dt> and each <dd> an item of its own, and keeps <div> groups (and the spaces
    between them) inside the list."""
    for element in document.walk():
        if element.role == "/L" and element.origin and element.origin.tag == "dl":
            items: list[Element] = []
            _collect_items(element, items, origins, artifacts)
            element.kids = items


def _collect_items(parent: Element, items: list[Element], origins: Origins, artifacts: Artifacts) -> None:
    for kid in parent.elements():
        tag = kid.origin.tag if kid.origin else ""
        if tag in ("dt", "dd") and kid.role == "/LI":  # WeasyPrint's item around the term's body
            body = next(iter(kid.elements()), None)
            if body is None:
                continue
            if tag == "dt" or not items:  # a term starts an item
                body.role = "/Lbl" if tag == "dt" else "/LBody"
                kid.kids = [body]
                items.append(kid)
            elif items[-1].kids[-1].role == "/LBody":  # a second definition of the same term
                items[-1].kids[-1].kids.extend(body.kids)
            else:
                body.role = "/LBody"
                items[-1].kids.append(body)
        elif tag == "div" or (kid.origin and parent.origin and kid.origin.node == parent.origin.node):
            # a <div> group, or the list itself again: the box a multi-column layout wraps it in
            _collect_items(kid, items, origins, artifacts)
        elif all(_blank(origins, item) for item in kid.contents()):
            artifacts.add(kid.contents(), content.layout)
        else:
            items.append(kid)


def _blank(origins: Origins, item: Content) -> bool:
    run = origins.runs.get((item.page, item.mcid))
    return run is not None and run.text is not None and not run.text.strip()


def labels(document: Element) -> None:
    """An element whose content is hidden (aria-hidden) and which has an aria-label reads as
    its label: the quick reference's phase boxes say "works in this phase"."""
    for element in document.walk():
        label = element.origin.attribute("aria-label") if element.origin else None
        if label and not any(True for _ in element.contents()):
            element.obj.ActualText = String(label)
            element.kids = []


def broken_words(document: Element, origins: Origins) -> None:
    """A word hyphenated at a line end reads whole: the two lines' text runs become one /Span
    whose /ActualText is their text without the hyphen."""
    owner: dict[Content, tuple[Element, Element]] = {}
    for parent in document.walk():
        for kid in parent.elements():
            if len(kid.kids) == 1 and isinstance(kid.kids[0], Content):
                owner[kid.kids[0]] = (kid, parent)
    done: set[Content] = set()
    for (page, mcid), run in origins.runs.items():
        start = Content(page, mcid)
        if not run.continues_in or start in done or start not in owner:
            continue
        span, parent = owner[start]
        chain = [run]
        while chain[-1].continues_in:
            following = Content(*chain[-1].continues_in)
            if following not in owner or owner[following][1] is not parent:
                break
            done.add(following)
            parent.kids.remove(owner[following][0])
            span.kids.append(following)
            chain.append(origins.runs[chain[-1].continues_in])
        if len(chain) > 1:
            span.obj.ActualText = String("".join(part.text[: -len(part.hyphen)] for part in chain[:-1])
                                         + chain[-1].text)


def figure_boxes(document: Element, origins: Origins) -> None:
    """A figure's /BBox in PDF points from the bottom left of its page. WeasyPrint writes the
    box in CSS pixels from the top left."""
    for figure in document.walk():
        if figure.role != "/Figure":
            continue
        attributes = figure.obj.get("/A")
        first = next(figure.contents(), None)
        if not isinstance(attributes, Dictionary) or "/BBox" not in attributes or first is None:
            continue
        height = origins.page_heights[first.page]
        x1, y1, x2, y2 = (float(v) for v in attributes.BBox)
        attributes.BBox = Array([round(v, 3) for v in (x1 * 0.75, height - y2 * 0.75, x2 * 0.75, height - y1 * 0.75)])


def prune_empty(element: Element) -> None:
    """No element without content (the notes page's ruled lines, the cover's rule): readers
    announce empty elements, and an empty /Span says nothing."""
    for kid in element.elements():
        prune_empty(kid)
    element.kids = [kid for kid in element.kids if not (isinstance(kid, Element) and kid.is_empty())]
