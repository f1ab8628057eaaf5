"""`make_docs.py serve`: the live preview and the clinic form, in a real browser (headless
Chromium through Playwright), against a copy of the project served in this process on a free
port. Every wait is for an event (a new build number in /api/status, an element's state) with
a deadline, never a fixed sleep.

Needs Chromium (Debian: apt-get install chromium) and the `playwright` package; Playwright's own
browser download is not used. The browser tests are skipped, saying why, without them.
"""

from __future__ import annotations

import http.client
import io
import json
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from conftest import ROOT, SESSION_CACHE, builder_env, outline_entries, page_text, pdf_text, run_cli, small_book

pytest.importorskip("starlette", reason="the server's packages are not installed (pip install -e '.[test]')")
pytest.importorskip("uvicorn", reason="the server's packages are not installed (pip install -e '.[test]')")
pytest.importorskip("watchfiles", reason="the server's packages are not installed (pip install -e '.[test]')")

from muscledocs.project import Project  # noqa: E402
from muscledocs.serve.runner import PreviewServer  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
BUILD_DEADLINE = 300  # seconds: a cold build of every output on a busy 2-core machine
CHAPTER = "06-calves.md"  # the test root's one group


def needs_browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium on PATH (Debian: apt-get install chromium)")
    return pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The test root (the book cut to one group), shared by the module's one server: every edit
    here renders every output again, and what the preview does is the same for one chapter as
    for seven (the introduction, the closing chapter, the glossary and the notes are there too)."""
    return small_book(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(project):
    # A4 only (serve --paper a4): every edit here builds every output again, and US Letter is the
    # same code on other numbers; the default papers: test_serve_paper_picks_what_each_build_writes...
    running = PreviewServer(Project(project), "127.0.0.1", 0, say=lambda text: None, papers=("a4",))
    running.start()
    wait_for(running, lambda s: s["state"] == "ok", "the first build")
    yield running
    running.stop()


def get(server, path: str, headers: dict | None = None, method: str = "GET", body: bytes | None = None):
    """(status, headers, body) for a raw request: the path is sent exactly as given."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    headers = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    if body is not None:
        headers.setdefault("Content-Length", str(len(body)))
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


def status(server, since: int | None = None) -> dict:
    query = "" if since is None else f"?since={since}"
    code, _, data = get(server, f"/api/status{query}")
    assert code == 200
    return json.loads(data)


def wait_for(server, done, what: str, deadline: float = BUILD_DEADLINE) -> dict:
    """Long-poll the status until `done(status)` holds, or fail after `deadline` seconds."""
    end = time.monotonic() + deadline
    current = status(server)
    while not done(current):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}; status: {json.dumps(current)[:2000]}")
        current = status(server, current["version"])
    return current


def settled_after(server, number: int, what: str) -> dict:
    """The status once a build after build `number` has finished completely (ok or failed)."""
    return wait_for(server, lambda s: s["build"] > number and s["state"] in ("ok", "failed"), what)


def edit(project: Path, sentence: str) -> None:
    chapter = project / "chapters" / CHAPTER
    original = (ROOT / "chapters" / CHAPTER).read_text(encoding="utf-8")
    chapter.write_text(original.replace("\n## ", f"\n{sentence}\n\n## ", 1), encoding="utf-8")


def restore(server, project: Path) -> None:
    # First the build under way, if any (a test may stop waiting after its A4 step): counted
    # from its number, the restore's wait would end with it and leave the restore's own build
    # running into the next test, which then counted that one as its own.
    number = wait_for(server, lambda s: s["state"] in ("ok", "failed"), "the build under way")["build"]
    shutil.copy(ROOT / "chapters" / CHAPTER, project / "chapters" / CHAPTER)
    assert settled_after(server, number, "the restored chapter's build")["state"] == "ok"


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser():
    sync_api = needs_browser()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def open_page(browser, server, path: str = "/"):
    # Playwright's waits evaluate code, which the page's own CSP (script-src 'self') forbids.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server.url.rstrip("/") + path)
    return page


