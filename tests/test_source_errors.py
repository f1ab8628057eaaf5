"""Source errors, one small broken project per case: the EXACT `path:line: message. hint` lines on
stderr, the summary line, and the exit status. Every failing case runs twice: with `--check`
and as a real build of every output, which must refuse it with the same lines (so no source
error ever reaches the internal-error path or a renderer). The cases marked `build` also run a
real build into a folder that already holds good outputs and check those are left untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import EPUB_NAME, ROOT, run_cli
from muscledocs.validate import load_book

CHAPTERS = ROOT / "chapters"
GROUP_IDS = [g["id"] for g in yaml.safe_load((CHAPTERS / "book.yaml").read_text(encoding="utf-8"))["groups"]]
CHAPTER_FILES = sorted(p.name for p in CHAPTERS.glob("*.md"))
CHAPTER_IDS = ["introduction", *GROUP_IDS, "closing", "glossary"]
VALID = ", ".join(GROUP_IDS)
GROUP_FIELDS = "id, title, location, summary, phases, muscles, moves, cues, figure"


def line(name: str, needle: str) -> int:
    """The line of the first line holding `needle` in the real chapters/<name>."""
    for number, text in enumerate((CHAPTERS / name).read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} is not in {name}")


def end(name: str) -> int:
    """The line `append(name, ...)` puts its first line of text on."""
    return len((CHAPTERS / name).read_text(encoding="utf-8").splitlines()) + 2


def closing_line(name: str) -> int:
    """The line of the closing '---' of the front matter."""
    lines = (CHAPTERS / name).read_text(encoding="utf-8").splitlines()
    return lines.index("---", 1) + 1


# --------------------------------------------------------------------------- edits on a copy

Edit = Callable[[Path], None]


def replace(rel: str, old: str, new: str) -> Edit:
    def edit(project: Path) -> None:
        path = project / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def append(rel: str, text: str) -> Edit:
    """Add a blank line and `text` at the end of the file (see end())."""
    def edit(project: Path) -> None:
        path = project / rel
        old = path.read_text(encoding="utf-8")
        assert old.endswith("\n")
        path.write_text(old + "\n" + text + "\n", encoding="utf-8")
    return edit


def write(rel: str, content: str | bytes) -> Edit:
    def edit(project: Path) -> None:
        path = project / rel
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return edit


def delete(rel: str) -> Edit:
    return lambda project: (project / rel).unlink()


def copy(src: str, dst: str) -> Edit:
    return lambda project: shutil.copyfile(project / src, project / dst)


def bytes_edit(rel: str, old: bytes, new: bytes) -> Edit:
    def edit(project: Path) -> None:
        path = project / rel
        data = path.read_bytes()
        assert old in data
        path.write_bytes(data.replace(old, new, 1))
    return edit


def bom_crlf(rel: str) -> Edit:
    def edit(project: Path) -> None:
        path = project / rel
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    return edit


def own_layout(rel: str, line: int, added: str) -> Edit:
    """The project's own copy of the packaged layouts/`rel`, with `added` at the end of `line`."""
    def edit(project: Path) -> None:
        lines = (ROOT / "layouts" / rel).read_text(encoding="utf-8").splitlines(keepends=True)
        lines[line - 1] = lines[line - 1].rstrip("\n") + added + "\n"
        path = project / "layouts" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="utf-8")
    return edit


@dataclass
class Case:
    id: str
    edits: list[Edit]
    expected: list[str]  # exact stderr lines, before the summary line
    status: int = 1
    args: tuple[str, ...] = ("--check",)
    build: bool = False  # also run a real build into a folder of good outputs


def toml(text: str) -> dict:
    """A clinic edition file in the project, used with --check."""
    return dict(edits=[write("thursday.toml", text)], args=("--edition", "{project}/thursday.toml", "--check"))


G, Q, H, C, CL = "01-glutes.md", "02-quadriceps.md", "03-hip-flexors.md", "06-calves.md", "80-closing.md"
PATH_HINT = "Only files inside the project folder can be used: copy the file into assets/ and write ../assets/<name>"
SCRIPT_HINT = "Remove it: the handout and the e-book never run scripts"
LAYOUT_HINT = "Remove it: the look of the handout and the e-book comes from the layouts/ folder"
UNKNOWN_ID_HINT = ("Valid ids (from chapters/book.yaml): " + ", ".join(CHAPTER_IDS)
                   + "; a new group must be listed in chapters/book.yaml first")

FONTS = "is not in the book's typefaces (Source Serif Pro and Source Sans Pro), so it cannot print"
EMOJI_HINT = "Write it in words: pictures and emoji cannot be printed in this book"
NAMES = "Names a chapter can use: {{ groups.count }}, {{ groups.counted }}, {{ groups.list }}"
INTRO = "00-introduction.md"


