"""Reading a tagged PDF the way assistive technology does: the structure tree, the text each
element holds (its /ActualText where it has one), and what the pages mark as artifacts.

Independent of the builder's own repair code: the tree is read with pikepdf, the text with
pypdf (which decodes the fonts), so a test does not check the repair against itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pikepdf
from pypdf import PdfReader


@dataclass(eq=False)
class Node:
    obj: pikepdf.Dictionary
    role: str
    page: int | None
    parent: Node | None
    kids: list = field(default_factory=list)  # Nodes, ("mcid", page, mcid) and ("annot", page, annotation)

    def walk(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Node):
                yield from kid.walk()

    def elements(self) -> list[Node]:
        return [kid for kid in self.kids if isinstance(kid, Node)]

    def marked(self) -> list[tuple[int, int]]:
        """(page, MCID) of every marked-content sequence under this element, in order."""
        found = []
        for kid in self.kids:
            if isinstance(kid, Node):
                found += kid.marked()
            elif kid[0] == "mcid":
                found.append((kid[1], kid[2]))
        return found

    def annotations(self) -> list[tuple[int, pikepdf.Dictionary]]:
        found = []
        for kid in self.kids:
            if isinstance(kid, Node):
                found += kid.annotations()
            elif kid[0] == "annot":
                found.append((kid[1], kid[2]))
        return found

    def attribute(self, owner: str, key: str):
        attributes = self.obj.get("/A")
        for item in attributes if isinstance(attributes, pikepdf.Array) else [attributes] if attributes else []:
            if isinstance(item, pikepdf.Dictionary) and item.get("/O") == owner and key in item:
                return item[key]
        return None

    def pages(self) -> set[int]:
        return {page for page, _ in self.marked()}


class Tagged:
    def __init__(self, path: Path | bytes):
        data = path if isinstance(path, bytes) else Path(path).read_bytes()
        self.pdf = pikepdf.open(io.BytesIO(data))
        self.reader = PdfReader(io.BytesIO(data))
        self.page_index = {page.objgen: index for index, page in enumerate(self.pdf.pages)}
        root = self.pdf.Root.StructTreeRoot
        self.document = self._read(root.K[0] if isinstance(root.K, pikepdf.Array) else root.K, None, None)

    def _read(self, obj, parent, page) -> Node:
        if "/Pg" in obj:
            page = self.page_index[obj.Pg.objgen]
        node = Node(obj, str(obj.S), page, parent)
        kids = obj.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if isinstance(kid, int):
                node.kids.append(("mcid", page, int(kid)))
            elif kid.get("/Type") == "/MCR":
                node.kids.append(("mcid", self.page_index[kid.Pg.objgen] if "/Pg" in kid else page, int(kid.MCID)))
            elif kid.get("/Type") == "/OBJR":
                node.kids.append(("annot", self.page_index[kid.Pg.objgen] if "/Pg" in kid else page, kid.Obj))
            else:
                node.kids.append(self._read(kid, node, page))
        return node

    def elements(self, role: str | None = None) -> list[Node]:
        return [node for node in self.document.walk() if role is None or node.role == role]

    @cached_property
    def painted(self) -> list[dict]:
        """Per page: {"mcid": {MCID: text}, "artifacts": [(properties, text)]}, from the content."""
        return [self._painted(page) for page in self.reader.pages]

    @staticmethod
    def _painted(page) -> dict:
        stack: list = []  # per open marked-content sequence: ("mcid", n), ("artifact", properties) or None
        mcids: dict[int, str] = {}
        artifacts: list[list] = []

        def before(operator, operands, cm, tm):
            if operator == b"BDC":
                properties = operands[1] if len(operands) > 1 else {}
                if operands[0] == "/Artifact":
                    artifacts.append([dict(properties), ""])
                    stack.append(("artifact", len(artifacts) - 1))
                elif hasattr(properties, "get") and properties.get("/MCID") is not None:
                    stack.append(("mcid", int(properties["/MCID"])))
                else:
                    stack.append(None)
            elif operator == b"BMC":
                if operands[0] == "/Artifact":
                    artifacts.append([{}, ""])
                    stack.append(("artifact", len(artifacts) - 1))
                else:
                    stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(chunk, cm, tm, font, size):
            owner = next((item for item in reversed(stack) if item), None)
            if owner is None:
                return
            if owner[0] == "artifact":
                artifacts[owner[1]][1] += chunk
            else:
                mcids[owner[1]] = mcids.get(owner[1], "") + chunk

        page.extract_text(visitor_operand_before=before, visitor_text=text)
        return {"mcid": {key: value.strip("\n") for key, value in mcids.items()},
                "artifacts": [(properties, chunk.strip()) for properties, chunk in artifacts]}

    def text(self, node: Node) -> str:
        """What a reader hears for an element: its /ActualText, else its content in order."""
        if "/ActualText" in node.obj:
            return str(node.obj.ActualText)
        parts = []
        for kid in node.kids:
            if isinstance(kid, Node):
                parts.append(self.text(kid))
            elif kid[0] == "mcid":
                parts.append(self.painted[kid[1]]["mcid"].get(kid[2], ""))
        return " ".join(" ".join(part.split()) for part in parts if part.strip())

    def artifact_text(self, page: int, kind: str | None = None) -> str:
        return " ".join(text for properties, text in self.painted[page]["artifacts"]
                        if kind is None or properties.get("/Type") == kind)
