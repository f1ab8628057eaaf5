"""Validate every source and build the Book model. All errors are collected before raising."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from pathlib import Path

from . import typefaces
from .artwork import BODY_MAP_SOURCE, PROSE_FIGURES, GroupFacts, body_map_groups, body_map_keys
from .errors import ErrorLog
from .markdown import LinkContext, render_prose
from .model import PHASES, Book, Chapter, Edition, Figure, Move, Muscle, Term, edition_chapters
from .project import Project
from .readers import Located, SourceFile, read_book_file, read_chapter
from .strings import Strings, layout_keys, load_strings

BOOK_FILE = "book.yaml"
BOOK_FIELDS = ("title", "subtitle", "author", "publisher", "language", "identifier", "date", "groups")
BOOK_OPTIONAL = ("front", "back", "page_list")
GROUP_FIELDS = ("id", "title", "location", "summary", "phases", "muscles", "moves", "cues", "figure")
OTHER_FIELDS = ("id", "title", "terms")  # introduction, closing, glossary...
GROUP_SECTIONS = ("where", "stride", "signs", "soreness")
REQUIRED_SECTIONS = ("where", "stride", "signs")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")
FILE_ID = re.compile(r"^\d+-(.+)$")


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
    # `complete`: every entry of the book's lists could be read, so a chapter whose id is not
    # listed is a real mistake rather than a knock-on effect of a broken list.
    order, book_fields, complete = _check_book_meta(meta, book_path, log) if meta is not None \
        else (None, {}, False)

    sources: dict[str, SourceFile] = {}
    broken: dict[str, str] = {}  # file name -> id from the name, for files that could not be read
    chapter_files = sorted(p for p in chapters_dir.glob("*.md") if p.is_file())
    for path in chapter_files:
        source = read_chapter(path, log)
        name_id = FILE_ID.match(path.stem).group(1) if FILE_ID.match(path.stem) else path.stem
        if source is None:
            broken[path.name] = name_id
            continue
        chapter_id = source.meta.data.get("id")
        if chapter_id is None or chapter_id == "":
            log.add(path, source.meta.line("id"), 'missing required field "id"',
                    f"Add 'id: {name_id}' to the front matter (the id of this chapter in chapters/{BOOK_FILE})")
            broken[path.name] = name_id
            continue
        if not isinstance(chapter_id, str):
            log.add(path, source.meta.line("id"), f'the id "{chapter_id}" must be text',
                    "Use lower-case letters, digits and hyphens, as in chapters/book.yaml")
            broken[path.name] = name_id
            continue
        if chapter_id in sources:
            log.add(path, source.meta.line("id"), f'a second chapter for "{chapter_id}"',
                    f"{log.relative(sources[chapter_id].path)} already has this id; "
                    "merge the two files or change one id")
            continue
        if order is not None and chapter_id not in order:
            broken[path.name] = name_id
            if not complete:
                continue
            log.add(path, source.meta.line("id"), f'unknown chapter id "{chapter_id}"',
                    f"Valid ids (from chapters/{BOOK_FILE}): " + ", ".join(order)
                    + f"; a new group must be listed in chapters/{BOOK_FILE} first")
            continue
        if path.stem.split("-", 1)[-1] != chapter_id:
            log.add(path, source.meta.line("id"), f'the file name does not carry the id "{chapter_id}"',
                    f"Rename the file to NN-{chapter_id}.md")
        sources[chapter_id] = source

    if order is None:  # the book file is broken: the chapters' own problems are all we can tell
        log.raise_if_any()
    for chapter_id, (kind, line) in order.items():
        if chapter_id not in sources and chapter_id not in broken.values():
            log.add(book_path, line, f'"{chapter_id}" has no chapter file',
                    f"Add chapters/NN-{chapter_id}.md or remove it from the {kind} list")

    _check_body_map(order, book_path, log, project)
    strings = book_strings(project, book_fields.get("language", ""), (book_path, meta.line("language")), log,
                           book_fields.get("page_list", "a4"))
    chapter_files_map = {s.path.name: cid for cid, s in sources.items()}
    chapter_files_map.update({name: cid for name, cid in broken.items() if cid in order})
    groups = _edition_groups(order, meta, sources, edition)
    links = LinkContext(project=project, chapter_path=chapters_dir / "x.md",
                        chapter_files=chapter_files_map, figures=frozenset(PROSE_FIGURES),
                        figure_alt={name: figure.describe(groups, strings) for name, figure in PROSE_FIGURES.items()},
                        substitutions=substitutions(groups, strings),
                        book_groups=tuple(cid for cid, (kind, _line) in order.items() if kind == "group"),
                        edition_groups=frozenset(group.id for group in groups))
    chapters = []
    section_links: list[tuple[Path, str, str, int]] = []
    for chapter_id, (kind, _line) in order.items():
        if chapter_id in sources:
            chapter = _build_chapter(sources[chapter_id], kind, links, log, section_links)
            if chapter is not None:
                chapters.append(chapter)
    _check_section_links(section_links, chapters, log)
    log.raise_if_any()

    return Book(**book_fields, chapters=edition_chapters(chapters, edition.only), edition=edition, strings=strings)


def book_strings(project: Path, language: str, language_at: tuple[Path, int], log: ErrorLog,
                 page_list: str = "a4") -> Strings:
    """The words the layouts print, in the book's language, from the layouts in effect: every
    key the templates and the body map print must be there."""
    found = Project(project.resolve())
    # The EPUB names the paper of the handout its page numbers follow (book.yaml `page_list`);
    # no other paper's name is printed, so a new paper needs no words until a book names it.
    used = layout_keys(found.layout_dirs(), log) | body_map_keys(found) | {
        f"papers.{page_list}": ("chapters/book.yaml", 1)}
    return load_strings(found.layout_dirs(), language or "en", log, language_at, used)


def _check_body_map(order: dict, book_path: Path, log: ErrorLog, project: Path) -> None:
    """Every group needs a region of the body map to shade in its chapter's figure."""
    drawn = body_map_groups(Project(project.resolve()))
    for chapter_id, (kind, line) in order.items():
        if kind == "group" and chapter_id not in drawn:
            log.add(book_path, line, f'group "{chapter_id}" has no region in {BODY_MAP_SOURCE}',
                    f'Add a shape with data-group="{chapter_id}" to {BODY_MAP_SOURCE}, over the muscles '
                    "its chapter is about")


