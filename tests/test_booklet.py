"""Saddle-stitch imposition: sheet sizes, page order on each half, padding, errors, determinism."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from muscledocs.imposition import impose_booklet, page_order
from pdf_sheets import halves as sheet_halves

A4_LANDSCAPE = (297 * 72 / 25.4, 210 * 72 / 25.4)  # 841.89 x 595.28 pt
LETTER_LANDSCAPE = (792.0, 612.0)
PAGE_SIZE = {"a4": "A5", "letter": "5.5in 8.5in"}
SHEET_SIZE = {"a4": A4_LANDSCAPE, "letter": LETTER_LANDSCAPE}
MARKER = re.compile(r"PAGE-\d+")


@cache
def make_pages(n: int, size: str) -> bytes:
    """An n-page PDF of `size` pages, page i (1-based) showing only the marker PAGE-i."""
    import weasyprint  # imported here so the page_order tests don't pay for it

    pages = "".join(f'<h1 class="p">PAGE-{i}</h1>' for i in range(1, n + 1))
    html = f"""<html lang="en-GB"><head><title>Booklet test</title>
    <meta name="author" content="Test Author"><meta name="description" content="Test subject">
    <style>@page {{ size: {size}; margin: 15mm }}
    h1 {{ font: bold 40pt sans-serif; margin: 0 }}
    h1 + h1 {{ break-before: page }}</style></head><body>{pages}</body></html>"""
    return weasyprint.HTML(string=html).write_pdf()


def halves(reader: PdfReader, index: int) -> tuple[list[str], list[str]]:
    """The page markers drawn on the left and on the right half of sheet side `index`."""
    left, right = sheet_halves(reader, index)
    return MARKER.findall(left), MARKER.findall(right)


def marker(index: int | None) -> list[str]:
    return [] if index is None else [f"PAGE-{index + 1}"]


# --- page_order -------------------------------------------------------------------------


def test_page_order_eight_pages():
    assert page_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]


def test_page_order_pads_with_blanks_at_the_end():
    # 6 pages -> 8: the blanks are the last two pages (inside back and back cover).
    assert page_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]
    assert page_order(1) == [(None, 0), (None, None)]
    assert page_order(0) == []


@pytest.mark.parametrize("n", range(1, 41))
def test_page_order_folds_into_reading_order(n):
    sides = page_order(n)
    padded = -(-n // 4) * 4
    assert len(sides) == padded // 2
    placed = [i for side in sides for i in side]
    assert sorted(i for i in placed if i is not None) == list(range(n))
    assert placed.count(None) == padded - n
    # Sheet s is nested s sheets deep: outside (n-1-2s | 2s), inside (2s+1 | n-2-2s).
    for s in range(padded // 4):
        outside, inside = sides[2 * s], sides[2 * s + 1]
        expected_outside = (padded - 1 - 2 * s, 2 * s)
        expected_inside = (2 * s + 1, padded - 2 - 2 * s)
        blank = lambda i: i if i < n else None  # noqa: E731
        assert outside == tuple(map(blank, expected_outside))
        assert inside == tuple(map(blank, expected_inside))


def test_page_order_rejects_negative():
    with pytest.raises(ValueError):
        page_order(-1)


# --- impose_booklet ---------------------------------------------------------------------


@pytest.mark.parametrize("sheet", ["a4", "letter"])
@pytest.mark.parametrize("n", [6, 8])
def test_imposed_sheets(sheet, n):
    reader = PdfReader(io.BytesIO(impose_booklet(make_pages(n, PAGE_SIZE[sheet]), sheet)))
    padded = -(-n // 4) * 4
    assert len(reader.pages) == padded // 2

    want_w, want_h = SHEET_SIZE[sheet]
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.left), float(box.bottom)) == (0, 0)
        assert float(box.width) == pytest.approx(want_w, abs=1e-3)
        assert float(box.height) == pytest.approx(want_h, abs=1e-3)
        assert (round(float(box.width)), round(float(box.height))) == (
            (842, 595) if sheet == "a4" else (792, 612)
        )

    sides = [halves(reader, index) for index in range(len(reader.pages))]
    # First side: last page left, page 1 right; second side: page 2 left, page n-1 right.
    assert sides[0] == (marker(n - 1 if n == padded else None), ["PAGE-1"])
    assert sides[1] == (["PAGE-2"], marker(padded - 2 if padded - 2 < n else None))
    # Every side matches page_order, and padding blanks carry no text at all.
    for (left, right), got in zip(page_order(n), sides, strict=True):
        assert got == (marker(left), marker(right))
    for page, (left, right) in zip(reader.pages, page_order(n), strict=True):
        if left is None and right is None:
            assert page.extract_text().strip() == ""


def test_padding_blanks_are_empty_halves():
    reader = PdfReader(io.BytesIO(impose_booklet(make_pages(6, "A5"), "a4")))
    left, right = halves(reader, 0)
    assert left == [] and right == ["PAGE-1"]  # back cover is a blank
    left, right = halves(reader, 1)
    assert left == ["PAGE-2"] and right == []  # inside back cover is a blank
    assert reader.pages[0].extract_text().strip() == "PAGE-1"


def test_metadata_and_print_hints_are_carried_over():
    reader = PdfReader(io.BytesIO(impose_booklet(make_pages(8, "A5"), "a4")))
    assert reader.metadata.title == "Booklet test"
    assert reader.metadata.author == "Test Author"
    assert reader.metadata.subject == "Test subject"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/ViewerPreferences"]["/Duplex"] == "/DuplexFlipShortEdge"


@pytest.mark.parametrize("sheet", ["A4", "a5", "legal", ""])
def test_unknown_sheet_is_rejected(sheet):
    with pytest.raises(ValueError, match="unknown sheet"):
        impose_booklet(make_pages(6, "A5"), sheet)


@pytest.mark.parametrize(
    ("size", "sheet"),
    [("A5", "letter"), ("5.5in 8.5in", "a4"), ("A5 landscape", "a4"), ("A4", "a4")],
)
def test_wrong_page_size_is_rejected(size, sheet):
    with pytest.raises(ValueError, match="page 1 is"):
        impose_booklet(make_pages(6, size), sheet)


def test_one_wrong_page_among_right_ones_is_rejected():
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pages(6, "A5"))))
    writer.add_blank_page(420.6, 595.28)  # 1.07 pt too wide: just outside the tolerance
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValueError, match="page 7 is"):
        impose_booklet(out.getvalue(), "a4")


def test_page_within_tolerance_is_accepted():
    writer = PdfWriter()
    writer.add_blank_page(420.4, 594.5)  # A5 is 419.53 x 595.28 pt
    out = io.BytesIO()
    writer.write(out)
    assert len(PdfReader(io.BytesIO(impose_booklet(out.getvalue(), "a4"))).pages) == 2


def test_output_is_deterministic(tmp_path: Path):
    pages = make_pages(8, "5.5in 8.5in")
    first = impose_booklet(pages, "letter")
    assert impose_booklet(pages, "letter") == first
    # Also across processes, where str hashing (and so set order) differs.
    (tmp_path / "in.pdf").write_bytes(pages)
    script = (
        "import sys; from pathlib import Path; from muscledocs.imposition import impose_booklet;"
        "sys.stdout.buffer.write(impose_booklet(Path(sys.argv[1]).read_bytes(), 'letter'))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    other = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "in.pdf")],
        check=True,
        capture_output=True,
        env=env,
    ).stdout
    assert other == first


@pytest.mark.parametrize("sheet", ["a4", "letter"])
def test_fold_marks_on_each_sheets_outside_8mm_in_and_6mm_long(built, sheet):
    """The README's fold marks: a tick at the middle of the top and bottom edges of every
    sheet's outside, from 8 mm to 14 mm in (office printers do not print nearer the edge)."""
    reader = PdfReader(built / f"booklet-{sheet}.pdf")
    width, height = SHEET_SIZE[sheet]
    tick = re.compile(rb"([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S")
    mm = 72 / 25.4
    for index, side in enumerate(reader.pages):
        ticks = [tuple(float(v) for v in found) for found in tick.findall(side.get_contents().get_data())]
        if index % 2:
            assert ticks == [], f"sheet side {index + 1} is an inside: no marks"
            continue
        assert len(ticks) == 2, index
        for x0, y0, x1, y1 in ticks:
            assert x0 == x1 == pytest.approx(width / 2, abs=0.01)
            near, far = sorted((min(y0, height - y0), min(y1, height - y1)))
            assert (near / mm, far / mm) == pytest.approx((8, 14), abs=0.01)
