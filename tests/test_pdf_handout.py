"""The printed handout: page sizes, chapters, outline, metadata, fonts, text."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from conftest import BOOK_LANGUAGE, outline_entries, page_text

SIZES = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}


@pytest.mark.parametrize("paper", SIZES)
def test_every_page_has_the_exact_paper_size(built, paper):
    reader = PdfReader(built / f"handout-{paper}.pdf")
    width, height = SIZES[paper]
    assert len(reader.pages) > 10
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)


@pytest.mark.parametrize("paper", SIZES)
def test_outline_lists_every_group_in_order_on_its_own_page(built, paper, canonical_groups):
    reader = PdfReader(built / f"handout-{paper}.pdf")
    entries = outline_entries(reader)
    titles = [title for title, _ in entries]
    group_entries = [(t, p) for t, p in entries if any(t.endswith(g["title"]) for g in canonical_groups)]
    assert [t.split(" ", 1)[1] for t, _ in group_entries] == [g["title"] for g in canonical_groups], titles
    pages = [p for _, p in group_entries]
    assert pages == sorted(set(pages)), "each group starts on a new page, in order"
    for title, page in group_entries:
        # The bookmark lands on the page whose first line is that chapter's heading.
        text = page_text(reader, page)
        assert title in text, (title, page, text[:200])


@pytest.mark.parametrize("paper", SIZES)
def test_metadata_title_author_language(built, paper):
    reader = PdfReader(built / f"handout-{paper}.pdf")
    info = reader.metadata
    assert info.title == "Muscles Worked When Running"
    assert info.author
    assert reader.trailer["/Root"]["/Lang"] == BOOK_LANGUAGE


def test_every_font_is_embedded(handout_a4):
    fonts = {}
    for page in handout_a4.pages:
        resources = page["/Resources"]
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            if descendants:
                font = descendants[0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            fonts[font["/BaseFont"]] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    # Only the project's own typefaces: no fallback to whatever the machine has installed.
    strays = [name for name in fonts if not name.split("+")[-1].startswith(("Source-Sans-Pro", "Source-Serif-Pro"))]
    assert not strays, strays


def test_text_is_extractable(handout_a4):
    text = " ".join(page_text(handout_a4, i) for i in range(len(handout_a4.pages)))
    assert "gluteus medius" in text.lower()
    assert "Trendelenburg" in text