def _edition_groups(order: dict, meta: Located, sources: dict[str, SourceFile], edition: Edition) -> list[GroupFacts]:
    """The groups this edition prints, as the generated text and drawings describe them."""
    titles = {entry.get("id"): entry.get("title") for entry in meta.data.get("groups") or []
              if isinstance(entry, dict)}
    groups = []
    for chapter_id, (kind, _line) in order.items():
        if kind != "group" or (edition.only and chapter_id not in edition.only):
            continue
        data = sources[chapter_id].meta.data if chapter_id in sources else {}
        title = data.get("title") if isinstance(data.get("title"), str) else titles.get(chapter_id)
        phases = data.get("phases") if isinstance(data.get("phases"), list) else []
        groups.append(GroupFacts(chapter_id, str(title or chapter_id), tuple(p for p in PHASES if p in phases)))
    return groups


def substitutions(groups: list[GroupFacts], strings: Strings) -> dict[str, str]:
    """The `{{ name }}` values a chapter's prose may use (documented in the README)."""
    count = len(groups)
    return {
        "groups.count": strings.number(count),
        "groups.counted": strings.plural("prose.groups_counted", count, number=strings.number(count)),
        "groups.list": strings("prose.groups_list", groups=strings.list(group.title for group in groups)),
    }


def group_ids(project: Path) -> list[str]:
    """The canonical group ids, in order (for the command line's help and checks); [] when the
    book file cannot be read (load_book then reports why)."""
    log = ErrorLog(project)
    path = project / "chapters" / BOOK_FILE
    meta = read_book_file(path, log) if path.is_file() else None
    if meta is None or not isinstance(meta.data, dict) or not isinstance(meta.data.get("groups"), list):
        return []
    return [g["id"] for g in meta.data["groups"]
            if isinstance(g, dict) and isinstance(g.get("id"), str) and ID_PATTERN.match(g["id"])]


def _unknown_fields(meta: Located, path: Path, log: ErrorLog, known: tuple[str, ...], where: str) -> None:
    for key in meta.data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = (f'Did you mean "{close[0]}"? ' if close else "") + f"{where} use: " + ", ".join(known)
        log.add(path, meta.line(key), f'unknown field "{key}"', hint)


