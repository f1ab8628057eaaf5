"""The e-book: an EPUB 3 whose page-break markers and page list follow a print handout (the
paper `page_list` in book.yaml names, A4 by default), so a reader and a coach holding the
handout can find the same page."""

from __future__ import annotations

import datetime as dt

from ..model import Book
from ..pagemap import PageMap
from .base import Context, Format, Job, Result, Settings, _count

EPUB_NAME = "muscles-worked-when-running.epub"


class Epub(Format):
    name = "epub"
    summary = "the e-book"
    group = "epub"
    in_worker = False  # packaging is cheap, and it needs the page map as soon as that is in

    def plan(self, book: Book, settings: Settings, context: Context) -> list[Job]:
        from .handout import Handout

        page_source = Handout().job(book, book.page_list, context, write=False)
        # Not cached: its page map is only known once the handout is rendered.
        return [page_source, Job(self.name, EPUB_NAME, "", book, needs=(page_source.name,))]

    def render(self, job: Job, context: Context, needed: dict[str, Result]) -> Result:
        from ..cache import Cache, key_for
        from ..epub import build_epub, edition_details
        from ..figures import cover_png
        from ..typography import smarten

        book: Book = job.payload
        [source] = needed.values()
        page_map = PageMap.from_anchors(source.page_anchors, source.front_pages)
        details = edition_details(book)
        cache = Cache(context.cache_folder)
        cover_key = key_for("cover", book.title, book.subtitle, *(c.title for c in book.groups),
                            "clinic", book.edition.clinic, *details)
        cover = cache.get(cover_key)
        if cover is None:
            png = cover_png(smarten(book.title), smarten(book.subtitle), [c.title for c in book.groups],
                            clinic=book.edition.clinic, details=details)
            cache.put(cover_key, png, {})
        else:
            png = cover[0]
        data = build_epub(book, context, page_map, book.strings(f"papers.{book.page_list}"), png,
                          modified_time(context.epoch))
        return Result(data, len(book.chapters))

    def url(self, url: str, present: set[str], context: Context) -> str | None:
        from ..epub import epub_url

        return epub_url(url, present)

    def describe(self, result: Result) -> str:
        return _count(result.pages, "document")

    def files(self, papers_: tuple[str, ...]) -> list[tuple[str, str]]:
        return [(EPUB_NAME, self.summary)]


def modified_time(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)