def region(group: str, at: int) -> str:
    return (f'chapters/book.yaml:{at}: group "{group}" has no region in assets/body-map.svg. Add a shape with '
            f'data-group="{group}" to assets/body-map.svg, over the muscles its chapter is about')


def new_group(group: str) -> Edit:
    """A complete chapter for a new group (the calves' text), listed in book.yaml."""
    def edit(project: Path) -> None:
        replace("chapters/book.yaml", "  - {id: upper-body, title: Upper Body}\n",
                f"  - {{id: upper-body, title: Upper Body}}\n  - {{id: {group}, title: {group.title()}}}\n")(project)
        text = (project / f"chapters/{C}").read_text(encoding="utf-8")
        (project / f"chapters/08-{group}.md").write_text(text.replace("id: calves", f"id: {group}"), encoding="utf-8")
    return edit


CASES = [
    # ---- front matter and YAML
    Case("yaml-syntax-colon", [replace(f"chapters/{G}", "title: Glutes\n", "title: Glutes: the basics\n")],
         [f"chapters/{G}:{line(G, 'title: Glutes')}: YAML syntax error: a value holds ': ' (a colon and a space). "
          'Put the whole value in quotes, for example: title: "Glutes: the basics"'], build=True),
    Case("yaml-syntax-unclosed-list", [replace(f"chapters/{G}", "push-off]\n", "push-off\n")],
         [f"chapters/{G}:{line(G, 'phases:')}: YAML syntax error: a list in [brackets] is not closed. "
          "End it with ']' on the same line; put an item that holds a comma or ': ' in quotes"]),
    Case("yaml-tab-indent", [replace(f"chapters/{G}", "  - name: Gluteus maximus", "\t- name: Gluteus maximus")],
         [f"chapters/{G}:{line(G, 'Gluteus maximus')}: YAML syntax error: a tab is used for indentation. "
          "Indent with spaces, not tabs"]),
    Case("yaml-duplicate-field", [replace(f"chapters/{G}", "location:", "summary: Twice.\nlocation:")],
         [f"chapters/{G}:{line(G, 'summary:') + 1}: the field \"summary\" appears twice here. Keep only one of them"]),
    Case("no-front-matter", [replace(f"chapters/{Q}", "---\nid: quadriceps", "id: quadriceps")],
         [f"chapters/{Q}:1: the chapter has no front matter. Start the file with a '---' line, the fields "
          "(id: and title:), and another '---' line"]),
    Case("unclosed-front-matter", [replace(f"chapters/{CL}", "title: Putting It Together\n---\n",
                                           "title: Putting It Together\n")],
         [f"chapters/{CL}:1: the front matter is not closed. End the fields with a line holding only '---', "
          "then write the chapter below it"]),
    Case("missing-required-field", [replace(f"chapters/{G}", "summary: Keep the pelvis level on landing and drive "
                                            "the thigh back at push-off.\n", "")],
         [f"chapters/{G}:2: missing required field \"summary\". Add 'summary:' to the front matter. "
          f"Group chapters need: {GROUP_FIELDS}"]),
    Case("missing-nested-field", [replace(f"chapters/{G}", "    job: Pulls the thigh back (hip extension) to push "
                                          "the body forward\n", "")],
         [f"chapters/{G}:{line(G, 'name: Gluteus maximus')}: missing required field \"job\" in entry 1 of "
          "\"muscles\". Add 'job: ...' to that entry"]),
    Case("unknown-field", [replace(f"chapters/{G}", "summary:", "summery:")],
         [f"chapters/{G}:2: missing required field \"summary\". Add 'summary:' to the front "
          f"matter. Group chapters need: {GROUP_FIELDS}",
          f"chapters/{G}:{line(G, 'summary:')}: unknown field \"summery\". Did you mean \"summary\"? "
          f"Group chapters may use: {GROUP_FIELDS}"]),
    Case("unknown-group-id", [replace(f"chapters/{C}", "id: calves", "id: calf-muscles")],
         [f"chapters/{C}:2: unknown chapter id \"calf-muscles\". {UNKNOWN_ID_HINT}"], build=True),
    Case("two-chapters-for-one-group", [copy(f"chapters/{C}", "chapters/08-calves.md")],
         ["chapters/08-calves.md:2: a second chapter for \"calves\". chapters/06-calves.md already has this id; "
          "merge the two files or change one id"]),
    Case("group-without-chapter", [replace("chapters/book.yaml", "  - {id: core, title: Core}\n",
                                           "  - {id: core, title: Core}\n  - {id: shins, title: Shins}\n")],
         [f"chapters/book.yaml:{line('book.yaml', 'id: core') + 1}: \"shins\" has no chapter file. "
          "Add chapters/NN-shins.md or remove it from the group list",
          region("shins", line("book.yaml", "id: core") + 1)]),
    Case("book-yaml-syntax", [replace("chapters/book.yaml", "{id: core, title: Core}", "{id: core, title: Core")],
         [f"chapters/book.yaml:{line('book.yaml', 'id: core')}: YAML syntax error: a {{braces}} entry is not "
          "closed. End it with '}'; put a value that holds a comma or ': ' in quotes"]),
    Case("book-yaml-missing-title", [replace("chapters/book.yaml", "title: Muscles Worked When Running\n", "")],
         ["chapters/book.yaml:2: missing required field \"title\". Add 'title: ...' to chapters/book.yaml"]),
    Case("unknown-phase", [replace(f"chapters/{G}", "phases: [landing, stance,", "phases: [landing, stride,")],
         [f"chapters/{G}:{line(G, 'phases:')}: unknown phase \"stride\". Choose from: landing, stance, push-off, "
          "swing"]),
    # ---- prose: sections, images, links, encoding
    Case("unknown-section", [append(f"chapters/{G}", "## Extra tips {#foo}\n\nSome tips.")],
         [f"chapters/{G}:{end(G)}: unknown section \"{{#foo}}\". Group chapters use the sections {{#where}}, "
          "{#stride}, {#signs}, {#soreness} (soreness is optional)"]),
    Case("heading-without-section-key", [append(f"chapters/{G}", "## Extra tips\n\nSome tips.")],
         [f"chapters/{G}:{end(G)}: this ## heading does not say which section it is. End the heading with one "
          "of {#where}, {#stride}, {#signs}, {#soreness}, for example: ## Where they sit {#where}"]),
    Case("missing-section", [replace(f"chapters/{G}", "## What they do in the stride {#stride}\n", "")],
         [f"chapters/{G}:{closing_line(G)}: missing section {{#stride}}. Add a '## Heading {{#key}}' line for "
          "each; group chapters need {#where}, {#stride}, {#signs}"]),
    Case("missing-image", [append(f"chapters/{G}", "![A runner on a hill](../assets/runner-hill.png)")],
         [f"chapters/{G}:{end(G)}: image \"../assets/runner-hill.png\" does not exist. Check the file name; "
          "a path is relative to the chapter file, so images are ../assets/<name>"], build=True),
    Case("link-to-missing-section-elsewhere", [append(f"chapters/{G}", f"See [the weak signs]({Q}#sings).")],
         [f"chapters/{G}:{end(G)}: link \"{Q}#sings\" points at no section of that chapter. Sections there: "
          "#where, #stride, #signs, #soreness"]),
    Case("link-to-missing-chapter", [append(f"chapters/{G}", "See also [the shins](08-shins.md).")],
         [f"chapters/{G}:{end(G)}: link \"08-shins.md\" points at no chapter. Link to one of: "
          + ", ".join(CHAPTER_FILES)]),
    Case("empty-chapter", [write(f"chapters/{CL}", "---\nid: closing\ntitle: Putting It Together\n---\n")],
         [f"chapters/{CL}:4: the chapter is empty. Write the chapter's text below the front matter's closing "
          "'---' line"]),
    Case("empty-group-chapter", [write(f"chapters/{C}", (CHAPTERS / C).read_text().split("\n---\n")[0] + "\n---\n")],
         [f"chapters/{C}:{closing_line(C)}: the chapter is empty. Write the chapter's text below the front "
          "matter's closing '---' line"]),
    Case("invalid-utf8", [bytes_edit(f"chapters/{H}", b"## ", b"## caf\xe9 ")],
         [f"chapters/{H}:{line(H, '## ')}: the file is not valid UTF-8 (byte 0xe9 on this line). Save the file as "
          "UTF-8 in your editor, or retype the odd character on this line"]),
    Case("bom-and-crlf-build", [bom_crlf(f"chapters/{G}"), bom_crlf("chapters/book.yaml")], [], status=0),
    Case("bom-and-crlf-line-numbers", [append(f"chapters/{G}", "![A runner](../assets/nope.png)"),
                                       bom_crlf(f"chapters/{G}")],
         [f"chapters/{G}:{end(G)}: image \"../assets/nope.png\" does not exist. Check the file name; "
          "a path is relative to the chapter file, so images are ../assets/<name>"]),
    # ---- raw HTML: nothing the templates do not allow
    Case("script-block", [append(f"chapters/{G}", "<script>\ndocument.write('<img src=x onerror=alert(1)>')\n"
                                 "</script>")],
         [f"chapters/{G}:{end(G)}: raw HTML <script> is not allowed. {SCRIPT_HINT}"], build=True),
    Case("inline-script", [append(f"chapters/{G}", "Run <script>alert(1)</script> fast.")],
         [f"chapters/{G}:{end(G)}: raw HTML <script> is not allowed. {SCRIPT_HINT}"]),
    Case("iframe", [append(f"chapters/{G}", '<iframe src="https://example.org/video"></iframe>')],
         [f"chapters/{G}:{end(G)}: raw HTML <iframe> is not allowed. Remove it: the outputs cannot show other web "
          "pages; link to the page instead, like [page name](https://...)"]),
    Case("event-handler", [append(f"chapters/{G}", 'Rest a day for <abbr title="delayed onset muscle soreness" '
                                  'onclick="alert(1)">DOMS</abbr> to pass.')],
         [f"chapters/{G}:{end(G)}: attribute \"onclick\" on <abbr> is not allowed. Remove it: event handlers such "
          "as onclick run scripts, which never reach an output; <abbr> may only have lang and title"]),
    Case("external-stylesheet", [append(f"chapters/{G}", '<link rel="stylesheet" href="https://example.org/x.css">')],
         [f"chapters/{G}:{end(G)}: raw HTML <link> is not allowed. {LAYOUT_HINT}, and the build never fetches "
          "anything from the network"]),
    Case("style-block", [append(f"chapters/{G}", "<style>\nbody { background: url(https://example.org/x.png) }\n"
                                "</style>")],
         [f"chapters/{G}:{end(G)}: raw HTML <style> is not allowed. {LAYOUT_HINT}"]),
    Case("style-attribute", [append(f"chapters/{G}", 'Some <mark style="color: red">words</mark>.')],
         [f"chapters/{G}:{end(G)}: attribute \"style\" on <mark> is not allowed. Remove it: the look of the outputs "
          "comes from the layouts/ folder"]),
    Case("unclosed-inline-tag", [append(f"chapters/{G}", 'Rest for <abbr title="soreness">DOMS to pass.')],
         [f"chapters/{G}:{end(G)}: <abbr> is not closed. Add </abbr> after the words it marks, in the same "
          "paragraph"]),
    Case("javascript-link", [append(f"chapters/{G}", "[Tap here](javascript:alert(1))")],
         [f"chapters/{G}:{end(G)}: link \"javascript:alert(1)\" uses \"javascript:\", which is not allowed. A link "
          "may point at another chapter (02-quadriceps.md), a file in assets/, a web page (https://...) or an "
          "email address (mailto:...)"]),
    # ---- nothing reached that should not be
    Case("remote-image", [append(f"chapters/{G}", "![A runner](https://example.org/runner.png)")],
         [f"chapters/{G}:{end(G)}: image \"https://example.org/runner.png\" is on the internet; builds never use "
          "the network. Save the image in assets/ and write ../assets/<name> instead"], build=True),
    Case("path-escape-relative", [append(f"chapters/{G}", "![Secrets](../../etc/passwd)")],
         [f"chapters/{G}:{end(G)}: image \"../../etc/passwd\" points outside the project. {PATH_HINT}"], build=True),
    Case("path-escape-absolute", [append(f"chapters/{G}", "![Host](/etc/hostname)")],
         [f"chapters/{G}:{end(G)}: image \"/etc/hostname\" points outside the project. {PATH_HINT}"]),
    Case("path-escape-file-url", [append(f"chapters/{G}", "![Host](file:///etc/hostname)")],
         [f"chapters/{G}:{end(G)}: image \"file:///etc/hostname\" points outside the project. {PATH_HINT}"]),
    Case("path-escape-link", [append(f"chapters/{G}", "[Secrets](../../etc/passwd)")],
         [f"chapters/{G}:{end(G)}: link \"../../etc/passwd\" points outside the project. {PATH_HINT}"]),
    Case("yaml-python-tag", [replace(f"chapters/{G}", "summary: Keep",
                                     "summary: !!python/object/apply:os.system ['echo hacked']\nx: Keep")],
         [f"chapters/{G}:{line(G, 'summary:')}: YAML tag \"!!python/object/apply:os.system\" is not allowed. "
          "Tags starting with '!' are never loaded or run; remove the tag and write plain text"]),
    # ---- clinic edition files (TOML) and the command line
    Case("toml-syntax", **toml('only = ["glutes", "calves"]\nclinic "Thursday Track Night"\n'),
         expected=["thursday.toml:2: TOML syntax error: a setting has no '='. Write each setting as key = \"value\""]),
    Case("toml-unknown-key", **toml('only = ["glutes"]\nclinc = "Thursday Track Night"\n'),
         expected=["thursday.toml:2: unknown setting \"clinc\". Did you mean \"clinic\"? Known settings: clinic, "
                   "coach, contact, date, only, out, paper"]),
    Case("toml-unknown-group", **toml('clinic = "Thursday Track Night"\nonly = ["glutes", "shins"]\n'),
         expected=[f"thursday.toml:2: unknown group id \"shins\". Valid ids: {VALID}"]),
    Case("toml-bad-paper", **toml('paper = "a3"\n'),
         expected=["thursday.toml:1: \"paper\" must be one of \"a4\", \"letter\", \"a5\", \"half-letter\" "
                   "or a list of them. For example: "
                   "paper = \"a4\" or paper = [\"a4\", \"letter\"]"]),
    Case("toml-bad-date", **toml('clinic = "Thursday Track Night"\ndate = "Thursday"\n'),
         expected=['thursday.toml:2: "date" must be a date, not "Thursday". Write it as YYYY-MM-DD, for example '
                   "date = 2026-12-03"]),
    Case("date-nonsense", [], ['make_docs.py: error: --date "3/12/26" is not a date; write it as YYYY-MM-DD, '
                               "for example 2026-12-03"], status=2, args=("--date", "3/12/26", "--check")),
    # ---- issue 16: a command line that is strict where it should be
    Case("date-not-in-the-calendar", [], ['make_docs.py: error: --date "2026-02-30" is not a date; write it as '
                                          "YYYY-MM-DD, for example 2026-12-03"], status=2,
         args=("--date", "2026-02-30", "--check")),
    Case("toml-date-not-in-the-calendar", **toml('clinic = "Thursday Track Night"\ndate = 2026-13-03\n'),
         expected=['thursday.toml:2: "date" is not a real date: 2026-13-03. Write it as YYYY-MM-DD with a month '
                   "from 01 to 12 and a day the month has, for example date = 2026-12-03"]),
    Case("only-empty", [], ["make_docs.py: error: --only names no group; give group ids separated by commas "
                            "(see --list-groups)"], status=2, args=("--only", "", "--check")),
    Case("only-just-commas", [], ["make_docs.py: error: --only names no group; give group ids separated by commas "
                                  "(see --list-groups)"], status=2, args=("--only", ",", "--check")),
    Case("paper-unknown", [], ['make_docs.py: error: unknown paper "b5"; choose from: a4, letter, a5, half-letter'],
         status=2, args=("--paper", "a4,b5", "--check")),
    Case("paper-empty", [], ["make_docs.py: error: --paper names no paper; choose from: a4, letter, a5, half-letter"],
         status=2, args=("--paper", ",", "--check")),
    Case("todo-left-in-a-chapter", [replace(f"chapters/{G}", "summary: Keep the pelvis level",
                                            "summary: TODO Keep the pelvis level")],
         [f"chapters/{G}:{line(G, 'summary:')}: placeholder text (TODO) is still here. Write what the handout "
          "should say in its place"]),
    Case("only-nonsense", [], [f"make_docs.py: error: unknown group id \"nonsense\"; valid ids: {VALID}"],
         status=2, args=("--only", "nonsense", "--check")),
    Case("link-to-missing-section", [append(f"chapters/{G}", "See [the signs](#sign).")],
         [f"chapters/{G}:{end(G)}: link \"#sign\" points at no section of this chapter. Sections here: #where, "
          "#stride, #signs"]),
    Case("unknown-option", [], ["make_docs.py: error: unrecognized arguments: --bogus"], status=2,
         args=("--bogus", "--check")),
    Case("unknown-target", [], ["make_docs.py: error: unknown target 'nonsense'; choose from: all, pdf, epub, "
                                "handout, quick-reference, booklet (or a command: serve, new-group, clean)"], status=2,
         args=("nonsense", "--check")),
    # ---- issue 14: --check refuses everything the build would (body map, typefaces)
    Case("group-without-body-map-region", [new_group("shins")],
         [region("shins", line("book.yaml", "id: upper-body") + 1)], build=True),
    Case("emoji-in-prose", [append(f"chapters/{G}", "Run tall 🏃 and relax.")],
         [f'chapters/{G}:{end(G)}: "🏃" (U+1F3C3 RUNNER) {FONTS}. {EMOJI_HINT}'], build=True),
    Case("arabic-word-in-prose", [append(f"chapters/{G}", "Say مرحبا to the group.")],
         [f'chapters/{G}:{end(G)}: "مرحبا" (U+0645 ARABIC LETTER MEEM and 4 more) {FONTS}. Write the word in the '
          "Latin, Greek or Cyrillic alphabet; other scripts need a typeface the book does not have"]),
    Case("star-in-a-cue", [replace(f"chapters/{G}", "  - Push the ground back", "  - ★ Push the ground back")],
         [f'chapters/{G}:{line(G, "Push the ground back")}: "★" (U+2605 BLACK STAR) {FONTS}. Type an asterisk * '
          'or the word "key" instead']),
    Case("emoji-in-book-title", [replace("chapters/book.yaml", "title: Muscles Worked When Running",
                                         "title: Muscles Worked When Running 🏃")],
         [f'chapters/book.yaml:{line("book.yaml", "title: Muscles")}: "🏃" (U+1F3C3 RUNNER) {FONTS}. {EMOJI_HINT}']),
    Case("emoji-in-edition-file", **toml('clinic = "Track Night 🏃"\n'),
         expected=[f'thursday.toml:1: "🏃" (U+1F3C3 RUNNER) {FONTS}. {EMOJI_HINT}']),
    Case("emoji-in-clinic-flag", [], [f'make_docs.py: error: --clinic: "🏃" (U+1F3C3 RUNNER) {FONTS}; write it in '
                                      "words: pictures and emoji cannot be printed in this book"],
         status=2, args=("--clinic", "Track Night 🏃", "--check")),
    # ---- issue 16: free-text fields keep their text
    Case("comment-cuts-a-dose", [replace(f"chapters/{G}", "dose: 3 × 12\n", "dose: 3 × 12 #slow tempo\n")],
         [f'chapters/{G}:{line(G, "name: Glute bridge") + 2}: "#slow tempo" after "dose" in entry 2 of "moves" is '
          'a YAML comment: only "3 × 12" would print. To print it all, put the value in quotes: "3 × 12 #slow '
          'tempo"; to keep a note for yourself, put the comment on a line of its own'], build=True),
    Case("cue-merged-into-the-one-above", [replace(f"chapters/{G}", "  - Push the ground back",
                                                    "   - Push the ground back")],
         [f"chapters/{G}:{line(G, 'Push the ground back')}: this '- ' line is read as more text of entry 1 of "
          "\"cues\", not as an entry of its own. Start its '- ' in the same column as the '- ' of the entries "
          "above it"], build=True),
    Case("cue-indented-less", [replace(f"chapters/{G}", "  - Push the ground back", " - Push the ground back")],
         [f"chapters/{G}:{line(G, 'Push the ground back')}: YAML syntax error: the indentation does not line up. "
          "Start fields at the same level in the same column, using spaces"]),
    Case("key-move-flag-not-true", [replace(f"chapters/{G}", "    key: true", "    key: yes")],
         [f"chapters/{G}:{line(G, 'moves:')}: no move has 'key: true'. Mark exactly one move with 'key: true'; "
          "the quick reference shows that move",
          f'chapters/{G}:{line(G, "key: true")}: "key" in entry 1 of "moves" must be true or false, not "yes". '
          "Write 'key: true' on the one entry that has it, and leave it out on the others"]),
    Case("yaml-over-indented-key", [replace(f"chapters/{G}", "location:", "  location:")],
         [f'chapters/{G}:{line(G, "location:")}: YAML syntax error: "location:" is indented more than the field '
          "above it. Start it in the same column as the fields around it, using spaces"]),
    Case("yaml-missing-colon", [replace(f"chapters/{G}", "location:", "location")],
         [f"chapters/{G}:{line(G, 'location:')}: YAML syntax error: this line has no ':' after the field name. "
          "Write it as 'field: value', for example: title: Glutes"]),
    Case("missing-title-reported-once", [replace(f"chapters/{G}", "title: Glutes\n", "")],
         [f"chapters/{G}:2: missing required field \"title\". Add 'title: ...' to the front matter"]),
    # ---- issue 16: Markdown a writer expects, or a clear refusal
    Case("task-list", [append(f"chapters/{G}", "- [ ] Film the runner from behind\n- [x] Check the belt line")],
         [f'chapters/{G}:{end(G)}: a task list box "[ ]" prints as plain brackets. Write a plain list without the '
          "[ ] boxes; a coach can tick items on paper",
          f'chapters/{G}:{end(G) + 1}: a task list box "[ ]" prints as plain brackets. Write a plain list without '
          "the [ ] boxes; a coach can tick items on paper"]),
    Case("definition-list-outside-glossary", [append(f"chapters/{G}", "Trendelenburg sign\n: The hip drops.")],
         [f"chapters/{G}:{end(G)}: a definition list (a line starting with ': ') is only for the glossary. Add the "
          "term to the glossary's 'terms:' list, or write it as a sentence: **Term**: what it means"]),
    Case("tab-indented-line", [append(f"chapters/{G}", "Watch the hips.\n\n\tThis line starts with a tab.")],
         [f"chapters/{G}:{end(G) + 2}: this line starts with a tab, which makes it a code block, printed as "
          "typewriter text. Start the line at the left margin; to continue a list item, indent it with spaces to "
          "line up with the item's text"], build=True),
    Case("space-indented-code", [append(f"chapters/{G}", "Watch the hips.\n\n    Four spaces in.")],
         [f"chapters/{G}:{end(G) + 2}: this line starts with four spaces or more, which makes it a code block, "
          "printed as typewriter text. Start the line at the left margin; to continue a list item, indent it with "
          "spaces to line up with the item's text"]),
    Case("footnote-without-text", [append(f"chapters/{G}", "Hills load the glutes most.[^hills]")],
         [f"chapters/{G}:{end(G)}: footnote [^hills] has no text. Add its note as a paragraph of its own: "
          "[^hills]: the note"]),
    Case("footnote-never-referenced", [append(f"chapters/{G}", "[^hills]: Uphill running asks for more hip "
                                              "extension.")],
         [f"chapters/{G}:{end(G)}: footnote [^hills] is never referenced. Put [^hills] in the text where the note "
          "belongs, or delete the note"]),
    Case("footnote-referenced-twice", [append(f"chapters/{G}", "Hills[^h] and stairs[^h].\n\n[^h]: Both "
                                              "ask for hip extension.")],
         [f"chapters/{G}:{end(G)}: footnote [^h] is referenced twice. A printed footnote stands at one place: "
          "reference it once, or write a second note"]),
    # ---- issue 16: counts and lists come from the data
    Case("unknown-substitution", [append(f"chapters/{G}", "We cover {{ groups.cuont }} groups.")],
         [f'chapters/{G}:{end(G)}: unknown name "{{{{ groups.cuont }}}}". {NAMES}']),
    Case("stride-chart-alt-by-hand", [replace(f"chapters/{INTRO}", "![](figure:stride-chart",
                                              "![A chart of the seven groups](figure:stride-chart")],
         [f'chapters/{INTRO}:{line(INTRO, "figure:stride-chart")}: the builder describes "figure:stride-chart" itself. '
          'Leave the brackets empty: ![](figure:stride-chart "caption"); the description is written from the '
          "chapters' data, so it is right in every edition"]),
    Case("link-to-unicode-heading-misspelt", [
        replace(f"chapters/{INTRO}", "## How to use the chapters", "## Übungen für Läufer\n\n"
                "See [the drills](#ubungen).\n\n## How to use the chapters")],
         [f'chapters/{INTRO}:{line(INTRO, "## How to use the chapters") + 2}: link "#ubungen" points at no section '
          "of this chapter. Sections here: #who-this-guide-is-for, #which-muscles-we-mean, "
          "#why-it-helps-to-know-them, #the-stride, #übungen-für-läufer, #how-to-use-the-chapters"]),
    # ---- text for some groups only
    Case("only-mark-names-no-group", [replace(f"chapters/{CL}", "{only: core}", "{only: shins}")],
         [f'chapters/{CL}:{line(CL, "{only: core}")}: {{only: …}} names no group "shins". '
          f"Name group ids from chapters/book.yaml: {VALID}"]),
    Case("only-mark-inside-its-item", [replace(f"chapters/{CL}", "for five to ten minutes. {only: core}",
                                               "{only: core} for five to ten minutes.")],
         [f'chapters/{CL}:{line(CL, "{only: core}")}: an {{only: …}} mark must end its paragraph or list item, '
          'once. Move it to the end of the paragraph or list item it limits, for example '
          '"- Train the core twice a week. {only: core}"']),
    Case("only-mark-in-a-heading", [replace(f"chapters/{CL}", "## A simple weekly plan",
                                            "## A simple weekly plan {only: core}")],
         [f'chapters/{CL}:{line(CL, "## A simple weekly plan")}: an {{only: …}} mark must end its paragraph or list '
          'item, once. Move it to the end of the paragraph or list item it limits, for example '
          '"- Train the core twice a week. {only: core}"']),
    # ---- a project's own layout (read at every validation, then kept while its text is the same)
    Case("layout-template-syntax", [own_layout("print/handout.html.j2", line=2, added=" {% if %}")],
         ["layouts/print/handout.html.j2:2: the template cannot be read: Expected an expression, got 'end of "
          "statement block'. Fix the template's {{ }} or {% %} tags"], build=True),
    # ---- several files at once: every error, sorted by path and line
    Case("errors-in-several-files", [
        append(f"chapters/{G}", "![A runner](https://example.org/runner.png)"),
        replace(f"chapters/{G}", "phases: [landing, stance,", "phases: [landing, stride,"),
        bytes_edit(f"chapters/{H}", b"## ", b"## caf\xe9 "),
        replace(f"chapters/{C}", "id: calves", "id: calf-muscles"),
        replace("chapters/book.yaml", "  - {id: core, title: Core}\n",
                "  - {id: core, title: Core}\n  - {id: shins, title: Shins}\n"),
        write(f"chapters/{CL}", "---\nid: closing\ntitle: Putting It Together\n---\n"),
    ], [
        f"chapters/{G}:{line(G, 'phases:')}: unknown phase \"stride\". Choose from: landing, stance, push-off, swing",
        f"chapters/{G}:{end(G)}: image \"https://example.org/runner.png\" is on the internet; builds never use "
        "the network. Save the image in assets/ and write ../assets/<name> instead",
        f"chapters/{H}:{line(H, '## ')}: the file is not valid UTF-8 (byte 0xe9 on this line). Save the file as "
        "UTF-8 in your editor, or retype the odd character on this line",
        f"chapters/{C}:2: unknown chapter id \"calf-muscles\". "
        + UNKNOWN_ID_HINT.replace("core, ", "core, shins, "),
        f"chapters/{CL}:4: the chapter is empty. Write the chapter's text below the front matter's closing "
        "'---' line",
        f"chapters/book.yaml:{line('book.yaml', 'id: core') + 1}: \"shins\" has no chapter file. "
        "Add chapters/NN-shins.md or remove it from the group list",
        region("shins", line("book.yaml", "id: core") + 1),
    ], build=True),
]


