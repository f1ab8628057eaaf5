"""The page proof: every rule fires on a page made to break it (and stays quiet on the same page
without the defect); the build reports the findings as warnings, refuses them with --strict, and
keeps them with its cached outputs.

The rule tests render small pages with WeasyPrint and the project's own typefaces and pass the
Document straight to `proof_pages`, so each page holds exactly the defect under test. The page is
120 x 100 mm with a 10 mm margin and 14 pt lines: 16 lines of text. Filler text has short words
and no hyphenation, so it never trips a rule itself.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from pypdf import PdfReader

from conftest import outline_entries, run_cli, small_book
from muscledocs.print_html import fonts_css
from muscledocs.proof import Finding, proof_pages

PAGE_CSS = """
@page { size: 120mm 100mm; margin: 10mm; }
html { font: 10pt/14pt "Source Serif Pro"; hyphens: manual; hyphenate-character: "-"; }
body { margin: 0; }
p, dd { margin: 0; orphans: 1; widows: 1; }
h2 { font-size: 12pt; line-height: 14pt; margin: 0; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 0; text-align: left; vertical-align: top; }
ul, dl, dd, figure { margin: 0; padding: 0; }
"""
FILLER = "the cat sat on the mat and ran off to see a dog in the big old park by the sea"
FOUR_LINES = f"<p>{FILLER} {FILLER} {FILLER}</p>"
ONE_LINE = "<p>a short line</p>"
FULL_PAGE = FOUR_LINES * 4  # 16 lines: the whole text block


def fill(lines: int) -> str:
    """Exactly `lines` lines of filler text."""
    return FOUR_LINES * (lines // 4) + ONE_LINE * (lines % 4)


def render(body: str, css: str = ""):
    import weasyprint

    html = (f'<html lang="en"><head><style>{fonts_css()} {PAGE_CSS} {css}</style></head>'
            f"<body>{body}</body></html>")
    return weasyprint.HTML(string=html).render()


def proof(body: str, css: str = "", first_page_number: int = 1) -> list[str]:
    return [str(finding) for finding in proof_pages(render(body, css), "sample.pdf", first_page_number)]


def lines_of(body: str) -> list[str]:
    """The text of every laid-out line, to check that a test page breaks where it means to."""
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    return ["".join(box.text for box in line.descendants() if isinstance(box, TextBox))
            for page in render(body).pages for line in page._page_box.descendants() if isinstance(line, LineBox)]


def hyphenating(text: str, width_mm: int) -> str:
    """A paragraph `width_mm` wide, hyphenated automatically."""
    return f'<p style="hyphens: auto; width: {width_mm}mm">{text}</p>'


def hyphenating_cell(text: str, width_mm: int) -> str:
    """A one-cell table `width_mm` wide, hyphenated automatically."""
    return f'<table style="width: {width_mm}mm"><tr><td style="hyphens: auto">{text}</td></tr></table>'


def test_the_test_page_holds_sixteen_lines_of_filler():
    """What every test below counts on."""
    assert len(lines_of(FOUR_LINES)) == 4
    assert len(render(FULL_PAGE).pages) == 1
    assert len(render(FULL_PAGE + ONE_LINE).pages) == 2


# --- stranded headings, captions, table headers, terms --------------------------------------

def test_a_heading_with_one_line_below_it_at_the_foot_of_the_page():
    body = fill(14) + "<section><h2>Moves</h2>" + FOUR_LINES * 2 + "</section>"
    assert proof(body) == ['sample.pdf page 1: heading "Moves" is followed by only 1 line before the page ends']


def test_a_heading_and_a_table_caption_with_the_table_overleaf():
    """What a proofreader found on booklet-a4 page 17: heading and caption at the foot."""
    rows = "".join(f"<tr><td>row {i}</td></tr>" for i in range(6))
    table = f"<table><caption>Moves for the calves</caption><tbody>{rows}</tbody></table>"
    assert proof(fill(14) + "<section><h2>Moves</h2>" + table + "</section>" + fill(8)) == [
        'sample.pdf page 1: heading "Moves" is followed by no lines before the page ends',
        'sample.pdf page 1: caption "Moves for the calves" is followed by no lines before the page ends',
    ]
    # Two lines earlier, three rows follow them on the page and three go overleaf: nothing to report.
    assert proof(fill(11) + "<section><h2>Moves</h2>" + table + "</section>" + fill(8)) == []


def test_a_table_header_with_one_line_of_its_rows_below_it():
    long_text = "the cat sat on the mat and ran off to see a dog in the big old park by the sea " * 3
    table = ("<table><thead><tr><th>Move</th><th>How</th></tr></thead><tbody>"
             f"<tr><td>Calf raise</td><td>{long_text}</td></tr><tr><td>Hop</td><td>{long_text}</td></tr>"
             "</tbody></table>")
    # Rows may break across pages here, so one line of the first row fits below the header.
    assert proof(fill(14) + table + fill(8), "td { orphans: 1; widows: 1; }") == [
        'sample.pdf page 1: table header of "Move, How" is followed by only 1 line before the page ends',
        'sample.pdf page 1: table "Move, How" split leaving 1 row on this page',
        'sample.pdf page 2: table "Move, How" split leaving 2 rows on this page',  # the split row counts twice
    ]


def test_a_glossary_term_at_the_foot_with_its_definition_overleaf():
    definition = "the cat sat on the mat and ran off to see a dog in the big old park by the sea"  # two lines
    terms = "".join(f"<dt>Term {i}</dt><dd>{definition}</dd>" for i in range(4))
    # Terms 0 and 1 fill lines 13 to 16; term 1's definition does not break (orphans: 2).
    assert proof(fill(12) + f"<dl>{terms}</dl>" + fill(8), "dd { orphans: 2; }") == [
        'sample.pdf page 1: term "Term 1" is followed by no lines before the page ends']


def test_a_short_section_complete_on_its_page_is_not_stranded():
    """A heading needs two lines below it, or all of its text when that is one line."""
    body = (fill(14) + "<section><h2>Moves</h2>" + ONE_LINE + "</section>"
            + "<section><h2>Cues</h2>" + FOUR_LINES * 2 + "</section>")
    assert proof(body) == []


# --- runt pages ------------------------------------------------------------------------------

def test_a_page_of_four_lines_is_a_runt():
    assert proof(FULL_PAGE + "<section><h2>Soreness</h2>" + FOUR_LINES + "</section>") == [
        "sample.pdf page 2: only 4 lines of text on the page"]
    assert proof(FULL_PAGE + "<section><h2>Soreness</h2>" + fill(5) + "</section>") == []


def test_cover_notes_and_deliberate_blank_pages_are_not_runts():
    body = ('<section class="cover"><p>Muscles Worked When Running</p></section>'
            '<section style="break-before: page">' + FULL_PAGE + "</section>"
            '<section style="break-before: left">' + FULL_PAGE + "</section>"  # page 3 left blank
            '<section class="notes" style="break-before: page"><h2>Notes</h2><p>Cues from the session.</p>'
            "</section>")
    assert proof(body) == []
    # The same short page without its class is a runt.
    assert proof(body.replace('class="notes" ', "")) == ["sample.pdf page 5: only 1 line of text on the page"]


# --- split tables and lists ------------------------------------------------------------------

def test_a_table_split_leaving_one_row_on_one_side_and_two_on_the_other():
    rows = "".join(f"<tr><td>row {i}</td></tr>" for i in range(3))
    table = f"<table><caption>The calves at a glance</caption><tbody>{rows}</tbody></table>"
    assert proof(fill(14) + table + fill(8)) == [
        'sample.pdf page 1: caption "The calves at a glance" is followed by only 1 line before the page ends',
        'sample.pdf page 1: table "The calves at a glance" split leaving 1 row on this page',
        'sample.pdf page 2: table "The calves at a glance" split leaving 2 rows on this page',
    ]
    six = table.replace(rows, "".join(f"<tr><td>row {i}</td></tr>" for i in range(6)))
    assert proof(fill(12) + six + fill(8)) == []  # three rows on each side


def test_a_list_split_leaving_one_item():
    items = "".join(f"<li>Cue number {i}.</li>" for i in range(1, 5))
    assert proof(fill(15) + f"<ul>{items}</ul>" + fill(8)) == [
        'sample.pdf page 1: list starting "Cue number 1." split leaving 1 item on this page']
    assert proof(fill(14) + f"<ul>{items}</ul>" + fill(8)) == []


# --- figures ---------------------------------------------------------------------------------

def svg_image(svg: str, width_mm: float) -> str:
    data = base64.b64encode(svg.encode()).decode()
    return f'<img src="data:image/svg+xml;base64,{data}" style="width: {width_mm}mm; display: block">'


def test_a_figure_separated_from_its_caption():
    picture = svg_image('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 10">'
                        '<rect width="100" height="10"/></svg>', 50)  # 5 mm tall: a line and a half
    figure = f"<figure>{picture}<figcaption>The calves sit at the back of the lower leg.</figcaption></figure>"
    assert proof(fill(15) + figure + fill(8)) == [
        'sample.pdf page 1: figure separated from its caption ("The calves sit at the back of the lower leg." '
        "is on the next page)"]
    assert proof(fill(12) + figure + fill(8)) == []


# --- hyphenation -----------------------------------------------------------------------------

def test_hyphenation_inside_a_table_cell():
    assert proof(hyphenating_cell("Stretch the gastrocnemius muscle gently.", 28) + fill(8)) == [
        'sample.pdf page 1: hyphenation "gast-rocnemius" inside a table cell']


def test_hyphenation_leaving_two_letters():
    assert proof(hyphenating("Bend the upper arm and hold it.", 13) + fill(8)) == [
        'sample.pdf page 1: hyphenation "up-per" leaves fewer than 3 letters on one side']


def test_hyphenation_ending_a_paragraph():
    """The paragraph's last line is the rest of a word hyphenated on the line before."""
    assert proof(hyphenating("Stretch the gastrocnemius.", 29) + fill(8)) == [
        'sample.pdf page 1: hyphenation "gast-rocnemius" ends a paragraph']
    assert proof(hyphenating("Stretch the gastrocnemius muscle gently.", 31) + fill(8)) == []


