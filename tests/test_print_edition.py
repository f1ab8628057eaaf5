"""The print edition as a coach uses it: contents, page numbers, headers, quick reference,
booklet, clinic editions, tagged PDF, black-and-white legibility."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from conftest import (
    BOOK_LANGUAGE,
    CLINIC,
    ROOT,
    book_context,
    outline_entries,
    page_text,
    pdf_text,
    pdfium_page,
    run_cli,
)
from pdf_sheets import halves as sheet_halves

A4_LANDSCAPE = (841.89, 595.28)
LETTER_LANDSCAPE = (792.0, 612.0)


def contents_entries(reader: PdfReader) -> dict[str, str]:
    """Title -> printed page number, read from the contents page (the second page)."""
    text = reader.pages[1].extract_text().replace("\xa0", " ")  # a title's last two words are kept together
    entries = {}
    for line in text.splitlines():
        match = re.match(r"^\s*(?:\d+\s+)?(.+?)\s*(?:\.\s*){3,}(\d+)\s*$", line)
        if match:
            entries[match.group(1).strip()] = match.group(2)
    return entries


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_contents_numbers_match_the_printed_page_and_its_label(built, paper):
    reader = PdfReader(built / f"handout-{paper}.pdf")
    contents = contents_entries(reader)
    outline = dict((title.split(" ", 1)[-1] if title[0].isdigit() else title, page)
                   for title, page in outline_entries(reader))
    labels = reader.page_labels
    assert len(contents) >= 10, contents
    for title, printed in contents.items():
        page = outline[title]
        assert labels[page] == printed, (title, labels[page], printed)
        footer = page_text(reader, page).split()
        assert printed in footer, (title, printed)


def test_page_labels_roman_front_matter_then_arabic(handout_a4):
    labels = handout_a4.page_labels
    assert labels[:3] == ["i", "ii", "1"]
    assert labels[-1] == str(len(labels) - 2)


def test_header_and_footer_on_every_page_but_the_cover(handout_a4):
    """A page number on every page but the cover; a running head naming the chapter on every
    page but the cover, the contents and a chapter's opening page, which shows its title large."""
    labels = handout_a4.page_labels
    entries = outline_entries(handout_a4)
    openings = {page: title for title, page in entries}
    cover = page_text(handout_a4, 0)
    assert labels[0] not in cover.split()
    chapter = None
    for index in range(1, len(handout_a4.pages)):
        text = page_text(handout_a4, index)
        assert labels[index] in text.split(), (index, labels[index])
        if index in openings:
            chapter = openings[index]
            assert chapter.upper() not in text and chapter in text[:60], (index, text[:80])
        elif chapter:
            assert chapter.upper() in text, (index, chapter, text[:80])


def test_no_blank_pages_and_notes_page_last(handout_a4):
    labels = handout_a4.page_labels
    for index in range(len(handout_a4.pages)):
        # Something on every page besides the running header and the page number.
        words = [w for w in page_text(handout_a4, index).split() if w != labels[index] and not w.isupper()]
        assert len(words) >= 3, f"page {labels[index]} is blank: {words}"
    assert "Notes" in page_text(handout_a4, len(handout_a4.pages) - 1)


