"""PDF/UA structure of the tagged PDFs (handouts, quick references, a clinic edition), read from
the real outputs: the two PDF/UA checkers on PyPI, and each repair checked on the tree itself."""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from html import unescape

import pikepdf
import pytest

from conftest import CLINIC, ROOT, book_context, run_cli
from pdf_tags import Node, Tagged

HANDOUTS = ["handout-a4.pdf", "handout-letter.pdf", "clinic/handout-a4.pdf", "clinic/handout-letter.pdf"]
TAGGED = HANDOUTS + ["quick-reference-a4.pdf", "quick-reference-letter.pdf",
                     "clinic/quick-reference-a4.pdf", "clinic/quick-reference-letter.pdf"]

# Checker rules that misjudge these files, each with the test below that proves the structure
# right (the README's accessibility section says the same, rule by rule).
OUTLOUD_WRONG = {
    # "Header cells look shredded" when a table has more TH than TD: a table with one header
    # row and a row header per row has that whenever it has one or two rows (calves: two).
    "TBL-010": ("header cells against", "test_every_table_is_one_regular_grid"),
}
PDFUA_SKIPPED = {
    # Crashes on every heading whose /K is an array (pikepdf arrays raise ValueError, not
    # AttributeError, from getattr), so it reports nothing: test_every_heading_has_text.
    "UA-14-001": "is_integer",
}


@pytest.fixture(scope="module")
def outputs(built, tmp_path_factory):
    """The real build's PDFs and a clinic edition's, by name."""
    clinic = built / "clinic"
    result = run_cli("handout", "quick-reference", *CLINIC, "--out", str(clinic))
    assert result.returncode == 0, result.stderr
    return built


@cache
def tagged(path) -> Tagged:
    return Tagged(path)


@cache
def book(clinic: bool):
    from muscledocs.model import Edition
    from muscledocs.validate import load_book

    return load_book(ROOT, Edition(only=("glutes", "calves")) if clinic else Edition())


def book_for(name: str):
    return book(name.startswith("clinic/"))


# --- the checkers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def checker_reports(outputs) -> dict[str, dict[str, dict]]:
    """Each checker's report on every tagged PDF, from one run of each, side by side: a checker
    starts up once for the eight files, not eight times (about half of its time on these)."""
    paths = [str(outputs / name) for name in TAGGED]
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for command in (["outloud", "--json", "-", *paths], ["pdfua", "check", "--format", "json", *paths])]
    (outloud, outloud_errors), (pdfua, pdfua_errors) = [process.communicate(timeout=600) for process in running]
    reports = {"outloud": {r["path"]: r for r in json.loads(outloud)["results"]}, "pdfua": {}}
    decoder, text, at = json.JSONDecoder(), pdfua.strip(), 0
    while at < len(text):  # one JSON document per file, one after another
        report, at = decoder.raw_decode(text, at)
        reports["pdfua"][report["file"]] = report
        at = len(text) - len(text[at:].lstrip())
    assert set(reports["outloud"]) == set(reports["pdfua"]) == set(paths), (outloud_errors, pdfua_errors)
    return {checker: {name: found[str(outputs / name)] for name in TAGGED} for checker, found in reports.items()}


@pytest.mark.parametrize("name", TAGGED)
def test_outloud_finds_no_errors(checker_reports, name):
    report = checker_reports["outloud"][name]
    assert report["error"] is None and report["stats"]["tagged"]
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    unexplained = [f for f in errors if f["rule"] not in OUTLOUD_WRONG
                   or OUTLOUD_WRONG[f["rule"]][0] not in f["message"]]
    assert not unexplained, unexplained


@pytest.mark.parametrize("name", TAGGED)
def test_pdfua_finds_nothing(checker_reports, name):
    report = checker_reports["pdfua"][name]
    assert report["findings"] == []
    skipped = {item["rule_id"]: item["reason"] for item in report.get("skipped", [])}
    assert all(rule in PDFUA_SKIPPED and PDFUA_SKIPPED[rule] in reason for rule, reason in skipped.items()), skipped


# --- the tree, repair by repair -------------------------------------------------------------


