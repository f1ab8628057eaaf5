"""The Jinja environment every renderer uses: autoescaping always on, undefined names fail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


@cache
def environment(layouts: Path = LAYOUTS) -> Environment:
    return Environment(loader=FileSystemLoader(str(layouts)), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True,
                       trim_blocks=False, lstrip_blocks=False)


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def read_layout(name: str) -> str:
    return (LAYOUTS / name).read_text(encoding="utf-8")
