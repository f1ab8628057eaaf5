"""The pipeline, top to bottom: load and validate -> Book -> each format plans its outputs ->
render what the cache lacks (in parallel worker processes; each render proofs its own pages)
-> write every output atomically.

Nothing is written to the output folder until every output has rendered (and, with `strict`,
passed the page proof), so an error leaves the previous build untouched. The build keeps no
state in the process: its epoch, font subsetter and templates are its own, so a watcher, a
server or a library can build book after book in one process.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import papers
from .artwork import book_figures
from .cache import Cache, font_subsetter, key_for
from .errors import ProofFailed
from .formats import FORMATS, Context, Job, Result, Settings
from .model import Book, Edition, book_from_json, book_to_json
from .project import Project
from .proof import Finding
from .uptodate import inputs_digest, previous_outputs, record
from .writers import remove_stale_parts, same_content, write_atomic


@dataclass(frozen=True)
class Options:
    """One build: which project, into which folder, what to make."""

    project: Path | Project
    out: Path
    formats: tuple[str, ...] = tuple(FORMATS)
    papers: tuple[str, ...] = field(default_factory=papers.defaults)
    edition: Edition = field(default_factory=Edition)
    jobs: int = 0  # 0: one per core
    keep_html: bool = False
    strict: bool = False  # page defects are errors: nothing is written
    epoch: int | None = None  # SOURCE_DATE_EPOCH; None: the book's date
    subsetter: str | None = None  # "harfbuzz" or "fonttools"; None: what the machine has
    cache: Path | None = None  # the render cache; None: the project's build/.cache
    # The command line's one build in its process: start the render workers before reading the
    # sources, so that their WeasyPrint import overlaps validation (RenderWorkers.early).
    workers_first: bool = False


@dataclass
class Output:
    name: str
    format: str
    result: Result
    seconds: float | None  # None: came from the cache
    written: bool = True  # False: rendered for another output only

    @property
    def pages(self) -> int:
        return self.result.pages

    @property
    def data(self) -> bytes:
        return self.result.data

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings

    def line(self, folder: Path) -> str:
        timing = "0.0 s (cached)" if self.seconds is None else f"{self.seconds:.1f} s"
        return f"  {folder / self.name}  {FORMATS[self.format].describe(self.result)}  {timing}"


class Report:
    """What a build tells its caller as it goes; the CLI prints it, a server keeps it."""

    def rendering(self, name: str) -> None:
        """An output has started rendering."""

    def rendered(self, name: str, seconds: float) -> None:
        """An output has finished rendering (it is written once every output is in)."""

    def written(self, output: Output, folder: Path) -> None:
        print(output.line(folder))

    def done(self, seconds: float) -> None:
        print(f"done in {seconds:.1f} s")


def build(options: Options, report: Report | None = None, stamp: str | None = None) -> list[Output]:
    """Build the requested outputs and return them (written ones first, in plan order). Raises
    SourceErrors (sources), RenderFailed (rendering) or, with `options.strict`, ProofFailed."""
    report = report or Report()
    started = time.perf_counter()
    project = options.project if isinstance(options.project, Project) else Project(Path(options.project).resolve())
    cache = Cache(options.cache or project.cache_folder)
    settings = Settings(tuple(f for f in FORMATS if f in options.formats), options.papers, options.keep_html)
    early = RenderWorkers.early(settings, options.jobs) if options.workers_first else None
    try:
        book, context = prepare(project, options.edition, options.epoch, options.subsetter, cache)
        jobs = plan(book, settings, context)
        results = _render(jobs, options.jobs, cache, context, report, early)
    finally:
        if early:
            early.close()
    outputs = [Output(job.name, job.format, *results[job.name], written=job.write) for job in jobs]
    written = [out for out in outputs if out.written]
    findings = page_findings(written)
    if options.strict and findings:
        raise ProofFailed(findings)
    _write(written, jobs, options, report, stamp, findings)
    cache.prune()
    report.done(time.perf_counter() - started)
    return written


def prepare(project: Project, edition: Edition | None = None, epoch: int | None = None, subsetter: str | None = None,
            cache: Cache | None = None) -> tuple[Book, Context]:
    """The validated Book and the context its formats render in (the drawings made)."""
    cache = cache or Cache(project.cache_folder)
    book = validated_book(project, edition or Edition(), cache)
    epoch = epoch if epoch is not None else book_epoch(book)
    context = Context(project.root, project.layout_dirs(), project.allowed_roots(), cache.folder,
                      book_figures(book, project), epoch, subsetter or font_subsetter())
    return book, context


def plan(book: Book, settings: Settings, context: Context) -> list[Job]:
    """Every format's jobs, one per output name (an output planned twice is written if either
    plan writes it), in the order the formats are registered."""
    jobs: dict[str, Job] = {}
    for name in settings.formats:
        for job in FORMATS[name].plan(book, settings, context):
            if job.name in jobs and job.write and not jobs[job.name].write:
                jobs[job.name] = job
            jobs.setdefault(job.name, job)
    return sorted(jobs.values(), key=lambda job: not job.write)


def page_findings(outputs: list[Output]) -> list[Finding]:
    """Every page defect the proof found in these outputs, output by output, page by page."""
    return [finding for out in outputs for finding in out.findings]


def validated_book(project: Project, edition: Edition, cache: Cache) -> Book:
    """The Book, from the cache when these exact sources were validated before (the way Sphinx
    keeps its environment): saves parsing every chapter, and even importing the parsers."""
    key = key_for("book", inputs_digest(project, repr(edition)))
    hit = cache.get(key)
    if hit:
        return book_from_json(hit[0].decode("utf-8"))
    from .validate import load_book

    book = load_book(project.root, edition)
    cache.put(key, book_to_json(book).encode("utf-8"), {})
    return book


def book_epoch(book: Book) -> int:
    """SOURCE_DATE_EPOCH if the environment sets it (reproducible-builds convention), else the
    book's date at midnight UTC: every date in every output comes from the sources."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return int(epoch)
    day = dt.date.fromisoformat(book.date)
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


