"""Validate every source and build the Book model. All errors are collected before raising."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from .errors import ErrorLog
from .markdown import LinkContext, render_prose
from .model import PHASES, Book, Chapter, Edition, Figure, Move, Muscle, Term
from .readers import Located, SourceFile, read_book_file, read_chapter

BOOK_FILE = "book.yaml"
GENERATED_FIGURES = frozenset({"stride-chart"})
BOOK_FIELDS = ("title", "subtitle", "author", "publisher", "language", "identifier", "date", "groups")
GROUP_FIELDS = ("id", "title", "location", "summary", "phases", "muscles", "moves", "cues", "figure")
GROUP_SECTIONS = ("where", "stride", "signs", "soreness")
REQUIRED_SECTIONS = ("where", "stride", "signs")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")


def load_book(project: Path, edition: Edition | None = None) -> Book:
    """Read chapters/ under `project` and return the Book, or raise BuildError listing every problem."""
    edition = edition or Edition()
    chapters_dir = project / "chapters"
    log = ErrorLog(project)
    book_path = chapters_dir / BOOK_FILE
    if not book_path.is_file():
        log.add(book_path, 1, "the book metadata file is missing",
                f"Create chapters/{BOOK_FILE} with the title and the list of groups")
        log.raise_if_any()
    meta = read_book_file(book_path, log)
    log.raise_if_any()
    order = _check_book_meta(meta, book_path, log)

    sources: dict[str, SourceFile] = {}
    chapter_files = sorted(p for p in chapters_dir.glob("*.md") if p.is_file())
    for path in chapter_files:
        source = read_chapter(path, log)
        if source is None:
            continue
        chapter_id = source.meta.data.get("id")
        if not isinstance(chapter_id, str) or not chapter_id:
            log.add(path, source.meta.line("id"), 'missing required field "id"',
                    "Add 'id: <group id>' to the front matter")
            continue
        if chapter_id in sources:
            log.add(path, source.meta.line("id"), f'a second chapter for "{chapter_id}"',
                    f"{log.relative(sources[chapter_id].path)} already has this id; "
                    "merge the two or change one id")
            continue
        if chapter_id not in order:
            log.add(path, source.meta.line("id"), f'unknown chapter id "{chapter_id}"',
                    f"Valid ids (from chapters/{BOOK_FILE}): " + ", ".join(order))
            continue
        if path.stem.split("-", 1)[-1] != chapter_id:
            log.add(path, source.meta.line("id"), f'the file name does not carry the id "{chapter_id}"',
                    f"Rename the file to NN-{chapter_id}.md")
        sources[chapter_id] = source

    for chapter_id, (kind, line) in order.items():
        if chapter_id not in sources and not any(e.path.endswith(".md") and chapter_id in e.message
                                                 for e in log.errors):
            log.add(book_path, line, f'"{chapter_id}" has no chapter file',
                    f"Add chapters/NN-{chapter_id}.md or remove it from the {kind} list")

    links = LinkContext(project=project, chapter_path=chapters_dir / "x.md",
                        chapter_files={s.path.name: cid for cid, s in sources.items()},
                        figures=GENERATED_FIGURES)
    chapters = []
    for chapter_id, (kind, _line) in order.items():
        if chapter_id in sources:
            chapter = _build_chapter(sources[chapter_id], kind, project, links, order, log)
            if chapter is not None:
                chapters.append(chapter)
    log.raise_if_any()

    data = meta.data
    if edition.only:
        chapters = [c for c in chapters if c.kind != "group" or c.id in edition.only]
    return Book(title=data["title"], subtitle=data["subtitle"], author=data["author"],
                publisher=data["publisher"], language=data["language"],
                identifier=data["identifier"], date=str(data["date"]),
                chapters=tuple(chapters), edition=edition)


def group_ids(project: Path) -> list[str]:
    """The canonical group ids, in order (for the command line's help and checks)."""
    log = ErrorLog(project)
    meta = read_book_file(project / "chapters" / BOOK_FILE, log)
    if meta is None or not isinstance(meta.data, dict):
        return []
    return [g.get("id") for g in meta.data.get("groups") or [] if isinstance(g, dict)]


def _check_book_meta(meta: Located, path: Path, log: ErrorLog) -> dict[str, tuple[str, int]]:
    """Check the book file; return chapter id -> (kind, line) in reading order."""
    data = meta.data
    if not isinstance(data, dict):
        log.add(path, 1, "the book metadata must be a set of 'field: value' lines")
        log.raise_if_any()
    for name in BOOK_FIELDS:
        if data.get(name) in (None, "", []):
            log.add(path, meta.line(name), f'missing required field "{name}"')
    date = data.get("date")
    if date is not None and not isinstance(date, dt.date):
        try:
            dt.date.fromisoformat(str(date))
        except ValueError:
            log.add(path, meta.line("date"), f'"date" must be an ISO date, not "{date}"',
                    "Write it as YYYY-MM-DD")
    order: dict[str, tuple[str, int]] = {}
    for kind, key in (("front", "front"), ("group", "groups"), ("back", "back")):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            log.add(path, meta.line(key), f'"{key}" must be a list')
            continue
        for index, entry in enumerate(entries):
            chapter_id = entry.get("id") if isinstance(entry, dict) else entry
            line = meta.line(key, index)
            if kind == "group" and not (isinstance(entry, dict) and entry.get("title")):
                log.add(path, line, "each group needs an id and a title",
                        "Write it as {id: glutes, title: Glutes}")
            if not isinstance(chapter_id, str) or not ID_PATTERN.match(chapter_id):
                log.add(path, line, f'"{chapter_id}" is not a valid id',
                        "Use lower-case letters, digits and hyphens")
                continue
            if chapter_id in order:
                log.add(path, line, f'"{chapter_id}" is listed twice')
                continue
            order[chapter_id] = (kind, line)
    return order


def _text(meta: Located, path: Path, log: ErrorLog, *keys, required: bool = True) -> str:
    value = meta.data
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            value = None
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            log.add(path, meta.line(*keys), f'missing required field "{".".join(map(str, keys))}"')
        return ""
    if not isinstance(value, str | int | float):
        log.add(path, meta.line(*keys), f'"{".".join(map(str, keys))}" must be text')
        return ""
    return str(value).strip()


def _list(meta: Located, path: Path, log: ErrorLog, key: str, minimum: int) -> list:
    value = meta.data.get(key)
    if not isinstance(value, list) or len(value) < minimum:
        log.add(path, meta.line(key), f'"{key}" needs at least {minimum} entr{"y" if minimum == 1 else "ies"}')
        return []
    return value


def _build_chapter(source: SourceFile, kind: str, project: Path, links: LinkContext,
                   order: dict, log: ErrorLog) -> Chapter | None:
    path, meta = source.path, source.meta
    chapter_id = meta.data["id"]
    chapter_links = LinkContext(project, path, links.chapter_files, links.figures)
    prose = render_prose(source.body, source.body_line, chapter_id, chapter_links)
    for problem in prose.problems:
        log.add(path, problem.line, problem.message, problem.hint)
    if not prose.text.strip() and not meta.data.get("terms"):
        log.add(path, source.body_line, "the chapter is empty", "Write the chapter's prose below the front matter")
    title = _text(meta, path, log, "title")
    fields = dict(id=chapter_id, title=title, kind=kind, source=log.relative(path),
                  intro_html=prose.intro_html, sections=tuple(prose.sections),
                  images=tuple(prose.images), prose_text=prose.text)
    if kind == "group":
        fields.update(_group_fields(source, prose, log))
    if chapter_id == "glossary" or meta.data.get("terms") is not None:
        terms = []
        for index, _entry in enumerate(_list(meta, path, log, "terms", 1)):
            terms.append(Term(_text(meta, path, log, "terms", index, "term"),
                              _text(meta, path, log, "terms", index, "definition")))
        fields["terms"] = tuple(sorted(terms, key=lambda t: t.term.lower()))
    return Chapter(**fields)


def _group_fields(source: SourceFile, prose, log: ErrorLog) -> dict:
    path, meta = source.path, source.meta
    for name in GROUP_FIELDS:
        if name not in meta.data:
            log.add(path, 2, f'missing required field "{name}"',
                    "Group chapters need: " + ", ".join(GROUP_FIELDS))
    phases = meta.data.get("phases") or []
    if not isinstance(phases, list) or not phases:
        log.add(path, meta.line("phases"), '"phases" must list at least one phase',
                "Choose from: " + ", ".join(PHASES))
        phases = []
    for index, phase in enumerate(phases):
        if phase not in PHASES:
            log.add(path, meta.line("phases", index), f'unknown phase "{phase}"',
                    "Choose from: " + ", ".join(PHASES))
    muscles = tuple(
        Muscle(*(_text(meta, path, log, "muscles", i, k) for k in ("name", "where", "job")))
        for i, _ in enumerate(_list(meta, path, log, "muscles", 1) if "muscles" in meta.data else []))
    moves = tuple(
        Move(*(_text(meta, path, log, "moves", i, k) for k in ("name", "how", "dose")),
             key=bool(entry.get("key")) if isinstance(entry, dict) else False)
        for i, entry in enumerate(_list(meta, path, log, "moves", 3) if "moves" in meta.data else []))
    if moves and sum(m.key for m in moves) != 1:
        log.add(path, meta.line("moves"), "exactly one move needs 'key: true'",
                "The quick reference shows that move")
    cues = tuple(_text(meta, path, log, "cues", i)
                 for i, _ in enumerate(_list(meta, path, log, "cues", 1) if "cues" in meta.data else []))
    figure = None
    if "figure" in meta.data:
        figure = Figure(src=f"figure:body-map-{meta.data['id']}",
                        alt=_text(meta, path, log, "figure", "alt"),
                        caption=_text(meta, path, log, "figure", "caption"))
    keys = [s.key for s in prose.sections]
    for key in keys:
        if key not in GROUP_SECTIONS:
            log.add(path, prose.section_lines[key], f'unknown section "{{#{key}}}"',
                    "Group chapters use the sections " + ", ".join(f"{{#{k}}}" for k in GROUP_SECTIONS))
    missing = [k for k in REQUIRED_SECTIONS if k not in keys]
    if missing:
        log.add(path, source.body_line, "missing section " + ", ".join(f"{{#{k}}}" for k in missing),
                "Add a '## Heading {#key}' for each")
    elif keys != sorted(keys, key=lambda k: GROUP_SECTIONS.index(k) if k in GROUP_SECTIONS else 99):
        log.add(path, source.body_line, "sections are out of order",
                "Order them " + ", ".join(f"{{#{k}}}" for k in GROUP_SECTIONS))
    return dict(location=_text(meta, path, log, "location"), summary=_text(meta, path, log, "summary"),
                phases=tuple(p for p in phases if p in PHASES), muscles=muscles, moves=moves,
                cues=cues, figure=figure)
