"""The drawings a book needs, made from the model: one body map per group, the stride chart."""

from __future__ import annotations

from pathlib import Path

from . import figures
from .model import PHASES, Book

BODY_MAP_TEMPLATE = Path(__file__).resolve().parent.parent / "assets" / "body-map.svg"


def book_figures(book: Book) -> dict[str, str]:
    """Map `figure:NAME` names to SVG documents."""
    template = BODY_MAP_TEMPLATE.read_text(encoding="utf-8")
    drawn = {}
    for chapter in book.groups:
        title = f"Body map: the {chapter.title.lower()} highlighted"
        drawn[f"body-map-{chapter.id}"] = figures.body_map_svg(template, chapter.id, title)
        drawn[f"body-map-{chapter.id}-thumbnail"] = figures.body_map_svg(template, chapter.id, title, labels=False)
    if book.groups:
        drawn["cover-map"] = figures.body_map_svg(
            template, tuple(chapter.id for chapter in book.groups), "Body map: the muscle groups of this handout")
    rows = [(chapter.title, list(chapter.phases)) for chapter in book.groups]
    drawn["stride-chart"] = figures.stride_chart_svg(
        rows, PHASES, "Which muscle groups work in each phase of the stride")
    return drawn