def _check_book_meta(meta: Located, path: Path, log: ErrorLog) -> tuple[dict | None, dict, bool]:
    """Check the book file; return (chapter id -> (kind, line) in reading order, Book fields,
    whether every list entry could be read)."""
    data = meta.data
    if not isinstance(data, dict):
        log.add(path, 1, "the book metadata must be a set of 'field: value' lines",
                "For example: 'title: Muscles Worked When Running', one field per line")
        return None, {}, False
    _unknown_fields(meta, path, log, BOOK_FIELDS + BOOK_OPTIONAL, f"chapters/{BOOK_FILE} may")
    fields = {}
    for name in BOOK_FIELDS[:-2]:
        fields[name] = _text(meta, path, log, name, hint=f"Add '{name}: ...' to chapters/{BOOK_FILE}",
                             printed=name not in ("language", "identifier"))
    date = data.get("date")
    if date is None or date == "":
        log.add(path, meta.line("date"), 'missing required field "date"',
                f"Add 'date: YYYY-MM-DD' to chapters/{BOOK_FILE}")
    elif isinstance(date, dt.datetime):
        date = date.date()
    elif not isinstance(date, dt.date):
        try:
            date = dt.date.fromisoformat(str(date))
        except ValueError:
            log.add(path, meta.line("date"), f'"date" must be a date, not "{date}"',
                    "Write it as YYYY-MM-DD, for example 2026-11-24")
    fields["date"] = date.isoformat() if isinstance(date, dt.date) else ""
    if "page_list" in data:
        from .papers import PAPERS

        if data["page_list"] in PAPERS:
            fields["page_list"] = data["page_list"]
        else:
            log.add(path, meta.line("page_list"), f'"page_list" names no paper: "{data["page_list"]}"',
                    "The EPUB's page list follows the handout on one paper; choose from: " + ", ".join(PAPERS))
    order: dict[str, tuple[str, int]] = {}
    complete = True
    if data.get("groups") in (None, "", []):
        log.add(path, meta.line("groups"), 'missing required field "groups"',
                "List the groups in reading order, one per line: '  - {id: glutes, title: Glutes}'")
    for kind, key in (("front", "front"), ("group", "groups"), ("back", "back")):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            log.add(path, meta.line(key), f'"{key}" must be a list',
                    f"Write it as {key}: [id, id] or as lines starting with '- '")
            complete = False
            continue
        for index, entry in enumerate(entries):
            chapter_id = entry.get("id") if isinstance(entry, dict) else entry
            line = meta.line(key, index)
            if kind == "group" and not (isinstance(entry, dict) and entry.get("title")):
                log.add(path, line, "each group needs an id and a title",
                        "Write it as {id: glutes, title: Glutes}")
            if not isinstance(chapter_id, str) or not ID_PATTERN.match(chapter_id):
                log.add(path, line, f'"{chapter_id}" is not a valid id',
                        "Use lower-case letters, digits and hyphens, starting with a letter")
                complete = False
                continue
            if chapter_id in order:
                log.add(path, line, f'"{chapter_id}" is listed twice',
                        f"Line {order[chapter_id][1]} already lists it; remove one")
                continue
            order[chapter_id] = (kind, line)
    return order, fields, complete


def _name(keys: tuple) -> str:
    """A field path for people: ("muscles", 1, "job") -> '"job" in entry 2 of "muscles"'."""
    text = ""
    for key in reversed(keys):
        if isinstance(key, int):
            text += f"{' in' if text else ''} entry {key + 1} of"
        else:
            text += f' "{key}"' if not text or text.endswith("of") else f' in "{key}"'
    return text.strip()


def _lookup(data, keys: tuple):
    value = data
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return None
    return value


def _text(meta: Located, path: Path, log: ErrorLog, *keys, required: bool = True, hint: str = "",
          printed: bool = True) -> str:
    """A text field, exactly as the writer typed it; refused where YAML would change it."""
    value = _lookup(meta.data, keys)
    if printed and keys in meta.cuts:
        cut = meta.cuts[keys]
        log.add(path, cut.line, f'"#{cut.comment}" after {_name(keys)} is a YAML comment: only "{cut.value}" '
                f"would print",
                f"To print it all, put the value in quotes: \"{cut.value} #{cut.comment}\"; "
                "to keep a note for yourself, put the comment on a line of its own")
    if keys in meta.merged:
        log.add(path, meta.merged[keys], f"this '- ' line is read as more text of {_name(keys)}, "
                "not as an entry of its own",
                "Start its '- ' in the same column as the '- ' of the entries above it")
    if printed and isinstance(value, str):
        for run in typefaces.unprintable(value):
            log.add(path, meta.line(*keys), *typefaces.describe(run))
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            if isinstance(keys[-1], int):
                log.add(path, meta.line(*keys), f"{_name(keys)} is empty", hint or "Write it, or remove the line")
            else:
                where = "" if len(keys) == 1 else " to that entry" if isinstance(keys[-2], int) \
                    else f" under '{keys[-2]}:'"
                log.add(path, meta.line(*keys), f"missing required field {_name(keys)}",
                        hint or f"Add '{keys[-1]}: ...'{where}")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        log.add(path, meta.line(*keys), f"{_name(keys)} must be text",
                "Write it as words on the same line; put it in quotes if it is yes, no or a date, "
                "or starts with [ or {")
        return ""
    return str(value).strip()