@pytest.mark.parametrize("name", TAGGED)
def test_every_painted_mcid_belongs_to_exactly_one_element_and_the_parent_tree_agrees(outputs, name):
    doc = tagged(outputs / name)
    owners: dict[tuple[int, int], Node] = {}
    for node in doc.elements():
        for kid in node.kids:
            if not isinstance(kid, Node) and kid[0] == "mcid":
                assert (kid[1], kid[2]) not in owners
                owners[kid[1], kid[2]] = node
    nums = doc.pdf.Root.StructTreeRoot.ParentTree.Nums
    parent_tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for index, page in enumerate(doc.pdf.pages):
        assert set(doc.painted[index]["mcid"]) <= {mcid for p, mcid in owners if p == index}
        entries = parent_tree[int(page.StructParents)]
        for mcid, entry in enumerate(entries):
            owner = owners.get((index, mcid))
            assert (owner.obj.objgen if owner else None) == (entry.objgen if entry is not None else None)


@pytest.mark.parametrize("name", HANDOUTS)
def test_running_heads_and_page_numbers_are_pagination_artifacts(outputs, name):
    doc = tagged(outputs / name)
    labels = [str(i + 1) for i in range(len(doc.pdf.pages))]
    front = int(doc.pdf.Root.PageLabels.Nums[2])  # where arabic numbering starts
    roman = ["i", "ii", "iii", "iv", "v"]
    for index in range(1, len(doc.pdf.pages)):  # the cover has neither
        label = roman[index] if index < front else labels[index - front]
        footer = doc.artifact_text(index, "/Pagination")
        assert label in footer.split(), (index, footer)
        footers = [text for p, text in doc.painted[index]["artifacts"] if p.get("/Subtype") == "/Footer"]
        assert label in footers, (index, footers)
    heads = {text for index in range(2, len(doc.pdf.pages))
             for properties, text in doc.painted[index]["artifacts"] if properties.get("/Subtype") == "/Header"}
    assert "GLUTES" in " ".join(heads)


@pytest.mark.parametrize("name", HANDOUTS)
def test_the_contents_page_has_one_named_link_per_entry(outputs, name):
    doc, source = tagged(outputs / name), book_for(name)
    contents = next(node for node in doc.elements("/H1") if doc.text(node) == "Contents").parent
    lists = [node for node in contents.elements() if node.role == "/L"]
    assert len(lists) == 1
    entries = lists[0].elements()
    numbers = {c.id: i for i, c in enumerate(source.groups, start=1)}
    titles = [f"{numbers[c.id]} {c.title}" if c.id in numbers else c.title for c in source.chapters] + ["Notes"]
    assert len(entries) == len(titles)
    page = doc.pdf.pages[entries[0].pages().pop()]
    annotations = [a for a in page.get("/Annots", []) if a.Subtype == "/Link"]
    assert len(annotations) == len(entries)
    for entry, title in zip(entries, titles, strict=True):
        links = [node for node in entry.walk() if node.role == "/Link"]
        assert len(links) == 1
        [(_, annotation)] = links[0].annotations()
        assert str(annotation.Contents) == title  # the entry, not its id ("hip-flexors")
        assert int(annotation.F) & 4  # printable: the same on screen and on paper
        assert ". ." not in doc.text(links[0]) and doc.text(links[0]).split()[-1].isalnum()
    assert ". . . ." in doc.artifact_text(entries[0].pages().pop(), "/Layout")  # the leaders


@pytest.mark.parametrize("name", TAGGED)
def test_every_header_cell_has_a_scope(outputs, name):
    doc = tagged(outputs / name)
    cells = doc.elements("/TH")
    assert cells or not html_tables(name)  # a small clinic's quick reference has cards, no table
    for cell in cells:
        expected = "/Column" if cell.parent.parent.role == "/THead" else "/Row"
        assert cell.attribute("/Table", "/Scope") == expected, doc.text(cell)


def html_tables(name: str) -> list[str]:
    """The caption of every table the HTML of this output has."""
    from muscledocs.papers import PAPERS
    from muscledocs.print_html import handout_html, quick_reference_html

    source, context = book_context(edition=book_for(name).edition)
    paper = PAPERS["letter" if "letter" in name else "a4"]
    html = quick_reference_html(source, paper, context, "10pt") if "quick" in name else \
        handout_html(source, paper, context)
    return [" ".join(unescape(re.sub("<[^>]+>", "", caption)).split())
            for caption in re.findall(r"<caption>(.*?)</caption>", html, re.S)]


