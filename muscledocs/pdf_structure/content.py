"""Page content edits: marked content that is not part of the text becomes an artifact."""

from __future__ import annotations

import pikepdf
from pikepdf import Dictionary, Name, Operator

_BDC = Operator("BDC")


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
        instructions = pikepdf.parse_content_stream(page)
        for position, (operands, operator) in enumerate(instructions):
            if operator == _BDC and isinstance(operands[1], Dictionary) and "/MCID" in operands[1]:
                properties = mcids.get(int(operands[1].MCID))
                if properties is not None:
                    instructions[position] = pikepdf.ContentStreamInstruction([Name.Artifact, properties], _BDC)
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
