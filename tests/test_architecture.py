"""The builder's shape (issue 14), proven on real builds: formats are units in one registry,
papers are data, the project is found and its layouts override the defaults file by file, and a
build keeps no state in the process."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import EPUB_NAME, ROOT, SESSION_CACHE, fresh_cache, run_builder, run_cli
from muscledocs import papers
from muscledocs.build import Options, Report, build
from muscledocs.formats import FORMATS, Format, Job, Result, targets
from muscledocs.model import Edition
from muscledocs.project import Project
from muscledocs.urls import rewrite_urls

MM = 72 / 25.4


class Quiet(Report):
    def written(self, output, folder):
        pass

    def done(self, seconds):
        pass


def chapters_only(folder: Path) -> Path:
    """A project of chapters alone: the layouts and the body map are the package's."""
    shutil.copytree(ROOT / "chapters", folder / "chapters")
    return folder


def in_process(project: Path, out: Path, cache: Path = SESSION_CACHE, **options) -> dict[str, bytes]:
    build(Options(project=project, out=out, jobs=1, cache=cache, **options), Quiet())
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


# --- formats --------------------------------------------------------------------------------


def test_the_cli_targets_and_help_come_from_the_format_registry():
    known = targets()
    assert set(FORMATS) <= set(known) and known["all"] == tuple(FORMATS)
    assert set(known["pdf"]) == {name for name, f in FORMATS.items() if f.group == "pdf"}
    help_text = run_builder("--help").stdout
    for fmt in FORMATS.values():
        for file_name, _ in fmt.files(papers.defaults()):
            assert file_name in help_text


class ChapterList(Format):
    """A format of a dozen lines: the chapter titles as plain text, and the internal links of
    one chapter as this format would write them."""

    name, summary, group, in_worker = "chapter-list", "the chapter titles", "text", False

    def plan(self, book, settings, context):
        return [Job(self.name, "chapters.txt", "", book)]

    def render(self, job, context, needed):
        lines = [chapter.title for chapter in job.payload.chapters]
        links = rewrite_urls('<a href="chapter:quadriceps#quadriceps-signs">x</a> <img src="figure:stride-chart">',
                             lambda url: self.url(url, {"quadriceps"}, context))
        return Result(("\n".join(lines) + "\n" + links + "\n").encode(), len(lines))

    def url(self, url, present, context):
        return url.replace("chapter:", "chapters.txt?").replace("figure:", "drawings/")


def test_a_new_format_is_one_class_and_one_registry_entry(tmp_path, monkeypatch):
    monkeypatch.setitem(FORMATS, ChapterList.name, ChapterList())
    written = in_process(chapters_only(tmp_path / "project"), tmp_path / "out", formats=("chapter-list",))
    assert list(written) == ["chapters.txt"]
    text = written["chapters.txt"].decode()
    assert text.splitlines()[:3] == ["Introduction", "Glutes", "Quadriceps"]
    assert 'href="chapters.txt?quadriceps#quadriceps-signs"' in text and 'src="drawings/stride-chart"' in text


def test_one_url_rewriter_unlinks_a_chapter_an_output_leaves_out():
    html = ('<p><a href="chapter:calves">the calves</a> and <a href="chapter:core#core-signs" id="x">core signs</a>'
            ' <img src="figure:stride-chart" alt="a"/> <img src="assets/a&amp;b.png"/></p>')
    mapped = rewrite_urls(html, lambda url: None if url.startswith("chapter:calves") else f"[{url}]")
    assert mapped == ('<p>the calves and <a href="[chapter:core#core-signs]" id="x">core signs</a>'
                      ' <img src="[figure:stride-chart]" alt="a"/> <img src="[assets/a&amp;b.png]"/></p>')


# --- papers ---------------------------------------------------------------------------------


def test_a_new_paper_is_one_registry_entry(tmp_path, monkeypatch):
    """B5 (176 x 250 mm) added as data: a handout and a quick reference on it, no booklet (it
    folds to nothing), and the command line offers it."""
    b5 = replace(papers.PAPERS["a4"], name="b5", label="B5", size="176mm 250mm", width_mm=176, height_mm=250,
                 block_mm=120, inner_mm=22, folds_to=None, default=False)
    monkeypatch.setitem(papers.PAPERS, "b5", b5)
    written = in_process(chapters_only(tmp_path / "project"), tmp_path / "out", edition=Edition(only=("core",)),
                         formats=("handout", "quick-reference", "booklet"), papers=("b5",))  # one group: small
    assert sorted(written) == ["handout-b5.pdf", "quick-reference-b5.pdf"]
    for name in written:
        page = PdfReader(io.BytesIO(written[name])).pages[0]
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((176 * MM, 250 * MM), abs=0.5)
    from muscledocs.cli import parser

    assert "b5" in parser().format_help()


