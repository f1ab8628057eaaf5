"""Links from one chapter to another, or to a section of another: right in every output, and
plain text (never a link to nothing) where an output leaves the target chapter out."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader

from conftest import EPUB_NAME, epubcheck_messages, outline_entries, page_text, run_cli, small_book

SENTENCE = ("Compare the [quadriceps](02-quadriceps.md) and their "
            "[weakness signs](02-quadriceps.md#signs).")


def add_links(project):
    chapter = project / "chapters" / "05-hamstrings.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text.replace("\n## ", f"\n{SENTENCE}\n\n## ", 1), encoding="utf-8")


def hamstrings_xhtml(epub_path) -> str:
    with zipfile.ZipFile(io.BytesIO(epub_path.read_bytes())) as book:
        return book.read("EPUB/text/hamstrings.xhtml").decode("utf-8")


def link_targets(reader: PdfReader, needle: str) -> list[int]:
    """Target page indexes of the links on the page that shows `needle`."""
    for index, page in enumerate(reader.pages):
        if needle in page_text(reader, index):
            links = [a.get_object() for a in page.get("/Annots", []) if a.get_object()["/Subtype"] == "/Link"]
            return [reader.get_destination_page_number(reader.named_destinations[str(a["/Dest"])])
                    for a in links if "/Dest" in a]
    raise AssertionError(f"no page shows {needle!r}")


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """The book cut to the linked chapters and one more, with the links added."""
    project = small_book(tmp_path_factory.mktemp("links"), ("quadriceps", "hamstrings", "calves"))
    add_links(project)
    return project


def test_links_to_a_chapter_and_to_its_section_land_right(linked, tmp_path):
    out = tmp_path / "out"
    result = run_cli("handout", "booklet", "epub", "--paper", "a4", "--out", str(out), project=linked)
    assert result.returncode == 0, result.stderr

    xhtml = hamstrings_xhtml(out / EPUB_NAME)
    assert '<a href="quadriceps.xhtml">quadriceps</a>' in xhtml
    assert '<a href="quadriceps.xhtml#quadriceps-signs">weakness signs</a>' in xhtml
    assert epubcheck_messages(out / EPUB_NAME, tmp_path) == []

    handout = PdfReader(out / "handout-a4.pdf")
    # A link broken over two lines has an annotation for each line: two targets all the same.
    chapter_page, signs_page = sorted(set(link_targets(handout, "Compare the quadriceps")))
    assert dict(outline_entries(handout))["1 Quadriceps"] == chapter_page
    assert "Quadriceps" in page_text(handout, chapter_page) and "The quadriceps" in page_text(handout, chapter_page)
    assert "Signs of weakness" in page_text(handout, signs_page)
    assert signs_page >= chapter_page
    # The booklet renders chapter by chapter, where the target is in another part: it still builds.
    assert (out / "booklet-a4.pdf").exists()


def test_a_link_to_a_chapter_the_edition_leaves_out_becomes_plain_text(linked, tmp_path):
    out = tmp_path / "clinic"
    result = run_cli("handout", "epub", "--only", "hamstrings,calves", "--paper", "a4", "--out", str(out),
                     project=linked)
    assert result.returncode == 0, result.stderr
    xhtml = hamstrings_xhtml(out / EPUB_NAME)
    assert "Compare the quadriceps and their weakness signs." in xhtml
    assert "quadriceps.xhtml" not in xhtml
    assert epubcheck_messages(out / EPUB_NAME, tmp_path) == []
    handout = PdfReader(out / "handout-a4.pdf")
    assert link_targets(handout, "Compare the quadriceps") == []