def shown_build(page, at_least: int) -> None:
    page.wait_for_function("n => Number(document.body.dataset.build) >= n", arg=at_least, timeout=60_000)


def a4_sources(page) -> list[str]:
    return page.eval_on_selector_all('[data-doc="handout-a4.pdf"] figure img', "imgs => imgs.map(i => i.src)")


# --------------------------------------------------------------------------- the preview


def test_the_page_shows_every_handout_page_with_its_printed_number(server, browser, project):
    handout = PdfReader(project / "build" / "handout-a4.pdf")
    page = open_page(browser, server)
    shown_build(page, status(server)["build"])
    figures = page.locator('[data-doc="handout-a4.pdf"] figure')
    assert figures.count() == len(handout.pages)
    labels = [figures.nth(i).get_attribute("data-label") for i in range(figures.count())]
    assert labels == list(handout.page_labels)  # i, ii, 1, 2, ...: what the pages print
    assert page.locator('[data-doc="handout-a4.pdf"] figcaption').first.inner_text() == "i"
    page.wait_for_function("() => document.querySelector('[data-doc=\"handout-a4.pdf\"] img').naturalWidth > 800")
    # The other outputs have their tabs, the booklet and the EPUB included.
    tabs = page.locator("#tabs button").all_inner_texts()
    assert tabs == ["A4 handout", "Quick reference", "Booklet", "EPUB"]  # A4 only: no US Letter handout
    page.click("#tab-epub")
    page.wait_for_function("() => document.querySelector('#view-epub iframe.dark').contentDocument?.body")
    dark = page.frame_locator("#view-epub iframe.dark").locator("html")
    assert dark.evaluate("e => getComputedStyle(e).colorScheme") == "dark"
    page.screenshot(path="/tmp/serve-test-epub.png")
    page.context.close()


def test_editing_a_chapter_updates_the_page_without_a_reload_and_keeps_its_place(server, browser, project):
    page = open_page(browser, server)
    other = open_page(browser, server)  # a second viewer, in its own browser context
    number = status(server)["build"]
    shown_build(page, number)
    shown_build(other, number)
    page.evaluate("window.notReloaded = true")
    entries = outline_entries(PdfReader(project / "build" / "handout-a4.pdf"))
    titles = [title for title, _ in entries]
    first, after = entries[titles.index("1 Calves")][1], entries[titles.index("1 Calves") + 1][1]
    calves = page.locator('[data-doc="handout-a4.pdf"] figure').nth(first + 1)
    calves.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    before, before_other = a4_sources(page), a4_sources(other)
    try:
        edit(project, "A sentence added while the preview was watching.")
        for viewer, old in ((page, before), (other, before_other)):
            viewer.wait_for_function(
                "old => [...document.querySelectorAll('[data-doc=\"handout-a4.pdf\"] img')].some((img, i) => "
                "img.src !== old[i])", arg=old, timeout=60_000)
        assert page.evaluate("window.notReloaded") is True
        assert page.evaluate("window.scrollY") == scrolled
        changed = [i for i, (a, b) in enumerate(zip(before, a4_sources(page), strict=True)) if a != b]
        assert changed and all(first <= i < after for i in changed), changed  # the calves' pages, no others
        assert a4_sources(other) == a4_sources(page)
    finally:
        restore(server, project)
        page.context.close()
        other.context.close()


def test_a_burst_of_saves_is_one_build_and_a_save_during_a_build_builds_again(server, project):
    number = status(server)["build"]
    for index in range(5):  # as an editor that saves in several writes does
        edit(project, f"Burst save number {index}.")
    current = settled_after(server, number, "the burst's build")
    assert current["build"] == number + 2  # one build: its A4 step and its every-output step
    edit(project, "The save during the build.")
    wait_for(server, lambda s: s["state"] == "building", "the next build to start")
    edit(project, "The save after the build had started.")
    settled_after(server, current["build"] + 2, "the queued build")
    assert "The save after the build had started." in pdf_text(project / "build" / "handout-a4.pdf")
    restore(server, project)


