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
    placed = placed_pages(sheet)
    left = " ".join(t for x, t in placed if x < middle - 1)
    right = " ".join(t for x, t in placed if x >= middle - 1)
    return left, right


def placed_page_texts(sheet: PageObject) -> list[tuple[float, str, float]]:
    """(x offset on the sheet, text, leftmost text x on its own page) for every placed page."""
    data = sheet.get_contents().get_data()
    placed = []
    for match in PLACEMENT.finditer(data):
        alone = DecodedStreamObject()
        alone.set_data(match.group(0))
        original = sheet["/Contents"]
        sheet[NameObject("/Contents")] = alone
        xs = []

        def visit(text, cm, tm, font, size, xs=xs):
            # pypdf reports positions inside the placed page (it ignores the placement),
            # which is what the page's own margins need.
            if text.strip():
                xs.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

        try:
            text = " ".join(sheet.extract_text(visitor_text=visit).split())
        finally:
            sheet[NameObject("/Contents")] = original
        placed.append((float(match.group(1).split()[4]), text, min(xs, default=0.0)))
    return placed
