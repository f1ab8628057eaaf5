"""Block structure: stable block ids, section keys from `## Heading {#key}`, links to a
section of the same chapter, and image paragraphs promoted to figures.

Every block gets a stable id, so the print page map can say which element starts each printed
page and the EPUB can mark the same spot.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .prose_links import section_key
from .prose_model import chapter_env

HEADING_ID = re.compile(r"\s*\{#([A-Za-z][\w-]*)\}\s*$")
BLOCK_TOKENS = {"paragraph_open", "heading_open", "list_item_open", "tr_open", "blockquote_open"}


def slug(text: str) -> str:
    """A section key from heading words, keeping letters of every alphabet, as GitHub does:
    'Übungen für Läufer' -> 'übungen-für-läufer' (not 'bungen-f-r-l-ufer')."""
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-") or "section"


def block_ids(state: StateCore) -> None:
    """Core rule: number the blocks of the chapter, <chapter>-1, <chapter>-2, ... (a section
    heading keeps the id named after its key)."""
    env = chapter_env(state)
    counter = 0
    for token in state.tokens:
        if token.type in BLOCK_TOKENS and not token.hidden:
            counter += 1
            if token.attrGet("id") is None:
                token.attrSet("id", f"{env.chapter_id}-{counter}")


def section_keys(state: StateCore) -> None:
    """Core rule: a level-2 heading starts a section keyed by its {#key} or its words."""
    env = chapter_env(state)
    prose = env.prose
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        match = HEADING_ID.search(inline.content)
        key = match.group(1) if match else None
        if match:
            _strip_heading_id(inline)
        line = env.line_of(token)
        if token.tag == "h1":
            env.problem(line, "a chapter body must not use a level-1 heading",
                        "The chapter title comes from the front matter; use ## for sections")
        if token.tag != "h2":
            continue
        if key:
            prose.named_sections.add(key)
        key = key or slug(inline.content)
        if key in prose.section_lines:
            env.problem(line, f'a second section "{{#{key}}}"',
                        f"Line {prose.section_lines[key]} already starts that section; "
                        "merge the two, or give this heading a different name or {#key}")
        else:
            prose.section_lines[key] = line
        token.attrSet("id", f"{env.chapter_id}-{key}")
        token.meta["section"] = key


def _strip_heading_id(inline: Token) -> None:
    inline.content = HEADING_ID.sub("", inline.content)
    if inline.children:
        last = inline.children[-1]
        if last.type == "text":
            last.content = HEADING_ID.sub("", last.content)


def resolve_fragments(state: StateCore) -> None:
    """Core rule: `[text](#stride)` points at a section of this chapter (#glutes-stride in the
    outputs); a heading's words work too, in any case: `[text](#übungen-für-läufer)`."""
    env = chapter_env(state)
    prose = env.prose
    for token, fragment, line in prose.fragment_links:
        key = section_key(fragment, env.chapter_id)
        if key not in prose.section_lines:
            key = slug(key)
        if key in prose.section_lines:
            token.attrSet("href", f"#{env.chapter_id}-{key}")
            continue
        token.attrSet("href", "")
        sections = ", ".join(f"#{k}" for k in prose.section_lines)
        env.problem(line, f'link "#{section_key(fragment, env.chapter_id)}" points at no section of this chapter',
                    f"Sections here: {sections}" if sections
                    else "This chapter has no '## Heading {#key}' sections to link to")


def promote_figures(state: StateCore) -> None:
    """Core rule: a paragraph holding only an image becomes a <figure>, its title the caption."""
    body = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(body):
        tok = body[i]
        if (tok.type == "paragraph_open" and i + 2 < len(body) and body[i + 1].type == "inline"
                and body[i + 2].type == "paragraph_close"):
            kids = [c for c in (body[i + 1].children or []) if not (c.type == "text" and not c.content.strip())]
            if len(kids) == 1 and kids[0].type == "image":
                image = kids[0]
                alt = escape("".join(c.content for c in (image.children or [])))
                caption = escape(str(image.attrGet("title") or ""))
                src = escape(str(image.attrGet("src") or ""))
                fig = Token("html_block", "", 0, map=tok.map)
                # One of the builder's drawings is named in the class too, so a layout can size it.
                drawing = src.removeprefix("figure:") if src.startswith("figure:") else ""
                classes = "figure" + (f" {drawing}" if re.fullmatch(r"[a-z0-9-]+", drawing) else "")
                fig.content = (f'<figure id="{tok.attrGet("id")}" class="{classes}">'
                               f'<img src="{src}" alt="{alt}"/>'
                               + (f"<figcaption>{caption}</figcaption>" if caption else "")
                               + "</figure>\n")
                out.append(fig)
                i += 3
                continue
        out.append(tok)
        i += 1
    state.tokens = out
