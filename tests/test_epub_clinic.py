"""A clinic edition carries through to the EPUB: cover, title page, metadata and glossary name
what the coach chose, and the edition is as valid as the whole book."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree
from PIL import Image

from conftest import CLINIC, EPUB_NAME, ROOT, epubcheck_messages, pdf_text, run_cli
from muscledocs.model import Edition
from muscledocs.validate import load_book

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
DATE = "Thursday, December 3, 2026"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    out = tmp_path_factory.mktemp("thursday")
    result = run_cli("epub", "handout", "--paper", "a4", *CLINIC, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def clinic_epub(clinic):
    return zipfile.ZipFile(io.BytesIO((clinic / EPUB_NAME).read_bytes()))


def xml(epub, name):
    return etree.fromstring(epub.read(name))


def spine(epub):
    opf = xml(epub, "EPUB/content.opf")
    hrefs = {i.get("id"): i.get("href") for i in opf.iterfind("opf:manifest/opf:item", NS)}
    return [hrefs[r.get("idref")] for r in opf.iterfind("opf:spine/opf:itemref", NS)]


def test_epubcheck_reports_nothing(clinic, tmp_path):
    assert epubcheck_messages(clinic / EPUB_NAME, tmp_path) == []


def test_title_page_names_the_clinic_date_coach_and_contact(clinic_epub):
    assert spine(clinic_epub)[:2] == ["cover.xhtml", "titlepage.xhtml"]
    page = xml(clinic_epub, "EPUB/titlepage.xhtml")
    assert page.find(".//x:section", NS).get(EPUB_TYPE) == "titlepage"
    assert page.findtext(".//x:h1", namespaces=NS) == "Muscles Worked When Running"
    edition = page.find(".//x:section[@class='edition']", NS)
    assert edition.findtext("x:h2", namespaces=NS) == "Thursday Track Night"
    fields = dict(zip([dt.text for dt in edition.iterfind(".//x:dt", NS)],
                      ["".join(dd.itertext()) for dd in edition.iterfind(".//x:dd", NS)], strict=True))
    assert fields == {"Date": DATE, "Coach": "Sam Rivera", "Contact": "sam@example.org"}
    assert edition.find(".//x:time", NS).get("datetime") == "2026-12-03"
    assert edition.find(".//x:a", NS).get("href") == "mailto:sam@example.org"
    assert "covers the glutes and calves." in "".join(edition.itertext())
    landmarks = xml(clinic_epub, "EPUB/nav.xhtml").find(".//x:nav[@epub:type='landmarks']", NS)
    assert {a.get(EPUB_TYPE): a.get("href") for a in landmarks.iterfind(".//x:a", NS)}["titlepage"] == \
        "titlepage.xhtml"


def test_the_whole_book_has_a_title_page_without_clinic_details(epub_zip):
    page = xml(epub_zip, "EPUB/titlepage.xhtml")
    assert page.findtext(".//x:h1", namespaces=NS) == "Muscles Worked When Running"
    assert page.find(".//x:section[@class='edition']", NS) is None


def test_metadata_names_the_edition_with_an_identifier_of_its_own(clinic_epub, epub_zip):
    meta = xml(clinic_epub, "EPUB/content.opf").find("opf:metadata", NS)
    book_meta = xml(epub_zip, "EPUB/content.opf").find("opf:metadata", NS)
    assert meta.findtext("dc:title", namespaces=NS) == "Muscles Worked When Running \u2014 Thursday Track Night"
    description = meta.findtext("dc:description", namespaces=NS)
    for part in ("Thursday Track Night", DATE, "Sam Rivera", "sam@example.org", "Glutes and Calves"):
        assert part in description, part
    # A reading system keeps one book per identifier: the edition must not replace the book.
    identifier = meta.findtext("dc:identifier", namespaces=NS)
    assert identifier.startswith("urn:uuid:") and identifier != book_meta.findtext("dc:identifier", namespaces=NS)


def test_cover_image_names_the_clinic(clinic_epub, epub_zip):
    cover = xml(clinic_epub, "EPUB/cover.xhtml").find(".//x:img", NS)
    for part in ("Thursday Track Night", DATE, "Sam Rivera", "sam@example.org", "Glutes and Calves"):
        assert part in cover.get("alt"), part
    image = Image.open(io.BytesIO(clinic_epub.read("EPUB/images/cover.png"))).convert("RGB")
    whole_book = Image.open(io.BytesIO(epub_zip.read("EPUB/images/cover.png"))).convert("RGB")
    assert image.size == whole_book.size
    # The band is the same; below the rule the clinic block is drawn (figures.draw_cover is
    # tested line by line in test_figures.py).
    band = (0, 0, image.width, round(image.height * 0.45) - 1)
    assert image.crop(band).tobytes() == whole_book.crop(band).tobytes()
    assert image.tobytes() != whole_book.tobytes()


def glossary_terms(epub) -> list[str]:
    doc = xml(epub, "EPUB/text/glossary.xhtml")
    return ["".join(dt.itertext()) for dt in doc.iterfind(".//x:dt", NS)]


def test_glossary_keeps_only_the_terms_the_chapters_use_in_both_outputs(clinic, clinic_epub, epub_zip):
    expected = [t.term for t in load_book(ROOT, Edition(only=("glutes", "calves"))).chapters[-1].terms]
    terms = glossary_terms(clinic_epub)
    assert terms == expected and len(terms) < len(glossary_terms(epub_zip))
    for gone in ("Thomas test", "Rotator cuff", "Iliopsoas"):
        assert gone not in terms
    handout = pdf_text(clinic / "handout-a4.pdf")
    assert "Trendelenburg sign" in handout and "Achilles tendon" in handout
    for gone in ("Thomas test", "Rotator cuff", "Iliopsoas"):
        assert gone not in handout, gone


def test_landmarks_and_page_list_hold_for_the_edition(clinic_epub):
    nav = xml(clinic_epub, "EPUB/nav.xhtml")
    landmarks = {a.get(EPUB_TYPE): a.get("href") for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)}
    assert landmarks["bodymatter"] == "text/glutes.xhtml"
    links = nav.findall(".//x:nav[@epub:type='page-list']//x:a", NS)
    assert links
    for link in links:
        path, fragment = link.get("href").split("#")
        assert xml(clinic_epub, "EPUB/" + path).find(f".//*[@id='{fragment}']") is not None