def test_broken_front_matter_shows_the_overlay_over_the_last_good_pages(server, browser, project):
    page = open_page(browser, server)
    shown_build(page, status(server)["build"])
    pages_before = page.locator('[data-doc="handout-a4.pdf"] figure').count()
    broken = {"00-introduction.md": "title: Introduction", "06-calves.md": "title: Calves"}
    good = {name: (project / "chapters" / name).read_text(encoding="utf-8") for name in broken}
    for name, line in broken.items():
        assert good[name].splitlines()[2] == line
    number = status(server)["build"]
    try:
        for name, line in broken.items():
            (project / "chapters" / name).write_text(good[name].replace(line, line.replace(": ", ": ["), 1),
                                                     encoding="utf-8")
        failed = settled_after(server, number, "the broken chapters' build")
        assert failed["state"] == "failed"
        assert {(e["path"], e["line"]) for e in failed["errors"]} == {(f"chapters/{name}", 3) for name in broken}
        overlay = page.locator("#overlay")
        overlay.wait_for(state="visible", timeout=30_000)
        for name in broken:  # every error, each at its file and line
            assert f"chapters/{name}:3: YAML syntax error" in overlay.inner_text()
        # The last good pages stay underneath.
        assert page.locator('[data-doc="handout-a4.pdf"] figure').count() == pages_before
        page.screenshot(path="/tmp/serve-test-overlay.png")
    finally:
        number = status(server)["build"]
        for name in broken:
            (project / "chapters" / name).write_text(good[name], encoding="utf-8")
    assert settled_after(server, number, "the fixed chapters' build")["state"] == "ok"
    page.locator("#overlay").wait_for(state="hidden", timeout=30_000)
    page.context.close()


def test_page_proof_findings_link_to_their_pages(server, browser, project):
    """A project stylesheet that sets the cover's last line at 5 pt: the proof's small-text rule
    finds it on the cover of every PDF, and each finding links to that page in its tab. The
    project had no layouts/ folder: the server notices the new one."""
    override = project / "layouts" / "print" / "handout.css"
    number = status(server)["build"]
    override.parent.mkdir(parents=True)
    override.write_text((ROOT / "layouts" / "print" / "handout.css").read_text(encoding="utf-8")
                        + "\n.cover .publisher { font-size: 5pt; }\n", encoding="utf-8")
    try:
        found = settled_after(server, number, "the build with the small text")
        assert found["state"] == "ok"
        targets = {f["output"]: f["target"] for f in found["findings"] if f["rule"] == "small-text"}
        assert targets["handout-a4.pdf"] == "page-handout-a4.pdf-0"
        assert targets["booklet-a4.pdf"] == "page-booklet-a4.pdf-0"  # the cover is on the first sheet side
        page = open_page(browser, server)
        shown_build(page, found["build"])
        links = page.locator("#findings a")
        assert links.count() == len(found["findings"])
        page.locator("#findings a", has_text="booklet-a4.pdf page 1:").first.click()
        assert page.get_attribute("#tab-booklet", "aria-selected") == "true"
        page.wait_for_selector("#page-booklet-a4\\.pdf-0.flagged")
        assert page.locator("#view-booklet").is_visible() and page.locator("#view-a4").is_hidden()
        page.locator("#findings a", has_text="handout-a4.pdf page 1:").first.click()
        page.wait_for_selector("#page-handout-a4\\.pdf-0.flagged")
        assert page.get_attribute("#tab-a4", "aria-selected") == "true"
        page.screenshot(path="/tmp/serve-test-findings.png")
        page.context.close()
    finally:
        number = status(server)["build"]
        shutil.rmtree(project / "layouts")
    assert settled_after(server, number, "the build without the override")["findings"] == []


