"""Page images for the preview: each PDF page rendered to PNG with pdfium, cached by a digest
of what the page draws (its content stream and every resource it uses), so a page a build did
not change is never rendered again, and its URL stays the same for the browser's cache.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

SCALE = 1.5  # 1.5 px per PDF point: an A4 page is 893 px wide, sharp at the width the page shows it
PNG_LIMIT = 400  # rendered pages kept in memory (a few builds' worth of every output)
SOURCE_LIMIT = 2000  # page digests remembered, so a page of a recent build can still be fetched
SKIPPED_KEYS = {"/Parent", "/StructParents", "/StructParent", "/Length"}  # not what the page draws


@dataclass(frozen=True)
class PageImage:
    digest: str
    width: float  # points
    height: float

    @property
    def url(self) -> str:
        return f"/pages/{self.digest}.png"


class PageImages:
    """Thread-safe: the builder registers PDFs, request handlers fetch their pages."""

    def __init__(self, scale: float = SCALE):
        self.scale = scale
        self._lock = threading.Lock()  # pdfium is not thread-safe
        self._pages_of: OrderedDict[str, list[PageImage]] = OrderedDict()  # PDF digest -> its pages
        self._sources: OrderedDict[str, tuple[bytes, int]] = OrderedDict()  # page digest -> (PDF, index)
        self._png: OrderedDict[str, bytes] = OrderedDict()
        self.rendered = 0  # how many pages pdfium has rendered (tests read it)

    def register(self, pdf: bytes) -> list[PageImage]:
        """The pages of `pdf`, each fetchable by its digest from now on."""
        whole = hashlib.sha256(pdf).hexdigest()
        with self._lock:
            if whole in self._pages_of:
                self._pages_of.move_to_end(whole)
                pages = self._pages_of[whole]
            else:
                pages = _page_digests(pdf)
                self._pages_of[whole] = pages
                _trim(self._pages_of, 50)
            for index, page in enumerate(pages):
                self._sources[page.digest] = (pdf, index)
                self._sources.move_to_end(page.digest)
            _trim(self._sources, SOURCE_LIMIT)
        return pages

    def png(self, digest: str) -> bytes | None:
        """The page's PNG, rendered now if no earlier build rendered the same page."""
        with self._lock:
            if digest in self._png:
                self._png.move_to_end(digest)
                return self._png[digest]
            source = self._sources.get(digest)
            if source is None:
                return None
            data = self._render(*source)
            self._png[digest] = data
            _trim(self._png, PNG_LIMIT)
            return data

    def warm(self, pages: list[PageImage]) -> None:
        """Render these pages ahead of the browser asking (what the preview shows first)."""
        for page in pages:
            self.png(page.digest)

    def _render(self, pdf: bytes, index: int) -> bytes:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(pdf)
        try:
            image = document[index].render(scale=self.scale).to_pil()
        finally:
            document.close()
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=3)  # fast to write, a third larger than level 9
        self.rendered += 1
        return out.getvalue()


def _trim(entries: OrderedDict, limit: int) -> None:
    while len(entries) > limit:
        entries.popitem(last=False)


def _page_digests(pdf: bytes) -> list[PageImage]:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        memo: dict = {}
        pages = []
        for page in document.pages:
            digest = hashlib.sha256()
            for key in ("/Contents", "/Resources", "/MediaBox", "/CropBox", "/Rotate"):
                digest.update(key.encode() + _digest(page.obj.get(key), memo))
            box = [float(v) for v in page.mediabox]
            pages.append(PageImage(digest.hexdigest()[:32], box[2] - box[0], box[3] - box[1]))
    return pages


def _digest(obj, memo: dict, depth: int = 0) -> bytes:
    """A digest of a PDF object by value: the same drawing in another build (other object
    numbers) gives the same bytes."""
    import pikepdf

    if obj is None:
        return b"-"
    if depth > 50:
        return b"deep"
    ref = obj.objgen if isinstance(obj, pikepdf.Object) and obj.is_indirect else None
    if ref and ref in memo:
        return memo[ref]
    if ref:
        memo[ref] = b"cycle"  # a loop back to an object being digested
    if isinstance(obj, pikepdf.Stream):
        parts = [b"S", hashlib.sha256(obj.read_raw_bytes()).digest(), _dictionary(obj, memo, depth)]
    elif isinstance(obj, pikepdf.Dictionary):
        parts = [b"D", _dictionary(obj, memo, depth)]
    elif isinstance(obj, pikepdf.Array):
        parts = [b"A"] + [_digest(item, memo, depth + 1) for item in obj]
    else:
        parts = [b"V", obj.unparse() if isinstance(obj, pikepdf.Object) else repr(obj).encode()]
    value = hashlib.sha256(b"\0".join(parts)).digest()
    if ref:
        memo[ref] = value
    return value


def _dictionary(obj, memo: dict, depth: int) -> bytes:
    return b"\0".join(key.encode() + b"=" + _digest(obj[key], memo, depth + 1)
                      for key in sorted(obj.keys()) if key not in SKIPPED_KEYS)