@pytest.mark.parametrize("name", TAGGED)
def test_every_table_is_one_regular_grid(outputs, name):
    """One /Table per HTML table (a table broken across pages too), one header row of column
    headers, then rows of one row header and data cells; repeated header rows are artifacts."""
    doc = tagged(outputs / name)
    tables = doc.elements("/Table")
    captions = [[doc.text(c) for c in t.elements() if c.role == "/Caption"] for t in tables]
    assert captions == [[caption] for caption in html_tables(name)]
    for table in tables:
        groups = [node for node in table.elements() if node.role != "/Caption"]
        assert [g.role for g in groups] == ["/THead", "/TBody"]
        [header] = groups[0].elements()
        width = len(header.elements())
        assert {c.role for c in header.elements()} == {"/TH"}
        for row in groups[1].elements():
            roles = [c.role for c in row.elements()]
            assert roles == ["/TH"] + ["/TD"] * (width - 1), doc.text(row)
        pages = sorted(table.pages())
        for page in pages[1:]:  # a header row repeated on a new page is an artifact there
            assert doc.text(header) in doc.artifact_text(page, "/Pagination")


def test_a_table_broken_across_pages_is_one_table(outputs):
    """The real handout has one (the core's muscles, in A4): one element, one header row."""
    doc = tagged(outputs / "handout-a4.pdf")
    broken = [t for t in doc.elements("/Table") if len(t.pages()) > 1]
    assert broken
    for table in broken:
        assert sum(1 for g in table.elements() if g.role == "/THead") == 1


@pytest.mark.parametrize("name", HANDOUTS)
def test_the_glossary_is_a_list_of_terms_each_with_its_definition(outputs, name):
    doc = tagged(outputs / name)
    glossary = next(c for c in book_for(name).chapters if c.terms)
    heading = next(node for node in doc.elements("/H1") if doc.text(node) == glossary.title)
    [terms] = [node for node in heading.parent.elements() if node.role == "/L"]
    assert len(terms.elements()) == len(glossary.terms)
    for item, term in zip(terms.elements(), glossary.terms, strict=True):
        assert item.role == "/LI"
        label, body = item.elements()
        assert (label.role, body.role) == ("/Lbl", "/LBody")
        assert doc.text(label) == term.term
        assert doc.text(body) == " ".join(term.definition.split())


@pytest.mark.parametrize("name", TAGGED)
def test_no_empty_structure_elements(outputs, name):
    doc = tagged(outputs / name)
    for node in doc.elements():
        assert node.marked() or node.annotations() or "/Alt" in node.obj or "/ActualText" in node.obj, node.role


@pytest.mark.parametrize("name", TAGGED)
def test_every_heading_has_text(outputs, name):
    doc = tagged(outputs / name)
    headings = [node for node in doc.elements() if re.fullmatch(r"/H[1-6]", node.role)]
    assert headings and all(doc.text(node).strip() for node in headings)


@pytest.mark.parametrize("name", HANDOUTS)
def test_the_first_heading_is_the_cover_title(outputs, name):
    doc = tagged(outputs / name)
    first = next(node for node in doc.elements() if re.fullmatch(r"/H[1-6]?", node.role))
    assert first.role == "/H1" and doc.text(first) == book_for(name).title
    assert first.pages() == {0}


@pytest.mark.parametrize("name", HANDOUTS)
def test_each_chapter_is_one_section_spanning_its_pages(outputs, name):
    doc, source = tagged(outputs / name), book_for(name)
    sections = [node for node in doc.document.elements() if node.role == "/Sect"]
    titles = [doc.text(next(h for h in s.walk() if h.role == "/H1")) for s in sections]
    numbers = {c.id: i for i, c in enumerate(source.groups, start=1)}
    expected = [source.title] + [f"{numbers[c.id]} {c.title}" if c.id in numbers else c.title
                                 for c in source.chapters] + ["Notes"]
    assert [" ".join(t.split()) for t in titles] == expected
    assert sections[0].pages() == {0}  # the cover
    starts = [min(s.pages()) for s in sections[1:]] + [len(doc.pdf.pages)]
    for section, start, end in zip(sections[1:], starts, starts[1:], strict=False):
        assert section.pages() == set(range(start, end)), doc.text(section)[:40]


