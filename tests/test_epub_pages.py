"""The EPUB as runners meet it: navigation, accessibility metadata, and page markers that match
the printed A4 handout page for page."""

from __future__ import annotations

import re

from lxml import etree

from conftest import BOOK_LANGUAGE, page_text

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def documents(epub_zip):
    return {name: etree.fromstring(epub_zip.read(name)) for name in epub_zip.namelist()
            if name.endswith(".xhtml")}


def alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def test_nav_has_toc_landmarks_and_page_list(epub_zip):
    nav = etree.fromstring(epub_zip.read("EPUB/nav.xhtml"))
    kinds = {n.get(EPUB_TYPE) for n in nav.iterfind(".//x:nav", NS)}
    assert {"toc", "landmarks", "page-list"} <= kinds
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", NS)
    assert {a.get(EPUB_TYPE) for a in landmarks.iterfind(".//x:a", NS)} >= {"cover", "toc", "bodymatter"}


def test_every_page_list_target_exists(epub_zip):
    docs = documents(epub_zip)
    nav = docs["EPUB/nav.xhtml"]
    links = nav.findall(".//x:nav[@epub:type='page-list']//x:a", NS)
    assert len(links) > 10
    for link in links:
        path, fragment = link.get("href").split("#")
        target = docs["EPUB/" + path].find(f".//*[@id='{fragment}']")
        assert target is not None, link.get("href")
        assert target.get(EPUB_TYPE) == "pagebreak" and target.get("role") == "doc-pagebreak"
        assert target.get("aria-label") == link.text


def test_text_after_each_page_marker_is_on_that_printed_page(epub_zip, handout_a4):
    labels = handout_a4.page_labels
    docs = documents(epub_zip)
    markers = [(name, m) for name, root in docs.items()
               for m in root.iter() if m.get(EPUB_TYPE) == "pagebreak"]
    assert len(markers) >= len(labels) - 4  # every body page but a rare mid-paragraph one
    for name, marker in markers:
        following = alnum("".join(marker.xpath("following::text()")[:12]))[:24]
        page = labels.index(marker.get("aria-label"))
        assert following and following in alnum(page_text(handout_a4, page)), (name, marker.get("id"), following)


def test_page_source_and_accessibility_metadata(epub_zip):
    opf = etree.fromstring(epub_zip.read("EPUB/content.opf"))
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == BOOK_LANGUAGE
    props = {}
    for meta in opf.iterfind("opf:metadata/opf:meta", NS):
        props.setdefault(meta.get("property"), []).append(meta.text)
    for prop in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "schema:accessibilitySummary", "dcterms:conformsTo",
                 "pageBreakSource"):
        assert props.get(prop), prop
    assert "EPUB Accessibility 1.1 - WCAG 2.2 Level AA" in props["dcterms:conformsTo"]
    assert {"printPageNumbers", "pageNavigation"} <= set(props["schema:accessibilityFeature"])
    assert opf.findtext("opf:metadata/dc:source", namespaces=NS)


def test_every_document_has_a_title_and_a_language(epub_zip):
    for name, root in documents(epub_zip).items():
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == BOOK_LANGUAGE == root.get("lang"), name
        assert (root.findtext("x:head/x:title", namespaces=NS) or "").strip(), name


def test_raster_cover_with_cover_document_first(epub_zip):
    opf = etree.fromstring(epub_zip.read("EPUB/content.opf"))
    cover = opf.find("opf:manifest/opf:item[@properties='cover-image']", NS)
    assert cover.get("media-type") == "image/png"
    assert epub_zip.read("EPUB/" + cover.get("href")).startswith(b"\x89PNG")
    first = opf.find("opf:spine/opf:itemref", NS).get("idref")
    first_href = opf.find(f"opf:manifest/opf:item[@id='{first}']", NS).get("href")
    cover_doc = etree.fromstring(epub_zip.read("EPUB/" + first_href))
    image = cover_doc.find(".//x:img", NS)
    assert image.get("src").endswith(cover.get("href")) and image.get("alt")


def test_every_image_has_alt_text_and_a_caption(epub_zip):
    for name, root in documents(epub_zip).items():
        for image in root.iterfind(".//x:img", NS):
            assert (image.get("alt") or "").strip(), name
        for figure in root.iterfind(".//x:figure", NS):
            assert "".join(figure.find("x:figcaption", NS).itertext()).strip(), name