# ------------------------------------------------------------------------------- rendering


def run_job(job: Job, context: Context, needed: dict[str, Result]) -> tuple[Result, float]:
    """Render one job, timed (in a worker process, or here for the cheap ones)."""
    start = time.perf_counter()
    result = FORMATS[job.format].render(job, context, needed)
    return result, time.perf_counter() - start


class RenderWorkers:
    """Worker processes for the renders, each importing WeasyPrint for itself (half a second).
    Started before the sources are read (`early`), they do that on the other cores while this
    process validates the book; stopped at once if the build then fails or finds nothing to
    render. Fork after loading only our light modules: a process that has loaded WeasyPrint
    already forks workers that have it, so there `early` starts none."""

    def __init__(self, count: int):
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        self.pool = ProcessPoolExecutor(max_workers=count, mp_context=get_context("fork"),
                                        initializer=_load_renderer)
        self.pool.submit(int)  # starts the processes now, not at the first render
        self.used = False

    @classmethod
    def early(cls, settings: Settings, jobs: int) -> RenderWorkers | None:
        """Workers for the outputs `settings` names, where starting them now gains time."""
        import sys

        expected = sum(len(FORMATS[name].files(settings.papers)) for name in settings.formats
                       if FORMATS[name].in_worker)
        count = min(jobs or os.cpu_count() or 1, expected)
        if jobs == 1 or (os.cpu_count() or 1) < 2 or count < 1 or "weasyprint" in sys.modules:
            return None
        return cls(count)

    def render(self, jobs: list[Job], context: Context, results: dict, ready, finish, run_here,
               report: Report) -> None:
        """Each job as soon as what it needs is in; `run_here` takes the in-process ones meanwhile."""
        from concurrent.futures import FIRST_COMPLETED, wait

        self.used = True
        waiting, running = list(jobs), {}
        while waiting or running:
            for job in [j for j in waiting if ready(j)]:
                waiting.remove(job)
                report.rendering(job.name)
                running[self.pool.submit(run_job, job, context, _needs(job, results))] = job
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                finish(running.pop(future), *future.result())
            run_here()

    def close(self) -> None:
        if not self.used:  # still importing, perhaps: not worth waiting for
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                process.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _load_renderer() -> None:
    """A worker's start: Ctrl-C (it reaches the workers too) ends it without a word, whatever
    it is doing, since the build itself says it was interrupted; then WeasyPrint is loaded and
    the collector set for rendering."""
    import signal

    try:
        signal.signal(signal.SIGINT, _stop_quietly)
        import weasyprint  # noqa: F401

        from . import pdf  # noqa: F401

        collect_for_rendering()
    except KeyboardInterrupt:
        _stop_quietly()


