"""Markdown the book does not print as a writer would expect is refused, with the alternative:
task lists, definition lists outside the glossary, and indented code blocks (a line that
starts with a tab or four spaces is CommonMark's code block, which a writer almost never means)."""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore

from .prose_model import chapter_env

TASK_BOX = re.compile(r"^\[[ xX]\]\s")


def refuse_unsupported(state: StateCore) -> None:
    """Core rule: report the syntax the outputs do not support."""
    env = chapter_env(state)
    tokens = state.tokens
    for index, token in enumerate(tokens):
        line = env.line_of(token)
        if token.type == "code_block":
            source = env.source_lines[token.map[0]] if token.map else ""
            start = "a tab" if source.startswith("\t") else "four spaces or more"
            env.problem(line, f"this line starts with {start}, which makes it a code block, printed as "
                              "typewriter text",
                        "Start the line at the left margin; to continue a list item, indent it with spaces "
                        "to line up with the item's text")
        elif token.type == "list_item_open" and index + 2 < len(tokens) and tokens[index + 2].type == "inline":
            if TASK_BOX.match(tokens[index + 2].content):
                env.problem(env.line_of(tokens[index + 2]), 'a task list box "[ ]" prints as plain brackets',
                            "Write a plain list without the [ ] boxes; a coach can tick items on paper")
        elif token.type == "dl_open" and not env.links.definition_lists:
            env.problem(line, "a definition list (a line starting with ': ') is only for the glossary",
                        "Add the term to the glossary's 'terms:' list, or write it as a sentence: "
                        "**Term**: what it means")
