"""The groups come from one canonical list (chapters/book.yaml); chapters must match it."""

from __future__ import annotations

from conftest import ROOT, run_cli


def test_the_canonical_list_is_the_seven_groups_in_order(canonical_groups):
    assert [g["id"] for g in canonical_groups] == [
        "glutes", "quadriceps", "hip-flexors", "core", "hamstrings", "calves", "upper-body"]
    for group in canonical_groups:
        assert len(list((ROOT / "chapters").glob(f"[0-9][0-9]-{group['id']}.md"))) == 1


def test_dropping_a_chapter_is_an_error(sample_project):
    (sample_project / "chapters" / "05-hamstrings.md").unlink()
    result = run_cli("--check", project=sample_project)
    assert result.returncode == 1
    assert 'chapters/book.yaml:' in result.stderr and '"hamstrings" has no chapter file' in result.stderr


def test_renaming_a_group_in_a_chapter_is_an_error(sample_project):
    path = sample_project / "chapters" / "06-calves.md"
    path.write_text(path.read_text().replace("id: calves", "id: calf-muscles", 1))
    result = run_cli("--check", project=sample_project)
    assert result.returncode == 1
    assert "chapters/06-calves.md:2: unknown chapter id \"calf-muscles\"" in result.stderr
    assert "Valid ids" in result.stderr
