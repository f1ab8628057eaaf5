"""Saddle-stitch booklet imposition: put half-size handout pages two-up on full sheets.

`impose_booklet(pdf, "a4")` takes a PDF of A5 portrait pages and returns A4 landscape
sheet sides; `impose_booklet(pdf, "letter")` takes half-letter portrait pages
(5.5 x 8.5 in) and returns US Letter landscape sheet sides. The page count is padded
with blank pages at the end to a multiple of four, because every folded sheet carries
four pages.

How to print the result:

1. Print double-sided (duplex) and choose "flip on short edge" (some dialogs call it
   "short-edge binding" or "tumble"). Flipping on the long edge prints every back
   side upside down. The file asks viewers for this via /ViewerPreferences, but not
   every print dialog honours that, so check it.
2. Print at actual size (100 %, no "fit to page"): the pages must meet exactly at the
   middle of the sheet.
3. Keep the printed sheets in order, stacked so the sheet with page 1 on it is on the
   outside once folded; fold the stack in half along the middle (parallel to the short
   edges) and staple twice through the fold.

Reading the folded booklet then gives the pages in order: the outside of the first
sheet carries the last page (back cover) on the left and page 1 (front cover) on the
right.

Each input page becomes a Form XObject (its content stream untouched, clipped to its
trim box) drawn at its place on the sheet, so the text stays vector and extractable and
nothing is re-parsed, which keeps imposition fast; links and other annotations are dropped, since
a printed booklet cannot use them and their targets would not survive imposition.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from .papers import MM as _PT_PER_MM


def _sheets() -> dict[str, tuple[tuple[float, float], tuple[float, float]]]:
    """Sheet name -> (page width, height) portrait, (sheet width, height) landscape, for every
    paper of the registry that folds to another. A4 is 297 x 210 mm and A5 148 x 210 mm (not
    148.5), so on A4 two A5 pages leave a 1 mm strip: the pages are set against the fold and the
    strip goes to the outer edges."""
    from .papers import PAPERS, folded

    sheets = {}
    for name, sheet in PAPERS.items():
        page = folded(name)
        if page is not None:
            width, height = sheet.points
            sheets[name] = (page.points, (height, width))
    return sheets


# How far (in pt) an input page may be off the expected size: renderers round page boxes.
SIZE_TOLERANCE_PT = 1.0

_COPIED_INFO_KEYS = ("/Title", "/Author", "/Subject")


def page_order(n_pages: int) -> list[tuple[int | None, int | None]]:
    """Return (left, right) 0-based page indexes for each sheet side, in print order.

    The count is padded to a multiple of four; a padding blank (an index at or past
    `n_pages`) is given as None. For the padded count n, side k shows
    (n-1-k, k) when k is even (the outside of a sheet) and (k, n-1-k) when k is odd
    (the inside), which is the standard saddle-stitch order for duplex printing
    flipped on the short edge.
    """
    if isinstance(n_pages, bool) or not isinstance(n_pages, int):
        raise TypeError(f"n_pages must be an int, not {type(n_pages).__name__}")
    if n_pages < 0:
        raise ValueError(f"n_pages must not be negative, got {n_pages}")
    n = -(-n_pages // 4) * 4  # round up: a folded sheet always holds four pages

    def real(index: int) -> int | None:
        return index if index < n_pages else None

    sides: list[tuple[int | None, int | None]] = []
    for k in range(n // 2):
        if k % 2 == 0:
            sides.append((real(n - 1 - k), real(k)))
        else:
            sides.append((real(k), real(n - 1 - k)))
    return sides


def impose_booklet(pages_pdf: bytes, sheet: str) -> bytes:
    """Impose `pages_pdf` (A5 or half-letter portrait pages) as a saddle-stitch booklet.

    `sheet` is "a4" (input pages A5 portrait, output A4 landscape) or "letter"
    (input pages 5.5 x 8.5 in portrait, output US Letter landscape). Returns the bytes
    of a PDF with two input pages side by side on every page, one page per sheet side,
    in the order of `page_order`. The same input always gives the same bytes.

    Raises ValueError for an unknown sheet name, an empty document, or an input page
    whose size differs from the expected one by more than SIZE_TOLERANCE_PT.
    """
    sheets = _sheets()
    if sheet not in sheets:
        raise ValueError(f"unknown sheet {sheet!r}; expected one of {', '.join(sorted(sheets))}")
    (page_w, page_h), (sheet_w, sheet_h) = sheets[sheet]

    reader = PdfReader(io.BytesIO(pages_pdf))
    pages = list(reader.pages)
    if not pages:
        raise ValueError("the input PDF has no pages")

    placements = [
        _prepare_page(page, number, sheet, page_w, page_h)
        for number, page in enumerate(pages, start=1)
    ]

    writer = PdfWriter()
    # /ViewerPreferences /Duplex and /PrintScaling need PDF 1.7 / 1.6.
    writer.pdf_header = "%PDF-1.7"
    # pypdf only writes a (random) /ID when encrypting, and adds no dates, so the output is
    # reproducible. Nothing here may use the clock or randomness.

    forms: dict[int, object] = {}
    for side_index, (left, right) in enumerate(page_order(len(pages))):
        side = PageObject.create_blank_page(None, sheet_w, sheet_h)
        drawing, xobjects = [], DictionaryObject()
        for index, on_left in ((left, True), (right, False)):
            if index is None:
                continue  # padding blank: nothing to draw
            upright, left_edge, bottom_edge, width, height = placements[index]
            # Pages meet at the fold (the middle of the sheet), centred vertically; the
            # page is turned upright, then its trim box's lower-left corner is moved there.
            x = sheet_w / 2 - width if on_left else sheet_w / 2
            y = (sheet_h - height) / 2
            move = upright.translate(x - left_edge, y - bottom_edge)
            if index not in forms:
                forms[index] = _page_as_form(writer, pages[index])
            name = f"/Page{index + 1}"
            xobjects[NameObject(name)] = forms[index]
            matrix = " ".join(_number(v) for v in move.ctm)
            drawing.append(f"q {matrix} cm {name} Do Q")
        if side_index % 2 == 0:  # the outside of a sheet: where the stack is folded
            drawing.append(_fold_marks(sheet_w, sheet_h))
        side[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        content = DecodedStreamObject()
        content.set_data("\n".join(drawing).encode("ascii"))
        added = writer.add_page(side)
        added[NameObject("/Contents")] = writer._add_object(content.flate_encode())

    _copy_metadata(reader, writer)
    preferences = writer.create_viewer_preferences()
    # Hints for the print dialog: booklets need short-edge duplex at actual size.
    preferences.duplex = "/DuplexFlipShortEdge"
    preferences.print_scaling = "/None"

    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# /Rotate (clockwise, as displayed) -> the matrix that turns the content the same way.
# Exact entries rather than Transformation().rotate(), which leaves 6e-17 residues.
_ROTATIONS = {
    0: (1, 0, 0, 1, 0, 0),
    90: (0, -1, 1, 0, 0, 0),
    180: (-1, 0, 0, -1, 0, 0),
    270: (0, 1, -1, 0, 0, 0),
}


def _prepare_page(
    page: PageObject, number: int, sheet: str, page_w: float, page_h: float
) -> tuple[Transformation, float, float, float, float]:
    """Check one input page's size and get it ready for merging (in place).

    Returns the transformation that shows the page upright (as a viewer displays it) and
    the lower-left corner, width and height of its trim box after that transformation.
    """
    rotation = page.rotation % 360
    if rotation not in _ROTATIONS:
        raise ValueError(f"page {number} has an invalid /Rotate of {page.rotation}")
    # /Rotate is folded into the merge transformation: pypdf 7 cannot rewrite the content
    # of a page that still belongs to the reader (transfer_rotation_to_content fails).
    upright = Transformation(_ROTATIONS[rotation])
    # The trim box is the finished page (it equals the media box unless the renderer
    # added bleed); anything outside it must not spill onto the neighbouring page.
    trim = RectangleObject(page.trimbox)
    corners = [
        upright.apply_on((float(x), float(y)))
        for x in (trim.left, trim.right)
        for y in (trim.bottom, trim.top)
    ]
    left = min(x for x, _ in corners)
    bottom = min(y for _, y in corners)
    width = max(x for x, _ in corners) - left
    height = max(y for _, y in corners) - bottom
    if abs(width - page_w) > SIZE_TOLERANCE_PT or abs(height - page_h) > SIZE_TOLERANCE_PT:
        raise ValueError(
            f"page {number} is {width:.2f} x {height:.2f} pt; sheet {sheet!r} needs "
            f"{page_w:.2f} x {page_h:.2f} pt portrait pages (tolerance {SIZE_TOLERANCE_PT} pt)"
        )
    # Links point at positions (and pages) of the unimposed document; drop them.
    if "/Annots" in page:
        del page[NameObject("/Annots")]
    return upright, left, bottom, width, height


def _page_as_form(writer: PdfWriter, page: PageObject):
    """The page's content as a Form XObject in `writer`, clipped to the page's trim box."""
    contents = page.get_contents()
    form = DecodedStreamObject()
    form.set_data(contents.get_data() if contents is not None else b"")
    form.update({
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject(FloatObject(v) for v in RectangleObject(page.trimbox)),
        NameObject("/Resources"): page["/Resources"].clone(writer),
    })
    return writer._add_object(form.flate_encode())


# Fold marks: short grey ticks at the middle of the top and bottom edges, kept 8 mm in from
# the edge so that an office printer (which cannot print nearer than 4 to 6 mm) prints them.
FOLD_MARK_FROM_EDGE = 8 * _PT_PER_MM
FOLD_MARK_LENGTH = 6 * _PT_PER_MM


def _fold_marks(sheet_w: float, sheet_h: float) -> str:
    x = _number(sheet_w / 2)
    near, far = FOLD_MARK_FROM_EDGE, FOLD_MARK_FROM_EDGE + FOLD_MARK_LENGTH
    return (f"q 0.5 w 0.35 G {x} {_number(near)} m {x} {_number(far)} l S "
            f"{x} {_number(sheet_h - near)} m {x} {_number(sheet_h - far)} l S Q")


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def _copy_metadata(reader: PdfReader, writer: PdfWriter) -> None:
    """Carry the document title, author, subject and language over to the booklet."""
    info = reader.metadata or {}
    copied = {key: str(info[key]) for key in _COPIED_INFO_KEYS if info.get(key)}
    if copied:
        writer.add_metadata(copied)
    lang = reader.trailer["/Root"].get("/Lang")
    if lang:
        # /Lang lives in the catalog, not in /Info; screen readers and hyphenation use it.
        writer.root_object[NameObject("/Lang")] = TextStringObject(str(lang))