def collect_for_rendering() -> None:
    """Set this process's garbage collector for renders, for a process that exists to render.
    A render allocates millions of short-lived objects: at CPython's thresholds (700, 10, 10)
    a worker spent a sixth of its CPU in full collections, each walking every object loaded
    before it (WeasyPrint's modules and tables). Those are set aside for good (gc.freeze) and
    collections come less often: a cold build takes about 10 % less CPU, each worker about 20 MB
    more memory at its peak."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def _stop_quietly(*_signal) -> None:
    os._exit(130)  # a worker writes nothing itself: its renders go back to the build, which writes


def _render(jobs: list[Job], workers: int, cache: Cache, context: Context,
            report: Report, early: RenderWorkers | None = None) -> dict[str, tuple[Result, float | None]]:
    """Every job's result, from the cache or rendered; a job goes as soon as what it needs is in."""
    results: dict[str, tuple[Result, float | None]] = {}
    missing = []
    # A format's key covers what its render reads; the epoch and the subsetter change the bytes too.
    keys = {job.name: key_for(job.key, str(context.epoch), context.subsetter) for job in jobs if job.key}
    for job in jobs:
        hit = cache.get(keys[job.name]) if job.key else None
        if hit:
            results[job.name] = (Result.from_cache(job.name, *hit), None)
        else:
            missing.append(job)
    needed_by = {name for job in missing for name in job.needs}
    # What others need leads; then the heaviest, so the workers finish close together.
    missing.sort(key=lambda job: (job.name not in needed_by, -job.weight))

    def ready(job: Job) -> bool:
        return all(name in results for name in job.needs)

    def finish(job: Job, result: Result, seconds: float) -> None:
        results[job.name] = (result, seconds)
        report.rendered(job.name, seconds)
        if job.key:
            cache.put(keys[job.name], result.data, result.info())

    def run_here() -> None:
        """Jobs for this process (the EPUB) whose inputs are in, while the workers go on."""
        for job in [j for j in missing if not FORMATS[j.format].in_worker and j.name not in results and ready(j)]:
            report.rendering(job.name)
            finish(job, *run_job(job, context, _needs(job, results)))

    in_workers = [job for job in missing if FORMATS[job.format].in_worker]
    count = min(workers or os.cpu_count() or 1, len(in_workers))
    if in_workers and early:
        early.render(in_workers, context, results, ready, finish, run_here, report)
    elif count <= 1:
        for job in in_workers:
            report.rendering(job.name)
            finish(job, *run_job(job, context, _needs(job, results)))
            run_here()
    else:
        pool = RenderWorkers(count)
        try:
            pool.render(in_workers, context, results, ready, finish, run_here, report)
        finally:
            pool.close()
    run_here()
    return results


def _needs(job: Job, results: dict) -> dict[str, Result]:
    return {name: results[name][0] for name in job.needs}


# -------------------------------------------------------------------------------- writing


def _write(outputs: list[Output], jobs: list[Job], options: Options, report: Report, stamp: str | None,
           findings: list[Finding]) -> None:
    """Write every output atomically; then remove what an earlier build here wrote and this
    one did not (another edition's other paper, say), so editions never mix."""
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(out)
    earlier = previous_outputs(out)
    files: dict[str, bytes] = {}
    html = {job.name: job.html for job in jobs if job.html}
    for output in outputs:
        target = out / output.name
        if not same_content(target, output.data):
            write_atomic(target, output.data)
        files[output.name] = output.data
        if options.keep_html and output.name in html and output.format == "handout":
            page = html[output.name].encode("utf-8")
            write_atomic(target.with_suffix(".html"), page)
            files[target.with_suffix(".html").name] = page
        report.written(output, out)
    for name in earlier:
        if name not in files:
            (out / name).unlink(missing_ok=True)
    record(out, stamp or "", files, [[f.output, *f.to_json()] for f in findings])
