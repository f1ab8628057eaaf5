"""Page content edits: marked content that is not part of the text becomes an artifact."""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Dictionary, Name

# WeasyPrint opens every tagged sequence as `/Span <</MCID 7>> BDC` and writes text as hex
# strings, so these operators can be found in the bytes without parsing the whole stream
# (parsing and rewriting 26,000 operators costs more than the rest of the repair).
_TAGGED = re.compile(rb"/[A-Za-z]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def pagination(subtype: str | None = None) -> Dictionary:
    """Running heads, page numbers, a table header repeated on a new page (ISO 32000-1 14.8.2.2)."""
    properties = Dictionary(Type=Name.Pagination)
    if subtype:
        properties.Subtype = Name("/" + subtype)
    return properties


def layout() -> Dictionary:
    """Leader dots, decoration hidden from assistive technology."""
    return Dictionary(Type=Name.Layout)


def make_artifacts(pdf: pikepdf.Pdf, artifacts: dict[int, dict[int, Dictionary]]) -> None:
    """Turn each page's marked-content sequences {MCID: artifact properties} into artifacts.

    Only the opening operator changes (`/Span <</MCID 7>> BDC` becomes `/Artifact <<...>> BDC`),
    so the drawing stays exactly as it was.
    """
    for index, mcids in artifacts.items():
        if not mcids:
            continue
        page = pdf.pages[index]
        found: set[int] = set()
        data = _TAGGED.sub(_replacer(mcids, found), page.Contents.read_bytes())
        if found != set(mcids):
            raise ValueError(f"page {index + 1}: marked content {sorted(set(mcids) - found)} not found")
        page.Contents = pdf.make_stream(data)


def _replacer(mcids: dict[int, Dictionary], found: set[int]):
    def replace(match: re.Match) -> bytes:
        mcid = int(match[1])
        if mcid not in mcids:
            return match[0]
        found.add(mcid)
        return b"/Artifact " + mcids[mcid].unparse() + b" BDC"

    return replace
