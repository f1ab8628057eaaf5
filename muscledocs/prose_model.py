"""What the prose rules share: the chapter's context, the results they collect, and helpers
for finding a token's source line. The rules (prose_*.py) are markdown-it core rules; each
reads and writes `state.env["chapter"]`, a ProseEnv."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .model import Figure, Section


@dataclass
class Problem:
    line: int
    message: str
    hint: str = ""


@dataclass
class Prose:
    intro_html: str = ""
    sections: list[Section] = field(default_factory=list)
    section_lines: dict[str, int] = field(default_factory=dict)
    named_sections: set[str] = field(default_factory=set)  # keys written as {#key}, not derived
    images: list[Figure] = field(default_factory=list)
    text: str = ""
    problems: list[Problem] = field(default_factory=list)
    fragment_links: list[tuple[Token, str, int]] = field(default_factory=list, repr=False)
    # (chapter id, section key, line) of links like 02-quadriceps.md#signs: whether that
    # section exists is checked once every chapter is read.
    section_links: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class LinkContext:
    """What a chapter's prose may point at and use."""

    project: Path
    chapter_path: Path
    chapter_files: dict[str, str]  # file name -> chapter id
    figures: frozenset[str]  # drawings the builder makes (figure:NAME)
    figure_alt: Mapping[str, str] = field(default_factory=dict)  # their generated descriptions
    substitutions: Mapping[str, str] = field(default_factory=dict)  # {{ name }} -> text
    definition_lists: bool = False  # only the glossary may use them
    book_groups: tuple[str, ...] = ()  # every group id of the book, for {only: …} marks
    edition_groups: frozenset[str] | None = None  # the groups this edition prints; None: all


@dataclass
class ProseEnv:
    """One chapter's rendering: its context in, its problems and findings out."""

    first_line: int  # the file line that line 0 of the Markdown source is on
    chapter_id: str
    links: LinkContext
    prose: Prose
    source_lines: list[str]

    def line_of(self, token: Token) -> int:
        return self.first_line + (token.map[0] if token.map else 0)

    def problem(self, line: int, message: str, hint: str = "") -> None:
        self.prose.problems.append(Problem(line, message, hint))


def chapter_env(state: StateCore) -> ProseEnv:
    return state.env["chapter"]


def walk(children: list[Token]) -> Iterator[Token]:
    for child in children:
        yield child
        if child.children:
            yield from walk(child.children)


def inline_tokens(state: StateCore) -> Iterator[tuple[Token, int]]:
    """Every inline token with the file line its block starts on."""
    env = chapter_env(state)
    line = env.first_line
    for token in state.tokens:
        if token.map:
            line = env.line_of(token)
        if token.type == "inline":
            yield token, line


class LineFinder:
    """Lines of things inside one inline token: markdown-it gives lines per block, so a needle
    is found in the block's text, searching on from the previous find (things come in order)."""

    def __init__(self, inline: Token, line: int):
        self.content = inline.content
        self.line = line
        self.cursor = 0

    def __call__(self, *needles: str) -> int:
        for start in (self.cursor, 0):
            for needle in needles:
                found = self.content.find(needle, start) if needle else -1
                if found >= 0:
                    self.cursor = found + len(needle)
                    return self.line + self.content.count("\n", 0, found)
        return self.line