def test_hyphenation_ending_the_page():
    paragraph = hyphenating("Stretch the gastrocnemius muscle gently, then rest a bit.", 31)
    assert proof(fill(15) + paragraph + fill(8)) == [
        'sample.pdf page 1: hyphenation "gast-rocnemius" ends the page']


def test_a_hyphen_of_the_text_is_not_a_hyphenation():
    """"push-off" broken after its own hyphen, in a cell and before a paragraph's last line."""
    assert lines_of(hyphenating("Time the push-off well.", 25))[:2] == ["Time the push-", "off well."]
    assert lines_of(hyphenating_cell("Time the push-off well.", 25))[:2] == ["Time the push-", "off well."]
    assert proof(hyphenating("Time the push-off well.", 25) + fill(8)) == []
    assert proof(hyphenating_cell("Time the push-off well.", 25) + fill(8)) == []


# --- small text ------------------------------------------------------------------------------

def test_text_smaller_than_7pt():
    small = '<p style="font-size: 6.5pt">Source: the coaching notes of the club.</p>'
    assert proof(fill(8) + small) == [
        'sample.pdf page 1: text smaller than 7 pt: 6.5 pt "Source: the coaching notes of the club."']
    assert proof(fill(8) + small.replace("6.5pt", "7pt")) == []


