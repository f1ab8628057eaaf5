"""Every output format, in one registry: the command line's targets and help come from here.

Adding a format is one module with a `Format` subclass (formats/base.py) and one entry below.
"""

from __future__ import annotations

from .base import Context, Format, Job, Result, Settings
from .booklet import Booklet
from .epub import EPUB_NAME, Epub
from .handout import Handout
from .quick_reference import QuickReference

FORMATS: dict[str, Format] = {f.name: f for f in (Handout(), QuickReference(), Booklet(), Epub())}


def targets() -> dict[str, tuple[str, ...]]:
    """CLI target -> the formats it builds: "all", each group ("pdf", "epub"), each format."""
    found: dict[str, tuple[str, ...]] = {"all": tuple(FORMATS)}
    for name, fmt in FORMATS.items():
        found[fmt.group] = found.get(fmt.group, ()) + (name,)
    found.update({name: (name,) for name in FORMATS})
    return found


__all__ = ["EPUB_NAME", "FORMATS", "Context", "Format", "Job", "Result", "Settings", "targets"]
