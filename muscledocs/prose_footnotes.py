"""Footnotes (`text[^1]` and a `[^1]: note` paragraph), for print and the e-book.

Each reference becomes `<span class="footnote" id="<chapter>-fn-N">note</span>` where it is
called: print sets it as a real footnote at the foot of the page (`float: footnote` in
layouts/print/handout.css), and the EPUB turns it into a note reference and an
`epub:type="footnote"` aside with a link back (epub.py). So a note is one paragraph of inline
text, referenced once.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .prose_model import LineFinder, chapter_env, inline_tokens, walk

UNDEFINED = re.compile(r"\[\^([^\]\s]+)\]")


def footnotes(state: StateCore) -> None:
    """Core rule: move each note's text to where it is referenced."""
    env = chapter_env(state)
    notes: dict[str, tuple[int, list[Token]]] = {}  # label -> (line, the note's block tokens)
    kept: list[Token] = []
    current: tuple[str, int, list[Token]] | None = None
    for token in state.tokens:
        if token.type == "footnote_reference_open":
            current = (token.meta["label"], env.line_of(token), [])
        elif token.type == "footnote_reference_close" and current:
            notes[current[0]] = (current[1], current[2])
            current = None
        elif current:
            current[2].append(token)
        else:
            kept.append(token)
    state.tokens = kept

    used: dict[str, int] = {}
    for inline, line in inline_tokens(state):
        find = LineFinder(inline, line)
        for child in walk(inline.children or []):
            if child.type == "text":
                for match in UNDEFINED.finditer(child.content):
                    env.problem(find(match.group(0)), f"footnote [^{match.group(1)}] has no text",
                                f"Add its note as a paragraph of its own: [^{match.group(1)}]: the note")
                continue
            if child.type != "footnote_ref":
                continue
            label = child.meta["label"]
            at = find(f"[^{label}]")
            child.type, child.content = "html_inline", ""
            if label in used:
                env.problem(at, f"footnote [^{label}] is referenced twice",
                            "A printed footnote stands at one place: reference it once, or write a second note")
                continue
            used[label] = len(used) + 1
            note_line, blocks = notes[label]
            html = _note_html(state, label, note_line, blocks)
            if html is not None:
                child.content = (f'<span class="footnote" id="{env.chapter_id}-fn-{used[label]}">'
                                 f"{html}</span>")
    for label, (note_line, _blocks) in notes.items():
        if label not in used:
            env.problem(note_line, f"footnote [^{label}] is never referenced",
                        f"Put [^{label}] in the text where the note belongs, or delete the note")


def _note_html(state: StateCore, label: str, line: int, blocks: list[Token]) -> str | None:
    env = chapter_env(state)
    inlines = [token for token in blocks if token.type == "inline"]
    others = {token.type for token in blocks} - {"paragraph_open", "paragraph_close", "inline"}
    if len(inlines) != 1 or others:
        env.problem(line, f"footnote [^{label}] must be one paragraph of text",
                    "Keep the note to a few sentences without lists, headings or blank lines")
        return None
    return state.md.renderer.renderInline(inlines[0].children or [], state.md.options, state.env).strip()