@pytest.mark.parametrize("name", HANDOUTS)
def test_figure_boxes_are_where_the_figures_are_drawn(outputs, name):
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    doc = tagged(outputs / name)
    pages = pypdfium2.PdfDocument(outputs / name)
    figures = doc.elements("/Figure")
    # The body maps, the cover's and the stride chart.
    assert len(figures) == len([c for c in book_for(name).chapters if c.figure]) + 2
    for figure in figures:
        [(page, mcid)] = figure.marked()
        drawn = [obj.get_bounds() for obj in pages[page].get_objects(max_depth=0)
                 if pdfium_c.FPDFPageObj_GetMarkedContentID(obj.raw) == mcid]
        union = (min(b[0] for b in drawn), min(b[1] for b in drawn), max(b[2] for b in drawn), max(b[3] for b in drawn))
        box = [float(v) for v in figure.attribute("/Layout", "/BBox")]
        assert box == pytest.approx(union, abs=1.0)


def source_text() -> str:
    return " ".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "chapters").iterdir()))


@pytest.mark.parametrize("name", HANDOUTS)
def test_hyphenated_words_read_whole(outputs, name):
    """Each word the line breaking hyphenated reads as one word, while the page still prints
    the hyphen. A hyphen the text has ("push-off") stays."""
    doc, source = tagged(outputs / name), source_text()
    printed = [doc.painted[page]["mcid"].get(mcid, "") for page, mcid in doc.document.marked()]
    broken = []
    for line, following in zip(printed, printed[1:], strict=False):
        head = re.search(r"(\w+)-$", line)
        tail = re.match(r"\s*([a-z]\w*)", following)
        if head and tail and head[1] + tail[1] in source and f"{head[1]}-{tail[1]}" not in source:
            broken.append((head[1], tail[1]))
    heard = " ".join(doc.text(node) for node in doc.document.elements())
    assert broken  # the handouts do hyphenate (18 words in A4)
    for head, tail in broken:
        assert re.search(rf"\b{head}{tail}\b", heard) and f"{head}- {tail}" not in heard, head + tail


def test_a_small_clinics_quick_reference_says_the_phases_in_words(outputs):
    """Cards instead of a table for two groups: each says in words where the group works."""
    from muscledocs.model import PHASES

    doc, source = tagged(outputs / "clinic/quick-reference-a4.pdf"), book(True)
    assert not doc.elements("/Table")
    text = " ".join(doc.text(node) for node in doc.elements("/P"))
    for group in source.groups:
        works = [p for p in PHASES if p in group.phases]
        rest = [p for p in PHASES if p not in group.phases]
        said = (", ".join(works[:-1]) + " and " + works[-1]) if len(works) > 1 else works[0]
        assert f"WORKS IN {said}" in text.replace("Works in", "WORKS IN"), (group.title, text[:300])
        assert not rest or rest[-1] in text


@pytest.mark.parametrize("name", ["quick-reference-a4.pdf", "quick-reference-letter.pdf"])
def test_quick_reference_phase_cells_say_what_their_boxes_show(outputs, name):
    from muscledocs.model import PHASES

    doc, source = tagged(outputs / name), book_for(name)
    [table] = doc.elements("/Table")
    body = next(g for g in table.elements() if g.role == "/TBody")
    for row, group in zip(body.elements(), source.groups, strict=True):
        cells = row.elements()
        phase_cells = cells[3:3 + len(PHASES)]
        said = [str(cell.obj.get("/ActualText")) for cell in phase_cells]
        assert said == ["works in this phase" if phase in group.phases else "not a main job" for phase in PHASES]
        assert all(not cell.marked() and not cell.kids for cell in phase_cells)  # the boxes: artifacts


def test_the_permanent_document_id_is_kept(outputs):
    import hashlib

    source = book(False)
    expected = hashlib.md5(f"{source.identifier}|handout-a4.pdf|{source.edition}".encode()).hexdigest()
    with pikepdf.open(outputs / "handout-a4.pdf") as pdf:
        assert bytes(pdf.trailer.ID[0]) == expected.encode()


# --- the repair on a document made to need each of them ------------------------------------

ROWS = 40


