"""The EPUB as the preview shows it: its own documents, in reading order, served from the
built file's bytes (nothing is unpacked to disk), in light or dark."""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from dataclasses import dataclass

from lxml import etree

OPF = "{http://www.idpf.org/2007/opf}"
XHTML = "{http://www.w3.org/1999/xhtml}"
TYPES = {".xhtml": "application/xhtml+xml", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
SCHEMES = ("light", "dark")


@dataclass(frozen=True)
class EpubView:
    digest: str  # of the EPUB's bytes: in every URL, so a new EPUB is never mixed with an old one
    members: dict[str, bytes]
    chapters: tuple[tuple[str, str], ...]  # (title, member path), in reading order

    @classmethod
    def of(cls, data: bytes) -> EpubView:
        with zipfile.ZipFile(io.BytesIO(data)) as epub:
            members = {name: epub.read(name) for name in epub.namelist() if not name.endswith("/")}
        container = etree.fromstring(members["META-INF/container.xml"])
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(members[opf_path])
        folder = posixpath.dirname(opf_path)
        items = {item.get("id"): posixpath.normpath(posixpath.join(folder, item.get("href")))
                 for item in opf.iterfind(f"{OPF}manifest/{OPF}item")}
        chapters = []
        for ref in opf.iterfind(f"{OPF}spine/{OPF}itemref"):
            path = items.get(ref.get("idref"))
            if path in members:
                chapters.append((_title(members[path]) or posixpath.basename(path), path))
        return cls(hashlib.sha256(data).hexdigest()[:16], members, tuple(chapters))

    def url(self, path: str, scheme: str = "light") -> str:
        return f"/epub/{self.digest}/{path}?scheme={scheme}"

    def file(self, path: str, scheme: str) -> tuple[bytes, str] | None:
        """(bytes, media type) of a member; a document gets the colour scheme a reading system
        in that mode would give it (the book declares both, `color-scheme: light dark`)."""
        data = self.members.get(path)
        if data is None or path.startswith("META-INF/") or path == "mimetype":
            return None
        kind = TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")
        if kind == "application/xhtml+xml" and scheme in SCHEMES:
            data = data.replace(b"</head>", f"<style>:root {{ color-scheme: {scheme}; }}</style></head>".encode(), 1)
        return data, kind


def _title(document: bytes) -> str:
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError:
        return ""
    title = root.find(f"{XHTML}head/{XHTML}title")
    return "".join(title.itertext()).strip() if title is not None else ""
