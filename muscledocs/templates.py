"""The Jinja environment every renderer uses: autoescaping always on, undefined names fail."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined

from .dates import human_date

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


_compiled_templates: Path | None = None


def keep_compiled_templates(folder: Path) -> None:
    """Cache compiled templates in `folder` (the project's build cache): saves ~50 ms a build."""
    global _compiled_templates
    folder.mkdir(parents=True, exist_ok=True)
    _compiled_templates = folder
    environment.cache_clear()


@cache
def environment() -> Environment:
    bytecode = FileSystemBytecodeCache(str(_compiled_templates)) if _compiled_templates else None
    env = Environment(loader=FileSystemLoader(str(LAYOUTS)), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True, bytecode_cache=bytecode)
    # {{ edition.date | human_date(book.language) }}: "Thursday 3 December 2026"
    env.filters["human_date"] = human_date
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def read_layout(name: str) -> str:
    return (LAYOUTS / name).read_text(encoding="utf-8")
