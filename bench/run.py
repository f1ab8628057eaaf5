#!/usr/bin/env python3
"""Benchmark the builder against bare WeasyPrint and pandoc; print medians and ratios.

    python bench/run.py [--runs 3]
    python bench/run.py --serve-only   # the preview server: save -> A4 page images in the browser

Every scenario runs in a scratch copy of the project (chapters and assets; the code and layouts
are this checkout's), so the repository's own build/ folder is never touched. Timings are wall
clock medians of --runs runs; the machine is described at the top of the report. Nothing here
asserts: the targets are printed next to the figures for a person to read.
"""

from __future__ import annotations

import argparse
import ctypes.util
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_DOCS = ROOT / "make_docs.py"
EPUB = "muscles-worked-when-running.epub"


def scratch_project(parent: Path, name: str, repeat: int = 1) -> Path:
    """A copy of the sources; with `repeat` > 1 every chapter's text (its prose sections, its
    moves and the glossary's terms) is there `repeat` times. The muscle lists stay as they are:
    the one-page quick reference lists every muscle, and 80 per group cannot fit one page."""
    project = parent / name
    shutil.copytree(ROOT / "chapters", project / "chapters")
    shutil.copytree(ROOT / "assets", project / "assets")
    if repeat > 1:
        for chapter in (project / "chapters").glob("*.md"):
            _repeat_chapter(chapter, repeat)
    return project


def _repeat_chapter(chapter: Path, repeat: int) -> None:
    import re

    import yaml

    _, front, body = chapter.read_text(encoding="utf-8").split("---\n", 2)
    meta = yaml.safe_load(front)
    for key in ("moves", "terms"):
        if key in meta:
            copies = [dict(row, key=False) if key == "moves" else row for row in meta[key]]
            meta[key] = meta[key] + copies * (repeat - 1)
    intro, heading, sections = body.partition("\n## ")
    # The copies keep no {#id} (each section id may appear once) and become sub-sections.
    copy = re.sub(r"\s*\{#[\w-]+\}", "", heading + sections).replace("\n## ", "\n### ")
    body = intro + heading + sections + ("\n" + copy) * (repeat - 1) if heading else "\n\n".join([body] * repeat)
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body
    chapter.write_text(text, encoding="utf-8")


