"""The EPUB as runners meet it: navigation, accessibility metadata, and page markers that match
the printed A4 handout page for page."""

from __future__ import annotations

import re

import pytest
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


def test_landmarks_point_where_their_types_say(epub_zip, canonical_groups):
    docs = documents(epub_zip)
    nav = docs["EPUB/nav.xhtml"]
    landmarks = {a.get(EPUB_TYPE): a.get("href") for a in nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)}
    # The body matter starts at the first group chapter; the introduction is front matter.
    assert landmarks["bodymatter"] == f"text/{canonical_groups[0]['id']}.xhtml"
    for kind, href in landmarks.items():
        path, _, fragment = href.partition("#")
        root = docs["EPUB/" + path]
        target = root.find(f".//*[@id='{fragment}']") if fragment else root.find("x:body", NS)
        inside = [target, *target.iter()]
        types = {t for el in inside for t in (el.get(EPUB_TYPE) or "").split()}
        roles = {el.get("role") for el in inside}
        assert kind in types or f"doc-{kind}" in roles, (kind, href, types, roles)
    intro = docs["EPUB/text/introduction.xhtml"].find("x:body", NS)
    assert intro.get(EPUB_TYPE) == "frontmatter"


def test_hidden_navigation_is_out_of_the_reading_order(epub_zip):
    """The landmarks and the page list are for the reading system; the reading order holds a
    contents page of its own, and the stylesheet hides [hidden] for readers that show nav.xhtml."""
    opf = etree.fromstring(epub_zip.read("EPUB/content.opf"))
    items = {i.get("id"): i for i in opf.iterfind("opf:manifest/opf:item", NS)}
    spine = [items[r.get("idref")].get("href") for r in opf.iterfind("opf:spine/opf:itemref", NS)]
    nav_href = next(i.get("href") for i in items.values() if "nav" in (i.get("properties") or "").split())
    assert nav_href not in spine
    docs = documents(epub_zip)
    for href in spine:
        assert docs["EPUB/" + href].find(".//*[@hidden]") is None, href
    contents = docs["EPUB/contents.xhtml"].find(".//x:nav[@role='doc-toc']", NS)
    assert [a.get("href") for a in contents.iterfind(".//x:a", NS)] == [
        a.get("href") for a in docs["EPUB/nav.xhtml"].iterfind(".//x:nav[@epub:type='toc']//x:a", NS)]
    assert "contents.xhtml" in spine
    assert re.search(r"\[hidden\]\s*\{\s*display:\s*none", epub_zip.read("EPUB/styles/book.css").decode())


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
    features = set(props["schema:accessibilityFeature"])
    assert {"pageBreakMarkers", "pageNavigation"} <= features
    assert "printPageNumbers" not in features  # deprecated in favour of pageBreakMarkers
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


def test_every_table_header_cell_has_a_scope(epub_zip):
    cells = [(name, th) for name, root in documents(epub_zip).items() for th in root.iterfind(".//x:th", NS)]
    assert len(cells) > 50
    for name, th in cells:
        assert th.get("scope") in ("col", "row"), (name, "".join(th.itertext()))


def test_every_image_has_alt_text_and_a_caption(epub_zip):
    for name, root in documents(epub_zip).items():
        for image in root.iterfind(".//x:img", NS):
            assert (image.get("alt") or "").strip(), name
        for figure in root.iterfind(".//x:figure", NS):
            assert "".join(figure.find("x:figcaption", NS).itertext()).strip(), name


# Elements whose accessible name is their content: a marker inside one is read as part of it.
NAMED_BY_CONTENT = {"h1", "h2", "h3", "h4", "h5", "h6", "th", "dt", "caption", "figcaption", "a", "dfn"}


def marker_position(marker) -> str:
    """Where a page marker sits: 'before' an element (a sibling in flow content), 'ends' the item
    or row before the one the page starts with, or 'starts' a data cell or definition."""
    parent = etree.QName(marker.getparent()).localname
    if parent in ("td", "li", "dd"):
        text_after = (marker.tail or "").strip() or marker.getnext() is not None
        if not text_after:
            return "ends"
        if not (marker.getparent().text or "").strip() and marker.getprevious() is None:
            return "starts"
        return f"inside {parent}"
    return "before" if parent in ("body", "section", "div", "blockquote") else f"inside {parent}"


