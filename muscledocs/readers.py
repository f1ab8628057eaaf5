"""Read source files: decode text, split front matter, parse YAML safely, and keep line numbers.

YAML is read as text: every value is the string the writer typed (`dose: 1:30` stays "1:30",
never the base-60 number 90; `yes` stays "yes"), and validate.py interprets the few fields that
are not text (dates, `key: true`) by the book's schema. Where YAML would silently change what a
writer meant, the reader records it for the validator to refuse: a `#` comment that cuts a
value short, and a list entry indented so that it merges into the entry above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ErrorLog

FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$", re.M)
TRAILING_COMMENT = re.compile(r"[ \t]+#(.*)$")


def _text_loader(base):
    """`base` (a PyYAML safe loader) with every plain value read as text; only an empty value
    is null. Tags still go through the safe constructor, which refuses anything but plain data."""

    class TextLoader(base):
        yaml_implicit_resolvers = {"": [("tag:yaml.org,2002:null", re.compile(r"^$"))]}

    return TextLoader


# libyaml's parser when PyYAML was built with it (about ten times faster); same rules.
TEXT_LOADER = _text_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
PURE_TEXT_LOADER = _text_loader(yaml.SafeLoader)

YAML_HINT = "Check the indentation (spaces, not tabs), and put a value that holds ': ' in quotes"


@dataclass(frozen=True)
class Cut:
    """A `#` comment right after a plain value: YAML drops it, a writer may have meant it."""

    line: int
    value: str
    comment: str


@dataclass
class Located:
    """YAML data plus the source line of every mapping key and list item (1-based)."""

    data: Any
    lines: dict[tuple, int]
    base_line: int
    cuts: dict[tuple, Cut] = field(default_factory=dict)  # value path -> the comment after it
    merged: dict[tuple, int] = field(default_factory=dict)  # value path -> line of a swallowed "- " entry

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


def _colon_problem(problem_mark, first_line: int, text: str) -> tuple[int, str, str]:
    """YAML's "mapping values are not allowed here": say which of three mistakes it is."""
    lines = text.split("\n")
    at = problem_mark.line
    before = lines[at][:problem_mark.column] if at < len(lines) else ""
    field_name = before.strip().removeprefix("- ")
    if re.search(r":[ \t]", before):  # the line already has its 'field:': the value holds ': '
        return (first_line + at, "YAML syntax error: a value holds ': ' (a colon and a space)",
                'Put the whole value in quotes, for example: title: "Glutes: the basics"')
    above = next((line for line in reversed(lines[:at]) if line.strip() and not line.lstrip().startswith("#")), "")
    indent = len(before) - len(before.lstrip(" "))
    if above and indent > len(above) - len(above.lstrip(" ")) and ":" not in above.split("#")[0]:
        # The line above is text without a ':': the missing colon is there, not here.
        return (first_line + at - 1, "YAML syntax error: this line has no ':' after the field name",
                "Write it as 'field: value', for example: title: Glutes")
    return (first_line + at, f'YAML syntax error: "{field_name}:" is indented more than the field above it',
            "Start it in the same column as the fields around it, using spaces")


def _yaml_problem(exc: yaml.YAMLError, first_line: int, text: str) -> tuple[int, str, str]:
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
    if "mapping values are not allowed" in problem and problem_mark:
        return _colon_problem(problem_mark, first_line, text)
    if "could not find expected ':'" in problem and "simple key" in context:
        return (start, "YAML syntax error: this line has no ':' after the field name",
                "Write it as 'field: value', for example: title: Glutes")
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
    """Parse YAML as text (see the module's docstring), recording where each key sits.

    `first_line` is the file line that line 0 of `text` sits on. The safe constructor only
    builds plain data (text, lists, mappings): a tag such as !!python/object is an error.
    """
    try:
        node, data = _load(TEXT_LOADER, text)
    except yaml.YAMLError:
        # Parse again with the pure-Python parser: its messages are the ones explained in
        # _yaml_problem (libyaml words them differently). Only broken files pay for this.
        try:
            node, data = _load(PURE_TEXT_LOADER, text)
        except yaml.YAMLError as exc:
            log.add(path, *_yaml_problem(exc, first_line, text))
            return None
    located = Located(data, {}, first_line + (node.start_mark.line if node is not None else 0))
    if node is not None:
        _record(node, (), first_line, located, text.split("\n"), path, log)
    return located


def _load(loader_class, text: str):
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _record(node: yaml.Node, path: tuple, first_line: int, located: Located, lines: list[str], file: Path,
            log: ErrorLog) -> None:
    located.lines[path] = first_line + node.start_mark.line
    if isinstance(node, yaml.ScalarNode):
        if not node.style:  # plain (libyaml says "", PyYAML None): YAML's own rules apply to it
            _record_plain(node, path, first_line, located, lines)
    elif isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # the constructor has already refused unhashable keys
            key = path + (key_node.value,)
            if key_node.value in seen:
                log.add(file, first_line + key_node.start_mark.line,
                        f'the field "{key_node.value}" appears twice here', "Keep only one of them")
            seen.add(key_node.value)
            _record(value_node, key, first_line, located, lines, file, log)
            located.lines[key] = first_line + key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record(item, path + (index,), first_line, located, lines, file, log)


def _record_plain(node: yaml.ScalarNode, path: tuple, first_line: int, located: Located, lines: list[str]) -> None:
    end = node.end_mark
    if end.line < len(lines):
        comment = TRAILING_COMMENT.match(lines[end.line][end.column:])
        if comment and node.value:
            located.cuts[path] = Cut(first_line + end.line, node.value, comment.group(1).strip())
    for line in range(node.start_mark.line + 1, min(end.line, len(lines) - 1) + 1):
        if lines[line].lstrip().startswith("- "):  # an entry swallowed by the text above it
            located.merged[path] = first_line + line
            break


def read_book_file(path: Path, log: ErrorLog) -> Located | None:
    text = read_text(path, log)
    if text is None:
        return None
    return parse_yaml(text, path, 1, log)


def read_chapter(path: Path, log: ErrorLog) -> SourceFile | None:
    """A chapter: front matter between two '---' lines, then Markdown. Split here by line, so
    every line number stays the file's own."""
    text = read_text(path, log)
    if text is None:
        return None
    fences = list(FRONT_MATTER_FENCE.finditer(text))
    if not fences or fences[0].start() != 0:
        log.add(path, 1, "the chapter has no front matter",
                "Start the file with a '---' line, the fields (id: and title:), and another '---' line")
        return None
    if len(fences) < 2:
        log.add(path, 1, "the front matter is not closed",
                "End the fields with a line holding only '---', then write the chapter below it")
        return None
    opening, closing = fences[0], fences[1]
    # The fields start on the line after the opening '---'; the body (its text line 0) is the
    # rest of the closing line, so body line N is file line body_line + N.
    fields_start = opening.end() + 1
    fm_text = text[fields_start:closing.start()]
    fm_line = text.count("\n", 0, fields_start) + 1  # the line the first field is on
    raw_body = text[closing.end():]
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
