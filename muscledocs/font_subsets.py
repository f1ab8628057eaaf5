"""One embedded subset per typeface in a PDF assembled from separately rendered parts.

Each booklet part is its own WeasyPrint render, so each embeds its own subset of every font it
uses, and WeasyPrint names a subset after the font alone: the assembled booklet carried up to
twelve different subsets under one name, which ISO 32000-1 9.6.4 forbids (a subset's tag must
identify it) and which made it twice the size of the handout. WeasyPrint keeps glyph ids when
it subsets (HarfBuzz or fontTools, "retain gids") and uses them as CIDs, so the subsets of one
font fit together: `merge_font_subsets` makes one font program holding every part's glyphs,
with the widths and Unicode maps of all of them, and points every page at it. A font it cannot
merge (another encoding than Identity-H) keeps its own program under a name of its own.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import defaultdict

import pikepdf
from pikepdf import Array, Dictionary, Name

_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def merge_font_subsets(pdf: pikepdf.Pdf) -> None:
    groups: dict[str, list[Dictionary]] = defaultdict(list)
    for fonts in _font_resources(pdf):
        for font in fonts.values():
            same = groups[str(font.get("/BaseFont"))]
            if font.objgen not in {f.objgen for f in same}:
                same.append(font)
    replacement: dict[tuple[int, int], Dictionary] = {}
    for fonts in groups.values():
        if len(fonts) < 2:
            continue
        if all(_mergeable(font) for font in fonts):
            merged = _merge(pdf, fonts)
            replacement.update({font.objgen: merged for font in fonts})
        else:
            for font in fonts:
                _rename(font)
    for fonts in _font_resources(pdf):
        for key in list(fonts.keys()):
            if fonts[key].objgen in replacement:
                fonts[key] = replacement[fonts[key].objgen]


def _font_resources(pdf: pikepdf.Pdf):
    """Every /Font resource dictionary: pages', and forms' (drawings) inside them."""
    seen: set = set()
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, Dictionary):
            continue
        key = resources.objgen if resources.is_indirect else id(resources)
        if key in seen:
            continue
        seen.add(key)
        if isinstance(resources.get("/Font"), Dictionary):
            yield resources.Font
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or Dictionary()).values():
                if isinstance(item, pikepdf.Stream | Dictionary):
                    stack.append(item.get("/Resources"))


def _mergeable(font: Dictionary) -> bool:
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return False
    cid_font = font.DescendantFonts[0]
    return cid_font.get("/CIDToGIDMap") == "/Identity" and "/FontFile2" in cid_font.FontDescriptor


def _merge(pdf: pikepdf.Pdf, fonts: list[Dictionary]) -> Dictionary:
    """fonts[0], now holding every glyph, width and Unicode mapping of all of them."""
    first = fonts[0]
    cid_font, descriptor = first.DescendantFonts[0], first.DescendantFonts[0].FontDescriptor
    programs = [font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes() for font in fonts]
    program = _union_program(programs)
    descriptor.FontFile2 = pdf.make_stream(program, Length1=len(program))
    widths: dict[int, float] = {}
    for font in fonts:
        widths.update(_widths(font.DescendantFonts[0].W))
    cid_font.W = _widths_array(widths)
    boxes = [[float(v) for v in font.DescendantFonts[0].FontDescriptor.FontBBox] for font in fonts]
    descriptor.FontBBox = Array([min(b[0] for b in boxes), min(b[1] for b in boxes),
                                 max(b[2] for b in boxes), max(b[3] for b in boxes)])
    first.ToUnicode = pdf.make_stream(_union_cmap([font.ToUnicode.read_bytes() for font in fonts]))
    return first


def _union_program(programs: list[bytes]) -> bytes:
    """One TrueType program with every glyph any of `programs` (subsets of one font, glyph ids
    kept) holds. Glyphs are matched by id (the subsets name them differently) and copied as
    they are, not decompiled; the bounds and maxima in head and maxp are the subsets' extremes."""
    from fontTools.ttLib import TTFont

    fonts = [TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False) for data in programs]
    base = max(fonts, key=lambda font: font["maxp"].numGlyphs)
    order = base.getGlyphOrder()
    glyphs, metrics = base["glyf"].glyphs, base["hmtx"]
    for other in fonts:
        if other is base:
            continue
        other_glyf, other_metrics = other["glyf"], other["hmtx"]
        gids = {name: gid for gid, name in enumerate(other.getGlyphOrder())}
        for name, gid in gids.items():
            glyph = other_glyf.glyphs[name]
            if _contours(glyph) == 0 or _contours(glyphs[order[gid]]) != 0:
                continue
            if _contours(glyph) < 0:  # composite: its parts are named in the other font's way
                glyph.expand(other_glyf)
                for component in glyph.components:
                    component.glyphName = order[gids[component.glyphName]]
            glyphs[order[gid]] = glyph
            metrics[order[gid]] = other_metrics[name]
        mapped = other.getBestCmap().items()
        for table in base["cmap"].tables:
            for codepoint, name in mapped:
                if codepoint <= 0xFFFF or table.format in (12, 13):
                    table.cmap.setdefault(codepoint, order[gids[name]])
        for field in ("xMin", "yMin"):
            setattr(base["head"], field, min(getattr(base["head"], field), getattr(other["head"], field)))
        for field in ("xMax", "yMax"):
            setattr(base["head"], field, max(getattr(base["head"], field), getattr(other["head"], field)))
        for field in _MAXP_FIELDS:
            if hasattr(base["maxp"], field):
                setattr(base["maxp"], field, max(getattr(base["maxp"], field), getattr(other["maxp"], field)))
    out = io.BytesIO()
    base.save(out)
    return out.getvalue()


