"""Reading imposed sheets: which page sits where, and what it says.

pypdf's text visitor ignores the transformation a sheet applies around a Form XObject, so
positions come from the sheet's own content stream (`q a b c d e f cm /Name Do Q`) and each
placed page's text is extracted on its own.
"""

from __future__ import annotations

import re

from pypdf import PageObject
from pypdf.generic import DecodedStreamObject, NameObject

PLACEMENT = re.compile(rb"q\s+([-\d.\s]+)\s+cm\s+(/[\w.]+)\s+Do\s+Q")


def placed_pages(sheet: PageObject) -> list[tuple[float, str]]:
    """(x offset, text) for every page drawn on the sheet, in drawing order."""
    data = sheet.get_contents().get_data()
    placed = []
    for match in PLACEMENT.finditer(data):
        x = float(match.group(1).split()[4])
        alone = DecodedStreamObject()
        alone.set_data(match.group(0))
        original = sheet["/Contents"]
        sheet[NameObject("/Contents")] = alone
        try:
            text = " ".join(sheet.extract_text().split())
        finally:
            sheet[NameObject("/Contents")] = original
        placed.append((x, text))
    return placed


def halves(sheet: PageObject) -> tuple[str, str]:
    """The text of the left and the right half of a sheet."""
    middle = float(sheet.mediabox.width) / 2
    left = " ".join(t for x, t in placed_pages(sheet) if x < middle - 1)
    right = " ".join(t for x, t in placed_pages(sheet) if x >= middle - 1)
    return left, right
