"""Read source files: decode text, split front matter, parse YAML safely, and keep line numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import ErrorLog

# libyaml's safe loader when PyYAML was built with it (about ten times faster); same rules.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAML_HINT = "Check the indentation (spaces, not tabs), and put a value that holds ': ' in quotes"


@dataclass
class Located:
    """YAML data plus the source line of every mapping key and list item (1-based)."""

    data: Any
    lines: dict[tuple, int]
    base_line: int

    def line(self, *path) -> int:
        # Fall back to the nearest enclosing entry that has a line.
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, self.base_line)


@dataclass
class SourceFile:
    path: Path
    meta: Located
    body: str
    body_line: int  # file line of the closing '---'; the body's text starts right after it


def read_text(path: Path, log: ErrorLog) -> str | None:
    """UTF-8 text with the BOM dropped and Windows line endings normalised, or None on error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        log.add(path, 1, f"cannot read the file ({exc.strerror or exc})",
                "Check that it is a file you are allowed to read")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        log.add(path, line, f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x} on this line)",
                "Save the file as UTF-8 in your editor, or retype the odd character on this line")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _yaml_problem(exc: yaml.YAMLError, first_line: int) -> tuple[int, str, str]:
    """A YAML exception as (file line, message, hint) a maintainer can act on."""
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    line = first_line + (problem_mark.line if problem_mark else context_mark.line if context_mark else 0)
    start = first_line + context_mark.line if context_mark else line
    tag = re.search(r"constructor for the tag '(?:tag:yaml\.org,2002:)?([^']*)'", problem)
    if tag:
        name = tag.group(1) if tag.group(1).startswith("!") else "!!" + tag.group(1)
        return (line, f'YAML tag "{name}" is not allowed',
                "Tags starting with '!' are never loaded or run; remove the tag and write plain text")
    if "mapping values are not allowed" in problem:
        return (line, "YAML syntax error: a value holds ': ' (a colon and a space)",
                'Put the whole value in quotes, for example: title: "Glutes: the basics"')
    if "'\\t'" in problem or "\\t" in problem:
        return (line, "YAML syntax error: a tab is used for indentation", "Indent with spaces, not tabs")
    if "flow sequence" in context:
        return (start, "YAML syntax error: a list in [brackets] is not closed",
                "End it with ']' on the same line; put an item that holds a comma or ': ' in quotes")
    if "flow mapping" in context:
        return (start, "YAML syntax error: a {braces} entry is not closed",
                "End it with '}'; put a value that holds a comma or ': ' in quotes")
    if "quoted scalar" in context:
        return (start, "YAML syntax error: a quoted value is not closed",
                "End it with the same quote mark it starts with")
    if "expected <block end>" in problem or "block mapping" in context or "block collection" in context:
        return (line, "YAML syntax error: the indentation does not line up",
                "Start fields at the same level in the same column, using spaces")
    return line, f"YAML syntax error: {problem}", YAML_HINT


def parse_yaml(text: str, path: Path, first_line: int, log: ErrorLog) -> Located | None:
    """Parse YAML with the safe loader, recording where each key sits.

    `first_line` is the file line that line 0 of `text` sits on. The safe loader only builds
    plain data (text, numbers, dates, lists, mappings): a tag such as !!python/object is an error.
    """
    try:
        node, data = _load(SAFE_LOADER, text)
    except yaml.YAMLError:
        # Parse again with the pure-Python loader: its messages are the ones explained in
        # _yaml_problem (libyaml words them differently). Only broken files pay for this.
        try:
            node, data = _load(yaml.SafeLoader, text)
        except yaml.YAMLError as exc:
            log.add(path, *_yaml_problem(exc, first_line))
            return None
    lines: dict[tuple, int] = {}
    if node is not None:
        _record_lines(node, (), first_line, lines, path, log)
    return Located(data, lines, first_line + (node.start_mark.line if node is not None else 0))


def _load(loader_class, text: str):
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _record_lines(node: yaml.Node, path: tuple, first_line: int, lines: dict, file: Path,
                  log: ErrorLog) -> None:
    lines[path] = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # the constructor has already refused unhashable keys
            key = path + (key_node.value,)
            if key_node.value in seen:
                log.add(file, first_line + key_node.start_mark.line,
                        f'the field "{key_node.value}" appears twice here', "Keep only one of them")
            seen.add(key_node.value)
            _record_lines(value_node, key, first_line, lines, file, log)
            lines[key] = first_line + key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), first_line, lines, file, log)


def read_book_file(path: Path, log: ErrorLog) -> Located | None:
    text = read_text(path, log)
    if text is None:
        return None
    return parse_yaml(text, path, 1, log)


def read_chapter(path: Path, log: ErrorLog) -> SourceFile | None:
    text = read_text(path, log)
    if text is None:
        return None
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        log.add(path, 1, "the chapter has no front matter",
                "Start the file with a '---' line, the fields (id: and title:), and another '---' line")
        return None
    # python-frontmatter's own split strips whitespace, which would shift every line number,
    # so use its boundary pattern to find the two '---' lines ourselves. The fields start on
    # the line after the opening '---'; the body (text line 0) is the rest of the closing line.
    boundaries = list(handler.FM_BOUNDARY.finditer(text))
    if len(boundaries) < 2 or boundaries[0].start() != 0:
        log.add(path, 1, "the front matter is not closed",
                "End the fields with a line holding only '---', then write the chapter below it")
        return None
    opening, closing = boundaries[0], boundaries[1]
    fields_start = text.find("\n", opening.start()) + 1
    body_start = text.find("\n", closing.start())
    body_start = len(text) if body_start < 0 else body_start
    fm_text = text[fields_start:closing.start()]
    fm_line = text.count("\n", 0, fields_start) + 1  # the line the first field is on
    raw_body = text[body_start:]
    body_line = text.count("\n", 0, closing.start()) + 1  # the closing '---' line
    located = parse_yaml(fm_text, path, fm_line, log)
    if located is None:
        return None
    if not isinstance(located.data, dict):
        log.add(path, located.base_line if located.data is not None else 1,
                "the front matter must be a set of 'field: value' lines",
                "For example: 'id: glutes' and 'title: Glutes', one per line")
        return None
    return SourceFile(path, located, raw_body, body_line)