def _summary(count: int) -> str:
    return f"{count} error{'s' if count != 1 else ''}; nothing was written."


def _make_project(tmp_path: Path, case: Case) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "chapters", project / "chapters")
    shutil.copytree(ROOT / "assets", project / "assets")
    for edit in case.edits:
        edit(project)
    return project


@pytest.fixture(scope="module")
def good_outputs(tmp_path_factory) -> dict[str, bytes]:
    """A folder holding the outputs of a good build (the EPUB) and a file of the user's own."""
    out = tmp_path_factory.mktemp("good")
    result = run_cli("epub", "--out", str(out))
    assert result.returncode == 0, result.stderr
    (out / "notes.txt").write_text("a file of the user's own\n")
    return out


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_source_error(case: Case, tmp_path):
    project = _make_project(tmp_path, case)
    args = [a.format(project=project) for a in case.args]
    result = run_cli(*args, project=project)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.returncode == case.status, result.stderr
    lines = result.stderr.splitlines()
    if case.status == 0:
        assert lines == [] and result.stdout.strip() == f"{len(CHAPTER_IDS)} chapters checked; no errors."
    elif case.status == 1:
        assert lines == [*case.expected, _summary(len(case.expected))]
    else:
        assert lines[-1:] == case.expected
    assert not (project / "build").exists()  # --check and failed validation write nothing
    if case.status != 0:
        # The real build (every output) refuses exactly what --check refuses, with the same words.
        out = tmp_path / "out"
        build_args = [a for a in args if a != "--check"] + ["--jobs", "1", "--out", str(out)]
        built = run_cli(*build_args, project=project)
        assert (built.returncode, built.stderr.splitlines()) == (case.status, lines)
        assert not out.exists()