def test_status_reports_builds_errors_and_outputs(server, project):
    current = status(server)
    assert current["state"] == "ok" and current["errors"] == [] and isinstance(current["build"], int)
    pages = {o["name"]: o["pages"] for o in current["outputs"]}
    for name in ("handout-a4.pdf", "quick-reference-a4.pdf", "booklet-a4.pdf", "muscles-worked-when-running.epub"):
        assert pages[name] > 0
    assert not [name for name in pages if "letter" in name]  # serve --paper a4
    assert pages["handout-a4.pdf"] == len(PdfReader(project / "build" / "handout-a4.pdf").pages)
    assert isinstance(current["findings"], list)
    code, headers, data = get(server, "/files/handout-a4.pdf")
    assert code == 200 and data == (project / "build" / "handout-a4.pdf").read_bytes()
    assert "script-src 'self'" in headers["content-security-policy"]


# --------------------------------------------------------------------------- clinic editions


def choose(page, groups, papers=("a4",), formats=("handout",)):
    page.wait_for_selector("form[data-ready]")
    for box in page.locator("input[type=checkbox]").all():
        box.uncheck()
    for name, values in (("only", groups), ("paper", papers), ("format", formats)):
        for value in values:
            page.check(f'input[name="{name}"][value="{value}"]')


def test_the_clinic_form_builds_an_edition_in_its_own_folder(server, browser, project):
    main_handout = (project / "build" / "handout-a4.pdf").read_bytes()
    page = open_page(browser, server, "/clinic")
    choose(page, ["calves"])  # the module's book has one group; choosing among several: below
    page.fill("#clinic", "Thursday Track Night")
    page.fill("#date", "2026-12-03")
    page.fill("#coach", "Sam Rivera")
    page.fill("#contact", "sam@example.org")
    page.click("#build")
    page.wait_for_selector("#downloads a", timeout=BUILD_DEADLINE * 1000)
    page.screenshot(path="/tmp/serve-test-clinic.png")
    links = page.locator("#downloads a").all_inner_texts()
    assert links == ["handout-a4.pdf"]
    code, _, pdf = get(server, page.locator("#downloads a").first.get_attribute("href"))
    assert code == 200
    handout = PdfReader(io.BytesIO(pdf))
    cover = page_text(handout, 0)
    assert "Thursday Track Night" in cover and "Sam Rivera" in cover and "Thursday, December 3, 2026" in cover
    titles = [title for title, _ in outline_entries(handout)]
    assert titles == ["Introduction", "1 Calves", "Putting It Together", "Glossary", "Notes"]
    folder = project / "build" / "editions" / "thursday-track-night-2026-12-03"
    assert (folder / "handout-a4.pdf").read_bytes() == pdf
    assert (project / "build" / "handout-a4.pdf").read_bytes() == main_handout  # the book's own: untouched
    code, _, archive = get(server, page.locator("#zip").get_attribute("href"))
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert code == 200 and sorted(names) == ["handout-a4.pdf", "thursday-track-night-2026-12-03.toml"]
    # The edition file rebuilds the same edition from the command line.
    code, _, toml = get(server, page.locator("#edition").get_attribute("href"))
    edition = tomllib.loads(toml.decode())
    assert edition == {"only": ["calves"], "clinic": "Thursday Track Night", "coach": "Sam Rivera",
                       "contact": "sam@example.org", "date": edition["date"], "paper": ["a4"]}
    assert str(edition["date"]) == "2026-12-03"
    edition_file = project / "thursday.toml"
    edition_file.write_bytes(toml)
    result = run_cli("handout", "--edition", str(edition_file), "--out", str(project / "cli-edition"), project=project)
    assert result.returncode == 0, result.stderr
    cli = PdfReader(project / "cli-edition" / "handout-a4.pdf")
    assert outline_entries(cli) == outline_entries(handout) and page_text(cli, 0) == cover
    page.context.close()


