"""The EPUB: spine and navigation follow the canonical groups, metadata, EPUBCheck clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

import pytest
from lxml import etree

from conftest import BOOK_LANGUAGE, EPUB_NAME, epubcheck_messages

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def package(epub_zip):
    return etree.fromstring(epub_zip.read("EPUB/content.opf"))


def nav(epub_zip):
    return etree.fromstring(epub_zip.read("EPUB/nav.xhtml"))


def test_mimetype_is_first_and_stored(epub_zip):
    first = epub_zip.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == 0
    assert epub_zip.read("mimetype") == b"application/epub+zip"


def test_one_document_per_group_in_spine_order(epub_zip, canonical_groups):
    opf = package(epub_zip)
    hrefs = {item.get("id"): item.get("href") for item in opf.iterfind("opf:manifest/opf:item", NS)}
    spine = [hrefs[ref.get("idref")] for ref in opf.iterfind("opf:spine/opf:itemref", NS)]
    group_docs = [h for h in spine if h.removeprefix("text/").removesuffix(".xhtml")
                  in {g["id"] for g in canonical_groups}]
    assert group_docs == [f"text/{g['id']}.xhtml" for g in canonical_groups]
    for group in canonical_groups:
        doc = etree.fromstring(epub_zip.read(f"EPUB/text/{group['id']}.xhtml"))
        assert doc.findtext(".//x:h1", namespaces=NS) is not None
        assert group["title"] in "".join(doc.find(".//x:h1", NS).itertext())


def test_navigation_lists_every_group(epub_zip, canonical_groups):
    toc = nav(epub_zip).find(".//x:nav[@epub:type='toc']", NS)
    labels = ["".join(a.itertext()) for a in toc.iterfind(".//x:a", NS)]
    for group in canonical_groups:
        assert any(label.endswith(group["title"]) for label in labels), (group, labels)
    ncx = etree.fromstring(epub_zip.read("EPUB/toc.ncx"))
    ncx_labels = [t.text for t in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")]
    # The NCX names the chapters as the navigation document does ("1. Glutes").
    assert [label for label in ncx_labels if label[0].isdigit()] == [label for label in labels if label[0].isdigit()]
    assert [f"{n}. {g['title']}" for n, g in enumerate(canonical_groups, 1)] == [
        label for label in ncx_labels if label[0].isdigit()]


def test_metadata(epub_zip):
    opf = package(epub_zip)
    meta = opf.find("opf:metadata", NS)
    assert meta.findtext("dc:title", namespaces=NS) == "Muscles Worked When Running"
    assert meta.findtext("dc:language", namespaces=NS) == BOOK_LANGUAGE
    identifier = meta.findtext("dc:identifier", namespaces=NS)
    assert identifier == "urn:uuid:1a92e254-7f39-58e4-8c3b-01588e303bcb"  # fixed in chapters/book.yaml
    modified = meta.find("opf:meta[@property='dcterms:modified']", NS).text
    assert modified.startswith("2026-11-24")


def test_epubcheck_reports_nothing(built, tmp_path):
    assert epubcheck_messages(built / EPUB_NAME, tmp_path) == []


def test_epubcheck_reports_a_link_to_nothing(built, tmp_path):
    """The check the suite relies on can fail: the same EPUB with one link to a missing document."""
    broken = tmp_path / "broken.epub"
    with zipfile.ZipFile(built / EPUB_NAME) as good, zipfile.ZipFile(broken, "w") as bad:
        for item in good.infolist():
            data = good.read(item)
            if item.filename == "EPUB/text/calves.xhtml":
                data = data.replace(b"</body>", b'<p><a href="nowhere.xhtml">nowhere</a></p></body>')
            bad.writestr(item, data)
    found = [(m["ID"], m["severity"]) for m in epubcheck_messages(broken, tmp_path)]
    assert found == [("RSC-007", "ERROR")]


READERS = {
    "pandoc": ["pandoc", "-f", "epub", "-t", "plain", "{epub}", "-o", "{out}"],
    "ebook-convert": ["ebook-convert", "{epub}", "{out}"],
}


@pytest.fixture(scope="module", params=list(READERS))
def reader_text(request, built, tmp_path_factory) -> tuple[str, str]:
    """The book as plain text from a real reader; runs where pandoc or calibre is installed."""
    reader = request.param
    if not shutil.which(READERS[reader][0]):
        pytest.skip(f"{READERS[reader][0]} is not installed")
    out = tmp_path_factory.mktemp(reader) / "book.txt"
    command = [part.format(epub=built / EPUB_NAME, out=out) for part in READERS[reader]]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return reader, out.read_text(encoding="utf-8")


def test_real_readers_open_it_and_show_every_chapter(reader_text):
    """What a runner's software sees."""
    reader, text = reader_text
    for title in ("Introduction", "Glutes", "Quadriceps", "Hip Flexors", "Core", "Hamstrings", "Calves",
                  "Upper Body", "Putting It Together", "Glossary"):
        assert title in text, (reader, title)


def test_real_readers_show_no_hidden_navigation(reader_text):
    """Landmarks and the page list are hidden navigation: as text they are noise (a list of
    bare page numbers before the introduction)."""
    reader, text = reader_text
    assert "Landmarks" not in text and "Pages of the printed" not in text, reader
    bare_numbers = re.findall(r"^\s*(?:\d+\.\s+)?\d+\s*$", text, re.M)
    assert bare_numbers == [], (reader, bare_numbers[:5])
    # The visible contents page stays, and comes before the introduction.
    assert text.index("Contents") < text.index("Who this guide is for"), reader
