"""The build loop behind the preview: watch the sources, build after a burst of saves, keep
what the page shows (the state, the errors, the page images) for any number of viewers.

A build runs in two steps, each counted as a build in the status: first the A4 handout in
parts (what the page shows first; a one-chapter edit re-renders one chapter), then every
output, written into the project's build/ exactly as `make_docs.py` writes them (the A4 part
renders and the outputs share the build cache). One build runs at a time, in this process, on
one thread; clinic editions take the same lock.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from pathlib import Path

from .. import papers as paper_registry
from ..build import Options, Output, Report, build, prepare
from ..cache import Cache
from ..errors import EnvironmentProblem, MuscledocsError, ProofFailed, RenderFailed, SourceErrors
from ..formats import FORMATS
from ..imposition import page_order
from ..model import Edition
from ..pagemap import page_label
from ..project import Project
from ..proof import Finding
from ..uptodate import inputs_digest
from .epub_view import EpubView
from .pages import PageImages
from .preview import NAME as PREVIEW_NAME
from .preview import preview_renderer

QUIET_SECONDS = 0.05  # a burst of saves closer together than this is one change
WATCHED = ("chapters", "layouts", "assets")


def error_items(exc: BaseException) -> list[dict]:
    """Any failure as the objects the status lists: path, line, message (and the hint)."""
    if isinstance(exc, SourceErrors):
        return [{"path": e.path, "line": e.line, "message": e.message, "hint": e.hint} for e in exc.errors]
    if isinstance(exc, RenderFailed):
        return [{"path": exc.output, "line": 0, "message": problem, "hint": ""} for problem in exc.problems]
    if isinstance(exc, ProofFailed):
        return [{"path": f.output, "line": 0, "message": str(f), "hint": ""} for f in exc.findings]
    if isinstance(exc, MuscledocsError | OSError):
        return [{"path": "", "line": 0, "message": str(exc), "hint": ""}]
    if os.environ.get("MUSCLEDOCS_DEBUG"):
        traceback.print_exception(exc)
    return [{"path": "", "line": 0, "message": f"internal error: {type(exc).__name__}: {exc}",
             "hint": "Set MUSCLEDOCS_DEBUG=1 to see the details in the server's terminal"}]


class QuietReport(Report):
    """The server says one line per build itself; what is rendering goes to `on_change` (the status)."""

    def __init__(self, on_change=lambda names: None):
        self.rendering_now: list[str] = []
        self.on_change = on_change

    def rendering(self, name: str) -> None:
        self.rendering_now.append(name)
        self.on_change(list(self.rendering_now))

    def rendered(self, name: str, seconds: float) -> None:
        if name in self.rendering_now:
            self.rendering_now.remove(name)
        self.on_change(list(self.rendering_now))

    def written(self, output: Output, folder: Path) -> None:
        pass

    def done(self, seconds: float) -> None:
        pass


class Builder:
    def __init__(self, project: Project, jobs: int = 0, say=print, images: PageImages | None = None,
                 papers: tuple[str, ...] | None = None):
        self.project = project
        self.jobs = jobs
        self.papers = papers or paper_registry.defaults()  # what the every-output step writes the PDFs on
        self.say = say
        self.images = images or PageImages()
        self.cache_folder = Path(os.environ["MUSCLEDOCS_CACHE"]) if os.environ.get("MUSCLEDOCS_CACHE") \
            else project.cache_folder
        self.subsetter = os.environ.get("MUSCLEDOCS_SUBSETTER") or None
        self.lock = threading.Lock()  # one build at a time: the preview's and clinic editions'
        self.parts = preview_renderer()
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._state = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.version = 0  # any change of the status: long polls wait on it
        self.number = 0  # finished builds
        self.state = "building"
        self.stage = "a4"
        self.errors: list[dict] = []
        self.findings: list[Finding] = []
        self.outputs: dict[str, Output] = {}  # the last good full build's, by name
        self.views: dict[str, dict] = {}
        self.epub: EpubView | None = None
        self.seconds = 0.0
        self.rendering: list[str] = []  # the outputs rendering right now
        self.saved_at = 0.0  # when the change being built was seen

    # ------------------------------------------------------------------ the loop

    def start(self) -> None:
        self._changed.set()  # the first build
        for target, name in ((self._loop, "muscledocs-build"), (self._watch, "muscledocs-watch")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop watching; a build under way finishes (its outputs are whole), then the loop ends."""
        self._stopping.set()
        self._changed.set()
        with self._state:
            self._state.notify_all()
        for thread in self._threads:
            thread.join()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def changed(self) -> None:
        """Something under a watched folder changed: build (once more, if one is running)."""
        if not self._changed.is_set():
            self.saved_at = time.perf_counter()
        self._changed.set()

    def watched_folders(self) -> list[Path]:
        folders = [self.project.root / name for name in WATCHED]
        folders += [*self.project.layout_dirs(), *self.project.asset_dirs()]  # the defaults a project overlays
        return sorted({folder.resolve() for folder in folders if folder.is_dir()})

    def _watch(self) -> None:
        import watchfiles

        try:
            while not self.stopping:
                folders = self.watched_folders()
                # `step`: the quiet time that ends a burst of saves; `debounce`: the longest burst. Every
                # half second without changes it also looks for a layouts/ or assets/ folder made since.
                for changes in watchfiles.watch(*folders, stop_event=self._stopping, step=50, debounce=1000,
                                                rust_timeout=500, yield_on_timeout=True,
                                                watch_filter=watchfiles.DefaultFilter()):
                    if self.stopping:
                        return
                    if changes:
                        self.changed()
                    if self.watched_folders() != folders:
                        self.changed()
                        break  # watch the new set of folders
        except Exception as exc:  # say so in the page: saves would go unnoticed from now on
            with self.lock:
                self._publish(failed=[{"path": "", "line": 0, "message": f"cannot watch the sources: {exc}",
                                       "hint": "Restart the server (on Linux, raise fs.inotify.max_user_watches)"}])

    def _loop(self) -> None:
        while True:
            self._changed.wait()
            if self.stopping:
                return
            self._changed.clear()
            try:
                self.build_once()
            except Exception as exc:  # never let the loop die: the page shows what went wrong
                self._publish(failed=error_items(exc))

    # ------------------------------------------------------------------ one build

    def build_once(self) -> None:
        with self.lock:
            started = time.perf_counter()
            self._publish(state="building", stage="a4")
            try:
                cache = Cache(self.cache_folder)
                book, context = prepare(self.project, Edition(), subsetter=self.subsetter, cache=cache)
                preview = self.parts.render(book, context)
            except Exception as exc:
                self._publish(failed=error_items(exc), seconds=time.perf_counter() - started)
                self.say(f"build {self.number}: failed\n" + "\n".join(_line(e) for e in self.errors))
                return
            pages = [page for part in preview.parts for page in self.images.register(part.pdf)]
            shown = self.views.get("a4", {}).get("documents", [{}])[0].get("pages", [])
            old = {page["url"] for page in shown}
            self._publish(state="building", stage="all", errors=[], seconds=time.perf_counter() - started,
                          views={**self.views, "a4": _tab("A4 handout", [_document(
                              PREVIEW_NAME, pages, [page_label(i, preview.front_pages) for i in range(len(pages))])])},
                          finished=True)
            # What the browser is about to ask for, rendered before the other outputs take the cores.
            self.images.warm([page for page in pages if page.url not in old])
            if self._changed.is_set() or self.stopping:
                return  # another save came in: its build makes the rest
            self._build_all(time.perf_counter())

    def _build_all(self, started: float) -> None:
        settings = dict(formats=tuple(FORMATS), papers=self.papers, edition=Edition(), keep_html=False)
        report = QuietReport(lambda names: self._publish(rendering=names))
        try:
            stamp = inputs_digest(self.project, repr(sorted(settings.items())))  # the CLI's, so it sees no change
            options = Options(project=self.project, out=self.project.build, jobs=self.jobs, cache=self.cache_folder,
                              subsetter=self.subsetter, formats=settings["formats"], papers=settings["papers"])
            outputs = build(options, report=report, stamp=stamp)
        except Exception as exc:
            if isinstance(exc, OSError):
                exc = EnvironmentProblem(f"cannot write {exc.filename or self.project.build}: {exc.strerror or exc}")
            self._publish(failed=error_items(exc), seconds=time.perf_counter() - started)
            self.say(f"build {self.number}: failed\n" + "\n".join(_line(e) for e in self.errors))
            return
        views = {"a4": self.views.get("a4", {})}
        for output in outputs:
            if output.name.endswith(".pdf") and output.name != PREVIEW_NAME:
                tab, title = _tab_of(output)
                views.setdefault(tab, _tab(title, []))["documents"].append(
                    _document(output.name, self.images.register(output.data), _labels(output)))
        epub = next((EpubView.of(o.data) for o in outputs if o.format == "epub"), None)
        findings = [f for o in outputs for f in o.findings]
        self._publish(state="ok", stage=None, errors=[], rendering=[], outputs={o.name: o for o in outputs},
                      views=views, epub=epub, findings=findings, seconds=time.perf_counter() - started, finished=True)
        pages = sum(o.pages for o in outputs if o.name.endswith(".pdf"))
        self.say(f"build {self.number}: ok, {len(outputs)} files ({pages} PDF pages) in "
                 f"{time.perf_counter() - started:.1f} s; {len(findings)} page-proof findings")

    # ------------------------------------------------------------------ the status

    def _publish(self, failed: list[dict] | None = None, finished: bool = False, **changes) -> None:
        with self._state:
            if failed is not None:
                changes.update(state="failed", stage=None, errors=failed, rendering=[])
                finished = True
            for name, value in changes.items():
                setattr(self, name, value)
            self.number += 1 if finished else 0
            self.version += 1
            self._state.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> None:
        """Block until the status moves past `since` (a long poll), the timeout, or shutdown."""
        with self._state:
            self._state.wait_for(lambda: self.version > since or self.stopping, timeout)

    def status(self) -> dict:
        with self._state:
            return {
                "build": self.number,
                "version": self.version,
                "state": self.state,
                "stage": self.stage,
                "rendering": list(self.rendering),
                "seconds": round(self.seconds, 3),
                "errors": list(self.errors),
                "outputs": [{"name": o.name, "format": o.format, "pages": o.pages, "url": f"/files/{o.name}"}
                            for o in self.outputs.values()],
                "findings": [_finding(f, self.outputs.get(f.output)) for f in self.findings],
                "views": self.views,
                "epub": {"chapters": [{"title": title, "light": self.epub.url(path, "light"),
                                       "dark": self.epub.url(path, "dark")} for title, path in self.epub.chapters]}
                if self.epub else None,
            }