def test_page_markers_sit_before_what_they_mark_never_inside_it(epub_zip):
    """A heading, header cell or term with a page number inside is announced as '4 What they do
    in the stride'; a marker that ends the row before is read between the two rows."""
    positions = []
    for name, root in documents(epub_zip).items():
        for marker in root.iter():
            if marker.get(EPUB_TYPE) != "pagebreak":
                continue
            inside = {etree.QName(a).localname for a in marker.iterancestors()} & NAMED_BY_CONTENT
            assert not inside, (name, marker.get("id"), inside)
            position = marker_position(marker)
            positions.append(position)
            assert position in ("before", "ends"), (name, marker.get("id"), position)
            if position == "ends":  # the row, item or term the page starts with comes next
                item = marker.getparent()
                if etree.QName(item).localname == "td":
                    assert item.getnext() is None, (name, marker.get("id"))
                    item = item.getparent()
                if etree.QName(item.getparent()).localname == "div":  # a term's group: it is the item
                    assert item.getnext() is None, (name, marker.get("id"))
                    item = item.getparent()
                assert item.getnext() is not None, (name, marker.get("id"))
    assert positions.count("before") > 10 and "ends" in positions  # the book has both kinds


SAMPLE = """<html xmlns="http://www.w3.org/1999/xhtml"><body><section id="ch">
<h1 id="ch-title">Title</h1>
<section id="part"><h2 id="part-h">Part</h2><p id="p1">Text.</p></section>
<table id="t"><thead><tr><th>A</th><th>B</th></tr></thead><tbody>
<tr id="r1"><th scope="row">One</th><td>1</td></tr><tr id="r2"><th scope="row">Two</th><td>2</td></tr>
</tbody></table>
<ul id="list"><li id="i1">First</li><li id="i2">Second</li></ul>
<dl><dt id="d1"><dfn>Term one</dfn></dt><dd>Def one</dd><dt id="d2"><dfn>Term two</dfn></dt><dd>Def two</dd></dl>
<dl id="grouped"><div><dt id="g1"><dfn>Term one</dfn></dt><dd id="g1-def">Def one</dd></div>
<div><dt id="g2"><dfn>Term two</dfn></dt><dd>Def two</dd></div></dl>
</section></body></html>"""


@pytest.mark.parametrize("anchor,where", [
    ("ch-title", "before section#ch"),  # a chapter opening with its heading: before the chapter
    ("part-h", "before section#part"),
    ("p1", "before p#p1"),
    ("r2", "ends td in tr#r1"),  # between the rows, not in the row header "Two"
    ("r1", "starts td in tr#r1"),  # the first body row: its data cell, not a header cell
    ("t", "before table#t"),
    ("i2", "ends li#i1"),
    ("i1", "before ul#list"),
    ("d2", "ends dd"),  # after the definition before the term, not in "Term two"
    ("d1", "before dl"),
    ("g2", "ends dd#g1-def"),  # a term grouped with its definition (the glossary): its group's end
    ("g1", "before dl#grouped"),
])
def test_marker_placement_rules(anchor, where):
    from muscledocs.epub import place_page_markers
    from muscledocs.pagemap import PageMap

    root = etree.fromstring(SAMPLE)
    markers = place_page_markers({"ch": root}, PageMap.from_anchors([[anchor]], 0))
    assert [m.label for m in markers] == ["1"]
    marker = root.find(".//*[@id='page-1']")
    parent = marker.getparent()
    described = {
        "before": lambda: f"before {etree.QName(marker.getnext()).localname}"
                          + (f"#{marker.getnext().get('id')}" if marker.getnext().get("id") else ""),
        "ends": lambda: f"ends {etree.QName(parent).localname}" + (
            f"#{parent.get('id')}" if parent.get("id") else
            f" in tr#{parent.getparent().get('id')}" if etree.QName(parent).localname == "td" else ""),
        "starts": lambda: f"starts {etree.QName(parent).localname} in tr#{parent.getparent().get('id')}",
    }
    assert described[marker_position(marker)]() == where