def _flag(meta: Located, path: Path, log: ErrorLog, *keys) -> bool:
    """A yes/no field, written as true or false (YAML is read as text: see readers.py)."""
    value = _lookup(meta.data, keys)
    if value in (None, "false", "False"):
        return False
    if value in ("true", "True"):
        return True
    log.add(path, meta.line(*keys), f'{_name(keys)} must be true or false, not "{value}"',
            f"Write '{keys[-1]}: true' on the one entry that has it, and leave it out on the others")
    return False


def _list(meta: Located, path: Path, log: ErrorLog, key: str, minimum: int, fields: tuple = ()) -> list:
    """The entries of a list field; with `fields`, only the entries that are sets of fields."""
    value = meta.data.get(key)
    if not isinstance(value, list) or len(value) < minimum:
        log.add(path, meta.line(key), f'"{key}" needs at least {minimum} entr{"y" if minimum == 1 else "ies"}',
                f"List them under '{key}:', one per line starting with '- '")
        return []
    if not fields:
        return value
    good = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            good.append((index, entry))
        else:
            log.add(path, meta.line(key, index), f"{_name((key, index))} must be a set of fields",
                    "Give it " + ", ".join(f"'{f}: ...'" for f in fields) + ", one per line")
    return good


def _mapping(meta: Located, path: Path, log: ErrorLog, key: str, fields: tuple) -> dict | None:
    value = meta.data.get(key)
    if isinstance(value, dict):
        return value
    log.add(path, meta.line(key), f'"{key}" must be a set of fields',
            f"Under '{key}:', give " + " and ".join(f"'{f}: ...'" for f in fields) + ", each on its own "
            "line and indented")
    return None


def _check_section_links(links: list[tuple[Path, str, str, int]], chapters: list[Chapter], log: ErrorLog) -> None:
    """A link like 02-quadriceps.md#signs must name a section that chapter has."""
    by_id = {chapter.id: chapter for chapter in chapters}
    for path, target, key, line in links:
        chapter = by_id.get(target)
        if chapter is None or key in {section.key for section in chapter.sections}:
            continue  # a chapter that could not be read has its own errors
        keys = ", ".join(f"#{section.key}" for section in chapter.sections)
        log.add(path, line, f'link "{Path(chapter.source).name}#{key}" points at no section of that chapter',
                f"Sections there: {keys}" if keys else "That chapter has no '## Heading {#key}' sections; "
                f"link to the whole chapter: ({Path(chapter.source).name})")


def _check_placeholders(path: Path, log: ErrorLog) -> None:
    """A TODO left from `new-group`'s skeleton would print: refuse it where it is."""
    for at, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        if PLACEHOLDER.search(line.split(" #", 1)[0]):
            log.add(path, at, "placeholder text (TODO) is still here",
                    "Write what the handout should say in its place")


PLACEHOLDER = re.compile(r"\bTODO\b")


def _build_chapter(source: SourceFile, kind: str, links: LinkContext, log: ErrorLog,
                   section_links: list[tuple[Path, str, str, int]]) -> Chapter | None:
    path, meta = source.path, source.meta
    chapter_id = meta.data["id"]
    _unknown_fields(meta, path, log, GROUP_FIELDS if kind == "group" else OTHER_FIELDS,
                    "Group chapters may" if kind == "group" else "This chapter may")
    _check_placeholders(path, log)
    chapter_links = dataclasses.replace(links, chapter_path=path, definition_lists=chapter_id == "glossary")
    prose = render_prose(source.body, source.body_line, chapter_id, chapter_links)
    section_links.extend((path, *link) for link in prose.section_links)
    for problem in prose.problems:
        log.add(path, problem.line, problem.message, problem.hint)
    if not prose.text.strip() and not prose.images and not meta.data.get("terms"):
        log.add(path, source.body_line, "the chapter is empty",
                "Write the chapter's text below the front matter's closing '---' line")
    title = _text(meta, path, log, "title", hint="Add 'title: ...' to the front matter")
    fields = dict(id=chapter_id, title=title, kind=kind, source=log.relative(path),
                  intro_html=prose.intro_html, sections=tuple(prose.sections),
                  images=tuple(prose.images), prose_text=prose.text)
    if kind == "group":
        fields.update(_group_fields(source, prose, log, check_sections=bool(source.body.strip())))
    if chapter_id == "glossary" or meta.data.get("terms") is not None:
        terms = []
        for index, _entry in _list(meta, path, log, "terms", 1, ("term", "definition")):
            terms.append(Term(_text(meta, path, log, "terms", index, "term"),
                              _text(meta, path, log, "terms", index, "definition")))
        fields["terms"] = tuple(sorted(terms, key=lambda t: t.term.lower()))
    return Chapter(**fields)


