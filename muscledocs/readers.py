"""Read source files: decode text, split front matter, parse YAML safely, and keep line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import ErrorLog


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
    body_line: int  # file line where the Markdown body begins


def read_text(path: Path, log: ErrorLog) -> str | None:
    """UTF-8 text with the BOM dropped and Windows line endings normalised, or None on error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        log.add(path, 1, f"cannot read the file ({exc.strerror})")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        log.add(path, line, f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                "Save the file as UTF-8 in your editor")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_yaml(text: str, path: Path, first_line: int, log: ErrorLog) -> Located | None:
    """Parse YAML with the safe loader, recording where each key sits."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(exc, "problem", None) or str(exc)
        log.add(path, line, f"YAML syntax error: {problem}",
                "Check indentation, and quote values that contain a colon")
        return None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    if node is not None:
        _record_lines(node, (), first_line, lines)
    return Located(data, lines, first_line)


def _record_lines(node: yaml.Node, path: tuple, first_line: int, lines: dict) -> None:
    lines[path] = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = path + (key_node.value,)
            _record_lines(value_node, key, first_line, lines)
            lines[key] = first_line + key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), first_line, lines)


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
                "Start the file with a '---' line, the YAML fields, and another '---' line")
        return None
    # python-frontmatter's own split strips whitespace, which would shift every line number,
    # so use its boundary pattern to find the two '---' lines ourselves.
    boundaries = list(handler.FM_BOUNDARY.finditer(text))
    if len(boundaries) < 2 or boundaries[0].start() != 0:
        log.add(path, 1, "the front matter is not closed", "End it with a line holding only '---'")
        return None
    opening, closing = boundaries[0], boundaries[1]
    fm_text = text[opening.end():closing.start()]
    raw_body = text[closing.end():]
    body_line = text[:closing.end()].count("\n") + 1  # the closing line; the body follows it
    located = parse_yaml(fm_text.lstrip("\n"), path, 2, log)
    if located is None:
        return None
    if not isinstance(located.data, dict):
        log.add(path, 2, "the front matter must be a set of 'field: value' lines")
        return None
    return SourceFile(path, located, raw_body, body_line)