def _line(error: dict) -> str:
    where = f"{error['path']}:{error['line']}: " if error["line"] else (f"{error['path']}: " if error["path"] else "")
    hint = f". {error['hint']}" if error.get("hint") else ""
    return f"  {where}{error['message']}{hint}"


def _tab(title: str, documents: list) -> dict:
    return {"title": title, "documents": documents}


def _document(name: str, pages, labels: list[str]) -> dict:
    unit = ("sheet side", "sheet sides") if name.startswith("booklet-") else ("page", "pages")
    return {"name": name, "download": f"/files/{name}", "count": f"{len(labels)} {unit[len(labels) != 1]}",
            "pages": [{"label": label, "url": page.url, "width": round(page.width, 1), "height": round(page.height, 1)}
                      for page, label in zip(pages, labels, strict=True)]}


def _tab_of(output: Output) -> tuple[str, str]:
    """Which tab of the page shows an output: a handout per paper, the rest one tab each."""
    if output.format == "handout":
        paper = output.name.removeprefix("handout-").removesuffix(".pdf")
        label = paper_registry.PAPERS[paper].label if paper in paper_registry.PAPERS else paper
        return paper, f"{label} handout"
    return output.format, {"quick-reference": "Quick reference", "booklet": "Booklet"}.get(output.format, output.format)


def _labels(output: Output) -> list[str]:
    """What each page of an output is called: its printed number, or a booklet's sheet side."""
    if output.format == "handout":
        return [page_label(i, output.result.front_pages) for i in range(output.pages)]
    if output.format == "booklet":
        labels = []
        for side, (left, right) in enumerate(page_order(output.pages)):
            shown = " · ".join("blank" if page is None else str(page + 1) for page in (left, right))
            labels.append(f"sheet {side // 2 + 1} {'outside' if side % 2 == 0 else 'inside'}: {shown}")
        return labels
    return [str(i + 1) for i in range(output.result.sheets or output.pages)]


def _finding(finding: Finding, output: Output | None) -> dict:
    """A page-proof finding, with the page of the preview it is on (a booklet page is on a sheet side)."""
    index = finding.page - 1
    if output is not None and output.format == "booklet":
        index = next((side for side, pair in enumerate(page_order(output.pages)) if index in pair), 0)
    return {"output": finding.output, "page": finding.page, "rule": finding.rule, "message": finding.message,
            "text": str(finding), "target": f"page-{finding.output}-{index}"}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
