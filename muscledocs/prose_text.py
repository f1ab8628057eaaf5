"""The text of the prose: `{{ name }}` substitutions from the book's data, and characters the
book's typefaces cannot print."""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

from . import typefaces
from .prose_model import LineFinder, chapter_env, inline_tokens, walk

SUBSTITUTION = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def substitute(state: StateCore) -> None:
    """Core rule: replace `{{ groups.count }}` and the other names with the book's data, so
    counts and lists are right for every edition; an unknown name is an error."""
    env = chapter_env(state)
    for inline, line in inline_tokens(state):
        find = LineFinder(inline, line)
        for child in walk(inline.children or []):
            if child.type == "text" and "{{" in child.content:
                child.content = SUBSTITUTION.sub(lambda match, find=find: _value(match, find, env), child.content)


def _value(match: re.Match, find: LineFinder, env) -> str:
    name, names = match.group(1), env.links.substitutions
    at = find(match.group(0))
    if name in names:
        return names[name]
    env.problem(at, f'unknown name "{{{{ {name} }}}}"',
                "Names a chapter can use: " + ", ".join(f"{{{{ {n} }}}}" for n in names)
                if names else "This book defines no names; write the text itself")
    return match.group(0)


def check_characters(state: StateCore) -> None:
    """Core rule: every character of the prose must be in the book's typefaces."""
    env = chapter_env(state)
    for inline, line in inline_tokens(state):
        find = LineFinder(inline, line)
        for child in walk(inline.children or []):
            if child.type not in ("text", "code_inline"):
                continue
            for run in typefaces.unprintable(child.content):
                env.problem(find(run), *typefaces.describe(run))
