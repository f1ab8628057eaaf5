"""Reading a tagged PDF the way assistive technology does: the structure tree, the text each
element holds (its /ActualText where it has one), and what the pages mark as artifacts.

Independent of the builder's own repair code (which reads WeasyPrint's boxes, never the PDF's
text): the content streams are walked here, operator by operator, and each code shown is read
through its font's own /ToUnicode map, the text a screen reader gets; a gap wider than a tenth
of the type size between two runs on one line (the letters of a drawing's labels are placed one
by one) reads as a space, and a new line as a line break.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pikepdf


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
        """Per page: {"mcid": {MCID: text}, "artifacts": [(properties, text)]}, from the content:
        every MCID the page's content marks, whether it draws text, lines or images."""
        fonts: dict = {}
        return [_Painter(fonts).page(page) for page in self.pdf.pages]

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


class _Font:
    """What a font's codes say (its /ToUnicode map) and how far each advances (its widths, in
    thousandths of the type size)."""

    HEX = re.compile(rb"<([0-9a-fA-F]+)>")

    def __init__(self, font: pikepdf.Dictionary):
        # WeasyPrint embeds every font as a composite font of two-byte codes.
        assert font.Subtype == "/Type0", f"a {font.Subtype} font: read its codes here too"
        self.text: dict[bytes, str] = {}
        self._read_map(font.ToUnicode.read_bytes())
        cid_font = font.DescendantFonts[0]
        self.default_width = float(cid_font.get("/DW", 1000))
        self.widths: dict[int, float] = {}
        items = list(cid_font.get("/W", []))
        while items:  # [first [w w ...]] or [first last w]
            first, second = items.pop(0), items.pop(0)
            if isinstance(second, pikepdf.Array):
                self.widths.update({int(first) + i: float(w) for i, w in enumerate(second)})
            else:
                self.widths.update(dict.fromkeys(range(int(first), int(second) + 1), float(items.pop(0))))

    def _read_map(self, cmap: bytes) -> None:
        # WeasyPrint writes single codes only (bfchar); a range would go unread, so it fails here.
        assert b"beginbfrange" not in cmap, "a /ToUnicode map with code ranges: read them here too"
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            codes = self.HEX.findall(block)
            for code, value in zip(codes[::2], codes[1::2], strict=True):
                self.text[bytes.fromhex(code.decode())] = bytes.fromhex(value.decode()).decode("utf-16-be")

    def show(self, shown: bytes, char_spacing: float) -> tuple[str, float]:
        """The text of `shown` and its advance, in thousandths of the type size."""
        codes = [shown[i:i + 2] for i in range(0, len(shown), 2)]
        advance = sum(self.widths.get(int.from_bytes(code, "big"), self.default_width) for code in codes)
        return "".join(self.text.get(code, "") for code in codes), advance + 1000 * char_spacing * len(codes)


class _Painter:
    """Walks one page's content, Form XObjects included, sharing the marked-content stack."""

    def __init__(self, fonts: dict):
        self.fonts = fonts  # objgen -> _Font, for the whole document
        self.stack: list = []  # per open marked-content sequence: ("mcid", n), ("artifact", index) or None
        self.mcids: dict[int, str] = {}
        self.artifacts: list[list] = []
        self.ends: dict = {}  # owner -> (line y, x where its last run ended)

    def page(self, page) -> dict:
        self._walk(page, page.Resources)
        return {"mcid": {key: value.strip("\n") for key, value in self.mcids.items()},
                "artifacts": [(properties, text.strip()) for properties, text in self.artifacts]}

    def _font(self, font) -> _Font:
        if font.objgen not in self.fonts:
            self.fonts[font.objgen] = _Font(font)
        return self.fonts[font.objgen]

    def _open(self, operands) -> None:
        properties = operands[1] if len(operands) > 1 else {}
        if operands[0] == "/Artifact":
            self.artifacts.append([{str(k): str(v) for k, v in dict(properties).items()}, ""])
            self.stack.append(("artifact", len(self.artifacts) - 1))
        elif isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
            self.stack.append(("mcid", int(properties.MCID)))
            self.mcids.setdefault(int(properties.MCID), "")  # painted, whatever it paints
        else:
            self.stack.append(None)

    def _walk(self, content, resources) -> None:
        font, size, scale, char_spacing, x, y = None, 0.0, 1.0, 0.0, 0.0, 0.0
        line_x = 0.0
        for operands, operator in pikepdf.parse_content_stream(content):
            operator = bytes(operator)
            if operator in (b"BDC", b"BMC"):
                self._open(operands)
            elif operator == b"EMC" and self.stack:
                self.stack.pop()
            elif operator == b"Tf":
                font, size = self._font(resources.Font[operands[0]]), float(operands[1])
            elif operator == b"Tc":
                char_spacing = float(operands[0])
            elif operator == b"Tm":
                scale, line_x, y = float(operands[0]), float(operands[4]), float(operands[5])
                x = line_x
            elif operator in (b"Td", b"TD"):
                line_x += float(operands[0]) * scale
                y += float(operands[1])
                x = line_x
            elif operator in (b"Tj", b"TJ") and font is not None:
                pieces = list(operands[0]) if operator == b"TJ" else [operands[0]]
                start, text = x, ""
                for piece in pieces:
                    if isinstance(piece, pikepdf.String):
                        shown, advance = font.show(bytes(piece), char_spacing / size if size else 0.0)
                        text += shown
                    else:
                        advance = -float(piece)
                    x += advance / 1000 * size * scale
                self._add(text, y, start, x, size * scale)
            elif operator == b"Do":
                xobject = resources.XObject[operands[0]]
                if xobject.get("/Subtype") == "/Form":
                    self._walk(xobject, xobject.get("/Resources", resources))

    def _add(self, text: str, y: float, start: float, end: float, em: float) -> None:
        owner = next((item for item in reversed(self.stack) if item), None)
        if owner is None:
            return
        if owner in self.ends:
            line, last = self.ends[owner]
            text = ("\n" if abs(line - y) > 0.01 else " " if start - last > em / 10 else "") + text
        self.ends[owner] = (y, end)
        if owner[0] == "artifact":
            self.artifacts[owner[1]][1] += text
        else:
            self.mcids[owner[1]] = self.mcids.get(owner[1], "") + text