def test_an_a5_handout_from_the_command_line(tmp_path):
    result = run_cli("handout", "booklet", "--paper", "a5", "--only", "core", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == ["handout-a5.pdf"]  # A5 makes no booklet
    page = PdfReader(tmp_path / "out" / "handout-a5.pdf").pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((148 * MM, 210 * MM), abs=0.5)


def test_the_epub_page_list_follows_the_paper_book_yaml_names(tmp_path):
    project = chapters_only(tmp_path / "project")
    book = project / "chapters" / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("page_list: a4", "page_list: letter"), encoding="utf-8")
    written = in_process(project, tmp_path / "out", formats=("epub", "handout"), papers=("letter",))
    opf = zipfile.ZipFile(io.BytesIO(written[EPUB_NAME])).read("EPUB/content.opf").decode()
    assert '<meta property="pageBreakSource">Muscles Worked When Running, US Letter print handout</meta>' in opf
    # One page-list entry per numbered page of the Letter handout but the last (the notes page,
    # which the e-book has not).
    letter = PdfReader(io.BytesIO(written["handout-letter.pdf"]))
    nav = zipfile.ZipFile(io.BytesIO(written[EPUB_NAME])).read("EPUB/nav.xhtml").decode()
    page_list = nav.split('epub:type="page-list"', 1)[1]
    listed = re.findall(r'#page-(\d+)">', page_list)
    assert listed == [label for label in letter.page_labels if label.isdigit()][:-1]


# --- the project ----------------------------------------------------------------------------


def test_a_project_of_chapters_alone_builds_with_the_packaged_layouts(tmp_path):
    """Run from the project's folder, as `python -m muscledocs` (the current folder is the project)."""
    project = chapters_only(tmp_path / "project")
    result = subprocess.run([sys.executable, "-m", "muscledocs", "epub", "--jobs", "1"], cwd=project,
                            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    assert (project / "build" / EPUB_NAME).stat().st_size > 0


def test_outside_a_project_the_error_says_what_a_project_is(tmp_path):
    result = subprocess.run([sys.executable, "-m", "muscledocs", "--check"], cwd=tmp_path, capture_output=True,
                            text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"python -m muscledocs: error: {tmp_path.resolve()} is not a project folder: it "
                                     "has no chapters/ folder. Run this in the folder that holds chapters/, or pass "
                                     "--project DIR")


def test_a_projects_own_layout_overrides_that_file_only(tmp_path):
    project = chapters_only(tmp_path / "project")
    (project / "layouts" / "epub").mkdir(parents=True)
    own = (ROOT / "layouts" / "epub" / "book.css").read_text(encoding="utf-8") + "\n/* the project's own */\n"
    (project / "layouts" / "epub" / "book.css").write_text(own, encoding="utf-8")
    assert Project(project).layout("epub/book.css") == project / "layouts" / "epub" / "book.css"
    assert Project(project).layout("epub/nav.xhtml.j2").parent.parent == ROOT.joinpath("layouts").resolve()
    written = in_process(project, tmp_path / "out", formats=("epub",))
    css = zipfile.ZipFile(io.BytesIO(written[EPUB_NAME])).read("EPUB/styles/book.css").decode()
    assert css == own


# --- no process-global state ------------------------------------------------------------------


def test_two_books_in_one_process_give_the_bytes_of_two_separate_runs(tmp_path):
    """A watcher or a server builds book after book in one process: the second build must not
    keep the first one's epoch, templates or anything else."""
    first, second = chapters_only(tmp_path / "first"), chapters_only(tmp_path / "second")
    book = second / "chapters" / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("date: 2026-11-24", "date: 2027-03-01"), encoding="utf-8")
    (second / "layouts" / "print").mkdir(parents=True)
    (second / "layouts" / "print" / "handout.css").write_text(
        (ROOT / "layouts/print/handout.css").read_text(encoding="utf-8") + "\nh1 { color: #000; }\n",
        encoding="utf-8")
    # The handout: the EPUB's page list needs its render anyway.
    kinds = dict(formats=("handout", "epub"), papers=("a4",))
    environment = dict(os.environ)
    # One-group editions keep the renders small; every build here renders (empty caches).
    together = [in_process(first, tmp_path / "one", fresh_cache(tmp_path), **kinds, edition=Edition(only=("glutes",))),
                in_process(second, tmp_path / "two", fresh_cache(tmp_path), **kinds, edition=Edition(only=("core",)))]
    assert dict(os.environ) == environment  # nothing set for good
    for project, out, extra in ((first, "alone-one", ("--only", "glutes")), (second, "alone-two", ("--only", "core"))):
        result = run_builder("handout", "epub", "--paper", "a4", "--jobs", "1", *extra,
                             "--out", str(tmp_path / out), project=project, cache=fresh_cache(tmp_path))
        assert result.returncode == 0, result.stderr
    apart = [{p.name: p.read_bytes() for p in sorted((tmp_path / out).iterdir()) if not p.name.startswith(".")}
             for out in ("alone-one", "alone-two")]
    assert together == apart
    assert together[0][EPUB_NAME] != together[1][EPUB_NAME]
