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
from .strings import Strings

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
    draw: Callable[[Sequence[GroupFacts], Strings], str]  # the SVG document
    describe: Callable[[Sequence[GroupFacts], Strings], str]  # its alt text


def chart_words(t: Strings) -> figures.ChartWords:
    """The stride chart's labels, legend and description (its SVG <desc>) in the book's language."""
    phases = {phase: t.phase(phase) for phase in PHASES}
    bands = {"stance": (t("stride_chart.stance"), t("stride_chart.stance_note")),
             "swing": (t("stride_chart.swing"), t("stride_chart.swing_note"))}
    summary = t("stride_chart.summary", phases=", ".join(phases.values()),
                bands="; ".join(f"{name} \u2014 {note}" for name, note in bands.values()))
    return figures.ChartWords(phases, bands, t("stride_chart.works"), t("stride_chart.not_main"), summary)


def _draw_stride_chart(groups: Sequence[GroupFacts], t: Strings) -> str:
    rows = [(group.title, list(group.phases)) for group in groups]
    return figures.stride_chart_svg(rows, PHASES, t("stride_chart.title"), chart_words(t))


def _describe_stride_chart(groups: Sequence[GroupFacts], t: Strings) -> str:
    rows = (t("stride_chart.one_row", title=groups[0].title) if len(groups) == 1
            else t("stride_chart.rows", count=t.number(len(groups))))
    text = [t("stride_chart.description", rows=rows, phase_count=t.number(len(PHASES)),
              phases=t.list(t.phase_words(PHASES)))]
    for group in groups:
        worked = t.phase_words(p for p in PHASES if p in group.phases)
        text.append(t("stride_chart.group", title=group.title,
                      phases=t.list(worked) if worked else t("stride_chart.no_phase")))
    return " ".join(text)


PROSE_FIGURES: dict[str, ProseFigure] = {
    "stride-chart": ProseFigure(_draw_stride_chart, _describe_stride_chart),
}


def group_facts(book: Book) -> list[GroupFacts]:
    return [GroupFacts(chapter.id, chapter.title, chapter.phases) for chapter in book.groups]


def body_map_groups(project: Project) -> set[str]:
    """The groups the project's body-map template has a region for."""
    return figures.body_map_groups(project.asset(BODY_MAP).read_text(encoding="utf-8"))


def body_map_keys(project: Project) -> dict[str, tuple[str, int]]:
    """The strings keys the body map's labels name (`data-string="body_map.front"`), and where."""
    template = project.asset(BODY_MAP).read_text(encoding="utf-8")
    try:
        return {key: (BODY_MAP_SOURCE, line) for key, line in figures.body_map_strings(template)}
    except (ValueError, SyntaxError):
        return {}  # not a drawing at all: _check_body_map reports it


def book_figures(book: Book, project: Project) -> dict[str, str]:
    """Map `figure:NAME` names to SVG documents."""
    t = book.strings
    template = project.asset(BODY_MAP).read_text(encoding="utf-8")
    labels = {key: t(key) for key in dict(figures.body_map_strings(template))}
    drawn = {}
    for chapter in book.groups:
        title = t("body_map.title", title=chapter.title)
        drawn[f"body-map-{chapter.id}"] = figures.body_map_svg(template, chapter.id, title, words=labels)
        drawn[f"body-map-{chapter.id}-thumbnail"] = figures.body_map_svg(template, chapter.id, title, labels=False)
    if book.groups:
        drawn["cover-map"] = figures.body_map_svg(
            template, tuple(chapter.id for chapter in book.groups), t("body_map.cover_title"), words=labels)
    groups = group_facts(book)
    for name, figure in PROSE_FIGURES.items():
        drawn[name] = figure.draw(groups, t)
    return drawn