# Python as a user runs it: with compiled modules kept (__pycache__/). A machine that sets
# PYTHONDONTWRITEBYTECODE (this one does) would otherwise compile the builder on every run.
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(args: list[str], project: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(MAKE_DOCS), "--project", str(project), *args],
                            capture_output=True, text=True, env=USER_ENV)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed: {' '.join(args)}\n{result.stderr}")
    return elapsed


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=USER_ENV)
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per scenario (median reported)")
    parser.add_argument("--serve-only", action="store_true",
                        help="only the preview server's scenario: a one-chapter save to its A4 pages fetched")
    options = parser.parse_args()
    runs = options.runs
    if options.serve_only:
        return serve_scenario(runs)
    if not shutil.which("pandoc"):
        sys.exit("pandoc is needed for the comparison: apt-get install pandoc")
    weasyprint_cli = shutil.which("weasyprint") or sys.exit("the weasyprint command is missing")

    work = Path(tempfile.mkdtemp(prefix="muscledocs-bench-"))
    rows: list[tuple[str, str]] = []
    try:
        project = scratch_project(work, "project")
        build = project / "build"

        def fresh():
            shutil.rmtree(build, ignore_errors=True)

        cold, serial, noop, edit = [], [], [], []
        for _ in range(runs):
            fresh()
            serial.append(run(["--jobs", "1"], project))
            fresh()
            cold.append(run([], project))
            noop.append(run([], project))
        chapter = project / "chapters" / "06-calves.md"
        original = chapter.read_text(encoding="utf-8")
        for index in range(runs):
            run([], project)  # start from a complete build
            chapter.write_text(original.replace(
                "\n## ", f"\nA new sentence for benchmark edit {index} of {time.time()}.\n\n## ", 1),
                encoding="utf-8")
            edit.append(run([], project))
        chapter.write_text(original, encoding="utf-8")

        epub_only, pandoc = [], []
        run([], project)
        sources = sorted(str(p) for p in (project / "chapters").glob("*.md"))
        for _ in range(runs):
            (build / EPUB).unlink()
            epub_only.append(run(["epub"], project))
            pandoc.append(timed(["pandoc", "--quiet", "-f", "markdown", "-t", "epub3", "-o",
                                 str(work / "pandoc.epub"), *sources]))

        a4_only, bare = [], []
        for _ in range(runs):
            fresh()
            a4_only.append(run(["handout", "--paper", "a4", "--keep-html"], project))
            bare.append(timed([weasyprint_cli, "--pdf-variant", "pdf/ua-1", str(build / "handout-a4.html"),
                               str(work / "bare.pdf")]))
        proof_time, render_time = proof_cost(build / "handout-a4.html", runs)

        big = scratch_project(work, "tenfold", repeat=10)
        big_times, big_rss = [], []
        for _ in range(runs):
            shutil.rmtree(big / "build", ignore_errors=True)
            big_times.append(run(["--jobs", "1"], big))
            # The largest resident size any child process reached: with --jobs 1 that is the
            # single builder process rendering the ten-fold book.
            big_rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        pages = _pages(big / "build" / "handout-a4.pdf")

        c, s, n, e = median(cold), median(serial), median(noop), median(edit)
        eo, pd = median(epub_only), median(pandoc)
        a4, bw = median(a4_only), median(bare)
        bt, peak = median(big_times), max(big_rss) / 1024
        rows = [
            ("cold full build", f"{c:6.2f} s"),
            ("cold full build, --jobs 1", f"{s:6.2f} s"),
            ("no-op rebuild", f"{n:6.2f} s"),
            ("rebuild after editing one chapter", f"{e:6.2f} s"),
            ("EPUB only, page map cached", f"{eo:6.2f} s"),
            ("pandoc, same chapters to EPUB", f"{pd:6.2f} s"),
            ("cold A4 handout only (handout --paper a4)", f"{a4:6.2f} s"),
            ("bare weasyprint on the same HTML", f"{bw:6.2f} s"),
            ("page proof of the A4 handout (in its render)", f"{proof_time * 1000:6.1f} ms of {render_time:.2f} s"),
            (f"ten-fold content ({pages} A4 pages), --jobs 1", f"{bt:6.2f} s, peak {peak:.0f} MB"),
        ]
        ratios = [
            ("cold / --jobs 1", c / s, 0.65),
            ("no-op / cold", n / c, 0.05),
            ("one-chapter edit / cold", e / c, 0.85),
            ("EPUB only / pandoc", eo / pd, 2.0),
            ("A4 only / bare weasyprint", a4 / bw, 1.15),
            ("page proof / A4 render", proof_time / render_time, 0.05),
            ("ten-fold / normal serial build", bt / s, 10.0),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(_machine())
    print(f"median of {runs} runs each\n")
    for name, value in rows:
        print(f"  {name:<48} {value}")
    print()
    for name, ratio, target in ratios:
        verdict = "meets" if ratio <= target else "MISSES"
        print(f"  {name:<36} {ratio:5.2f}   target <= {target:<5} {verdict}")
    print(f"  {'ten-fold peak memory':<36} {peak:5.0f} MB target <= 500   {'meets' if peak <= 500 else 'MISSES'}")
    return 0


CHAPTER = "06-calves.md"


def _edit(project: Path, original: str, index: int) -> None:
    (project / "chapters" / CHAPTER).write_text(original.replace(
        "\n## ", f"\nA new sentence for benchmark edit {index} of {time.time()}.\n\n## ", 1), encoding="utf-8")


def serve_scenario(runs: int) -> int:
    """`make_docs.py serve` on a scratch project: from saving a one-chapter prose edit to the
    status showing the new build, then to every A4 page image that changed fetched, as the
    preview page does; against the command line's rebuild after the same edit (before)."""
    import json
    import urllib.request

    work = Path(tempfile.mkdtemp(prefix="muscledocs-bench-serve-"))
    server = None
    try:
        project = scratch_project(work, "project")
        chapter = project / "chapters" / CHAPTER
        original = chapter.read_text(encoding="utf-8")
        cli_all, cli_a4 = [], []
        run([], project)
        for index in range(runs):
            _edit(project, original, index)
            cli_all.append(run([], project))
            _edit(project, original, index + 100)
            cli_a4.append(run(["handout", "--paper", "a4", "--out", str(project / "a4-only")], project))
        chapter.write_text(original, encoding="utf-8")

        server = subprocess.Popen([sys.executable, str(MAKE_DOCS), "--project", str(project), "serve", "--port", "0",
                                   "-q"], stdout=subprocess.PIPE, text=True)
        base = server.stdout.readline().split(" at ", 1)[1].split()[0].rstrip("/")

        def status(since: int | None = None) -> dict:
            query = "" if since is None else f"?since={since}"
            with urllib.request.urlopen(f"{base}/api/status{query}", timeout=60) as answer:
                return json.load(answer)

        def settled() -> dict:
            current = status()
            while current["state"] == "building":
                current = status(current["version"])
            return current

        to_status, to_pages, fetched = [], [], []
        current = settled()
        for index in range(runs + 1):  # the first edit warms the server's caches; it is not counted
            seen = {page["url"] for page in current["views"]["a4"]["documents"][0]["pages"]}
            number = current["build"]
            start = time.perf_counter()
            _edit(project, original, index + 200)
            while current["build"] <= number:
                current = status(current["version"])
            reported = time.perf_counter()
            new = [p["url"] for p in current["views"]["a4"]["documents"][0]["pages"] if p["url"] not in seen]
            for url in new:
                with urllib.request.urlopen(base + url, timeout=60) as answer:
                    answer.read()
            shown = time.perf_counter()
            if index:
                to_status.append(reported - start)
                to_pages.append(shown - start)
                fetched.append(len(new))
            current = settled()
        chapter.write_text(original, encoding="utf-8")
    finally:
        if server is not None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=300)
        shutil.rmtree(work, ignore_errors=True)
    print(_machine(serve=True))
    print(f"median of {runs} runs each; the same one-chapter prose edit (chapters/{CHAPTER})\n")
    print(f"  {'before: make_docs.py after the edit (every output)':<58} {median(cli_all):6.2f} s")
    print(f"  {'before: make_docs.py handout --paper a4 after the edit':<58} {median(cli_a4):6.2f} s")
    print(f"  {'serve: save -> /api/status shows the new build':<58} {median(to_status):6.2f} s")
    print(f"  {'serve: save -> changed A4 page images fetched':<58} {median(to_pages):6.2f} s"
          f"  ({median(fetched):.0f} pages)")
    verdict = "meets" if median(to_pages) <= 1.5 else "MISSES"
    print(f"\n  {'save -> A4 pages in the browser':<36} {median(to_pages):5.2f} s target <= 1.5   {verdict}")
    return 0


