"""The command line as a maintainer meets it: help, targets, --out, exit statuses."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import EPUB_NAME, run_builder


def test_help_explains_targets_and_options():
    result = run_builder("--help")
    assert result.returncode == 0
    for word in ("--out", "--paper", "--only", "--clinic", "--check", "--strict", "--jobs", "pdf", "epub",
                 "page proof", "exit status"):
        assert word in result.stdout


def test_unknown_option_and_target_exit_2(tmp_path):
    for args in (["--bogus"], ["nonsense-target"], ["--paper", "a3"]):
        result = run_builder(*args, "--out", str(tmp_path / "x"))
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert not (tmp_path / "x").exists()


def test_named_target_and_paper_limit_outputs(tmp_path):
    out = tmp_path / "deep" / "folder"  # created if missing
    result = run_builder("pdf", "--paper", "a4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "booklet-a4.pdf", "handout-a4.pdf", "quick-reference-a4.pdf"]
    # One line per file written: name, pages, seconds.
    lines = [line for line in result.stdout.splitlines() if ".pdf" in line]
    counts = {Path(line.split()[0]).name: re.search(r"\d+ [a-z ]+?(?=  )", line).group() for line in lines}
    assert counts["quick-reference-a4.pdf"] == "1 page"  # singular for one
    assert re.fullmatch(r"\d+ pages", counts["handout-a4.pdf"])
    assert re.fullmatch(r"\d+ sheet sides", counts["booklet-a4.pdf"])
    assert all(re.search(r"  \d+\.\d s( \(cached\))?$", line) for line in lines)


def test_full_build_writes_every_output(built):
    names = {p.name for p in built.iterdir()}
    for paper in ("a4", "letter"):
        assert {f"handout-{paper}.pdf", f"quick-reference-{paper}.pdf", f"booklet-{paper}.pdf"} <= names
    assert EPUB_NAME in names
