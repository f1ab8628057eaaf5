"""Render the EPUB 3 from the Book model: our own XHTML, packaged by ebooklib, zipped reproducibly.

The XHTML is rendered from templates and added as plain EpubItems (ebooklib's EpubHtml
re-parses and mangles markup). Print page-break markers are placed where each page of the A4
handout begins, using the anchors WeasyPrint reported for the actual render.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .dates import human_date
from .model import Book
from .pagemap import PageMap
from .typography import smarten
from .urls import rewrite_urls, split_chapter_url

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
EPUB_FILE = "muscles-worked-when-running.epub"
# Elements whose start can begin a printed page; the marker goes just before them (_place_before).
MARKER_HOSTS = {"p", "h1", "h2", "h3", "li", "figure", "tr", "dt", "dd", "section", "table", "ul", "ol"}
ACCESSIBILITY = [
    ("schema:accessMode", "textual"),
    ("schema:accessMode", "visual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityFeature", "pageBreakMarkers"),
    ("schema:accessibilityFeature", "pageNavigation"),
    ("schema:accessibilityHazard", "none"),
]


@dataclass(frozen=True)
class PageMarker:
    document: str
    marker: str
    label: str


def epub_url(url: str, present: set[str]) -> str | None:
    """The EPUB's URLs, from a chapter document in text/: chapters are documents beside it, the
    drawings SVG files in images/, project files where they are in the project."""
    if url.startswith("chapter:"):
        chapter, anchor = split_chapter_url(url)
        return (f"{chapter}.xhtml" + (f"#{anchor}" if anchor else "")) if chapter in present else None
    if url.startswith("figure:"):
        return f"../images/{url.removeprefix('figure:')}.svg"
    return "../" + url  # assets/...


def build_epub(book: Book, context, page_map: PageMap | None, paper_label: str, cover_png: bytes,
               modified: dt.datetime) -> bytes:
    """The EPUB. `page_map` (from the print handout on the paper `paper_label` names, "A4")
    places the page-break markers."""
    t = book.strings
    page_source = t("epub.page_source", paper=paper_label)
    templates = context.templates()
    render, project, drawings = templates.render, context.project, context.drawings
    group_numbers = {ch.id: n for n, ch in enumerate(book.groups, start=1)}
    documents: dict[str, etree._Element] = {}
    present = {chapter.id for chapter in book.chapters}
    for chapter in book.chapters:
        xhtml = render("epub/chapter.xhtml.j2", book=book, t=t, chapter=chapter, epub=True,
                       number=group_numbers.get(chapter.id, ""))
        xhtml = rewrite_urls(xhtml, lambda url: epub_url(url, present))
        documents[chapter.id] = etree.fromstring(xhtml.encode("utf-8"))
        epub_footnotes(documents[chapter.id], t)
        prepare_tables(documents[chapter.id])

    markers = place_page_markers(documents, page_map) if page_map else []

    ebook = epub.EpubBook()
    ebook.set_identifier(edition_identifier(book))
    ebook.set_title(t("edition.title", title=book.title, clinic=book.edition.clinic) if book.edition.clinic
                    else book.title)
    ebook.set_language(book.language)
    ebook.add_author(book.author)
    ebook.add_metadata("DC", "publisher", book.publisher)
    ebook.add_metadata("DC", "description",
                       smarten(" ".join(filter(None, [f"{book.subtitle}.", edition_summary(book)]))))
    ebook.add_metadata("DC", "date", book.date)
    for prop, value in ACCESSIBILITY:
        ebook.add_metadata(None, "meta", value, {"property": prop})
    ebook.add_metadata(None, "meta", t("epub.accessibility_summary", paper=paper_label),
                       {"property": "schema:accessibilitySummary"})
    ebook.add_metadata("DC", "source", f"{book.title}, {page_source}")
    ebook.add_metadata(None, "meta", f"{book.title}, {page_source}", {"property": "pageBreakSource"})
    ebook.add_metadata(None, "meta", "EPUB Accessibility 1.1 - WCAG 2.2 Level AA",
                       {"property": "dcterms:conformsTo"})
    ebook.add_metadata(None, "meta", book.publisher, {"property": "a11y:certifiedBy"})
    ebook.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    ebook.add_item(epub.EpubItem(uid="css", file_name="styles/book.css", media_type="text/css",
                                 content=templates.read("epub/book.css").encode("utf-8")))
    cover_image = epub.EpubItem(uid="cover-image", file_name="images/cover.png", media_type="image/png",
                                content=cover_png)
    cover_image.properties = ["cover-image"]
    ebook.add_item(cover_image)
    used = b"".join(_serialize(root) for root in documents.values())
    for name, svg in sorted(drawings.items()):
        if f"images/{name}.svg".encode() not in used:
            continue  # a print-only drawing (the cover's, the quick reference's thumbnails)
        ebook.add_item(epub.EpubItem(uid=f"img-{name}", file_name=f"images/{name}.svg",
                                     media_type="image/svg+xml", content=svg.encode("utf-8")))
    for asset in sorted({img.src for ch in book.chapters for img in ch.images if img.src.startswith("assets/")}):
        ebook.add_item(epub.EpubItem(uid="asset-" + re.sub(r"[^A-Za-z0-9]", "-", asset),
                                     file_name=asset, media_type=_media_type(asset),
                                     content=(project / asset).read_bytes()))

    cover_doc = epub.EpubItem(uid="cover", file_name="cover.xhtml", media_type="application/xhtml+xml",
                              content=render("epub/cover.xhtml.j2", book=book, t=t,
                                             alt=_cover_alt(book)).encode("utf-8"))
    title_page = epub.EpubItem(uid="titlepage", file_name="titlepage.xhtml", media_type="application/xhtml+xml",
                               content=render("epub/titlepage.xhtml.j2", book=book, t=t,
                                              contact_href=_contact_href(book.edition.contact),
                                              groups=t.list(c.title for c in book.groups)).encode("utf-8"))
    nav = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type="application/xhtml+xml",
                        content=render("epub/nav.xhtml.j2", book=book, t=t, group_numbers=group_numbers,
                                       pages=markers, paper=paper_label).encode("utf-8"))
    nav.properties = ["nav"]
    contents = epub.EpubItem(uid="contents", file_name="contents.xhtml", media_type="application/xhtml+xml",
                             content=render("epub/contents.xhtml.j2", book=book, t=t,
                                            group_numbers=group_numbers).encode("utf-8"))
    ebook.add_item(cover_doc)
    ebook.add_item(title_page)
    ebook.add_item(nav)
    ebook.add_item(contents)
    chapter_items = []
    for chapter in book.chapters:
        item = epub.EpubItem(uid=f"ch-{chapter.id}", file_name=f"text/{chapter.id}.xhtml",
                             media_type="application/xhtml+xml",
                             content=_serialize(documents[chapter.id]))
        ebook.add_item(item)
        chapter_items.append(item)
    ebook.add_item(epub.EpubNcx())
    # The NCX (EPUB 2 readers) names the chapters as the navigation document does: "1. Glutes".
    labels = {ch.id: f"{group_numbers[ch.id]}. {ch.title}" if ch.id in group_numbers else ch.title
              for ch in book.chapters}
    ebook.toc = [epub.Link(f"text/{ch.id}.xhtml", smarten(labels[ch.id]), f"toc-{ch.id}") for ch in book.chapters]
    # The navigation document is not in the reading order (contents.xhtml is): see contents.xhtml.j2.
    ebook.spine = [cover_doc, title_page, contents] + chapter_items

    raw = io.BytesIO()
    epub.write_epub(raw, ebook, {"mtime": modified, "epub3_pages": False, "spine_direction": False})
    return reproducible_zip(raw.getvalue(), modified, book.language)


def epub_footnotes(root: etree._Element, t) -> None:
    """A note the prose stage left where it is called (`<span class="footnote">`) becomes a
    note reference there and an `epub:type="footnote"` aside at the end of its section, with a
    link back: reading systems show it as a pop-up, and screen readers announce both."""
    notes = root.findall(f".//{{{XHTML_NS}}}span[@class='footnote']")
    for number, span in enumerate(notes, start=1):
        note_id = span.get("id")
        section = next(a for a in span.iterancestors(f"{{{XHTML_NS}}}section"))
        sup = etree.Element(f"{{{XHTML_NS}}}sup")
        ref = etree.SubElement(sup, f"{{{XHTML_NS}}}a", {f"{{{EPUB_NS}}}type": "noteref", "role": "doc-noteref",
                                                          "href": f"#{note_id}", "id": f"{note_id}-ref"})
        ref.text = str(number)
        sup.tail = span.tail
        aside = etree.SubElement(section, f"{{{XHTML_NS}}}aside", {f"{{{EPUB_NS}}}type": "footnote",
                                                                    "role": "doc-footnote", "id": note_id})
        paragraph = etree.SubElement(aside, f"{{{XHTML_NS}}}p")
        back = etree.SubElement(paragraph, f"{{{XHTML_NS}}}a", {"href": f"#{note_id}-ref", "role": "doc-backlink",
                                                                 "aria-label": t("epub.footnote_back", number=number)})
        back.text = f"{number}."
        back.tail = " " + (span.text or "")
        paragraph.extend(list(span))
        span.getparent().replace(span, sup)
def prepare_tables(root: etree._Element) -> None:
    """Let book.css stack a table's rows on a narrow screen: class "stacked", and each data cell
    names its column in data-label (shown before it when stacked). The explicit table roles keep
    the rows and header cells announced in engines that drop table semantics when a table's
    display changes (WebKit does)."""
    for table in root.iter(f"{{{XHTML_NS}}}table"):
        header_row = table.find(f"{{{XHTML_NS}}}thead/{{{XHTML_NS}}}tr")
        body = table.find(f"{{{XHTML_NS}}}tbody")
        if header_row is None or body is None:
            continue
        labels = [" ".join("".join(cell.itertext()).split()) for cell in header_row]
        table.set("class", " ".join(filter(None, [table.get("class"), "stacked"])))
        table.set("role", "table")
        for group in (table.find(f"{{{XHTML_NS}}}thead"), body):
            group.set("role", "rowgroup")
        for row in [header_row, *body]:
            row.set("role", "row")
        for cell in header_row:
            cell.set("role", "columnheader")
        for row in body:
            for index, cell in enumerate(row):
                if etree.QName(cell).localname == "th":
                    cell.set("role", "rowheader")
                else:
                    cell.set("role", "cell")
                    if index < len(labels):
                        cell.set("data-label", labels[index])


def place_page_markers(documents: dict[str, etree._Element], page_map: PageMap) -> list[PageMarker]:
    """Insert an epub:type="pagebreak" marker where each printed page starts; return the page list."""
    where: dict[str, tuple[str, etree._Element]] = {}
    for doc_id, root in documents.items():
        for element in root.iter(f"{{{XHTML_NS}}}*"):
            element_id = element.get("id")
            if element_id and etree.QName(element).localname in MARKER_HOSTS:
                where[element_id] = (doc_id, element)
    markers = []
    for page in page_map.body_pages():
        found = next((where[a] for a in page.anchors if a in where), None)
        if found is None:
            continue  # a page that starts inside a long element; the previous marker covers it
        doc_id, element = found
        marker_id = f"page-{page.label}"
        span = etree.Element(f"{{{XHTML_NS}}}span", nsmap=None)
        span.set(f"{{{EPUB_NS}}}type", "pagebreak")
        span.set("role", "doc-pagebreak")
        span.set("id", marker_id)
        span.set("aria-label", page.label)
        _place_before(element, span)
        markers.append(PageMarker(doc_id, marker_id, page.label))
    return markers


def _place_before(element: etree._Element, marker: etree._Element) -> None:
    """Put `marker` just before `element` in reading order, never inside a heading, a header
    cell or a term, where a screen reader would read the page number as part of its name.

    Rows, list items and terms cannot have a sibling span (a table body holds only rows, a list
    only items), so the marker ends the item before them; the first item's marker goes before
    the whole list. A table's first body row has no row before it but the header row, whose
    cells name every column: that marker starts the row's first data cell instead. A term in
    a <div> with its definition (the glossary) is an item of its own: its group is the item.
    """
    name = etree.QName(element).localname
    group = element.getparent()
    if name == "dt" and etree.QName(group).localname == "div" and _first_child(group) is element:
        element = group  # the <div> that holds a term with its definition is the list's item
    if name in ("tr", "li", "dt"):
        previous = element.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()  # skip comments
        if previous is not None:
            ends = previous  # the item before; for a row, its last cell; for a group, its definition
            if len(previous) and (name == "tr" or etree.QName(previous).localname == "div"):
                ends = previous[-1]
            ends.append(marker)
            return
        if name == "tr":
            cell = next((c for c in element if etree.QName(c).localname == "td"), None)
            if cell is not None:
                marker.tail, cell.text = cell.text, None
                cell.insert(0, marker)
                return
            element = element.getparent().getparent()  # a row of header cells only: before the table
        else:
            element = element.getparent()
    elif name == "dd":  # a definition whose term ended the page before: the marker starts it
        marker.tail, element.text = element.text, None
        element.insert(0, marker)
        return
    # A section that opens with this element starts on the page too: mark before the section,
    # so the marker is not read inside the region its heading names.
    parent = element.getparent()
    while (etree.QName(parent).localname == "section" and _first_child(parent) is element
           and not (parent.text or "").strip()):
        element, parent = parent, parent.getparent()
    marker.tail = "\n"
    element.addprevious(marker)


def _first_child(element: etree._Element) -> etree._Element | None:
    return next((child for child in element if isinstance(child.tag, str)), None)


def reproducible_zip(data: bytes, modified: dt.datetime, language: str) -> bytes:
    """Re-pack with `mimetype` stored first, fixed timestamps and permissions, and xml:lang set."""
    stamp = (max(modified.year, 1980), modified.month, modified.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        for name in ["mimetype"] + sorted(n for n in names if n != "mimetype"):
            content = source.read(name)
            if name.endswith("content.opf"):
                content = _finish_opf(content, language)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


def _finish_opf(content: bytes, language: str) -> bytes:
    # ebooklib writes no xml:lang on <package>; the package language aids assistive technology.
    text = content.decode("utf-8")
    if "xml:lang" not in text.split(">", 2)[1]:
        text = text.replace("<package ", f'<package xml:lang="{language}" ', 1)
    return text.encode("utf-8")


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", doctype="<!DOCTYPE html>")


def _media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
            ".svg": "image/svg+xml", ".webp": "image/webp"}.get(suffix, "application/octet-stream")


def _cover_alt(book: Book) -> str:
    t = book.strings
    alt = t("epub.cover_alt", title=book.title, subtitle=book.subtitle)
    if book.edition.clinic:
        alt += f" {book.edition.clinic}."
    details = " ".join(f"{d}." for d in edition_details(book))
    groups = t("epub.cover_alt_groups", groups=t.list(ch.title for ch in book.groups))
    return " ".join(filter(None, [alt, details, groups]))


def edition_details(book: Book) -> tuple[str, ...]:
    """A clinic edition's date, coach and contact as they print on the cover."""
    ed, t = book.edition, book.strings
    return tuple(filter(None, [human_date(ed.date, book.language) if ed.date else "",
                               t("edition.coach_line", coach=ed.coach) if ed.coach else "",
                               t("edition.contact_line", contact=ed.contact) if ed.contact else ""]))