def proof_cost(html: Path, runs: int) -> tuple[float, float]:
    """Median seconds of the page proof, and of the render it is part of (layout, proof, PDF)."""
    sys.path.insert(0, str(ROOT))
    import weasyprint

    from muscledocs.proof import proof_pages

    proofs, renders = [], []
    for _ in range(runs):
        start = time.perf_counter()
        document = weasyprint.HTML(filename=str(html)).render(pdf_variant="pdf/ua-1")
        laid_out = time.perf_counter()
        proof_pages(document, html.name)
        proofed = time.perf_counter()
        document.write_pdf(pdf_variant="pdf/ua-1")
        proofs.append(proofed - laid_out)
        renders.append(time.perf_counter() - start)
    return median(proofs), median(renders)


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def _machine(serve: bool = False) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    subsetter = "HarfBuzz" if ctypes.util.find_library("harfbuzz-subset") else "fontTools"
    pandoc = "" if serve else \
        subprocess.run(["pandoc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"machine: {os.cpu_count()} cores, {cpu}; {platform.system()} {platform.release()}\n"
            f"Python {platform.python_version()}, WeasyPrint {version('weasyprint')} "
            f"(font subsetting: {subsetter})" + (f", {pandoc}" if pandoc else ""))


if __name__ == "__main__":
    sys.exit(main())