def _group_fields(source: SourceFile, prose, log: ErrorLog, check_sections: bool = True) -> dict:
    path, meta = source.path, source.meta
    data = meta.data
    needed = "Group chapters need: " + ", ".join(GROUP_FIELDS)
    for name in GROUP_FIELDS:
        if name not in data and name != "title":  # a missing title is reported once, by _build_chapter

            log.add(path, meta.base_line, f'missing required field "{name}"',
                    f"Add '{name}:' to the front matter. {needed}")
    phases = data.get("phases") if "phases" in data else []
    if "phases" in data and (not isinstance(phases, list) or not phases):
        log.add(path, meta.line("phases"), '"phases" must list at least one phase',
                "Write it as phases: [landing, stance]; choose from: " + ", ".join(PHASES))
        phases = []
    for index, phase in enumerate(phases):
        if phase not in PHASES:
            log.add(path, meta.line("phases", index), f'unknown phase "{phase}"',
                    "Choose from: " + ", ".join(PHASES))
    muscles = tuple(
        Muscle(*(_text(meta, path, log, "muscles", i, k) for k in ("name", "where", "job")))
        for i, _ in (_list(meta, path, log, "muscles", 1, ("name", "where", "job")) if "muscles" in data else []))
    moves = tuple(
        Move(*(_text(meta, path, log, "moves", i, k) for k in ("name", "how", "dose")),
             key=_flag(meta, path, log, "moves", i, "key"))
        for i, entry in (_list(meta, path, log, "moves", 3, ("name", "how", "dose")) if "moves" in data else []))
    key_moves = sum(m.key for m in moves)
    if moves and key_moves != 1:
        log.add(path, meta.line("moves"),
                "no move has 'key: true'" if not key_moves else f"{key_moves} moves have 'key: true'",
                "Mark exactly one move with 'key: true'; the quick reference shows that move")
    cues = tuple(_text(meta, path, log, "cues", i)
                 for i, _ in enumerate(_list(meta, path, log, "cues", 1) if "cues" in data else []))
    figure = None
    if "figure" in data and _mapping(meta, path, log, "figure", ("alt", "caption")) is not None:
        figure = Figure(src=f"figure:body-map-{data['id']}",
                        alt=_text(meta, path, log, "figure", "alt"),
                        caption=_text(meta, path, log, "figure", "caption"))
    location = _text(meta, path, log, "location") if "location" in data else ""
    summary = _text(meta, path, log, "summary") if "summary" in data else ""
    if check_sections:
        _check_sections(source, prose, log)
    return dict(location=location, summary=summary, phases=tuple(p for p in phases if p in PHASES),
                muscles=muscles, moves=moves, cues=cues, figure=figure)


def _check_sections(source: SourceFile, prose, log: ErrorLog) -> None:
    path = source.path
    valid = ", ".join(f"{{#{k}}}" for k in GROUP_SECTIONS)
    keys = [s.key for s in prose.sections]
    for key in keys:
        if key in GROUP_SECTIONS:
            continue
        if key in prose.named_sections:
            log.add(path, prose.section_lines[key], f'unknown section "{{#{key}}}"',
                    f"Group chapters use the sections {valid} (soreness is optional)")
        else:
            log.add(path, prose.section_lines[key], "this ## heading does not say which section it is",
                    f"End the heading with one of {valid}, for example: ## Where they sit {{#where}}")
    missing = [k for k in REQUIRED_SECTIONS if k not in keys]
    if missing:
        log.add(path, source.body_line, "missing section " + ", ".join(f"{{#{k}}}" for k in missing),
                "Add a '## Heading {#key}' line for each; group chapters need "
                + ", ".join(f"{{#{k}}}" for k in REQUIRED_SECTIONS))
    else:
        known = [k for k in keys if k in GROUP_SECTIONS]
        if known != sorted(known, key=GROUP_SECTIONS.index):
            log.add(path, prose.section_lines[known[0]], "the sections are out of order",
                    f"Put them in this order: {valid}")