def test_text_stays_inside_12mm_margins_with_a_binding_margin():
    """Checked on WeasyPrint's own layout of the A4 handout: every text box, including the
    running header, the page number and the cover, keeps 12 mm from every edge (no ink where
    office printers cannot print); the binding margin is at least 20 mm, the outer one (room for
    notes) wider still."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    from muscledocs.papers import PAPERS
    from muscledocs.print_html import handout_html
    from muscledocs.validate import load_book

    book = load_book(ROOT)
    html = handout_html(book, PAPERS["a4"], book_context()[1])
    document = weasyprint.HTML(string=html, base_url=str(ROOT) + "/").render()
    px_per_mm = 96 / 25.4
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        inner = box.margin_left if number % 2 else box.margin_right  # odd pages are right-hand pages
        outer = box.margin_right if number % 2 else box.margin_left
        if number > 1:
            assert outer > inner >= 20 * px_per_mm
        for text in box.descendants():
            if isinstance(text, boxes.TextBox) and text.text.strip():
                assert text.position_x >= 12 * px_per_mm - 0.5, (number, text.text)
                assert text.position_x + text.width <= page.width - 12 * px_per_mm + 0.5, (number, text.text)
                assert text.position_y >= 12 * px_per_mm - 0.5, (number, text.text)
                assert text.position_y + text.height <= page.height - 12 * px_per_mm + 0.5, (number, text.text)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_pdf_is_tagged_for_accessibility(built, paper):
    reader = PdfReader(built / f"handout-{paper}.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == BOOK_LANGUAGE
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    figures = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(node)
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    walk(kid)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert len(figures) >= 8  # seven body maps and the stride chart
    assert all(str(f.get("/Alt", "")).strip() for f in figures)


def contrast(foreground: str, background: str) -> float:
    def luminance(hex_colour):
        hex_colour = hex_colour.lstrip("#")
        if len(hex_colour) == 3:
            hex_colour = "".join(c * 2 for c in hex_colour)
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_text_colour_has_at_least_4_5_to_1_contrast():
    css = (ROOT / "layouts" / "print" / "handout.css").read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", css))
    on_band = {"#fff", "#c9d6e3"}  # the cover band's text sits on navy
    for value in re.findall(r"(?<![-\w])color:\s*([^;]+);", css):
        value = value.strip()
        colour = variables.get(value[6:-1], value) if value.startswith("var(") else value
        if not colour.startswith("#"):
            continue  # inherit
        background = variables["navy"] if colour in on_band else "#ffffff"
        assert contrast(colour, background) >= 4.5, (colour, background)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_quick_reference_is_one_page_with_every_group(built, paper, canonical_groups):
    reader = PdfReader(built / f"quick-reference-{paper}.pdf")
    assert len(reader.pages) == 1
    text = page_text(reader, 0)
    for group in canonical_groups:
        assert group["title"] in text


@pytest.mark.parametrize("paper,sheet", [("a4", A4_LANDSCAPE), ("letter", LETTER_LANDSCAPE)])
def test_booklet_sheets_and_saddle_stitch_order(built, paper, sheet):
    reader = PdfReader(built / f"booklet-{paper}.pdf")
    sides = len(reader.pages)
    assert sides % 2 == 0 and sides >= 8  # page count padded to a multiple of four
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(sheet, abs=0.5)

    def halves(index):
        return sheet_halves(reader, index)

    left, right = halves(0)
    assert "Muscles Worked When Running" in right  # page 1, the cover, on the right
    # The last page, the outside back cover, on the left: the title and who made it.
    assert "Muscles Worked When Running" in left and "IN THIS BOOKLET" in left.upper()
    left, right = halves(1)
    assert "Contents" in left  # page 2 on the left of the back of the first sheet


def test_two_group_clinic_edition_contains_exactly_those_groups(tmp_path, canonical_groups):
    out = tmp_path / "thursday"
    result = run_cli("pdf", "--paper", "a4", "--only", "calves,glutes", "--clinic", "Thursday Track Night",
                         "--date", "2026-12-03", "--coach", "Sam Rivera", "--contact", "sam@example.org",
                         "--out", str(out))  # the clinic other tests build too: rendered once, from the cache after
    assert result.returncode == 0, result.stderr
    handout = PdfReader(out / "handout-a4.pdf")
    titles = [t for t, _ in outline_entries(handout)]
    groups_in_outline = [t.split(" ", 1)[1] for t in titles if t[0].isdigit()]
    assert groups_in_outline == ["Glutes", "Calves"]  # canonical order, whatever order was typed
    cover = page_text(handout, 0)
    assert "Thursday Track Night" in cover and "Sam Rivera" in cover
    assert "Thursday, December 3, 2026" in cover and "2026-12-03" not in cover  # a date for people
    others = [g["title"] for g in canonical_groups if g["id"] not in ("glutes", "calves")]
    quick = page_text(PdfReader(out / "quick-reference-a4.pdf"), 0)
    assert "Thursday, December 3, 2026" in quick
    booklet = pdf_text(out / "booklet-a4.pdf")
    for text in (quick, booklet):
        assert "Glutes" in text and "Calves" in text
    for title in others:
        assert title not in quick
        # No numbered chapter heading, cover entry or contents entry for a group left out.
        assert not re.search(rf"^\s*\d+\s+{title}\b", booklet, re.M), title


def test_a_moves_dose_never_starts_a_line_of_its_own_on_the_quick_reference(tmp_path):
    """A clinic's quick reference lists every move with its dose ("Pogo hops 3 × 20"): where the
    line must break, the dose goes over with the last word of its move's name."""
    from muscledocs.model import Edition
    from muscledocs.validate import load_book

    out = tmp_path / "thursday"
    result = run_cli("quick-reference", "--paper", "a4", *CLINIC, "--out", str(out))  # the session's clinic
    assert result.returncode == 0, result.stderr
    reader = PdfReader(out / "quick-reference-a4.pdf")
    lines = [" ".join(line.split()) for line in pdfium_page(reader, 0).get_textpage().get_text_range().splitlines()]
    moves = [move for group in load_book(ROOT, Edition(only=("glutes", "calves"))).groups for move in group.moves]
    assert len(moves) >= 6
    for move in moves:
        together = f"{move.name.split()[-1]} {' '.join(move.dose.split())}"
        assert any(together in line for line in lines), (together, lines)