def test_text_smaller_than_7pt_inside_an_svg_image():
    """Labels drawn in an SVG are as small as the image is scaled: 6 units of 100 across 40 mm."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40">'
           '<text x="5" y="12" font-size="6">Front</text><text x="50" y="12" font-size="6">Back</text>'
           '<text x="5" y="35" font-size="20">Calves</text></svg>')
    assert proof(svg_image(svg, 40) + fill(8)) == [
        'sample.pdf page 1: text smaller than 7 pt in an image: 6.8 pt "Front" and 1 more']
    assert proof(svg_image(svg, 60) + fill(8)) == []  # 10.2 pt at 60 mm
    # A transform scales the text with it: "Calves" (20 units) drawn at a quarter is 5.7 pt at 40 mm.
    quartered = svg.replace('<text x="5" y="35"', '<text transform="scale(0.25)" x="5" y="35"')
    assert proof(svg_image(quartered, 40) + fill(8)) == [
        'sample.pdf page 1: text smaller than 7 pt in an image: 5.7 pt "Calves" and 2 more']


def test_running_heads_and_page_numbers_are_not_page_content():
    margins = '@page { @top-center { content: "Calves"; font-size: 5pt; } @bottom-center { content: counter(page); } }'
    assert proof(FULL_PAGE + FULL_PAGE, margins) == []  # no 5 pt text, no runt


# --- findings --------------------------------------------------------------------------------

def test_findings_name_the_output_and_the_page_counted_from_the_first():
    assert str(Finding("booklet-a4.pdf", 17, "only 2 lines of text on the page", "runt")) == \
        "booklet-a4.pdf page 17: only 2 lines of text on the page"
    # A document rendered as part of a larger one counts from its first page's position there.
    assert proof(FULL_PAGE + FOUR_LINES, first_page_number=9) == [
        "sample.pdf page 10: only 4 lines of text on the page"]


def test_the_proof_leaves_the_pdf_as_it_was():
    """It reads the layout (SVG drawings included) without changing what gets written."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 40"><g transform="scale(0.5)">'
           '<text x="5" y="12" font-size="6">Front</text></g><rect x="50" width="40" height="30"/></svg>')
    body = FOUR_LINES + svg_image(svg, 40) + hyphenating_cell("Stretch the gastrocnemius muscle gently.", 28)
    untouched = render(body).write_pdf(pdf_identifier=b"same")
    proofed = render(body)
    assert proof_pages(proofed, "sample.pdf")  # it found something, so it walked everything
    assert proofed.write_pdf(pdf_identifier=b"same") == untouched


