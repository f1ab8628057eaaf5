"""The Jinja environment of one project: its layouts over the default ones, autoescaping always
on, undefined names fail, and every printed text typeset (curly quotes).

An environment belongs to a project (and a bytecode folder), never to the process: two builds
of two projects in one process each get their own.
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .dates import human_date
from .typography import smarten

NOT_PROSE = re.compile(r"[\w.:/#%?=&+-]*")


class Templates:
    def __init__(self, layout_dirs: tuple[Path, ...], compiled: Path | None = None):
        self.layout_dirs = layout_dirs
        bytecode = _BytecodeCache(str(_versioned(compiled))) if compiled else None
        self.environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in layout_dirs]), autoescape=True,
            finalize=_typeset, undefined=StrictUndefined, keep_trailing_newline=True, bytecode_cache=bytecode)
        # {{ edition.date | human_date(book.language) }}: "Thursday, December 3, 2026"
        self.environment.filters["human_date"] = human_date
        # {{ t("print.table_continues") | css_string }} in a <style>: a quoted CSS string
        self.environment.filters["css_string"] = css_string

    def render(self, name: str, **context) -> str:
        return self.environment.get_template(name).render(**context)

    def read(self, name: str) -> str:
        """A layout file as text (a stylesheet, the hyphenation exceptions), the project's first."""
        for folder in self.layout_dirs:
            if (folder / name).is_file():
                return (folder / name).read_text(encoding="utf-8")
        raise FileNotFoundError(f"layouts/{name}")


class _BytecodeCache(FileSystemBytecodeCache):
    """Compiled templates, kept only to save time: one that cannot be written (its folder
    removed meanwhile by another builder version sharing the cache, a full disk) is compiled
    again next time, and the build goes on."""

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


@cache
def templates_for(layout_dirs: tuple[Path, ...], compiled: Path | None = None) -> Templates:
    """One environment per set of layouts (and bytecode folder), made once per process."""
    return Templates(layout_dirs, compiled)


def _versioned(folder: Path) -> Path:
    """Jinja keys its bytecode by template source only, but the code it compiles also depends on
    the environment (the typographer in `finalize`, say): so the folder is per builder version,
    and other versions' folders are removed."""
    from .cache import builder_fingerprint

    version = builder_fingerprint()[:16]
    if folder.is_dir():
        for old in folder.iterdir():
            if old.name != version and (old.name.startswith("__jinja2_") or len(old.name) == 16):
                shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    (folder / version).mkdir(parents=True, exist_ok=True)
    return folder / version


def css_string(text: str) -> Markup:
    """`text` as a CSS string literal, for words a stylesheet prints (`string-set`, `content`).
    Quotes and backslashes are escaped, and "<" too, so no text can end the <style> element."""
    escaped = "".join(f"\\{ord(c):X} " if c in '"\\<\n' else c for c in smarten(str(text)))
    return Markup(f'"{escaped}"')


def _typeset(value):
    """Every text a template prints gets curly quotes ("coach’s"), as the prose already has.
    Markup (rendered prose, URLs, CSS) and anything shaped like a path, URL or id is left as
    it is: "../images" must not become "…/images"."""
    if isinstance(value, str) and not isinstance(value, Markup) and not NOT_PROSE.fullmatch(value):
        return smarten(value)
    return value
