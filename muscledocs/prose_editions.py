"""Text that belongs to some groups only: a paragraph or list item that ends with
`{only: core}` (or `{only: hip-flexors, calves}`) is printed only in an edition that has one of
those groups, so a clinic edition never advises on a group it leaves out."""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

from .prose_model import LineFinder, chapter_env, inline_tokens

ONLY = re.compile(r"\{\s*only\s*:([^{}]*)\}")
TRAILING = re.compile(r"\s*\{\s*only\s*:([^{}]*)\}\s*$")


def edition_blocks(state: StateCore) -> None:
    """Core rule: drop the blocks whose groups the edition leaves out; strip the marks of the
    others. A mark naming no group of the book, or not at the end of its block, is an error."""
    env = chapter_env(state)
    book, edition = env.links.book_groups, env.links.edition_groups
    dropped: list[int] = []  # inline token indexes whose block goes
    opens = {id(token): state.tokens[i - 1].type for i, token in enumerate(state.tokens) if token.type == "inline"}
    for index, (inline, line) in enumerate(inline_tokens(state)):
        if "{" not in inline.content or not ONLY.search(inline.content):
            continue
        find = LineFinder(inline, line)
        marks = ONLY.findall(inline.content)
        trailing = TRAILING.search(inline.content)
        in_paragraph = opens[id(inline)] == "paragraph_open"  # not a heading or a table cell
        if len(marks) > 1 or not trailing or not in_paragraph or not _last_text_ends_with_mark(inline):
            env.problem(find("{"), "an {only: …} mark must end its paragraph or list item, once",
                        "Move it to the end of the paragraph or list item it limits, for example "
                        '"- Train the core twice a week. {only: core}"')
            continue
        ids = [part.strip() for part in trailing.group(1).split(",") if part.strip()]
        unknown = [group for group in ids if group not in book]
        if unknown or not ids:
            env.problem(find("{"), f'{{only: {trailing.group(1).strip()}}} names no group of the book'
                        if not ids else f'{{only: …}} names no group "{unknown[0]}"',
                        "Name group ids from chapters/book.yaml: " + ", ".join(book))
            continue
        _strip_mark(inline)
        if edition is not None and not set(ids) & edition:
            dropped.append(index)
    if dropped:
        _drop_blocks(state, dropped)


def _last_text_ends_with_mark(inline) -> bool:
    texts = [child for child in inline.children or [] if child.type == "text"]
    return bool(texts) and inline.children[-1] is texts[-1] and TRAILING.search(texts[-1].content) is not None


def _strip_mark(inline) -> None:
    last = inline.children[-1]
    last.content = TRAILING.sub("", last.content)
    inline.content = TRAILING.sub("", inline.content)


def _drop_blocks(state: StateCore, dropped: list[int]) -> None:
    """Remove each marked block: its list item (and the list, if nothing is left), or its paragraph."""
    tokens = state.tokens
    inline_at = [i for i, token in enumerate(tokens) if token.type == "inline"]
    remove: set[int] = set()
    for index in dropped:
        position = inline_at[index]
        start, end = _enclosing(tokens, position, "list_item") or _enclosing(tokens, position, "paragraph")
        remove.update(range(start, end + 1))
    kept = [token for i, token in enumerate(tokens) if i not in remove]
    state.tokens = _without_empty_lists(kept)


def _enclosing(tokens, position: int, kind: str) -> tuple[int, int] | None:
    """The open and close token indexes of the innermost `kind` block around `position`."""
    depth = 0
    for start in range(position - 1, -1, -1):
        token = tokens[start]
        if token.type == f"{kind}_close":
            depth += 1
        elif token.type == f"{kind}_open":
            if depth == 0:
                break
            depth -= 1
    else:
        return None
    depth = 0
    for end in range(start + 1, len(tokens)):
        token = tokens[end]
        if token.type == f"{kind}_open":
            depth += 1
        elif token.type == f"{kind}_close":
            if depth == 0:
                return start, end
            depth -= 1
    return None


def _without_empty_lists(tokens):
    out = []
    for token in tokens:
        if token.type in ("bullet_list_close", "ordered_list_close") and out and out[-1].type == token.type.replace(
                "_close", "_open"):
            out.pop()
            continue
        out.append(token)
    return out