def test_bad_form_input_gets_messages_beside_the_fields_and_builds_nothing(server, browser, project):
    page = open_page(browser, server, "/clinic")
    choose(page, [], papers=("a4",), formats=("handout",))
    page.fill("#clinic", "Track Night ★")
    page.fill("#date", "2026-13-45")
    number = status(server)["build"]
    editions = sorted((project / "build" / "editions").glob("*")) if (project / "build" / "editions").exists() else []
    page.click("#build")
    page.wait_for_function("() => document.getElementById('error-date').textContent !== ''")
    assert "Choose at least one group" in page.inner_text("#error-only")
    assert "is not a date" in page.inner_text("#error-date")
    assert "★" in page.inner_text("#error-clinic")  # the typefaces' rule, as for --clinic
    assert page.get_attribute("#date", "aria-invalid") == "true"
    assert page.inner_text("#error-coach") == ""
    page.screenshot(path="/tmp/serve-test-clinic-errors.png")
    # The edition file is refused the same way.
    page.click("#edition-file")
    page.wait_for_function("() => document.getElementById('error-only').textContent !== ''")
    too_long = "clinic=" + "x" * 500 + "&only=calves&paper=a4&format=handout"
    code, _, data = get(server, "/api/clinic", {"Origin": f"http://127.0.0.1:{server.port}",
                                                "Content-Type": "application/x-www-form-urlencoded"},
                        "POST", too_long.encode())
    assert code == 422 and "At most 100 characters" in json.loads(data)["errors"]["clinic"]
    code, _, data = get(server, "/api/clinic", {"Origin": f"http://127.0.0.1:{server.port}"}, "POST",
                        b"only=shins&paper=b5&format=handout")
    errors = json.loads(data)["errors"]
    assert code == 422 and "shins" in errors["only"] and "b5" in errors["paper"]
    assert status(server)["build"] == number  # nothing was built
    found = sorted((project / "build" / "editions").glob("*")) if (project / "build" / "editions").exists() else []
    assert found == editions
    page.context.close()


# --------------------------------------------------------------------------- safety


def test_a_request_for_another_host_is_refused(server):
    assert get(server, "/", {"Host": "evil.example"})[0] == 403
    assert get(server, "/api/status", {"Host": f"evil.example:{server.port}"})[0] == 403
    assert get(server, "/", {"Host": f"localhost:{server.port}"})[0] == 200
    assert get(server, "/")[0] == 200


def test_cross_origin_posts_and_oversized_requests_are_refused(server):
    form = b"only=calves&paper=a4&format=handout"
    assert get(server, "/api/clinic/edition", {"Origin": "http://evil.example"}, "POST", form)[0] == 403
    assert get(server, "/api/clinic/edition", {"Origin": "null"}, "POST", form)[0] == 403
    assert get(server, "/api/clinic/edition", {"Sec-Fetch-Site": "cross-site"}, "POST", form)[0] == 403
    own = {"Origin": f"http://127.0.0.1:{server.port}"}
    code, headers, toml = get(server, "/api/clinic/edition", own, "POST", form)
    assert code == 200 and tomllib.loads(toml.decode())["only"] == ["calves"]
    assert get(server, "/api/clinic/edition", own, "POST", b"x" * 100_000)[0] == 413
    assert get(server, "/", method="DELETE")[0] == 405