@pytest.fixture(scope="module")
def made_to_need_repairs(tmp_path_factory) -> bytes:
    """Independent of the chapters and of the print design: if a layout change stops the real
    handout from breaking a table or hyphenating a word, the repair is still proven here."""
    from muscledocs.pdf import render_pdf
    from muscledocs.print_html import FONT_DIRS, fonts_css

    folder = tmp_path_factory.mktemp("repairs")
    rows = "".join(f'<tr><th scope="row">Row {i}</th><td>Cell {i}</td></tr>' for i in range(ROWS))
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Repairs</title><style>
    {fonts_css()}
    @page {{ size: A6; margin: 16mm 10mm; @top-center {{ content: "Running head" }}
             @bottom-center {{ content: counter(page) }} }}
    body {{ font: 9pt/1.3 "Source Serif Pro"; hyphens: auto; hyphenate-character: "-" }}
    .narrow {{ width: 19mm; text-align: justify }}
    .box {{ display: inline-block; width: 3mm; height: 3mm; border: 1px solid }}
    </style></head><body>
    <p role="heading" aria-level="1">The title</p>
    <p class="narrow">Trendelenburg Trendelenburg Trendelenburg</p>
    <p><a href="#long">a link long enough to run on from this line onto the next one</a></p>
    <dl><div><dt>Term</dt><dd>Definition</dd></div> <div><dt>Two</dt><dd>Second</dd><dd>Third</dd></div></dl>
    <div aria-hidden="true"><p>Decoration</p><div></div></div>
    <table><tr><th>Phase</th><td aria-label="works in this phase"><span class="box" aria-hidden="true"></span></td></tr>
    </table>
    <table id="long"><caption>Long</caption><thead><tr><th scope="col">A</th><th scope="col">B</th></tr></thead>
    <tbody>{rows}</tbody></table>
    </body></html>"""
    first = render_pdf(html, "repairs.pdf", folder, (folder,) + FONT_DIRS, identifier=b"0" * 32).pdf
    again = render_pdf(html, "repairs.pdf", folder, (folder,) + FONT_DIRS, identifier=b"0" * 32).pdf
    assert first == again  # the repair is deterministic
    return first


def test_repairs_on_a_document_made_to_need_them(made_to_need_repairs):
    doc = Tagged(made_to_need_repairs)
    assert len(doc.pdf.pages) >= 3
    first = next(node for node in doc.elements() if node.role.startswith("/H"))
    assert (first.role, doc.text(first)) == ("/H1", "The title")

    narrow = doc.elements("/P")[0]
    assert doc.text(narrow) == "Trendelenburg Trendelenburg Trendelenburg"
    printed = [doc.painted[page]["mcid"][mcid] for page, mcid in narrow.marked()]
    assert any(line.endswith("-") for line in printed), printed  # the page still shows the hyphen

    [link] = doc.elements("/Link")
    annotations = link.annotations()
    assert len(annotations) == 2  # one per line
    assert {str(a.Contents) for _, a in annotations} == {
        "a link long enough to run on from this line onto the next one"}

    [terms] = doc.elements("/L")
    assert [[(k.role, doc.text(k)) for k in item.elements()] for item in terms.elements()] == [
        [("/Lbl", "Term"), ("/LBody", "Definition")], [("/Lbl", "Two"), ("/LBody", "Second Third")]]

    heard = " ".join(doc.text(node) for node in doc.document.elements())
    assert "Decoration" not in heard and "Decoration" in doc.artifact_text(0, "/Layout")
    [cell] = [node for node in doc.elements("/TD") if "/ActualText" in node.obj]
    assert str(cell.obj.ActualText) == "works in this phase" and not cell.kids

    tables = doc.elements("/Table")
    assert len(tables) == 2
    long = tables[1]
    assert len(long.pages()) >= 2
    assert [g.role for g in long.elements()] == ["/Caption", "/THead", "/TBody"]
    body = long.elements()[2]
    assert [doc.text(row.elements()[0]) for row in body.elements()] == [f"Row {i}" for i in range(ROWS)]
    for page in sorted(long.pages())[1:]:
        assert "A B" in doc.artifact_text(page, "/Pagination")
    for page in range(len(doc.pdf.pages)):
        subtypes = {p.get("/Subtype"): text for p, text in doc.painted[page]["artifacts"] if p.get("/Subtype")}
        assert subtypes == {"/Header": "Running head", "/Footer": str(page + 1)}
    for node in doc.elements():
        assert node.marked() or node.annotations() or "/ActualText" in node.obj, node.role
