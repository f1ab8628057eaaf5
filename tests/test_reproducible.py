"""Same sources, same bytes: across builds, project locations, the cache, and font subsetters."""

from __future__ import annotations

import os
import time

from conftest import (
    EPUB_NAME,
    PROJECT_CACHE,
    SESSION_CACHE,
    book_context,
    fresh_cache,
    pdf_text,
    run_builder,
    run_cli,
    small_book,
)


def outputs(folder):
    """The files a build writes, without its own record of them (.muscledocs-build.json)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_two_builds_in_different_places_are_byte_identical(tmp_path):
    """The same sources in two folders, built by two processes, give the same bytes. The second
    is a separate run with an empty cache, so every format renders again there (on one paper:
    the other paper's files are the same code on other numbers). The first build's renders are
    the session's: another test's build of the test root, in its own folder, often made them."""
    here, elsewhere = small_book(tmp_path / "here"), small_book(tmp_path / "elsewhere")
    assert run_cli("--paper", "a4", "--out", str(tmp_path / "one"), project=here).returncode == 0
    result = run_builder("--paper", "a4", "--out", str(tmp_path / "two"), project=elsewhere,
                         cache=fresh_cache(tmp_path))
    assert result.returncode == 0, result.stderr
    first, second = outputs(tmp_path / "one"), outputs(tmp_path / "two")
    assert set(first) == {"handout-a4.pdf", "quick-reference-a4.pdf", "booklet-a4.pdf", EPUB_NAME}
    for name in first:
        assert first[name] == second[name], name


def test_reproducible_with_the_fonttools_subsetter(tmp_path):
    """What a machine without libharfbuzz-subset0 does: fontTools stamps fonts with a time."""
    env = dict(os.environ, MUSCLEDOCS_SUBSETTER="fonttools")
    results, started = [], 0.0
    for name in ("one", "two"):
        project = small_book(tmp_path / name)
        # Each build renders (an empty cache), the second in a later wall-clock second than the
        # first (so it waits for what is left of the first build's second).
        time.sleep(max(0.0, started + 1.05 - time.time()))
        started = time.time()
        result = run_cli("quick-reference", "--paper", "a4", "--out", str(project / "out"), project=project,
                         env=env, cache=fresh_cache(tmp_path))
        assert result.returncode == 0, result.stderr
        results.append((project / "out" / "quick-reference-a4.pdf").read_bytes())
    assert results[0] == results[1]


def test_an_edit_always_shows_up_and_a_cache_hit_is_identical(tmp_path):
    project = small_book(tmp_path)
    out = project / "out"
    targets = ["handout", "booklet", "epub", "--paper", "a4"]
    assert run_cli(*targets, "--out", str(out), project=project).returncode == 0
    before = outputs(out)
    again = run_cli(*targets, "--out", str(project / "again"), project=project)  # no stamp there
    assert again.returncode == 0 and again.stdout.count("(cached)") == 2, again.stdout
    assert outputs(project / "again") == before  # a hit gives the same bytes

    chapter = project / "chapters" / "06-calves.md"
    chapter.write_text(chapter.read_text().replace("## ", "A freshly edited sentence about calves.\n\n## ", 1))
    edited = run_cli(*targets, "--out", str(out), project=project)
    assert edited.returncode == 0, edited.stderr
    after = outputs(out)
    assert after["handout-a4.pdf"] != before["handout-a4.pdf"]
    assert b"freshly edited" not in before[EPUB_NAME]

    for name in ("handout-a4.pdf", "booklet-a4.pdf"):  # booklets are cached chapter by chapter
        assert "freshly edited sentence" in pdf_text(out / name), name


def test_a_stylesheet_edit_reaches_cached_booklet_parts(tmp_path, monkeypatch):
    """Booklet parts are rendered with a shared stylesheet that their HTML leaves out, so the
    parts' cache key must cover the stylesheet: a layout edit has to show in the next build."""

    from muscledocs import handout_parts
    from muscledocs.formats import booklet

    # The session's cache: the test root's booklet parts are there once any test built its booklet.
    book, context = book_context(small_book(tmp_path), cache=SESSION_CACHE)
    job = booklet.BookletJob(book, "a5", "a4")
    first = booklet.render_booklet("booklet-a4.pdf", job, context).data
    assert booklet.render_booklet("booklet-a4.pdf", job, context).data == first  # every part from the cache now

    plain = handout_parts.handout_stylesheet  # the parts' stylesheet (handout_parts.py)
    monkeypatch.setattr(handout_parts, "handout_stylesheet",
                        lambda paper, templates: plain(paper, templates) + "\nh1::after { content: ' RESTYLED'; }")
    restyled = booklet.render_booklet("booklet-a4.pdf", job, context).data
    assert "RESTYLED" in pdf_text(restyled) and "RESTYLED" not in pdf_text(first)


def test_the_cache_drops_entries_unused_for_a_month_and_keeps_the_rest(tmp_path):
    project = small_book(tmp_path / "pruned")
    targets = ["quick-reference", "--paper", "a4"]
    assert run_cli(*targets, "--out", str(project / "one"), project=project, cache=PROJECT_CACHE).returncode == 0
    cache = project / "build" / ".cache"
    used = sorted(p.name for p in cache.iterdir() if p.suffix in (".bin", ".json"))
    forgotten = ["0123456789abcdef0123456789abcdef.bin", "0123456789abcdef0123456789abcdef.json"]
    for name in forgotten:
        (cache / name).write_bytes(b"from an edit long ago")
    (cache / "notes.txt").write_text("not ours")
    month_ago = time.time() - 31 * 86400
    for path in cache.iterdir():
        if path.is_file():
            os.utime(path, (month_ago, month_ago))

    # Another folder, so the build is not answered by that folder's no-op stamp: it reads
    # its entries from the cache, which marks them used.
    result = run_cli(*targets, "--out", str(project / "two"), project=project, cache=PROJECT_CACHE)
    assert result.returncode == 0 and "cached" in result.stdout
    left = sorted(p.name for p in cache.iterdir() if p.suffix in (".bin", ".json"))
    assert not set(forgotten) & set(left)
    assert set(used) <= set(left)
    assert (cache / "notes.txt").exists()  # only the cache's own entries are ever deleted


def test_a_cache_hit_never_carries_another_epoch(tmp_path):
    """A library caller may pass its own epoch (Options.epoch): the same sources under another
    epoch are a different file (fontTools stamps it in the fonts), so the cache must not answer."""
    from muscledocs.build import Options, Report, build

    class Quiet(Report):
        def written(self, output, folder):
            pass

        def done(self, seconds):
            pass

    made, project = [], small_book(tmp_path)
    for epoch in (1_700_000_000, 1_800_000_000):
        options = Options(project=project, out=tmp_path / str(epoch), formats=("quick-reference",), papers=("a4",),
                          jobs=1, epoch=epoch, subsetter="fonttools", cache=tmp_path / "cache")
        [output] = build(options, Quiet())
        made.append((output.seconds, output.data))
    assert made[1][0] is not None, "the second epoch's file came from the cache"
    assert made[0][1] != made[1][1]


def test_the_subsetter_is_each_builds_own_and_the_stamp_knows_it(tmp_path):
    """The subsetter comes from the environment build by build (a library caller, a server):
    another one in the same process is a real build, never a no-op answered by the stamp,
    and it leaves the compiled templates other builds share where they are."""
    out, own_cache, project = tmp_path / "out", fresh_cache(tmp_path), small_book(tmp_path)
    builds = []
    for subsetter, cache in (("harfbuzz", SESSION_CACHE), ("fonttools", own_cache), ("harfbuzz", SESSION_CACHE)):
        env = dict(os.environ, MUSCLEDOCS_SUBSETTER=subsetter)
        builds.append(run_cli("quick-reference", "--paper", "a4", "--out", str(out), project=project, env=env,
                              cache=cache))
        assert builds[-1].returncode == 0, builds[-1].stderr
    assert ["up to date" in build.stdout for build in builds] == [False, False, False]
    assert "(cached)" in builds[2].stdout  # the first build's render, under its own subsetter
    for folder in (SESSION_CACHE, own_cache):  # one builder, one folder of compiled templates, whoever builds
        assert len(list((folder / "templates").iterdir())) == 1


def test_compiled_templates_are_only_a_cache(tmp_path):
    """Another builder version sharing the cache removes this one's compiled templates (it keeps
    only its own): a template this build then compiles is not saved, and the build goes on."""
    import shutil

    from muscledocs.templates import Templates

    layouts, compiled = tmp_path / "layouts", tmp_path / "templates"
    layouts.mkdir()
    (layouts / "page.j2").write_text("Hello {{ who }}")
    templates = Templates((layouts,), compiled)
    shutil.rmtree(compiled)
    assert templates.render("page.j2", who="coach") == "Hello coach"
    assert not compiled.exists()
