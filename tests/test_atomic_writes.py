"""Nothing lost: interrupted and simultaneous builds never damage or half-write an output."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import EPUB_NAME, ROOT, builder_command, builder_env

TARGETS = ["handout", "epub", "--paper", "a4"]


def start(project, out, *extra):
    # A session of its own, so a signal reaches the workers too, as Ctrl-C in a terminal does.
    return subprocess.Popen(builder_command(*TARGETS, "--out", str(out), *extra, project=project),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=builder_env())


def wait_until_rendering(build) -> str:
    """The first line -v prints on stderr as a render starts: the build is mid-render from here."""
    line = build.stderr.readline()
    assert "rendering" in line, line + build.stderr.read()
    return line


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def edit(project):
    chapter = project / "chapters" / "04-core.md"
    chapter.write_text(chapter.read_text().replace("\n## ", f"\nAn edit made at {time.time()}.\n\n## ", 1))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_an_interrupted_build_leaves_the_previous_outputs_intact(sample_project, tmp_path, sig):
    out = tmp_path / "out"
    first = start(sample_project, out)
    assert first.wait(timeout=300) == 0
    (out / "notes.txt").write_text("the coach's own file")
    before = snapshot(out)
    edit(sample_project)  # so the next build really renders
    build = start(sample_project, out, "-v")
    wait_until_rendering(build)
    os.killpg(build.pid, sig)
    _, stderr = build.communicate(timeout=120)
    assert build.returncode != 0
    if sig == signal.SIGINT:
        assert build.returncode == 130 and "Traceback" not in stderr
        assert "previous outputs are unchanged" in stderr
    after = snapshot(out)
    assert {name: data for name, data in after.items() if not name.endswith(".part")} == before
    if sig == signal.SIGINT:
        assert not [name for name in after if name.endswith(".part")]  # cleaned up


def test_two_builds_at_once_into_one_folder_both_finish_valid(sample_project, tmp_path):
    out = tmp_path / "out"
    builds = [start(sample_project, out), start(sample_project, out)]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr
    reader = PdfReader(out / "handout-a4.pdf")
    assert len(reader.pages) > 10
    with zipfile.ZipFile(io.BytesIO((out / EPUB_NAME).read_bytes())) as epub:
        assert epub.testzip() is None and epub.namelist()[0] == "mimetype"
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


def test_a_later_build_clears_what_a_killed_build_left_behind(sample_project, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".handout-a4.pdf.abc123.part"
    fresh = out / ".handout-a4.pdf.def456.part"  # as if another build were writing it now
    stale.write_bytes(b"half a PDF")
    fresh.write_bytes(b"half a PDF")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    build = start(sample_project, out)
    assert build.wait(timeout=300) == 0
    assert not stale.exists() and fresh.exists()


def processes_in_session(session: int, deadline: float = 10.0) -> list[str]:
    """The command lines of the processes still in `session` once they had `deadline` seconds to
    end. A worker stopped while WeasyPrint loads may leave a child of its own that ends by itself
    a moment later (ctypes looks for the libraries by running ldconfig, gcc and ld): what is left
    once the deadline passes is a process the build really left behind."""
    end = time.monotonic() + deadline
    while True:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                command = (stat.parent / "cmdline").read_text().replace("\0", " ").strip()
            except OSError:
                continue  # ended while we looked
            if int(fields[3]) == session and fields[0] != "Z":
                found.append(command)
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")
def test_a_build_that_fails_after_its_workers_started_says_only_why_and_leaves_none_running(sample_project, tmp_path):
    """The command line starts its render workers before reading the sources (they load
    WeasyPrint meanwhile). When the sources then fail, stderr holds the error lines alone (no
    word from a worker stopped mid-import), and no process of the build is left running."""
    chapter = sample_project / "chapters" / "06-calves.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("title: Calves", "title: [Calves", 1),
                       encoding="utf-8")
    build = subprocess.Popen(builder_command("pdf", "--out", str(tmp_path / "out"), project=sample_project),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                             env=builder_env())
    _, stderr = build.communicate(timeout=120)
    assert build.returncode == 1
    assert stderr.splitlines()[0].startswith("chapters/06-calves.md:3: YAML syntax error")
    assert stderr.splitlines()[1:] == ["1 error; nothing was written."]
    assert processes_in_session(build.pid) == []
    assert not (tmp_path / "out").exists()


IDLE_WORKER_INTERRUPTED = """
import os, signal
from muscledocs.build import RenderWorkers
workers = RenderWorkers(1)
workers.pool.submit(int).result()  # started, WeasyPrint loaded, waiting for a render
(process,) = workers.pool._processes.values()
os.kill(process.pid, signal.SIGINT)
workers.pool.shutdown(wait=True)  # its manager thread reaps the worker (joining it here too would race)
print(process.exitcode)
"""


def test_ctrl_c_ends_a_waiting_render_worker_without_a_word():
    """Ctrl-C reaches every worker; one waiting between renders must not print a traceback
    over the build's own "interrupted" message (it did, now and then, on a busy machine)."""
    result = subprocess.run([sys.executable, "-c", IDLE_WORKER_INTERRUPTED], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert (result.stdout.strip(), result.stderr) == ("130", "")
