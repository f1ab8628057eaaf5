"""The chapters themselves: complete, readable, original, and fully present in both outputs."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
import textstat
from lxml import etree

from conftest import EPUB_NAME, ROOT, outline_entries, page_text
from muscledocs.validate import load_book

ORIGINALITY = ROOT.parent / "shared" / "tools" / "originality.py"
BOOK = load_book(ROOT)
GROUPS = BOOK.groups


def reading_text(chapter) -> str:
    """The sentences a reader reads: prose, how-to lines and cues (tables are not sentences)."""
    return " ".join([chapter.prose_text, *(m.how for m in chapter.moves), *chapter.cues])


def all_words(chapter) -> int:
    parts = [chapter.prose_text, *chapter.cues]
    parts += [f"{m.name} {m.where} {m.job}" for m in chapter.muscles]
    parts += [f"{m.name} {m.how} {m.dose}" for m in chapter.moves]
    if chapter.figure:
        parts.append(chapter.figure.caption)
    return len(re.findall(r"[A-Za-z0-9'’-]+", " ".join(parts)))


def chapter_pages_text(reader, title: str) -> str:
    """The text of a chapter's pages in the A4 handout, from its bookmark to the next one."""
    entries = outline_entries(reader)
    starts = [page for _, page in entries]
    index = next(i for i, (t, _) in enumerate(entries) if t.endswith(title))
    end = starts[index + 1] if index + 1 < len(starts) else len(reader.pages)
    return " ".join(page_text(reader, p) for p in range(starts[index], end))


@pytest.mark.parametrize("chapter", GROUPS, ids=lambda c: c.id)
def test_every_listed_muscle_appears_in_its_chapter_in_both_outputs(chapter, handout_a4, epub_zip):
    pdf_text = chapter_pages_text(handout_a4, chapter.title).lower()
    epub_text = " ".join("".join(etree.fromstring(epub_zip.read(f"EPUB/text/{chapter.id}.xhtml")).itertext())
                         .split()).lower()
    assert len(chapter.muscles) >= 2
    for muscle in chapter.muscles:
        name = muscle.name.lower()
        assert name in pdf_text.replace("- ", "").replace("-", "") or name in pdf_text, (chapter.id, name)
        assert name in epub_text, (chapter.id, name)


@pytest.mark.parametrize("chapter", GROUPS, ids=lambda c: c.id)
def test_chapter_structure(chapter):
    assert [s.key for s in chapter.sections][:3] == ["where", "stride", "signs"]
    assert len(chapter.moves) >= 3 and sum(m.key for m in chapter.moves) == 1
    assert all("×" in m.dose for m in chapter.moves)
    assert 1 <= len(chapter.cues) <= 2
    assert chapter.figure and chapter.figure.alt and chapter.figure.caption


@pytest.mark.parametrize("chapter", BOOK.chapters, ids=lambda c: c.id)
def test_reading_level_is_grade_9_or_below(chapter):
    if chapter.id == "glossary":
        text = " ".join(t.definition for t in chapter.terms)
    else:
        text = reading_text(chapter)
    assert textstat.flesch_kincaid_grade(text) <= 9, chapter.id


@pytest.mark.parametrize("chapter", GROUPS, ids=lambda c: c.id)
def test_group_chapters_are_350_to_800_words(chapter):
    assert 350 <= all_words(chapter) <= 800, (chapter.id, all_words(chapter))


def test_front_and_back_matter_exist():
    ids = [c.id for c in BOOK.chapters]
    assert ids[0] == "introduction" and ids[-2:] == ["closing", "glossary"]
    glossary = BOOK.chapters[-1]
    terms = {t.term.lower() for t in glossary.terms}
    for needed in ("plantarflexion", "eccentric", "stance phase", "iliopsoas", "swing phase"):
        assert any(needed in term for term in terms), needed
    assert any(img.src == "figure:stride-chart" and img.alt for img in BOOK.chapters[0].images)


@pytest.mark.skipif(not ORIGINALITY.exists(), reason="the shared content tools are not beside this checkout")
def test_chapters_are_in_the_projects_own_words():
    result = subprocess.run([sys.executable, str(ORIGINALITY), str(ROOT / "chapters")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 copied runs" in result.stdout


def test_every_figure_has_alt_text_in_both_outputs(handout_a4, built):
    with zipfile.ZipFile(built / EPUB_NAME) as epub:
        images = [img for name in epub.namelist() if name.startswith("EPUB/text/")
                  for img in etree.fromstring(epub.read(name)).iter("{http://www.w3.org/1999/xhtml}img")]
    assert len(images) == len(GROUPS) + 1  # a body map per group and the stride chart
    assert all(img.get("alt", "").strip() for img in images)
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            kids = node.get("/K")
            for kid in (kids if isinstance(kids, list) else [kids]) if kids is not None else []:
                walk(kid)

    walk(handout_a4.trailer["/Root"]["/StructTreeRoot"])
    expected = {c.figure.alt for c in GROUPS} | {i.alt for c in BOOK.chapters for i in c.images}
    assert expected <= set(alts), expected - set(alts)