# --- the build -------------------------------------------------------------------------------

CLOSING_LINE = "Train well, and rest well."
TINY_CLOSING = f"---\nid: closing\ntitle: Putting It Together\n---\n\n{CLOSING_LINE}\n"  # a page of one line
RUNT = "only 1 line of text on the page"


def files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()}


def test_strict_refuses_page_defects_and_writes_nothing(tmp_path):
    sample_project = small_book(tmp_path)
    out = tmp_path / "out"
    good = run_cli("handout", "--paper", "a4", "--out", str(out), project=sample_project)
    assert good.returncode == 0, good.stderr
    before = files(out)

    (sample_project / "chapters" / "80-closing.md").write_text(TINY_CLOSING)
    strict = run_cli("handout", "--paper", "a4", "--strict", "--out", str(out), project=sample_project)
    assert strict.returncode == 1, strict.stderr
    assert "Traceback" not in strict.stderr
    assert files(out) == before  # the last good build, untouched
    assert re.search(r"^\d+ page defects? found by the page proof \(--strict\); nothing was written\.$",
                     strict.stderr, re.M)

    loose = run_cli("handout", "--paper", "a4", "--out", str(out), project=sample_project)
    assert loose.returncode == 0, loose.stderr
    closing = dict(outline_entries(PdfReader(out / "handout-a4.pdf")))["Putting It Together"] + 1
    assert f"error: handout-a4.pdf page {closing}: {RUNT}" in strict.stderr.splitlines()
    assert f"warning: handout-a4.pdf page {closing}: {RUNT}" in loose.stderr.splitlines()
    assert "handout-a4.pdf" in loose.stdout  # the file line, on stdout; warnings go to stderr
    assert "the outputs were written" in loose.stderr.splitlines()[-1]

    # Nothing changed: the build is answered from its stamp, and still reports the defect.
    again = run_cli("handout", "--paper", "a4", "--out", str(out), project=sample_project)
    assert "up to date" in again.stdout
    assert f"warning: handout-a4.pdf page {closing}: {RUNT}" in again.stderr.splitlines()
    strict_again = run_cli("handout", "--paper", "a4", "--strict", "--out", str(out), project=sample_project)
    assert strict_again.returncode == 1
    assert f"error: handout-a4.pdf page {closing}: {RUNT}" in strict_again.stderr.splitlines()


