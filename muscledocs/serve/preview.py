"""The A4 handout as the preview shows it first: rendered part by part, each part cached
(handout_parts.py). A save in one chapter re-renders that chapter alone, in well under the time
of the whole tagged handout, which the full build renders next for the files themselves."""

from __future__ import annotations

from .. import papers
from ..handout_parts import PartRenderer

NAME = "handout-a4.pdf"


def preview_renderer() -> PartRenderer:
    """Renders the A4 handout's parts, keeping the parsed stylesheet from build to build."""
    return PartRenderer(papers.paper("a4"), NAME)
