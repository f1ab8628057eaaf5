"""The command line's conventions (issue 16): what people who use MkDocs, Sphinx or Quarto reach
for, exit statuses for a machine that stands in the way, and editions that never mix."""

from __future__ import annotations

import errno
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EPUB_NAME, PROJECT_CACHE, ROOT, builder_env, copy_book, run_builder, run_cli
from muscledocs import cli


def builder_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_version_and_python_dash_m():
    from importlib.metadata import version

    assert run_builder("--version").stdout.strip() == f"muscledocs {version('muscledocs')}"
    result = subprocess.run([sys.executable, "-m", "muscledocs", "--version"], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0 and result.stdout.strip() == f"muscledocs {version('muscledocs')}"


def test_list_groups_prints_the_ids_and_titles_in_order():
    import yaml

    groups = yaml.safe_load((ROOT / "chapters" / "book.yaml").read_text(encoding="utf-8"))["groups"]
    lines = run_cli("--list-groups").stdout.splitlines()
    assert [line.split()[0] for line in lines] == [g["id"] for g in groups]
    assert [line.split(None, 1)[1] for line in lines] == [g["title"] for g in groups]


def test_quiet_prints_nothing_and_verbose_says_what_renders(tmp_path):
    quiet = run_cli("quick-reference", "--paper", "a4", "-q", "--out", str(tmp_path / "q"))
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    project = copy_book(tmp_path / "project")
    loud = run_cli("quick-reference", "--paper", "letter", "-v", project=project,
                       cache=PROJECT_CACHE)  # a cache of its own: the output really renders
    assert "  rendering quick-reference-letter.pdf" in loud.stderr.splitlines()
    assert "quick-reference-letter.pdf  1 page" in loud.stdout


def test_paper_may_be_repeated_or_comma_separated(tmp_path):
    for args in (["--paper", "a4", "--paper", "letter"], ["--paper", "letter,a4"]):
        out = tmp_path / "-".join(args)
        result = run_cli("quick-reference", *args, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert builder_files(out) == ["quick-reference-a4.pdf", "quick-reference-letter.pdf"]


def run_in_terminal(args: list[str], env: dict) -> str:
    """What the builder prints when its output is a terminal (a pseudo-terminal here)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, str(ROOT / "make_docs.py"), *args], stdout=follower,
                               stderr=follower, stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the builder has exited
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    args = ["--only", "nonsense", "--check"]
    assert "\033[" in run_in_terminal(args, env)  # a terminal: the error in colour
    assert "\033[" not in run_in_terminal(args, env | {"NO_COLOR": "1"})
    piped = run_builder(*args, env=env)  # not a terminal
    assert piped.returncode == 2 and "\033[" not in piped.stderr


def test_a_progress_line_on_a_terminal(tmp_path):
    env = builder_env(dict(os.environ, TERM="xterm"), PROJECT_CACHE)  # a cache of its own: it really renders
    project = copy_book(tmp_path / "project")
    shown = run_in_terminal(["--project", str(project), "quick-reference", "--paper", "a4"], env)
    assert "rendering quick-reference-a4.pdf" in shown and "\r\033[K" in shown
    assert "quick-reference-a4.pdf  1 page" in shown


def test_new_group_writes_a_skeleton_that_check_explains(tmp_path):
    project = copy_book(tmp_path / "project")
    result = run_cli("new-group", "shins", "Shins", project=project)
    assert result.returncode == 0, result.stderr
    chapter = project / "chapters" / "08-shins.md"
    assert chapter.exists()
    assert "  - {id: shins, title: Shins}\n" in (project / "chapters" / "book.yaml").read_text(encoding="utf-8")
    assert 'data-group="shins"' in result.stdout and "assets/body-map.svg" in result.stdout
    check = run_cli("--check", project=project)
    assert check.returncode == 1
    errors = check.stderr.splitlines()[:-1]
    book_line = next(n for n, line in enumerate((project / "chapters/book.yaml").read_text().splitlines(), 1)
                     if "id: shins" in line)
    assert (f'chapters/book.yaml:{book_line}: group "shins" has no region in assets/body-map.svg. Add a shape '
            'with data-group="shins" to assets/body-map.svg, over the muscles its chapter is about') in errors
    todo_lines = [n for n, line in enumerate(chapter.read_text().splitlines(), 1) if "TODO" in line.split(" #")[0]]
    todo_errors = [e for e in errors if "placeholder text (TODO)" in e]
    assert [int(e.split(":")[1]) for e in todo_errors] == todo_lines
    again = run_cli("new-group", "shins", "Shins", project=project)
    assert again.returncode == 2 and 'already has a group "shins"' in again.stderr


def test_clean_removes_build_and_its_cache_and_nothing_else(tmp_path):
    project = copy_book(tmp_path / "project")
    (project / "build" / ".cache").mkdir(parents=True)
    (project / "build" / "handout-a4.pdf").write_bytes(b"%PDF")
    (project / "notes.txt").write_text("mine")
    result = run_cli("clean", project=project)
    assert result.returncode == 0 and not (project / "build").exists()
    assert (project / "notes.txt").exists() and (project / "chapters" / "book.yaml").exists()


def test_open_shows_the_result_in_the_system_viewer(tmp_path):
    viewer = tmp_path / "bin" / "xdg-open"
    viewer.parent.mkdir()
    log = tmp_path / "opened.txt"
    viewer.write_text(f"#!/bin/sh\necho \"$@\" > {log}\n")
    viewer.chmod(0o755)
    env = dict(os.environ, PATH=f"{viewer.parent}{os.pathsep}{os.environ['PATH']}")
    result = run_builder("quick-reference", "--paper", "a4", "--open", "--out", str(tmp_path / "out"), env=env)
    assert result.returncode == 0, result.stderr
    for _ in range(100):
        if log.exists():
            break
        select.select([], [], [], 0.05)
    assert log.read_text().strip() == str((tmp_path / "out" / "quick-reference-a4.pdf").resolve())


# --- the machine standing in the way: exit 2 with what to do, never "internal error" --------


def test_out_naming_a_file_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run_cli("epub", "--out", str(tmp_path / "file" / "sub"))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"make_docs.py: error: --out {tmp_path / 'file' / 'sub'}: {tmp_path / 'file'} "
                                     "is a file, not a folder; choose another --out folder")


@pytest.mark.parametrize("code,expected", [
    (errno.EACCES, "cannot write {where}: Permission denied. Choose another --out folder, or make this one writable"),
    (errno.ENOSPC, "the disk is full (writing {where}). Free some space, or choose another --out folder"),
])
def test_an_unwritable_folder_or_a_full_disk_is_exit_2(tmp_path, monkeypatch, capsys, code, expected):
    """Failures of the machine are simulated where the build writes (root may write anywhere)."""
    import muscledocs.build

    where = tmp_path / "out" / EPUB_NAME

    def refuse(path, data):
        raise OSError(code, os.strerror(code), str(where))

    monkeypatch.setattr(muscledocs.build, "write_atomic", refuse)
    status = cli.main(["epub", "--project", str(ROOT), "--out", str(tmp_path / "out"), "--jobs", "1"])
    err = capsys.readouterr().err.splitlines()
    assert status == 2
    assert err == [f"make_docs.py: {expected.format(where=where)}", "Nothing was written."]


# --- editions never mix ----------------------------------------------------------------------


def test_a_build_removes_what_an_earlier_build_in_its_folder_wrote_and_it_did_not(tmp_path):
    out = tmp_path / "thursday"
    assert run_cli("quick-reference", "--paper", "a4,letter", "--out", str(out)).returncode == 0
    (out / "notes.txt").write_text("the coach's own file")
    result = run_cli("quick-reference", "--paper", "a4", "--only", "glutes", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert builder_files(out) == ["notes.txt", "quick-reference-a4.pdf"]


def test_an_edition_file_without_out_builds_beside_the_book(tmp_path):
    project = copy_book(tmp_path / "project")
    (project / "build").mkdir()
    (project / "build" / "handout-a4.pdf").write_bytes(b"the full book")
    edition = project / "thursday.toml"
    edition.write_text('only = ["calves"]\nclinic = "Thursday Track Night"\npaper = "a4"\n')
    result = run_cli("quick-reference", "--edition", str(edition), project=project)
    assert result.returncode == 0, result.stderr
    assert builder_files(project / "build" / "thursday") == ["quick-reference-a4.pdf"]
    assert (project / "build" / "handout-a4.pdf").read_bytes() == b"the full book"