def test_only_generated_files_and_the_projects_assets_are_served(server, project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser")
    (project / "assets" / "escape.svg").symlink_to(secret)
    epub = status(server)["epub"]["chapters"][0]["light"].split("/")[2]
    try:
        assert get(server, "/assets/body-map.svg")[0] == 200
        for path in ("/assets/escape.svg", "/assets/../chapters/book.yaml", "/assets/%2e%2e/chapters/book.yaml",
                     "/assets/..%2fchapters/book.yaml", "/static/../app.py", "/static/%2e%2e/app.py",
                     "/files/../chapters/book.yaml", "/files/.muscledocs-build.json", "/files/.cache",
                     f"/epub/{epub}/../../chapters/book.yaml", f"/epub/{epub}/META-INF/container.xml",
                     "/assets/", "/assets", "/static/", "/files/", "/editions/x/../../chapters/book.yaml",
                     "/../../etc/passwd", "/pages/../../etc/passwd"):
            code, _, data = get(server, path)
            assert code == 404, path
            assert b"not for the browser" not in data and b"groups" not in data
    finally:
        (project / "assets" / "escape.svg").unlink()


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    sample_project = small_book(tmp_path)
    # Its own quick-reference and booklet-page styles (a comment added): those two outputs
    # really render, in the two render workers, whatever the session's cache holds; the rest of
    # the test root comes from the cache when the module's server built it already.
    for name in ("quick-reference.css", "booklet-page.css"):
        (sample_project / "layouts" / "print").mkdir(parents=True, exist_ok=True)
        (sample_project / "layouts" / "print" / name).write_text(
            (ROOT / "layouts" / "print" / name).read_text(encoding="utf-8") + "\n/* this project's own */\n",
            encoding="utf-8")
    # A4 only, as the module's server: a Ctrl-C waits for the build under way, the same code
    # for one paper as for two.
    process = subprocess.Popen([sys.executable, str(ROOT / "make_docs.py"), "--project", str(sample_project),
                                "serve", "--port", "0", "--paper", "a4"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=builder_env())
    try:
        first = process.stdout.readline()
        assert first.startswith(f"Serving {sample_project}") and " at http://127.0.0.1:" in first, first
        port = int(first.split("http://127.0.0.1:")[1].split("/")[0])
        running = SimpleNamespace(port=port)  # what status() needs of a server
        # Interrupted while the other outputs render, in worker processes: the hard case.
        wait_for(running, lambda s: s["build"] >= 1 and s["rendering"], "the every-output step")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=BUILD_DEADLINE)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped." in out and "Traceback" not in err
    leftovers = [p for p in sample_project.rglob("*") if p.name.endswith(".part") or p.name.startswith(".tmp")]
    assert leftovers == []


# --------------------------------------------------------------------------- the parts, without a server


def test_served_files_stay_inside_their_folder(tmp_path):
    from muscledocs.serve.security import safe_file

    root, outside = tmp_path / "assets", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "sub" / "map.svg").write_text("<svg/>")
    (root / ".hidden").write_text("x")
    (outside / "secret.txt").write_text("x")
    (root / "out.txt").symlink_to(outside / "secret.txt")
    (root / "out-folder").symlink_to(outside)
    (root / "in.svg").symlink_to(root / "sub" / "map.svg")
    assert safe_file((root,), "sub/map.svg") == (root / "sub" / "map.svg").resolve()
    assert safe_file((root,), "in.svg") == (root / "sub" / "map.svg").resolve()  # a link that stays inside
    for path in ("out.txt", "out-folder/secret.txt", "../outside/secret.txt", "sub/../../outside/secret.txt",
                 ".hidden", "sub", "", "/etc/passwd", "sub\\map.svg", "sub//map.svg", "nothing.svg"):
        assert safe_file((root,), path) is None, path


def test_serve_paper_picks_what_each_build_writes_and_what_the_form_ticks(server):
    """serve --paper: the command line's own choice and its messages; every paper by default."""
    import argparse

    from muscledocs import papers
    from muscledocs.cli import parse_papers
    from muscledocs.errors import UsageError
    from muscledocs.serve import add_arguments
    from muscledocs.serve.builder import Builder, _tab_of

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parse_papers(parser.parse_args(["--paper", "letter,a4"]).paper) == ("letter", "a4")
    assert parse_papers(parser.parse_args([]).paper) is None
    with pytest.raises(UsageError, match='unknown paper "b5"'):
        parse_papers(parser.parse_args(["--paper", "b5"]).paper)
    assert Builder(Project(ROOT)).papers == papers.defaults() == ("a4", "letter")
    assert _tab_of(SimpleNamespace(format="handout", name="handout-letter.pdf")) == ("letter", "US Letter handout")
    _, _, data = get(server, "/api/clinic/choices")
    assert json.loads(data)["default_papers"] == ["a4"]  # the form ticks the server's papers