def edition_summary(book: Book) -> str:
    """One sentence naming the clinic edition, for the package description ('' for the book)."""
    ed, t = book.edition, book.strings
    if not (ed.clinic or ed.date or ed.coach or ed.contact or ed.only):
        return ""
    sentence = t("edition.summary_for", clinic=ed.clinic) if ed.clinic else t("edition.summary")
    if ed.date:
        sentence = t("edition.summary_date", sentence=sentence, date=human_date(ed.date, book.language))
    if ed.coach:
        sentence = t("edition.summary_coach", sentence=sentence, coach=ed.coach)
    if ed.contact:
        sentence = t("edition.summary_contact", sentence=sentence, contact=ed.contact)
    return t("edition.summary_groups", sentence=sentence, groups=t.list(c.title for c in book.groups))


def edition_identifier(book: Book) -> str:
    """The book's identifier, or for a clinic edition one of its own (a reading system keeps
    one copy per identifier, so an edition must not replace the whole book). Derived, so
    every build of the same edition has the same one."""
    ed = book.edition
    if ed == type(ed)():
        return book.identifier
    fields = "|".join([book.identifier, ",".join(ed.only), ed.clinic, ed.date, ed.coach, ed.contact])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, fields)}"


def _contact_href(contact: str) -> str:
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact):
        return f"mailto:{contact}"
    if re.fullmatch(r"https?://\S+", contact):
        return contact
    return ""
