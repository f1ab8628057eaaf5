"""The words the layouts print come from one strings file per language (layouts/strings/).

- en.toml has every key the outputs print, and the outputs print every key it has: each layout
  and every word the builder's own code writes is rendered with a strings table that records
  what is read;
- a project with a German strings file of its own and `language: de` builds with no code change,
  and its PDFs, EPUB documents and drawings show the German words and none of the English ones;
- a broken strings file is a `path:line` error at --check and in the build, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import tomllib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import EPUB_NAME, ROOT, book_context, page_text, pdf_text, run_cli
from muscledocs import papers
from muscledocs.artwork import PROSE_FIGURES, GroupFacts, book_figures
from muscledocs.epub import build_epub
from muscledocs.errors import SourceErrors
from muscledocs.model import Edition
from muscledocs.pagemap import PageMap
from muscledocs.print_html import Part, handout_html, quick_reference_html
from muscledocs.project import Project
from muscledocs.strings import Strings, _flatten
from muscledocs.templates import css_string
from muscledocs.validate import load_book, substitutions

GERMAN = Path(__file__).parent / "data" / "strings" / "de.toml"
ENGLISH = ROOT / "layouts" / "strings" / "en.toml"
CLINIC = Edition(only=("glutes", "calves"), clinic="Thursday Track Night", date="2026-12-03", coach="Sam Rivera",
                 contact="sam@example.org")


def english_keys() -> set[str]:
    return set(_flatten(tomllib.loads(ENGLISH.read_text(encoding="utf-8"))))


class Recording(dict):
    """A strings table that notes every key read from it."""

    def __init__(self, table: dict, seen: set[str]):
        super().__init__(table)
        self.seen = seen

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)


def render_everything(book, context, seen: set[str]) -> None:
    """Every output's words for `book`: the handout whole and in booklet parts, the quick
    reference, the drawings, the EPUB, and the text validation puts into the chapters."""
    book = replace(book, strings=Strings(book.strings.language, Recording(book.strings.table, seen)))
    t = book.strings
    a4, a5 = papers.paper("a4"), papers.paper("a5")
    handout_html(book, a4, context)
    toc = tuple((chapter.id, str(n)) for n, chapter in enumerate(book.chapters, start=1)) + (("notes", "20"),)
    for part in [Part(front=True, toc_pages=toc), Part(notes=True, notes_pages=2), Part(back=True),
                 *(Part(chapter=chapter.id, start=3) for chapter in book.chapters)]:
        handout_html(book, a5, context, part, inline_css=False)
    quick_reference_html(book, a4, context, "10pt")
    book_figures(book, Project(ROOT))
    anchors = [["cover"], ["contents"]] + [[chapter.id] for chapter in book.chapters]
    build_epub(book, context, PageMap.from_anchors(anchors, 2), "A4", b"", dt.datetime(2026, 11, 24))
    for paper in papers.PAPERS:  # the paper book.yaml's page_list names
        t(f"papers.{paper}")
    groups = [GroupFacts(c.id, c.title, c.phases) for c in book.groups]
    for facts in (groups, groups[:1], [GroupFacts("x", "X", ())]):
        substitutions(facts, t)
        for figure in PROSE_FIGURES.values():
            figure.describe(facts, t)


def test_every_key_is_printed_and_every_printed_key_is_there(sample_project):
    """Rendering every layout (the full book: the contents table and quick-reference table;
    a two-group clinic edition: its labels, title page and quick-reference cards; an edition
    with a coach and no clinic name, of a book with a footnote) reads every key en.toml has,
    and none it lacks (that would raise KeyError here)."""
    introduction = sample_project / "chapters" / "00-introduction.md"
    text = introduction.read_text(encoding="utf-8").replace("## Who this guide is for\n\n", "## Who this guide "
                                                            "is for\n\nA note.[^1]\n\n[^1]: The note.\n\n", 1)
    introduction.write_text(text, encoding="utf-8")
    seen: set[str] = set()
    for project, edition in ((ROOT, None), (ROOT, CLINIC), (sample_project, Edition(only=("core",), coach="Sam"))):
        book, context = book_context(project, edition)
        render_everything(book, context, seen)
    keys = english_keys()
    assert seen - keys == set(), "printed, but not in en.toml"
    assert keys - seen == set(), "in en.toml, but no output prints it"


def test_the_book_strings_are_the_english_file():
    book = load_book(ROOT)
    assert book.language == "en-US" and book.strings.language == "en-US"
    assert set(book.strings.table) == english_keys()
    assert book.strings("chapter.dose") == "Sets × reps"
    assert book.strings("chapter.moves_caption", title="Hip Flexors") == \
        "Strength and mobility moves for the hip flexors"
    assert book.strings.plural("prose.groups_counted", 1, number="one") == "one group"
    assert book.strings.plural("quick_reference.subtitle", 7).startswith("All 7 muscle groups")
    assert book.strings.list(["a", "b"]) == "a and b" and book.strings.list(["a", "b", "c"]) == "a, b and c"


def test_a_stylesheets_words_cannot_leave_the_stylesheet():
    """The handout's "table continues" line is a CSS string made from the strings file: quotes,
    backslashes and "<" are escaped, so the words can never end the rule or the <style>."""
    assert css_string("The table continues on the next page.") == '"The table continues on the next page."'
    assert css_string("a \\ b </style>") == '"a \\5C  b \\3C /style>"'
    for text in ('a "b" c', 'say "', '" ; } body { color: red'):
        inner = css_string(text)[1:-1]
        assert '"' not in inner and "<" not in inner
    book, context = book_context(ROOT)
    odd = replace(book, strings=Strings("en", {**book.strings.table, "print.table_continues": 'Mehr "unten" </style>'}))
    html = handout_html(odd, papers.paper("a4"), context)
    head = html.split("<body", 1)[0]
    assert head.count("</style>") == 1
    assert 'table { string-set: table-continues "Mehr \u201cunten\u201d \\3C /style>"; }' in head
    assert "The table continues" not in html


# ------------------------------------------------------------------------ a German edition


def german_project(tmp_path: Path, strings: str | None = None) -> Path:
    project = tmp_path / "buch"
    shutil.copytree(ROOT / "chapters", project / "chapters")
    (project / "layouts" / "strings").mkdir(parents=True)
    (project / "layouts" / "strings" / "de.toml").write_text(strings or GERMAN.read_text(encoding="utf-8"),
                                                             encoding="utf-8")
    book = project / "chapters" / "book.yaml"
    book.write_text(book.read_text(encoding="utf-8").replace("language: en-US", "language: de"), encoding="utf-8")
    return project


def _words(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def translated_away() -> list[str]:
    """English words the German file replaces and the (English) chapters never use: none of
    them may appear in a German output."""
    english = _flatten(tomllib.loads(ENGLISH.read_text(encoding="utf-8")))
    german = _flatten(tomllib.loads(GERMAN.read_text(encoding="utf-8")))
    chapters = _words(" ".join(p.read_text(encoding="utf-8") for p in (ROOT / "chapters").iterdir()))
    found = []
    for key, value in english.items():
        if isinstance(value, str) and value != german[key]:
            for piece in re.split(r"\{[^}]*\}", value):
                piece = piece.strip(" .,:;()—")
                if len(piece) > 3 and piece not in chapters and piece.lower() not in chapters.lower():
                    found.append(piece)
    return found


def assert_no_english(text: str) -> None:
    for english in translated_away():
        assert not re.search(rf"(?<!\w){re.escape(english)}(?!\w)", text), english


@pytest.fixture(scope="module")
def german_build(tmp_path_factory) -> Path:
    """A German four-group clinic edition (the quick reference as a table, the clinic labels,
    the EPUB title page): the handout, the quick reference and the EPUB on A4."""
    tmp = tmp_path_factory.mktemp("deutsch")
    project = german_project(tmp)
    out = tmp / "out"
    result = run_cli("handout", "quick-reference", "epub", "--paper", "a4", "--keep-html",
                         "--only", "glutes,quadriceps,core,calves", "--clinic", "Donnerstagstreff",
                         "--date", "2026-12-03", "--coach", "Sam Rivera", "--contact", "sam@example.org",
                         "--out", str(out), project=project)
    assert result.returncode == 0, result.stderr
    return out


def test_a_german_handout_prints_the_german_words(german_build):
    reader = PdfReader(german_build / "handout-a4.pdf")
    text = _words(pdf_text(reader))
    for words in ("Inhalt", "Notizen", "Hinweise, Übungen und Erinnerungen aus der Einheit.", "Übungen zum Aufbau",
                  "Kraft- und Mobilitätsübungen: Glutes", "Sätze × Wdh.", "SCHLÜSSELÜBUNG", "Beim Laufen daran denken",
                  "Glutes im Überblick", "Muskel", "Hauptaufgabe", "DATUM", "TRAINER", "KONTAKT",
                  "Donnerstag, 3. Dezember 2026", "vier Gruppen", "Vorn", "Hinten", "Stützphase", "Fuß in der Luft",
                  "Landung", "Abdruck", "arbeitet in dieser Phase"):
        assert words in text, words
    assert_no_english(text)
    assert reader.metadata.title == "Muscles Worked When Running — Donnerstagstreff"
    # The line a page that a table runs over from ends with, in the print stylesheet.
    html = (german_build / "handout-a4.html").read_text(encoding="utf-8")
    assert 'string-set: table-continues "Die Tabelle geht auf der nächsten Seite weiter."' in html
    assert "The table continues" not in html


def test_a_german_quick_reference_prints_the_german_words(german_build):
    reader = PdfReader(german_build / "quick-reference-a4.pdf")
    text = _words(page_text(reader, 0))
    for words in ("KURZÜBERSICHT", "Gruppe", "Muskeln", "Aufgabe im Laufschritt", "Landung", "Stütz", "Abdruck",
                  "Schwung", "Schlüsselübung", "Stützphase: Fuß am Boden", "Leichter Muskelkater"):
        assert words in text, words
    assert_no_english(text)
    assert reader.metadata.title == "Kurzübersicht — Muscles Worked When Running — Donnerstagstreff"


def test_a_german_epub_prints_the_german_words(german_build):
    with zipfile.ZipFile(io.BytesIO((german_build / EPUB_NAME).read_bytes())) as epub:
        files = {name: epub.read(name).decode("utf-8") for name in epub.namelist()
                 if name.endswith((".xhtml", ".svg", ".opf"))}
    texts = {}
    for name, content in files.items():
        root = etree.fromstring(content.encode("utf-8"))
        if name.endswith(".opf"):  # the metadata people read, not its vocabulary ("none", "textual")
            readable = [el for el in root.iter() if etree.QName(el).namespace == "http://purl.org/dc/elements/1.1/"
                        or el.get("property") in ("schema:accessibilitySummary", "pageBreakSource")]
            texts[name] = _words(" ".join(el.text or "" for el in readable))
            continue
        # What a reader meets: the text, and the words in alt, aria-label and the metadata.
        attributes = [value for el in root.iter() for key, value in el.attrib.items()
                      if key in ("alt", "aria-label", "content")]
        texts[name] = _words(" ".join(["".join(root.itertext()), *attributes]))
    nav, opf = texts["EPUB/nav.xhtml"], texts["EPUB/content.opf"]
    for words in ("Inhalt", "Umschlag", "Titelseite", "Orientierungspunkte", "Seiten des gedruckten A4-Handouts"):
        assert words in nav, words
    assert "Dieses E-Book erfüllt EPUB Accessibility 1.1" in opf
    assert "Muscles Worked When Running, gedrucktes A4-Handout" in opf
    assert "Kursausgabe für Donnerstagstreff am Donnerstag, 3. Dezember 2026 mit Trainer Sam Rivera" in opf
    cover = texts["EPUB/cover.xhtml"]
    assert "Umschlag: Muscles Worked When Running." in cover and "Trainer: Sam Rivera." in cover
    title_page = texts["EPUB/titlepage.xhtml"]
    assert "Datum" in title_page and "Diese Ausgabe behandelt Glutes, Quadriceps, Core und Calves." in title_page
    glutes = texts["EPUB/text/glutes.xhtml"]
    for words in ("Übungen zum Aufbau", "Sätze × Wdh.", "Schlüsselübung", "Glutes im Überblick"):
        assert words in glutes, words
    chart = texts["EPUB/images/stride-chart.svg"]
    assert "Stützphase" in chart and "keine Hauptaufgabe hier" in chart and "Zeilen: Muskelgruppen." in chart
    assert "Vorn" in texts["EPUB/images/body-map-glutes.svg"]
    assert "Körperkarte: Glutes hervorgehoben" in texts["EPUB/images/body-map-glutes.svg"]
    assert_no_english(" ".join(texts.values()))
    assert 'xml:lang="de"' in files["EPUB/text/glutes.xhtml"]


# ------------------------------------------------------------------------- broken strings


def test_a_missing_key_is_an_error_naming_the_file_and_key_in_check_and_build(tmp_path):
    german = GERMAN.read_text(encoding="utf-8")
    project = german_project(tmp_path, german.replace('dose = "Sätze × Wdh."\n', ""))
    line = german.splitlines().index("[chapter]") + 1
    template = (ROOT / "layouts" / "shared" / "chapter.html.j2").read_text(encoding="utf-8")
    printed_at = _line_containing(template, 'chapter.dose')
    expected = (f'layouts/strings/de.toml:{line}: the strings file has no "chapter.dose" '
                f"(layouts/shared/chapter.html.j2:{printed_at} prints it). Add its words to the file, translated from "
                f'en.toml: [chapter] dose = "Sets × reps"')
    out = tmp_path / "out"
    for args in (["--check"], ["--out", str(out)]):
        result = run_cli(*args, project=project)
        assert result.returncode == 1, result.stderr
        assert expected in result.stderr.splitlines()
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not out.exists()


def errors_of(project: Path) -> list[str]:
    with pytest.raises(SourceErrors) as caught:
        load_book(project)
    return [str(error) for error in caught.value.errors]


def _line_containing(text: str, part: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if part in line)


def _line(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def test_each_mistake_in_a_strings_file_is_reported_at_its_line(tmp_path):
    german = re.sub(r"numbers = \[[^]]*\]", 'numbers = "null eins zwei"', GERMAN.read_text(encoding="utf-8"))
    german = (german
              .replace('title = "Inhalt"', 'titel = "Inhalt"')
              .replace("{title} im Überblick", "{titel} im Überblick")
              .replace('coach = "Trainer"', 'coach = "Trainer ★"')
              .replace('other = "{number} Gruppen" }', 'few = "{number} Gruppen" }')
              .replace('title = "Welche Muskelgruppen', 'title = "{phases:upper} Welche Muskelgruppen'))
    project = german_project(tmp_path, german)
    errors = errors_of(project)
    at = {start: f"layouts/strings/de.toml:{_line(german, start)}: " for start in
          ("titel =", "muscles_caption =", "coach =", "groups_counted =", "numbers =", "title = \"{phases")}
    assert at["titel ="] + '"contents.titel" is not a word the layouts print. Did you mean "contents.title"? ' \
        "The keys are those of en.toml" in errors
    assert at["muscles_caption ="] + '"chapter.muscles_caption" has a placeholder {titel} that en.toml has not. ' \
        "It can use {title}" in errors
    assert any(e.startswith(at["coach ="] + '"★" (U+2605') for e in errors)
    assert at["groups_counted ="] + '"prose.groups_counted" has the plural forms one, few; de uses one, other. ' \
        "Give exactly those forms (CLDR plural categories)" in errors
    assert any(e.startswith(at["numbers ="] + '"numbers" must be a list') for e in errors)
    assert any(e.startswith(at['title = "{phases'] + '"stride_chart.title": "{phases:upper}" asks for an unknown '
                            "format") for e in errors)
    assert any('the strings file has no "contents.title"' in e for e in errors)


def test_a_language_without_strings_and_a_broken_file_are_errors(tmp_path):
    project = german_project(tmp_path)
    book = project / "chapters" / "book.yaml"
    line = _line(book.read_text(encoding="utf-8"), "language:")
    book.write_text(book.read_text(encoding="utf-8").replace("language: de", "language: fr"), encoding="utf-8")
    [error] = errors_of(project)
    assert error.startswith(f'chapters/book.yaml:{line}: no strings file for "language: fr": the layouts would '
                            "print their words in English. Copy ")
    assert error.endswith("en.toml to layouts/strings/fr.toml in the project and translate its values")
    book.write_text(book.read_text(encoding="utf-8").replace("language: fr", "language: de"), encoding="utf-8")
    (project / "layouts" / "strings" / "de.toml").write_text('[notes]\ntitle = "Notizen\n', encoding="utf-8")
    [error] = errors_of(project)
    assert error.startswith("layouts/strings/de.toml:2: not a TOML file the builder can read")


def test_a_regional_file_changes_only_its_own_words(tmp_path):
    """en-GB.toml over en.toml: a project changes two words and keeps every other."""
    project = tmp_path / "book"
    shutil.copytree(ROOT / "chapters", project / "chapters")
    (project / "layouts" / "strings").mkdir(parents=True)
    (project / "layouts" / "strings" / "en-GB.toml").write_text(
        '[notes]\ntitle = "Notes and jottings"\n\n[chapter]\ndose = "Sets and reps"\n', encoding="utf-8")
    book_file = project / "chapters" / "book.yaml"
    book_file.write_text(book_file.read_text(encoding="utf-8").replace("language: en-US", "language: en-GB"),
                         encoding="utf-8")
    strings = load_book(project).strings
    assert strings("notes.title") == "Notes and jottings" and strings("chapter.dose") == "Sets and reps"
    assert strings("contents.title") == "Contents" and set(strings.table) == english_keys()


def test_counts_lists_and_quotes_follow_the_translation():
    """What the README promises a translator: the language's CLDR plural forms, a list rule of
    the file's own words (a serial comma too), and quotation marks typed as characters print
    as typed (the typographer curls only straight quotes, and the typefaces have them)."""
    from muscledocs.typefaces import unprintable
    from muscledocs.typography import smarten

    polish = Strings("pl", {"x": {"one": "{count} grupa", "few": "{count} grupy", "many": "{count} grup",
                                  "other": "{count} grupy"}})
    assert [polish.plural("x", n) for n in (1, 2, 5, 22)] == ["1 grupa", "2 grupy", "5 grup", "22 grupy"]
    serial = Strings("en-US", {"list.pair": " and ", "list.separator": ", ", "list.last": ", and "})
    assert serial.list(["a", "b"]) == "a and b" and serial.list(["a", "b", "c"]) == "a, b, and c"
    for quoted in ("„Hallo“", "«salut»", "‚so‘"):
        assert smarten(quoted) == quoted and not unprintable(quoted)