_MAXP_FIELDS = ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxZones",
                "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth")


def _contours(glyph) -> int:
    """A glyph's number of contours (0: empty, negative: composite), read without decompiling."""
    if not hasattr(glyph, "data"):
        return glyph.numberOfContours
    return int.from_bytes(glyph.data[:2], "big", signed=True) if len(glyph.data) >= 2 else 0


def _widths(array: Array) -> dict[int, float]:
    widths: dict[int, float] = {}
    items = list(array)
    index = 0
    while index < len(items):
        first = int(items[index])
        if isinstance(items[index + 1], Array):
            widths.update({first + i: float(w) for i, w in enumerate(items[index + 1])})
            index += 2
        else:  # c_first c_last w
            widths.update({cid: float(items[index + 2]) for cid in range(first, int(items[index + 1]) + 1)})
            index += 3
    return widths


def _widths_array(widths: dict[int, float]) -> Array:
    array = Array()
    for cid in sorted(widths):
        if cid - 1 not in widths:
            array.append(cid)
            array.append(Array())
        array[len(array) - 1].append(widths[cid])
    return array


def _union_cmap(cmaps: list[bytes]) -> bytes:
    """A ToUnicode CMap with every mapping of `cmaps` (WeasyPrint's bfchar CMaps)."""
    mappings: dict[int, bytes] = {}
    for data in cmaps:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            for code, text in _BFCHAR.findall(block):
                mappings.setdefault(int(code, 16), text)
    first = cmaps[0]
    head = first[: first.index(b"beginbfchar")].rsplit(b"\n", 1)[0]
    tail = first[first.rindex(b"endbfchar") + len(b"endbfchar"):]
    items = sorted(mappings.items())
    blocks = []
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        blocks.append(b"%d beginbfchar\n" % len(chunk)
                      + b"".join(b"<%04x> <%s>\n" % (code, text) for code, text in chunk) + b"endbfchar")
    return head + b"\n" + b"\n".join(blocks) + tail


def _rename(font: Dictionary) -> None:
    """Give a subset a tag of its own, from its program's bytes (ISO 32000-1 9.6.4)."""
    descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.get("/FontDescriptor")
    program = next((descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if descriptor and k in descriptor),
                   None)
    if program is None:
        return
    digest = hashlib.md5(program.read_bytes()).digest()
    tag = "".join(chr(65 + byte % 26) for byte in digest[:6])
    name = Name("/" + tag + "+" + str(font.BaseFont).split("+", 1)[-1].lstrip("/"))
    font.BaseFont = name
    if "/DescendantFonts" in font:
        font.DescendantFonts[0].BaseFont = name
    descriptor.FontName = name
