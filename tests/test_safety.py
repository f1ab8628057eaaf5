"""Nothing reaches a build that should not: no network, no file outside the project, no YAML
object construction, no raw HTML beyond a few inline tags, and front-matter text always escaped."""

from __future__ import annotations

import io
import re
import socketserver
import threading
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import EPUB_NAME, ROOT, run_cli, small_book
from muscledocs.markdown import LinkContext, render_prose

GLUTES = "chapters/01-glutes.md"


def append(project: Path, rel: str, text: str) -> int:
    """Append `text` after a blank line; return the line its first line lands on."""
    path = project / rel
    old = path.read_text(encoding="utf-8")
    path.write_text(old + "\n" + text + "\n", encoding="utf-8")
    return len(old.splitlines()) + 2


class Listener:
    """A TCP listener on 127.0.0.1 that counts every connection made to it."""

    def __init__(self):
        hits = self.hits = []

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                hits.append(self.request.recv(4096))
                self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/css\r\n\r\nhtml{}")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # shutdown() waits for serve_forever's next poll: half a second a test at its default.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


def test_remote_image_and_stylesheets_send_no_request(sample_project, tmp_path, listener):
    url = listener.url
    first = append(sample_project, GLUTES, f"![A runner]({url}/runner.png)\n\n"
                                           f'<link rel="stylesheet" href="{url}/style.css">\n\n'
                                           f"<style>@import url({url}/import.css);</style>\n\n"
                                           f'Text <img src="{url}/inline.png" alt="x"> more.')
    out = tmp_path / "out"
    for args in (["--check"], ["epub", "--out", str(out)], ["handout", "--paper", "a4", "--out", str(out)]):
        result = run_cli(*args, project=sample_project)
        assert result.returncode == 1, result.stderr
        assert result.stderr.splitlines() == [
            f'{GLUTES}:{first}: image "{url}/runner.png" is on the internet; builds never use the network. '
            "Save the image in assets/ and write ../assets/<name> instead",
            f"{GLUTES}:{first + 2}: raw HTML <link> is not allowed. Remove it: the look of the handout and the "
            "e-book comes from the layouts/ folder, and the build never fetches anything from the network",
            f"{GLUTES}:{first + 4}: raw HTML <style> is not allowed. Remove it: the look of the handout and the "
            "e-book comes from the layouts/ folder",
            f"{GLUTES}:{first + 6}: raw HTML <img> is not allowed. Use a Markdown image instead: "
            "![what the image shows](../assets/name.png)",
            "4 errors; nothing was written.",
        ]
    assert listener.hits == []
    assert not out.exists()


RENDER_REFERENCES = {
    "stylesheet": '<link rel="stylesheet" href="{url}/a.css"><p>x</p>',
    "import": '<style>@import url("{url}/b.css");</style><p>x</p>',
    "css-background": '<p style="background: url({url}/c.png)">x</p>',
    "image": '<img src="{url}/d.png" alt="d">',
    "file-url": '<img src="file:///etc/hostname" alt="h">',
    "relative-escape": '<img src="../../etc/passwd" alt="p">',
}


@pytest.mark.parametrize("kind", RENDER_REFERENCES)
def test_pdf_renderer_refuses_the_network_and_outside_files(listener, kind):
    """Defence in depth: even HTML that never came from a chapter cannot make WeasyPrint fetch."""

    from muscledocs.pdf import RenderFailed, render_pdf

    html = "<html><body>" + RENDER_REFERENCES[kind].format(url=listener.url) + "</body></html>"
    with pytest.raises(RenderFailed) as failure:
        render_pdf(html, "test.pdf", ROOT, (ROOT,))
    assert "never use the network" in str(failure.value) or "outside the project" in str(failure.value)
    assert listener.hits == []


def test_a_refused_fetch_is_a_render_failure(listener):
    from muscledocs.pdf import RenderFailed, render_pdf

    with pytest.raises(RenderFailed):
        render_pdf(f'<link rel="stylesheet" href="{listener.url}/a.css"><p>x</p>', "test.pdf", ROOT, (ROOT,))
    assert listener.hits == []


@pytest.mark.parametrize("target", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "/etc/hostname",
                                    "file:///etc/hostname", "file://localhost/etc/hostname", "../assets/escape.png"])
def test_path_escape_is_refused(sample_project, tmp_path, target):
    (sample_project / "assets" / "escape.png").symlink_to("/etc/hostname")  # inside, but points out
    line = append(sample_project, GLUTES, f"![Outside]({target})")
    out = tmp_path / "out"
    result = run_cli("epub", "--out", str(out), project=sample_project)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'{GLUTES}:{line}: image "{target}" points outside the project. Only files inside the project folder '
        "can be used: copy the file into assets/ and write ../assets/<name>",
        "1 error; nothing was written."]
    assert not out.exists()


