"""The one Book model every renderer reads. Plain frozen data, no I/O."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace

from .strings import Strings

PHASES = ("landing", "stance", "push-off", "swing")


@dataclass(frozen=True)
class Muscle:
    name: str
    where: str
    job: str


@dataclass(frozen=True)
class Move:
    name: str
    how: str
    dose: str
    key: bool = False


@dataclass(frozen=True)
class Figure:
    """An image: `src` is a project file (relative to the project) or `figure:NAME` for a
    drawing the builder generates."""

    src: str
    alt: str
    caption: str


@dataclass(frozen=True)
class Term:
    term: str
    definition: str


@dataclass(frozen=True)
class Section:
    """A prose section of a chapter: `key` from the heading's {#id}, `html` already rendered."""

    key: str
    heading: str
    html: str
    anchor: str  # the heading's id, shared by the PDF and the EPUB


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    kind: str  # "front", "group" or "back"
    source: str  # project-relative path, for messages
    intro_html: str = ""  # prose before the first section heading
    sections: tuple[Section, ...] = ()
    location: str = ""
    summary: str = ""
    phases: tuple[str, ...] = ()
    muscles: tuple[Muscle, ...] = ()
    moves: tuple[Move, ...] = ()
    cues: tuple[str, ...] = ()
    figure: Figure | None = None
    terms: tuple[Term, ...] = ()
    images: tuple[Figure, ...] = ()  # images the prose references, in order
    prose_text: str = ""  # plain text of the prose, for reading-level checks

    @property
    def key_move(self) -> Move | None:
        return next((m for m in self.moves if m.key), self.moves[0] if self.moves else None)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass(frozen=True)
class Edition:
    """What a coach chooses for one clinic; the default edition has every group."""

    only: tuple[str, ...] = ()
    clinic: str = ""
    date: str = ""
    coach: str = ""
    contact: str = ""


@dataclass(frozen=True)
class Book:
    title: str
    subtitle: str
    author: str
    publisher: str
    language: str
    identifier: str
    date: str  # ISO date, also the EPUB modified date and the PDF dates
    chapters: tuple[Chapter, ...]
    edition: Edition = field(default_factory=Edition)
    page_list: str = "a4"  # the paper of the handout whose pages the EPUB's page list follows
    strings: Strings = field(default_factory=lambda: Strings("en"))  # the words the layouts print

    @property
    def groups(self) -> tuple[Chapter, ...]:
        return tuple(c for c in self.chapters if c.kind == "group")

    @property
    def front(self) -> tuple[Chapter, ...]:
        return tuple(c for c in self.chapters if c.kind == "front")

    @property
    def back(self) -> tuple[Chapter, ...]:
        return tuple(c for c in self.chapters if c.kind == "back")


