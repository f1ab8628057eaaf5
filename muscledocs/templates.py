"""The Jinja environment every renderer uses: autoescaping always on, undefined names fail."""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .dates import human_date
from .typography import smarten

LAYOUTS = Path(__file__).resolve().parent.parent / "layouts"


_compiled_templates: Path | None = None


def keep_compiled_templates(folder: Path) -> None:
    """Cache compiled templates in `folder` (the project's build cache): saves ~50 ms a build.

    Jinja keys its bytecode by template source only, but the code it compiles also depends on
    the environment (the typographer in `finalize`, say): so the folder is per builder version."""
    from .cache import builder_fingerprint

    global _compiled_templates
    version = builder_fingerprint()[:16]
    for old in folder.glob("*"):  # other builder versions' code, or the old flat layout
        if old.name != version and (old.name.startswith("__jinja2_") or len(old.name) == 16):
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    folder = folder / version
    folder.mkdir(parents=True, exist_ok=True)
    _compiled_templates = folder
    environment.cache_clear()


@cache
def environment() -> Environment:
    bytecode = FileSystemBytecodeCache(str(_compiled_templates)) if _compiled_templates else None
    env = Environment(loader=FileSystemLoader(str(LAYOUTS)), autoescape=True, finalize=_typeset,
                      undefined=StrictUndefined, keep_trailing_newline=True, bytecode_cache=bytecode)
    # {{ edition.date | human_date(book.language) }}: "Thursday 3 December 2026"
    env.filters["human_date"] = human_date
    return env


def _typeset(value):
    """Every text a template prints gets curly quotes ("coach’s"), as the prose already has.
    Markup (rendered prose, URLs, CSS) and anything shaped like a path, URL or id is left as
    it is: "../images" must not become "…/images"."""
    if isinstance(value, str) and not isinstance(value, Markup) and not NOT_PROSE.fullmatch(value):
        return smarten(value)
    return value


NOT_PROSE = re.compile(r"[\w.:/#%?=&+-]*")


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)


def read_layout(name: str) -> str:
    return (LAYOUTS / name).read_text(encoding="utf-8")
