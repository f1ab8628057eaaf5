"""The structure tree as plain Python objects: read from a PDF, edited, written back whole.

Editing pikepdf objects in place would mean keeping /K, /P, /Pg and the parent tree in step
after every change. Instead the tree is read once into `Element`s, the repairs rearrange them,
and `write_tree` writes /K, /P and /Pg of every element and a new parent tree from scratch.
Elements keep their own dictionaries, so attributes (/Alt, /A...) survive; an element the
repairs drop is no longer referenced and is not written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name

from .origins import Origin


@dataclass(frozen=True)
class Content:
    """A marked-content sequence on a page, by its MCID."""

    page: int
    mcid: int


@dataclass(eq=False)
class Annotation:
    page: int
    obj: Dictionary


@dataclass(eq=False)
class Element:
    obj: Dictionary
    origin: Origin | None
    role: str  # the structure type, "/P"; written to /S by write_tree
    kids: list = field(default_factory=list)  # Elements, Contents and Annotations, in order

    def walk(self) -> Iterator[Element]:
        """This element and every element under it, in document order."""
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()

    def contents(self) -> Iterator[Content]:
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.contents()
            elif isinstance(kid, Content):
                yield kid

    def annotations(self) -> Iterator[Annotation]:
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.annotations()
            elif isinstance(kid, Annotation):
                yield kid

    def elements(self) -> list[Element]:
        return [kid for kid in self.kids if isinstance(kid, Element)]

    def is_empty(self) -> bool:
        if "/Alt" in self.obj or "/ActualText" in self.obj:
            return False
        return not any(isinstance(kid, Content | Annotation) or not kid.is_empty() for kid in self.kids)


@dataclass
class Tree:
    pdf: pikepdf.Pdf
    document: Element
    unreached: list[Content]  # marked content the parent tree knows and the tree never reaches


def read_tree(pdf: pikepdf.Pdf, origins: dict[int, Origin]) -> Tree:
    pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
    root = pdf.Root.StructTreeRoot

    def read(obj: Dictionary, page: int | None) -> Element:
        element = Element(obj, origins.get(obj.objgen[0]), str(obj.S))
        if "/Pg" in obj:
            page = pages[obj.Pg.objgen]
        kids = obj.get("/K")
        for kid in kids if isinstance(kids, Array) else [kids] if kids is not None else []:
            if isinstance(kid, int):
                element.kids.append(Content(page, int(kid)))
            elif kid.get("/Type") == "/MCR":
                element.kids.append(Content(pages[kid.Pg.objgen] if "/Pg" in kid else page, int(kid.MCID)))
            elif kid.get("/Type") == "/OBJR":
                element.kids.append(Annotation(pages[kid.Pg.objgen] if "/Pg" in kid else page, kid.Obj))
            else:
                element.kids.append(read(kid, page))
        return element

    document = read(root.K[0] if isinstance(root.K, Array) else root.K, None)
    reached = set(document.contents())
    nums = root.ParentTree.Nums
    unreached = []
    for index in range(0, len(nums), 2):
        key, value = int(nums[index]), nums[index + 1]
        if key < len(pdf.pages) and isinstance(value, Array):  # a page's MCIDs (the rest are annotations)
            unreached += [Content(key, mcid) for mcid in range(len(value)) if Content(key, mcid) not in reached]
    return Tree(pdf, document, unreached)


def write_tree(tree: Tree) -> None:
    """Write every element's /K, /P and /Pg, the parent tree and the annotations' /StructParent."""
    pdf = tree.pdf
    page_objs = list(pdf.pages)
    owners: dict[int, dict[int, Dictionary]] = {}
    annotations: list[tuple[Dictionary, Dictionary]] = []

    def first_page(element: Element) -> int | None:
        for kid in element.kids:
            page = first_page(kid) if isinstance(kid, Element) else kid.page
            if page is not None:
                return page
        return None

    def write(element: Element, parent: Dictionary) -> None:
        obj = element.obj
        page = first_page(element)
        obj.P = parent
        if str(obj.S) != element.role:
            obj.S = Name(element.role)
        if page is None:
            if "/Pg" in obj:
                del obj["/Pg"]
        else:
            obj.Pg = page_objs[page].obj
        kids = Array()
        for kid in element.kids:
            if isinstance(kid, Element):
                write(kid, obj)
                kids.append(kid.obj)
            elif isinstance(kid, Content):
                owners.setdefault(kid.page, {})[kid.mcid] = obj
                kids.append(kid.mcid if kid.page == page else
                            Dictionary(Type=Name.MCR, Pg=page_objs[kid.page].obj, MCID=kid.mcid))
            else:
                annotations.append((kid.obj, obj))
                kids.append(pdf.make_indirect(Dictionary(Type=Name.OBJR, Obj=kid.obj, Pg=page_objs[kid.page].obj)))
        obj.K = kids[0] if len(kids) == 1 and isinstance(kids[0], int) else kids

    root = pdf.Root.StructTreeRoot
    write(tree.document, root)
    root.K = Array([tree.document.obj])
    nums = Array()
    for index, page in enumerate(page_objs):
        mcids = owners.get(index, {})
        page.obj.StructParents = index
        nums.extend([index, pdf.make_indirect(Array(
            [mcids.get(mcid, None) for mcid in range(max(mcids) + 1 if mcids else 0)]))])
    for key, (annotation, owner) in enumerate(annotations, start=len(page_objs)):
        annotation.StructParent = key
        nums.extend([key, owner])
    owned = {annotation.objgen for annotation, _ in annotations}
    for page in page_objs:  # an annotation no element holds any more must not point into the tree
        for annotation in page.obj.get("/Annots", []):
            if annotation.objgen not in owned and "/StructParent" in annotation:
                del annotation["/StructParent"]
    root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = len(page_objs) + len(annotations)