@pytest.mark.parametrize("where", [GLUTES, "chapters/book.yaml"])
def test_yaml_python_tags_are_not_run(sample_project, tmp_path, where):
    marker = tmp_path / "PWNED"
    path = sample_project / where
    text = path.read_text(encoding="utf-8")
    tag = f"!!python/object/apply:os.system ['touch {marker}']"
    key = "summary:" if where == GLUTES else "subtitle:"
    path.write_text(text.replace(key, f"{key} {tag}\nx_{key}", 1), encoding="utf-8")
    line = text[:text.index(key)].count("\n") + 1
    result = run_cli("--check", project=sample_project)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'{where}:{line}: YAML tag "!!python/object/apply:os.system" is not allowed. Tags starting with '
        "'!' are never loaded or run; remove the tag and write plain text",
        "1 error; nothing was written."]
    assert not marker.exists()


def _links(project: Path = ROOT) -> LinkContext:
    return LinkContext(project, project / "chapters" / "01-glutes.md", {"02-quadriceps.md": "quadriceps"},
                       frozenset({"stride-chart"}))


def test_allowed_inline_html_is_rebuilt_as_xhtml():
    prose = render_prose('\nOne<br>two<BR />three<wbr>four</br>\n<abbr title="x &amp; &quot;y&quot;" lang=en '
                         "class=big>DOMS</abbr> <sub>2</sub> <!-- a note -->\n", 1, "t", _links())
    assert [p.message for p in prose.problems] == ['attribute "class" on <abbr> is not allowed']
    html = prose.intro_html
    assert "One<br/>two<br/>three<wbr/>four\n" in html
    assert '<abbr title="x &amp; &quot;y&quot;" lang="en">DOMS</abbr> <sub>2</sub>' in html
    assert "<br>" not in html and "class" not in html and "note" not in html
    etree.fromstring(f"<div>{html}</div>".encode())  # well-formed XML, as the EPUB's XHTML must be


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "Text <script>alert(1)</script> more.",
    '<iframe src="https://example.org"></iframe>',
    'Rest <abbr onclick="alert(1)" title="x">DOMS</abbr>.',
    'Rest <abbr title="x" onmouseover=alert(1)>DOMS</abbr>.',
    '<link rel="stylesheet" href="https://example.org/x.css">',
    "<style>body { color: red }</style>",
    '<div onclick="alert(1)">x</div>',
    "[Tap](javascript:alert(1))",
    "<javascript:alert(1)>",
    '<img src="x" onerror="alert(1)">',
    '<svg><script>alert(1)</script></svg>',
    "Text <?php system('x'); ?> more.",
])
def test_disallowed_html_never_reaches_the_fragment(source):
    prose = render_prose(f"\n{source}\n", 1, "t", _links())
    assert prose.problems and all(p.line == 2 for p in prose.problems), prose.problems
    html = prose.intro_html.lower()
    for word in ("<script", "<iframe", "<link", "<style", "<div", "<img", "<svg", "onclick", "onmouseover",
                 "onerror", 'href="javascript', "<?php"):
        assert word not in html, html


def test_front_matter_text_is_escaped_in_every_output(tmp_path):
    sample_project = small_book(tmp_path, ("glutes",))
    path = sample_project / GLUTES
    text = path.read_text(encoding="utf-8")
    text = text.replace("- name: Gluteus maximus", "- name: \"<script>alert(1)</script> Gluteus & maximus\"", 1)
    text = text.replace("caption: The glutes", "caption: <b onclick=x>Bold</b> & the glutes", 1)
    text = text.replace("The glutes are the muscles of your buttocks.",
                        "The glutes are the muscles<br>of your buttocks.", 1)
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("handout", "epub", "--paper", "a4", "--keep-html", "--out", str(out),
                         project=sample_project)
    assert result.returncode == 0, result.stderr
    epub = zipfile.ZipFile(io.BytesIO((out / EPUB_NAME).read_bytes()))
    chapter = next(epub.read(n).decode() for n in epub.namelist() if n.endswith("glutes.xhtml"))
    etree.fromstring(chapter.encode())  # still well-formed XHTML
    for html in (chapter, (out / "handout-a4.html").read_text(encoding="utf-8")):
        # The print HTML marks "maximus" as a word that never hyphenates: read it without that.
        html = re.sub(r'<span class="(?:hy|whole)">([^<]*)</span>', r"\1", html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Gluteus &amp; maximus" in html
        assert "&lt;b onclick=x&gt;Bold&lt;/b&gt; &amp; the glutes" in html
        assert "<script" not in html and "<b onclick" not in html
    assert "muscles<br/>of your buttocks" in chapter
