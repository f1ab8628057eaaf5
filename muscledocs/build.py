"""The pipeline, top to bottom: load and validate -> Book -> plan outputs -> render what the
cache lacks (in parallel worker processes; each render proofs its own pages) -> write every
output atomically.

Nothing is written to the output folder until every output has rendered (and, with `strict`,
passed the page proof), so an error leaves the previous build untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .artwork import book_figures
from .booklet_pages import BookletJob, render_booklet
from .cache import Cache, key_for
from .model import Book, Edition, book_from_json, book_to_json
from .pagemap import PageMap
from .pdf import FIT_SLOT
from .print_html import FONT_DIRS, PAPERS, handout_html, quick_reference_html
from .proof import Finding, ProofFailed
from .templates import LAYOUTS, keep_compiled_templates
from .uptodate import inputs_digest, record
from .writers import remove_stale_parts, same_content, write_atomic

KINDS = ("handout", "quick-reference", "booklet", "epub")
BOOKLET_PAGE = {"a4": "a5", "letter": "half-letter"}
EPUB_NAME = "muscles-worked-when-running.epub"


@dataclass(frozen=True)
class Options:
    project: Path
    out: Path
    kinds: tuple[str, ...] = KINDS
    papers: tuple[str, ...] = ("a4", "letter")
    edition: Edition = field(default_factory=Edition)
    jobs: int = 0  # 0: one per core
    keep_html: bool = False
    strict: bool = False  # page defects are errors: nothing is written


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs: plain data, so it pickles to another process."""

    name: str
    kind: str
    htmls: tuple[str, ...]  # candidates in order; the quick reference takes the first that fits
    project: Path
    first_body_anchor: str | None = None
    sheet: str | None = None  # booklet: impose onto this sheet
    document_id: str = ""  # the PDF's permanent /ID: the same for every build of this output
    booklet: BookletJob | None = None  # booklets are rendered chapter by chapter


@dataclass
class Output:
    name: str
    kind: str
    key: str
    job: RenderJob | None
    data: bytes = b""
    pages: int = 0
    seconds: float | None = None  # None: came from the cache
    info: dict = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        """The page proof's findings, made by the render and kept with it in the cache."""
        return [Finding.from_json(self.name, data) for data in self.info.get("findings", [])]


def run_job(job: RenderJob) -> tuple[bytes, dict]:
    """Render one PDF output (runs in a worker process)."""
    from .pdf import RenderFailed, fit_one_page, render_pdf

    if job.booklet:
        return render_booklet(job.booklet)
    allowed = allowed_roots(job.project)
    html = job.htmls[0]
    if job.kind == "quick-reference":
        html = fit_one_page(html, job.name, job.project, allowed)
    rendered = render_pdf(html, job.name, job.project, allowed, job.first_body_anchor, job.document_id.encode())
    if job.kind == "quick-reference" and rendered.pages != 1:
        raise RenderFailed(job.name, ["the quick reference does not fit on one page even at the "
                                      "smallest type size; shorten the summaries or key moves"])
    info = {"pages": rendered.pages, "page_anchors": rendered.page_anchors,
            "front_pages": rendered.front_pages, "findings": [f.to_json() for f in rendered.findings]}
    return rendered.pdf, info


def allowed_roots(project: Path) -> tuple[Path, ...]:
    """What a render may read: the project, the layouts and the installed fonts."""
    return (project.resolve(), LAYOUTS.resolve()) + FONT_DIRS


def plan(book: Book, options: Options, drawings: dict[str, str]) -> tuple[list[Output], Output]:
    """Every PDF this build writes, plus the A4 handout the EPUB's page map comes from."""
    project = options.project
    first_anchor = book.chapters[0].id if book.chapters else None
    html_cache: dict[str, str] = {}

    def handout(paper: str) -> str:
        if paper not in html_cache:
            html_cache[paper] = handout_html(book, PAPERS[paper], project, drawings)
        return html_cache[paper]

    def output(name, kind, htmls, sheet=None) -> Output:
        document_id = hashlib.md5(f"{book.identifier}|{name}|{book.edition}".encode()).hexdigest()
        booklet = BookletJob(name, book, drawings, BOOKLET_PAGE[sheet], sheet, project, allowed_roots(project),
                             project / "build" / ".cache") if sheet else None
        job = RenderJob(name, kind, tuple(htmls), project, first_anchor, sheet, document_id, booklet)
        return Output(name, kind, key_for(kind, sheet or "", *htmls), job)

    outputs = []
    for paper in options.papers:
        if "handout" in options.kinds:
            outputs.append(output(f"handout-{paper}.pdf", "handout", [handout(paper)]))
        if "quick-reference" in options.kinds:
            htmls = [quick_reference_html(book, PAPERS[paper], project, drawings, FIT_SLOT)]
            outputs.append(output(f"quick-reference-{paper}.pdf", "quick-reference", htmls))
        if "booklet" in options.kinds:
            outputs.append(output(f"booklet-{paper}.pdf", "booklet", [handout(BOOKLET_PAGE[paper])],
                                  sheet=paper))
    page_source = next((o for o in outputs if o.name == "handout-a4.pdf"), None)
    if page_source is None:
        page_source = output("handout-a4.pdf", "handout", [handout("a4")])
    return outputs, page_source