@pytest.mark.parametrize("case", [c for c in CASES if c.build], ids=[c.id for c in CASES if c.build])
def test_failed_build_leaves_previous_outputs_alone(case: Case, tmp_path, good_outputs):
    project = _make_project(tmp_path, case)
    before = _snapshot(good_outputs)
    assert EPUB_NAME in before
    result = run_cli("epub", "--out", str(good_outputs), project=project)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [*case.expected, _summary(len(case.expected))]
    assert result.stdout == ""
    assert _snapshot(good_outputs) == before  # byte for byte, not even touched
    # A build that fails does not create its output folder either.
    fresh = tmp_path / "fresh" / "out"
    assert run_cli("pdf", "--paper", "a4", "--out", str(fresh), project=project).returncode == 1
    assert not fresh.exists()


def test_bom_and_crlf_sources_give_the_same_book(sample_project):
    """A UTF-8 byte-order mark and Windows line endings change nothing the renderers see."""
    for path in sorted((sample_project / "chapters").iterdir()):
        bom_crlf(f"chapters/{path.name}")(sample_project)
    assert load_book(sample_project) == load_book(ROOT)


def test_check_writes_nothing(sample_project, tmp_path):
    out = tmp_path / "out"
    result = run_cli("--check", "--out", str(out), project=sample_project)
    assert result.returncode == 0, result.stderr
    assert not out.exists() and not (sample_project / "build").exists()
