"""The one Book model every renderer reads. Plain frozen data, no I/O."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

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

    @property
    def groups(self) -> tuple[Chapter, ...]:
        return tuple(c for c in self.chapters if c.kind == "group")

    @property
    def front(self) -> tuple[Chapter, ...]:
        return tuple(c for c in self.chapters if c.kind == "front")

    @property
    def back(self) -> tuple[Chapter, ...]:
        return tuple(c for c in self.chapters if c.kind == "back")


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
    return Book(**data, chapters=tuple(chapters),
                edition=Edition(**{k: tuple(v) if k == "only" else v for k, v in edition.items()}))
