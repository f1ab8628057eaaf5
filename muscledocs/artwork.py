"""The drawings a book needs, made from the model: one body map per group, the stride chart.

`PROSE_FIGURES` is the one list of drawings a chapter may show as `![](figure:NAME)`: the
validator accepts exactly these names and the build draws exactly these. Each drawing also
describes itself (its alt text) from the same data, so the description is right for every
edition: a clinic edition with two groups gets a chart of two rows and a text about two rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import figures
from .model import PHASES, Book
from .project import Project
from .wording import and_list, number

BODY_MAP = "body-map.svg"  # in the project's assets/, else the default one
BODY_MAP_SOURCE = "assets/body-map.svg"  # how messages name it


@dataclass(frozen=True)
class GroupFacts:
    """What a drawing needs to know about one group."""

    id: str
    title: str
    phases: tuple[str, ...]


@dataclass(frozen=True)
class ProseFigure:
    draw: Callable[[Sequence[GroupFacts]], str]  # the SVG document
    describe: Callable[[Sequence[GroupFacts]], str]  # its alt text


def _draw_stride_chart(groups: Sequence[GroupFacts]) -> str:
    rows = [(group.title, list(group.phases)) for group in groups]
    return figures.stride_chart_svg(rows, PHASES, "Which muscle groups work in each phase of the stride")


def _describe_stride_chart(groups: Sequence[GroupFacts]) -> str:
    rows = (f"one row, for the {groups[0].title.lower()}," if len(groups) == 1
            else f"a row for each of the {number(len(groups))} muscle groups")
    phases = and_list([figures.PHASE_LABELS[p].lower() for p in PHASES])
    text = [f"A grid chart with {rows} and a column for each of the {number(len(PHASES))} stride phases: "
            f"{phases}. A filled cell marks a phase the group works in."]
    for group in groups:
        worked = [figures.PHASE_LABELS[p].lower() for p in PHASES if p in group.phases]
        text.append(f"{group.title}: {and_list(worked) if worked else 'none'}.")
    return " ".join(text)


PROSE_FIGURES: dict[str, ProseFigure] = {
    "stride-chart": ProseFigure(_draw_stride_chart, _describe_stride_chart),
}


def group_facts(book: Book) -> list[GroupFacts]:
    return [GroupFacts(chapter.id, chapter.title, chapter.phases) for chapter in book.groups]


def body_map_groups(project: Project) -> set[str]:
    """The groups the project's body-map template has a region for."""
    return figures.body_map_groups(project.asset(BODY_MAP).read_text(encoding="utf-8"))


def book_figures(book: Book, project: Project) -> dict[str, str]:
    """Map `figure:NAME` names to SVG documents."""
    template = project.asset(BODY_MAP).read_text(encoding="utf-8")
    drawn = {}
    for chapter in book.groups:
        title = f"Body map: the {chapter.title.lower()} highlighted"
        drawn[f"body-map-{chapter.id}"] = figures.body_map_svg(template, chapter.id, title)
        drawn[f"body-map-{chapter.id}-thumbnail"] = figures.body_map_svg(template, chapter.id, title, labels=False)
    if book.groups:
        drawn["cover-map"] = figures.body_map_svg(
            template, tuple(chapter.id for chapter in book.groups), "Body map: the muscle groups of this handout")
    groups = group_facts(book)
    for name, figure in PROSE_FIGURES.items():
        drawn[name] = figure.draw(groups)
    return drawn
