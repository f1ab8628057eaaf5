"""The booklet, assembled from separately rendered parts: each typeface embedded once under a
name of its own (ISO 32000-1 9.6.4), every glyph drawn as in its part, and no PDF/UA claim."""

from __future__ import annotations

import io
from collections import defaultdict

import pikepdf
import pypdfium2
import pytest
from PIL import ImageChops

from conftest import ROOT


def embedded_fonts(data: bytes) -> dict[str, set[bytes]]:
    """Subset name -> the distinct font programs embedded under it."""
    programs = defaultdict(set)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = next(obj[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in obj)
                programs[str(obj.FontName)].add(program.read_bytes())
    return programs


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_each_font_is_embedded_once_under_a_name_of_its_own(built, paper):
    booklet = embedded_fonts((built / f"booklet-{paper}.pdf").read_bytes())
    handout = embedded_fonts((built / f"handout-{paper}.pdf").read_bytes())
    assert booklet.keys() == handout.keys()
    assert all(len(programs) == 1 for programs in booklet.values()), {k: len(v) for k, v in booklet.items()}
    # The same text in the same typefaces: about the handout's font data, not a copy per chapter.
    size = sum(len(p) for programs in booklet.values() for p in programs)
    assert size <= 1.25 * sum(len(p) for programs in handout.values() for p in programs)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_booklet_claims_no_pdf_ua(built, paper):
    """An imposed sheet shows pages out of reading order: the handout is the accessible file."""
    with pikepdf.open(built / f"booklet-{paper}.pdf") as pdf:
        assert "/StructTreeRoot" not in pdf.Root and "/MarkInfo" not in pdf.Root
        assert "pdfuaid" not in (pdf.Root.Metadata.read_bytes().decode() if "/Metadata" in pdf.Root else "")


def page_images(data: bytes) -> list:
    document = pypdfium2.PdfDocument(data)
    return [page.render(scale=2).to_pil().convert("RGB") for page in document]


def test_merged_parts_draw_every_glyph_as_their_part_did(tmp_path):
    """Parts with different letters merge into one subset per font, and each merged page looks
    exactly like its part on its own."""
    from muscledocs.formats.booklet import merge
    from muscledocs.pdf import render_pdf
    from muscledocs.print_html import FONT_DIRS, fonts_css

    def part(text: str) -> bytes:
        html = (f'<html lang="en"><head><style>{fonts_css()} @page {{ size: A6 }}'
                f' p {{ font: 14pt "Source Serif Pro" }} em {{ font: italic 14pt "Source Sans Pro" }}</style>'
                f"</head><body><p>{text} <em>{text[::-1]}</em></p></body></html>")
        return render_pdf(html, "part.pdf", tmp_path, (tmp_path, ROOT) + FONT_DIRS, tagged=False).pdf

    parts = [part("Alpha beta 123"), part("Gamma delta xyz"), part("Quick fjord vex")]
    merged = merge(parts)
    fonts = embedded_fonts(merged)
    assert len(fonts) == 2 and all(len(programs) == 1 for programs in fonts.values())
    for alone, together in zip([image for p in parts for image in page_images(p)], page_images(merged), strict=True):
        assert ImageChops.difference(alone, together).getbbox() is None
    from pypdf import PdfReader

    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(merged)).pages).split())
    assert "Gamma delta xyz" in text and "xev drojf kciuQ" in text  # the Unicode maps merged too