def booklet_page_of(path: Path, words: str) -> int:
    """The booklet page (cover = 1) that says `words`, read off the imposed sheets."""
    from pdf_sheets import placed_pages

    reader = PdfReader(path)
    width = float(reader.pages[0].mediabox.width)
    n = len(reader.pages) * 2
    for side in range(len(reader.pages)):
        left, right = (n - 1 - side, side) if side % 2 == 0 else (side, n - 1 - side)
        for placed in placed_pages(reader, side):
            if words in placed.text:
                return (left if placed.x < width / 2 - 1 else right) + 1
    raise AssertionError(f"no booklet page says {words!r}")


def test_booklet_findings_use_booklet_page_numbers_and_come_back_from_the_cache(tmp_path):
    sample_project = small_book(tmp_path)
    (sample_project / "chapters" / "80-closing.md").write_text(TINY_CLOSING)
    first = run_cli("booklet", "--paper", "a4", "--out", str(tmp_path / "one"), project=sample_project)
    assert first.returncode == 0, first.stderr
    page = booklet_page_of(tmp_path / "one" / "booklet-a4.pdf", CLOSING_LINE)
    expected = f"warning: booklet-a4.pdf page {page}: {RUNT}"
    assert expected in first.stderr.splitlines()

    # Another folder: no stamp there, so the build runs, but every render comes from the cache.
    second = run_cli("booklet", "--paper", "a4", "--out", str(tmp_path / "two"), project=sample_project)
    assert "(cached)" in second.stdout
    assert second.stderr == first.stderr


def test_the_real_book_passes_its_own_proof(built, tmp_path):  # built: its renders, not a second set
    """Every PDF in both papers, and a two-group clinic edition: not one page defect."""
    full = run_cli("pdf", "--strict", "--out", str(tmp_path / "full"))
    clinic = run_cli("pdf", "--strict", "--only", "glutes,calves", "--clinic", "Thursday Track Night",
                         "--date", "2026-12-03", "--coach", "Sam Rivera", "--contact", "sam@example.org",
                         "--out", str(tmp_path / "clinic"))
    assert (full.returncode, clinic.returncode) == (0, 0), full.stderr + clinic.stderr
    for folder in ("full", "clinic"):
        names = {p.name for p in (tmp_path / folder).iterdir()}
        assert {f"{kind}-{paper}.pdf" for kind in ("handout", "quick-reference", "booklet")
                for paper in ("a4", "letter")} <= names

    for folder in ("full", "clinic"):
        for paper in ("a4", "letter"):
            fill = glossary_last_page_fill(tmp_path / folder / f"handout-{paper}.pdf")
            assert fill is None or fill >= 0.35, (folder, paper, fill)  # a third of the page, margin included


def glossary_last_page_fill(pdf) -> float | None:
    """How far down the page the text of the glossary's last page reaches (0.25: a quarter of
    the page), read from the printed PDF; None when the glossary is on one page."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    texts = [" ".join(page.get_textpage().get_text_range().split()) for page in document]
    first = next(i for i, text in enumerate(texts) if text.startswith("Glossary"))
    last = next(i for i, text in enumerate(texts) if text.startswith("Notes")) - 1
    if last == first:
        return None
    page = document[last]
    textpage = page.get_textpage()
    height = page.get_height()
    # The running head and the folio are at the page's edges; the text block's lowest glyph is not.
    lows = [textpage.get_charbox(i)[1] for i in range(textpage.count_chars())
            if textpage.get_text_range(i, 1).strip()]
    body = [y for y in lows if 0.1 * height < y < 0.9 * height]
    return (height - min(body)) / height