def edition_chapters(chapters: tuple[Chapter, ...] | list[Chapter], only: tuple[str, ...]) -> tuple[Chapter, ...]:
    """The chapters an edition includes (every one when `only` is empty), each glossary cut
    to the terms they use.

    A term goes only when the text shows it belongs to chapters the edition leaves out: some
    chapter of the whole book uses it and no included chapter does. A term the text never
    shows (worded too differently to recognise) stays, so no edition loses a term it needs.
    """
    included = [c for c in chapters if c.kind != "group" or not only or c.id in only]
    if not only:
        return tuple(included)
    texts = {c.id: reading_text(c) for c in chapters}

    every_term = [t.term for c in chapters for t in c.terms]
    lowered = [texts[c.id].lower() for c in chapters]

    def rare(word: str) -> bool:
        """A word in at most a third of the chapters: a technical word, not "running"."""
        found = sum(1 for text in lowered if re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", text))
        return found * 3 <= len(lowered)

    def used(term: Term, among, holder: Chapter) -> bool:
        pattern = term_pattern(term.term, every_term, rare)
        return any(pattern.search(texts[c.id]) for c in among if c.id != holder.id)

    return tuple(
        replace(c, terms=tuple(t for t in c.terms if used(t, included, c) or not used(t, chapters, c)))
        if c.terms and c.kind != "group" else c
        for c in included)


def reading_text(chapter: Chapter) -> str:
    """Every word a reader meets in the chapter: prose, headings, tables, cues and figure text."""
    parts = [chapter.title, chapter.prose_text, chapter.location, chapter.summary, *chapter.cues]
    parts += [re.sub(r"<[^>]+>", "", s.heading) for s in chapter.sections]
    parts += [f"{m.name}. {m.where}. {m.job}." for m in chapter.muscles]
    parts += [f"{m.name}. {m.how} {m.dose}." for m in chapter.moves]
    parts += [f"{f.alt} {f.caption}" for f in ([chapter.figure] if chapter.figure else []) + list(chapter.images)]
    return "\n".join(p for p in parts if p)


def term_pattern(term: str, glossary: list[str] = (), rare=lambda word: False) -> re.Pattern:
    """What counts as a use of a glossary term: any case; spaces, hyphens and dashes alike;
    the last word in the plural or possessive ("overuse injuries", "tendon's"); a parenthesised
    abbreviation on its own ("DOMS"); a two-word term turned round within a clause ("hinge at
    the hips" for "Hip hinge"); and the first word of a term alone where no other term of the
    `glossary` has that word and the book uses it `rare`ly ("eccentric work" uses "Eccentric
    contraction"; "hip" alone could be any hip term, and "running" is no use of "Running
    economy")."""
    names = [term]
    bracket = re.fullmatch(r"(.*?)\s*\(([^)]+)\)", term)
    if bracket:
        names = [bracket.group(1), bracket.group(2)]
    alternatives = []
    for name in names:
        words = [w for w in re.split(r"[\s\-\u2010-\u2015]+", name.strip()) if w]
        if not words:
            continue
        alternatives.append(_SEPARATOR.join([re.escape(w) for w in words[:-1]] + [_inflected(words[-1])]))
        if len(words) == 2:
            alternatives.append(_inflected(words[1]) + r"\s+(?:[\w'\u2019]+\s+){0,3}" + _inflected(words[0]))
        if len(words) > 1 and len(words[0]) >= 5 and rare(words[0]) and not any(
                words[0].lower() in re.split(r"[\s\-\u2010-\u2015()]+", other.lower()) for other in glossary
                if other != term):
            alternatives.append(re.escape(words[0]))
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?:['\u2019]s)?(?![\w-])", re.IGNORECASE)


_SEPARATOR = r"[\s\-\u2010-\u2015]+"


def _inflected(word: str) -> str:
    if len(word) > 2 and word.endswith("y") and word[-2].lower() not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "(?:e?s)?"


def book_to_json(book: Book) -> str:
    """The model as JSON, so a later build can reuse it without parsing the chapters again."""
    return json.dumps(asdict(book), sort_keys=True)


def book_from_json(text: str) -> Book:
    data = json.loads(text)
    chapters = []
    for ch in data.pop("chapters"):
        figure = ch.pop("figure")
        chapters.append(Chapter(
            **{k: tuple(v) if k in ("phases", "cues") else v for k, v in ch.items()
               if k not in ("sections", "muscles", "moves", "terms", "images")},
            sections=tuple(Section(**s) for s in ch["sections"]),
            muscles=tuple(Muscle(**m) for m in ch["muscles"]),
            moves=tuple(Move(**m) for m in ch["moves"]),
            terms=tuple(Term(**t) for t in ch["terms"]),
            images=tuple(Figure(**i) for i in ch["images"]),
            figure=Figure(**figure) if figure else None))
    edition = data.pop("edition")
    strings = Strings(**data.pop("strings"))
    return Book(**data, chapters=tuple(chapters), strings=strings,
                edition=Edition(**{k: tuple(v) if k == "only" else v for k, v in edition.items()}))