def test_clinic_edition_from_a_toml_file(tmp_path):
    edition = tmp_path / "clinic.toml"
    edition.write_text('only = ["core"]\nclinic = "Saturday Long Run"\ndate = 2026-12-05\n'
                       'paper = "letter"\nout = "out"\n')
    result = run_cli("handout", "--edition", str(edition))
    assert result.returncode == 0, result.stderr
    handout = PdfReader(tmp_path / "out" / "handout-letter.pdf")
    assert [t for t, _ in outline_entries(handout) if t[0].isdigit()] == ["1 Core"]
    assert "Saturday Long Run" in page_text(handout, 0)
    assert not (tmp_path / "out" / "handout-a4.pdf").exists()


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_booklet_pages_are_numbered_bound_and_listed_in_the_contents(built, paper, canonical_groups):
    """Booklet pages are rendered chapter by chapter: the parts must still read as one book."""
    from muscledocs import papers
    from pdf_sheets import placed_pages

    page_paper = papers.folded(paper)
    mm = 72 / 25.4

    reader = PdfReader(built / f"booklet-{paper}.pdf")
    sheet_width = float(reader.pages[0].mediabox.width)
    pages = {}  # 0-based booklet page index -> (text, leftmost x on the page)
    sides = len(reader.pages)
    n = sides * 2
    for side in range(len(reader.pages)):
        left, right = (n - 1 - side, side) if side % 2 == 0 else (side, n - 1 - side)
        for placed in placed_pages(reader, side):
            pages[left if placed.x < sheet_width / 2 - 1 else right] = (placed.text, placed.leftmost)
    listing = pages[1][0].removeprefix("CONTENTS").strip().removeprefix("Contents")
    contents = dict(re.findall(r"(?:\d+\s+)?([A-Z][A-Za-z ]+?)\s*(?:\.\s*){3,}(\d+)", listing))
    titles = ["Introduction"] + [g["title"] for g in canonical_groups] + ["Putting It Together", "Glossary"]
    assert set(titles) <= set(contents), contents
    front = 2  # cover and contents
    for title in titles:
        printed = int(contents[title])
        text, min_x = pages[front + printed - 1]
        assert title in text.split(str(printed))[0] or title in text[:120], (title, printed, text[:120])
        assert str(printed) in text.split(), (title, printed)
    # Binding margins: right-hand pages (even index) have the binding margin on the left, which
    # is wider than the outer one, as the folded sheets need.
    assert page_paper.inner_mm > page_paper.outer_mm
    for index in range(2, front + int(contents["Glossary"])):
        text, min_x = pages[index]
        if index % 2 == 0:
            assert min_x > (page_paper.inner_mm - 0.5) * mm, (index, min_x)
        else:
            assert (page_paper.outer_mm - 0.5) * mm < min_x < (page_paper.inner_mm - 0.5) * mm, (index, min_x)


@pytest.mark.parametrize("paper,part", [("a4", False), ("letter", False), ("a5", True), ("half-letter", True)])
def test_the_cover_title_prints_at_the_size_it_was_balanced_for(paper, part):
    """The builder breaks the cover title into balanced lines for the paper's title size; the
    laid-out title must be at that size, on those lines (a stylesheet once overrode the size)."""
    import weasyprint

    from muscledocs import papers
    from muscledocs.print_html import Part, fonts_css, handout_html, handout_stylesheet
    from muscledocs.typefaces import bundled_font_config

    book, context = book_context()
    sheet, fonts = papers.paper(paper), bundled_font_config()
    # The cover and contents alone (the part a booklet renders first): the rest of the book
    # does not change the cover's layout.
    if part:  # booklet pages: rendered in parts, with the stylesheet passed apart
        html = handout_html(book, sheet, context, Part(front=True), inline_css=False)
        extra = [weasyprint.CSS(string=str(fonts_css()) + handout_stylesheet(sheet, context.templates()),
                                font_config=fonts)]
    else:  # the handout: its stylesheet in the page, as the whole handout has it
        html, extra = handout_html(book, sheet, context, Part(front=True)), []
    document = weasyprint.HTML(string=html, base_url=str(ROOT) + "/").render(font_config=fonts, stylesheets=extra)

    def find(box):
        if getattr(box, "element_tag", "") == "h1" and "cover-title" in (box.element.get("class") or ""):
            return box
        return next((found for child in getattr(box, "children", []) if (found := find(child))), None)

    def texts(box):
        if type(box).__name__ == "TextBox":
            yield box
        for child in getattr(box, "children", []):
            yield from texts(child)

    title = find(document.pages[0]._page_box)
    assert title.style["font_size"] * 0.75 == pytest.approx(sheet.cover_title_pt)
    lines = html.split('class="cover-title">', 1)[1].split("</h1>", 1)[0].split("<br/>")
    assert [box.text for box in texts(title)] == lines  # one text per balanced line: none wraps again