def test_the_form_and_its_edition_file_give_the_command_lines_edition(sample_project):
    from muscledocs.config import read_edition_file, settle
    from muscledocs.errors import UsageError
    from muscledocs.serve.clinic import read_form
    from muscledocs.validate import group_ids

    ids = group_ids(sample_project)
    fields = {"only": ["calves", "glutes"], "clinic": ["Thursday \"Track\" Night"], "date": ["2026-12-03"],
              "coach": ["Sam Rivera"], "contact": [""], "paper": ["letter", "a4"], "format": ["handout", "epub"]}
    wanted, errors = read_form(fields, ids)
    assert errors == {}
    assert wanted.settings.edition.only == ("glutes", "calves")  # the book's order, as on the command line
    assert wanted.settings.papers == ("a4", "letter") and wanted.formats == ("handout", "epub")
    assert "python make_docs.py handout epub --edition" in wanted.toml()
    path = sample_project / f"{wanted.name}.toml"
    path.write_text(wanted.toml(), encoding="utf-8")
    again = settle(read_edition_file(path, sample_project), {}, ids)
    assert again.edition == wanted.settings.edition and again.papers == wanted.settings.papers
    # A bad date reads as the command line says it, without the option's name.
    _, errors = read_form(dict(fields, date=["2026-02-30"]), ids)
    with pytest.raises(UsageError) as cli:
        settle({}, {"date": "2026-02-30"}, ids)
    assert errors == {"date": str(cli.value).removeprefix("--date ")}


def test_a_booklet_finding_links_to_the_sheet_side_its_page_is_on():
    from muscledocs.build import Output
    from muscledocs.formats import Result
    from muscledocs.imposition import page_order
    from muscledocs.proof import Finding
    from muscledocs.serve.builder import _finding

    booklet = Output("booklet-a4.pdf", "booklet", Result(b"", 40, sheets=20), None)
    for page in (1, 2, 21, 40):
        target = _finding(Finding("booklet-a4.pdf", page, "a runt", "runt"), booklet)["target"]
        side = int(target.rsplit("-", 1)[1])
        assert page - 1 in page_order(40)[side]
    handout = Output("handout-a4.pdf", "handout", Result(b"", 29), None)
    assert _finding(Finding("handout-a4.pdf", 13, "x", "runt"), handout)["target"] == "page-handout-a4.pdf-12"


def test_page_images_are_rendered_once_per_drawing():
    import pikepdf

    from muscledocs.serve.pages import PageImages

    def pdf(colours: list[str]) -> bytes:
        document = pikepdf.new()
        for colour in colours:
            page = document.add_blank_page(page_size=(200, 300))
            page.obj.Contents = document.make_stream(f"{colour} rg 20 20 100 100 re f".encode())
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()

    images = PageImages(scale=0.5)
    first = images.register(pdf(["1 0 0", "0 1 0", "0 0 1"]))
    for page in first:
        assert images.png(page.digest).startswith(b"\x89PNG")
    assert images.rendered == 3
    second = images.register(pdf(["1 0 0", "0 0 0", "0 0 1"]))  # another PDF; only its middle page differs
    assert [a.digest == b.digest for a, b in zip(first, second, strict=True)] == [True, False, True]
    for page in second:
        images.png(page.digest)
    assert images.rendered == 4
    assert images.png("0" * 32) is None


def test_the_previews_parts_draw_the_handouts_own_pages(server, project):
    """The preview's A4 pages, rendered part by part, are the printed handout's pages, pixel
    for pixel (the cover and contents included)."""
    import pypdfium2
    from PIL import ImageChops

    from conftest import book_context
    from muscledocs.serve.preview import preview_renderer

    book, context = book_context(project, cache=SESSION_CACHE)  # the server's parts, if it rendered them
    parts = preview_renderer().render(book, context)
    preview = [page for part in parts.parts for page in pypdfium2.PdfDocument(part.pdf)]
    handout = list(pypdfium2.PdfDocument(str(project / "build" / "handout-a4.pdf")))
    assert len(preview) == len(handout) and parts.front_pages == 2
    for number, (ours, printed) in enumerate(zip(preview, handout, strict=True), start=1):
        a, b = (page.render(scale=0.5).to_pil().convert("RGB") for page in (ours, printed))
        assert ImageChops.difference(a, b).getbbox() is None, f"page {number} differs"
