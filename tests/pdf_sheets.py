"""Reading imposed sheets: which page sits where, and what it says.

A sheet draws each of its pages as a Form XObject placed by its own content stream
(`q a b c d e f cm /Name Do Q`): the placements come from that stream, and each placed page's
text and the start of its leftmost line from pdfium's reading of the whole sheet (Chrome's PDF
engine, in sheet coordinates), cut to the box the placed page covers.
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c
from pypdf import PdfReader

from conftest import pdfium_page

PLACEMENT = re.compile(rb"q\s+([-\d.\s]+)\s+cm\s+(/[\w.]+)\s+Do\s+Q")


@dataclass(frozen=True)
class Placed:
    x: float  # where the page's own origin sits on the sheet
    text: str  # words separated by single spaces
    leftmost: float  # where its leftmost text starts, in the page's own coordinates (0: no text)


def placed_pages(reader: PdfReader, index: int) -> list[Placed]:
    """Every page drawn on sheet side `index`, in drawing order."""
    sheet = reader.pages[index]
    textpage = pdfium_page(reader, index).get_textpage()
    boxes = []
    for match in PLACEMENT.finditer(sheet.get_contents().get_data()):
        a, b, c, d, e, f = (float(v) for v in match.group(1).split())
        assert b == c == 0 and a > 0 and d > 0, "a placement that turns or mirrors the page"
        x0, y0, x1, y1 = (float(v) for v in sheet["/Resources"]["/XObject"][match.group(2).decode()]["/BBox"])
        boxes.append((a, e, (a * x0 + e, d * y0 + f, a * x1 + e, d * y1 + f)))  # scale, offset, box
    starts: list[list[float]] = [[] for _ in boxes]
    x, y = ctypes.c_double(), ctypes.c_double()
    for char in range(textpage.count_chars()):
        if chr(pdfium_c.FPDFText_GetUnicode(textpage, char)).isspace():
            continue
        pdfium_c.FPDFText_GetCharOrigin(textpage, char, ctypes.byref(x), ctypes.byref(y))
        for (scale, offset, box), found in zip(boxes, starts, strict=True):
            if box[0] <= x.value <= box[2] and box[1] <= y.value <= box[3]:
                found.append((x.value - offset) / scale)
                break
    return [Placed(offset, " ".join(textpage.get_text_bounded(*box).split()), min(found, default=0.0))
            for (_, offset, box), found in zip(boxes, starts, strict=True)]


def halves(reader: PdfReader, index: int) -> tuple[str, str]:
    """The text of the left and the right half of sheet side `index`."""
    middle = float(reader.pages[index].mediabox.width) / 2
    placed = placed_pages(reader, index)
    left = " ".join(p.text for p in placed if p.x < middle - 1)
    right = " ".join(p.text for p in placed if p.x >= middle - 1)
    return left, right
