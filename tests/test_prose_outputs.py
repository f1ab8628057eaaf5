"""Markdown and YAML a writer expects, proven on the real outputs: footnotes as real footnotes
in the PDF and as EPUB 3 notes, strikethrough, text fields printed exactly as typed, only the
bundled fonts in every PDF, Unicode section keys, and counts and lists that follow the edition."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import CLINIC, EPUB_NAME, ROOT, epubcheck_messages, page_text, pdf_text, run_cli
from muscledocs.model import Edition
from muscledocs.validate import load_book

GLUTES = "chapters/01-glutes.md"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
NOTE = "Uphill running asks the gluteus maximus for more hip extension on every stride."


def _edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def writer_project(tmp_path_factory) -> Path:
    """The real chapters with a footnote, strikethrough, a ✓ in an italic cue and a dose of 1:30."""
    import shutil

    project = tmp_path_factory.mktemp("writer") / "project"
    shutil.copytree(ROOT / "chapters", project / "chapters")
    shutil.copytree(ROOT / "assets", project / "assets")
    _edit(project, GLUTES, "Hills ask the most of this muscle.",
          f"Hills ask the most of this muscle.[^hills] Run them ~~fast~~ steady.\n\n[^hills]: {NOTE}")
    _edit(project, GLUTES, "  - Push the ground back", "  - ✓ Push the ground back")
    _edit(project, GLUTES, "dose: 2 × 15 per side", "dose: 1:30")
    return project


@pytest.fixture(scope="module")
def writer_build(writer_project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("writer-out")
    # An edition of the glutes alone, where the edits are: a sixth of the pages to render.
    result = run_cli("handout", "epub", "--paper", "a4", "--only", "glutes", "--keep-html",
                     "--out", str(out), project=writer_project)
    assert result.returncode == 0, result.stderr
    return out


def _chapter_xhtml(out: Path, chapter: str) -> etree._Element:
    epub = zipfile.ZipFile(io.BytesIO((out / EPUB_NAME).read_bytes()))
    name = next(n for n in epub.namelist() if n.endswith(f"{chapter}.xhtml"))
    return etree.fromstring(epub.read(name))


def _words(text: str) -> str:
    return " ".join(text.split())


def test_footnote_prints_at_the_foot_of_its_page(writer_build):
    reader = PdfReader(writer_build / "handout-a4.pdf")
    pages = [_words(page_text(reader, i)) for i in range(len(reader.pages))]
    page = next(i for i, text in enumerate(pages) if "Hills ask the most of this muscle" in text)
    text = pages[page]
    assert "[^hills]" not in text and "~~" not in " ".join(pages)
    # The note is on the same page as its call, after the body text (at the foot), numbered 1.
    assert f"1. {NOTE}" in text, text
    assert text.index(NOTE) > text.index("Look for these other signs") or text.index(NOTE) > text.index("Hills ask")
    assert re.search(r"this muscle\.1 Run them fast steady\.", text), text
    # Exactly once in the whole handout: a float, not a copy left in the text.
    assert sum(p.count(NOTE) for p in pages) == 1


def test_footnote_is_an_epub3_note_with_a_backlink(writer_build, tmp_path):
    root = _chapter_xhtml(writer_build, "glutes")
    refs = [a for a in root.iter(f"{XHTML}a") if a.get(EPUB_TYPE) == "noteref"]
    asides = [a for a in root.iter(f"{XHTML}aside") if a.get(EPUB_TYPE) == "footnote"]
    assert len(refs) == 1 and len(asides) == 1
    ref, aside = refs[0], asides[0]
    assert ref.text == "1" and ref.get("role") == "doc-noteref" and ref.getparent().tag == f"{XHTML}sup"
    assert ref.get("href") == "#" + aside.get("id") and aside.get("role") == "doc-footnote"
    back = aside.find(f".//{XHTML}a")
    assert back.get("href") == "#" + ref.get("id") and back.get("role") == "doc-backlink"
    assert _words("".join(aside.itertext())) == f"1. {NOTE}"
    assert root.find(f".//{XHTML}s").text == "fast"
    messages = epubcheck_messages(writer_build / EPUB_NAME, tmp_path)
    assert [m for m in messages if m["severity"] in ("ERROR", "FATAL", "WARNING")] == []


def test_text_fields_print_as_typed(writer_build, writer_project):
    book = load_book(writer_project)
    glutes = next(c for c in book.chapters if c.id == "glutes")
    assert [m.dose for m in glutes.moves][2] == "1:30"  # not 90: YAML 1.1's base-60
    html = (writer_build / "handout-a4.html").read_text(encoding="utf-8")
    assert '<td class="dose">1:30</td>' in html
    root = _chapter_xhtml(writer_build, "glutes")
    assert "1:30" in [td.text for td in root.iter(f"{XHTML}td")]


def _fonts(reader: PdfReader) -> set[str]:
    """Base names of every font the pages use, inside imposed pages (form XObjects) too."""
    names: set[str] = set()

    def visit(resources, seen: set) -> None:
        resources = resources.get_object() if resources is not None else {}
        for ref in resources.get("/Font", {}).values():
            names.add(str(ref.get_object()["/BaseFont"]).split("+", 1)[-1])
        for ref in resources.get("/XObject", {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form" and id(xobject) not in seen:
                seen.add(id(xobject))
                visit(xobject.get("/Resources"), seen)

    for page in reader.pages:
        visit(page.get("/Resources"), set())
    return names


def test_pdfs_use_only_the_bundled_fonts(writer_build, built):
    """✓ in an italic cue is not in the italic face: it comes from a bundled face, never from
    a font installed on the machine (DejaVu here), so every machine prints the same PDF."""
    reader = PdfReader(writer_build / "handout-a4.pdf")
    assert "✓ Push the ground back" in pdf_text(reader)
    for path in [writer_build / "handout-a4.pdf", *sorted(built.glob("*.pdf"))]:
        fonts = _fonts(PdfReader(path))
        assert fonts and all(name.startswith(("Source-Serif-Pro", "Source-Sans-Pro")) for name in fonts), (path, fonts)


def test_unicode_section_keys(sample_project):
    _edit(sample_project, "chapters/00-introduction.md", "## How to use the chapters",
          "## Übungen für Läufer\n\nSee [the drills](#übungen-für-läufer) and [again](#Übungen-Für-Läufer).\n\n"
          "## How to use the chapters")
    intro = load_book(sample_project).chapters[0]
    section = intro.section("übungen-für-läufer")
    assert section and section.anchor == "introduction-übungen-für-läufer"
    links = re.findall(r'href="([^"]*)"', "".join(s.html for s in intro.sections))
    assert links.count("#introduction-übungen-für-läufer") == 2


def test_counts_and_lists_follow_the_edition(tmp_path):
    """The introduction's group count and list, and the stride chart's description, in the
    full book and in a two-group clinic edition, in both outputs."""
    full = load_book(ROOT).chapters[0]
    clinic = load_book(ROOT, Edition(only=("glutes", "calves"))).chapters[0]
    assert "This guide covers seven groups: the glutes, quadriceps, hip flexors, core, hamstrings, calves and " \
           "upper body." in _words(re.sub("<[^>]+>", "", "".join(s.html for s in full.sections)))
    chart = next(i for i in clinic.images if i.src == "figure:stride-chart")
    assert chart.alt.startswith("A grid chart with a row for each of the two muscle groups")
    assert "Glutes: landing, stance and push-off. Calves: landing, stance and push-off." in chart.alt
    assert "seven" not in chart.alt and "Core" not in chart.alt
    out = tmp_path / "clinic"
    # The clinic edition other tests build too (its details change none of this): one render.
    result = run_cli("handout", "epub", "--paper", "a4", *CLINIC, "--out", str(out))
    assert result.returncode == 0, result.stderr
    opening = _words(pdf_text(out / "handout-a4.pdf", range(4)))
    assert "This guide covers two groups: the glutes and calves." in opening
    intro = _chapter_xhtml(out, "introduction")
    assert "This guide covers two groups: the glutes and calves." in _words("".join(intro.itertext()))
    img = next(i for i in intro.iter(f"{XHTML}img") if "stride-chart" in i.get("src"))
    assert img.get("alt") == chart.alt

    # The closing plan's advice for the core and the hip flexors is marked {only: …}: this
    # edition has neither, so neither output gives it; the calves' stretch stays, unmarked.
    closing = _words("".join(_chapter_xhtml(out, "closing").itertext()))
    pdf_all = _words(pdf_text(out / "handout-a4.pdf"))
    for text in (closing, pdf_all):
        assert "Stretch the calves after runs" in text
        assert "Train the core two or three times" not in text and "Stretch the hip flexors" not in text
        assert "{only" not in text and "only:" not in text
    full_closing = _words(re.sub("<[^>]+>", "", "".join(s.html for s in load_book(ROOT).chapters[-2].sections)))
    assert "Train the core two or three times a week, for five to ten minutes." in full_closing
    assert "Stretch the hip flexors after runs" in full_closing and "{only" not in full_closing


def test_renderer_never_falls_back_to_the_machines_fonts():
    """★ is in DejaVu Sans (installed here) but in no bundled face. Validation refuses it in a
    chapter; should one ever reach the renderer, the render fails instead of printing it from
    whatever font the machine happens to have."""
    from muscledocs.errors import RenderFailed
    from muscledocs.pdf import render_pdf
    from muscledocs.print_html import FONT_DIRS, fonts_css

    html = f"<style>{fonts_css()} p {{ font-family: 'Source Serif Pro', serif; }}</style><p>Key move ★</p>"
    with pytest.raises(RenderFailed) as failed:
        render_pdf(html, "probe.pdf", ROOT, (ROOT,) + FONT_DIRS, tagged=False)
    assert any('"★" (U+2605)' in problem for problem in failed.value.problems), failed.value.problems
    assert render_pdf(html.replace("★", "*"), "probe.pdf", ROOT, (ROOT,) + FONT_DIRS, tagged=False).pages == 1