def build(options: Options, report=print, stamp: str | None = None) -> list[Output]:
    """Build the requested outputs. Raises BuildError (sources), RenderFailed (rendering) or,
    with `options.strict`, ProofFailed (page defects). `page_findings(outputs)` gives the
    defects a build without `strict` wrote anyway."""
    started = time.perf_counter()
    keep_compiled_templates(options.project / "build" / ".cache" / "templates")
    cache = Cache(options.project / "build" / ".cache")
    book = _validated_book(options, cache)
    # Reproducible-builds convention: fontTools (WeasyPrint's fallback font subsetter when
    # libharfbuzz-subset is missing) stamps fonts with this time instead of "now".
    os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(modified_time(book).replace(tzinfo=dt.UTC).timestamp())))
    drawings = book_figures(book)
    outputs, page_source = plan(book, options, drawings)
    wanted = list(outputs)
    if "epub" in options.kinds and page_source not in outputs:
        wanted.append(page_source)

    missing = []
    for out in wanted:
        hit = cache.get(out.key)
        if hit:
            out.data, out.info = hit
            out.pages = out.info.get("pages", 0)
        else:
            missing.append(out)

    epub: list[Output] = []

    def make_epub() -> None:
        epub.append(_epub(book, options, drawings, page_source, cache))

    # The EPUB needs the A4 page map: make it as soon as that render is in, while the
    # workers go on with the other outputs.
    if "epub" in options.kinds and page_source not in missing:
        make_epub()
    _render(missing, options.jobs, cache, first=page_source,
            when_first_done=make_epub if "epub" in options.kinds else None)
    results = list(outputs) + epub
    findings = page_findings(results)
    if options.strict and findings:
        raise ProofFailed(findings)

    options.out.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(options.out)
    for out in results:
        target = options.out / out.name
        if not same_content(target, out.data):
            write_atomic(target, out.data)
        if options.keep_html and out.job and out.kind == "handout":
            write_atomic(target.with_suffix(".html"), out.job.htmls[0].encode("utf-8"))
        report(_line(out, options.out))
    if stamp:
        record(options.out, stamp, {out.name: out.data for out in results}
               | {out.name.replace(".pdf", ".html"): out.job.htmls[0].encode("utf-8")
                  for out in results if options.keep_html and out.job and out.kind == "handout"},
               [[f.output, *f.to_json()] for f in findings])
    cache.prune()
    report(f"done in {time.perf_counter() - started:.1f} s")
    return results


def page_findings(outputs: list[Output]) -> list[Finding]:
    """Every page defect the proof found in these outputs, output by output, page by page."""
    return [finding for out in outputs for finding in out.findings]


def _validated_book(options: Options, cache: Cache) -> Book:
    """The Book, from the cache when these exact sources were validated before (the way Sphinx
    keeps its environment): saves parsing every chapter, and even importing the parsers."""
    key = key_for("book", inputs_digest(options.project, repr(options.edition)))
    hit = cache.get(key)
    if hit:
        return book_from_json(hit[0].decode("utf-8"))
    from .validate import load_book

    book = load_book(options.project, options.edition)
    cache.put(key, book_to_json(book).encode("utf-8"), {})
    return book


def _render(missing: list[Output], jobs: int, cache: Cache, first: Output, when_first_done=None) -> None:
    """Render what the cache lacks; `first` goes first and `when_first_done` runs once it is in."""
    if not missing:
        return
    # `first` leads; then largest first, so the workers finish close together.
    missing.sort(key=lambda o: (o is not first, -len(o.job.htmls[0]) * (2 if o.job.sheet else 1)))
    workers = min(jobs or os.cpu_count() or 1, len(missing))
    if workers <= 1:
        for out in missing:
            _finish(out, *_timed(run_job, out.job), cache)
            if out is first and when_first_done:
                when_first_done()
        return
    # Fork after loading only our light modules; each worker imports WeasyPrint for itself.
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
        futures = {pool.submit(_timed, run_job, out.job): out for out in missing}
        for future in as_completed(futures):
            out = futures[future]
            _finish(out, *future.result(), cache)
            if out is first and when_first_done:
                when_first_done()


def _timed(function, job):
    start = time.perf_counter()
    data, info = function(job)
    return data, info, time.perf_counter() - start


def _finish(out: Output, data: bytes, info: dict, seconds: float, cache: Cache) -> None:
    out.data, out.info, out.pages, out.seconds = data, info, info["pages"], seconds
    cache.put(out.key, data, out.info)


def _epub(book: Book, options: Options, drawings: dict[str, str], page_source: Output,
          cache: Cache) -> Output:
    from .epub import build_epub, edition_details
    from .figures import cover_png

    start = time.perf_counter()
    page_map = PageMap.from_anchors(page_source.info["page_anchors"], page_source.info["front_pages"])
    modified = modified_time(book)
    details = edition_details(book)
    cover_key = key_for("cover", book.title, book.subtitle, *(c.title for c in book.groups),
                        "clinic", book.edition.clinic, *details)
    cover = cache.get(cover_key)
    if cover is None:
        png = cover_png(book.title, book.subtitle, [c.title for c in book.groups],
                        clinic=book.edition.clinic, details=details)
        cache.put(cover_key, png, {})
    else:
        png = cover[0]
    data = build_epub(book, options.project, drawings, page_map, png, modified)
    return Output(EPUB_NAME, "epub", "", None, data=data, pages=len(book.chapters),
                  seconds=time.perf_counter() - start)


def modified_time(book: Book) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible-builds convention), else the book's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    day = dt.date.fromisoformat(book.date)
    return dt.datetime(day.year, day.month, day.day)


def _line(out: Output, folder: Path) -> str:
    if out.kind == "booklet":
        count, unit = out.info.get("sheets", out.pages), "sheet side"
    else:
        count, unit = out.pages, "document" if out.kind == "epub" else "page"
    units = unit if count == 1 else unit + "s"
    timing = "0.0 s (cached)" if out.seconds is None else f"{out.seconds:.1f} s"
    return f"  {folder / out.name}  {count} {units}  {timing}"
