"""The words the layouts print, in the book's language: one strings file per language.

`layouts/strings/<tag>.toml` holds every word an output prints that does not come from the
chapters (headings, column headers, labels, alt texts, the EPUB's navigation titles, the
drawings' labels). The book's language picks the file: the exact tag (`en-US.toml`), over its
primary language (`en.toml`); a project's own layouts/strings/ file replaces the default of
that name, as every layout file does. English (`en.toml`) is the reference: a translation has
every key it has, with no placeholder it lacks.

A string is looked up by its dotted key, `t("chapter.dose")`, with the parts that vary passed
by name: `t("chapter.moves_caption", title=chapter.title)` for "Strength and mobility moves for
the {title:lower}". `{name:lower}` is the one format a string may ask for: English lowers a
group's name in a sentence, German does not, so the choice is the translation's. Counts choose
among a key's plural forms by the language's CLDR plural rule (Babel); lists are joined by the
file's `[list]` words.
"""

from __future__ import annotations

import difflib
import re
import string
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import ErrorLog

STRINGS_FOLDER = "strings"
REFERENCE = "en"  # the language every translation is checked against
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")  # CLDR plural categories
FORMATS = ("", "lower")  # what may follow a placeholder's name after a colon
Value = str | list | dict


class _Formatter(string.Formatter):
    def format_field(self, value, format_spec: str) -> str:
        return str(value).lower() if format_spec == "lower" else format(value, format_spec)


_FORMATTER = _Formatter()


@dataclass(frozen=True)
class Strings:
    """The words of one language: dotted key -> text, a list (`numbers`) or plural forms."""

    language: str
    table: dict[str, Value] = field(default_factory=dict)

    def __call__(self, key: str, /, **values) -> str:
        return _FORMATTER.vformat(self.table[key], (), values)

    def plural(self, key: str, count: int, /, **values) -> str:
        """The form of `key` for `count` (its CLDR category), with `count` among the values."""
        forms = self.table[key]
        form = forms.get(_plural_category(self.language, count), forms["other"])
        return _FORMATTER.vformat(form, (), {"count": count, **values})

    def number(self, count: int) -> str:
        """A count as a handout writes it: in words as far as `numbers` goes, else in digits."""
        words = self.table["numbers"]
        return words[count] if 0 <= count < len(words) else str(count)

    def list(self, items) -> str:
        """"a", "a and b", "a, b and c", with the words of the file's `[list]`."""
        items = [str(item) for item in items]
        if len(items) <= 1:
            return "".join(items)
        if len(items) == 2:
            return items[0] + self.table["list.pair"] + items[1]
        return self.table["list.separator"].join(items[:-1]) + self.table["list.last"] + items[-1]

    def phase(self, phase: str) -> str:
        """A stride phase as a label ("Push-off")."""
        return self.table[f"phases.{phase}"]

    def phase_words(self, phases) -> list[str]:
        """Stride phases as a sentence names them ("push-off")."""
        return [self.table[f"phases_in_text.{phase}"] for phase in phases]


def _plural_category(language: str, count: int) -> str:
    from .dates import babel_locale

    return babel_locale(language).plural_form(count)


# ------------------------------------------------------------------------------ loading


@dataclass
class _File:
    path: Path
    table: dict[str, Value]
    lines: dict[str, int]


def strings_files(layout_dirs: tuple[Path, ...], language: str) -> list[Path]:
    """The strings files for `language`, most general first (en.toml, then en-US.toml), each
    the first of its name in the layouts (the project's own over the default)."""
    names = [language.split("-")[0], language] if "-" in language else [language]
    found = []
    for name in dict.fromkeys(names):
        path = _first(layout_dirs, f"{STRINGS_FOLDER}/{name}.toml")
        if path is not None:
            found.append(path)
    return found


def load_strings(layout_dirs: tuple[Path, ...], language: str, log: ErrorLog, language_at: tuple[Path, int],
                 used: dict[str, tuple[str, int]] | None = None) -> Strings:
    """The book's strings, every problem logged as `path:line` (and the reference's words put
    in the place of a broken one, so that validation can go on and report everything).

    `used`: keys the layouts in effect print (key -> the file, as a message names it, and the
    line), beyond the reference file's own: each must be in the book's strings too."""
    reference_path = _first(layout_dirs, f"{STRINGS_FOLDER}/{REFERENCE}.toml")
    default_path = _first(layout_dirs[-1:], f"{STRINGS_FOLDER}/{REFERENCE}.toml")
    # What stands in for a broken or missing word while validation goes on (the build stops).
    default = _read(default_path, ErrorLog(default_path.parent)) if default_path else None
    fallback = dict(default.table) if default else {}
    if reference_path is None:
        log.add(language_at[0], language_at[1], f"no {STRINGS_FOLDER}/{REFERENCE}.toml in the layouts",
                f"Restore layouts/{STRINGS_FOLDER}/{REFERENCE}.toml: every translation is checked against it")
        return Strings(language, fallback)
    reference = _read(reference_path, log) or _File(reference_path, {}, {})
    fallback.update(reference.table)
    if not _known_language(language):
        log.add(*language_at, f'"language: {language}" is not a language tag the builder knows',
                "Write a BCP 47 tag such as en, en-US, de or fr-CA")
        return Strings(REFERENCE, fallback)
    paths = strings_files(layout_dirs, language)
    if not paths:
        log.add(*language_at, f'no strings file for "language: {language}": the layouts would print '
                f"their words in English", f"Copy {log.relative(default_path or reference_path)} to layouts/"
                f"{STRINGS_FOLDER}/{language.split('-')[0]}.toml in the project and translate its values")
        return Strings(language, fallback)
    files = [f for f in (_read(path, log) for path in paths) if f is not None]
    if len(files) < len(paths):
        return Strings(language, fallback)
    table: dict[str, Value] = {}
    for file in files:
        for key, value in file.table.items():
            problems = len(log.errors)
            _check_value(file, key, value, reference, language, log)
            if len(log.errors) == problems:
                table[key] = value
            else:  # validation goes on with the reference's words; the build stops
                table.setdefault(key, fallback.get(key, ""))
    required = dict.fromkeys(reference.table) | dict.fromkeys(used or {})
    complete = files[0]  # the primary language's file holds every key; a region's, the changes
    for key in required:
        if key not in table:
            where = f" ({used[key][0]}:{used[key][1]} prints it)" if used and key in used else ""
            english = reference.table.get(key)
            hint = (f"Add its words to the file, translated from {REFERENCE}.toml: {_toml(key, english)}"
                    if english is not None else f"Add it to the file, and to {REFERENCE}.toml")
            section = key.rsplit(".", 1)[0] if "." in key else ""
            log.add(complete.path, complete.lines.get(section, 1), f'the strings file has no "{key}"{where}', hint)
    for file in files:
        for key in file.table:
            if key not in required:
                close = difflib.get_close_matches(key, list(required), n=1)
                log.add(file.path, file.lines.get(key, 1), f'"{key}" is not a word the layouts print',
                        (f'Did you mean "{close[0]}"? ' if close else "")
                        + f"The keys are those of {REFERENCE}.toml")
    return Strings(language, {key: table[key] if key in table else fallback.get(key, "") for key in required})


def _check_value(file: _File, key: str, value: Value, reference: _File, language: str, log: ErrorLog) -> None:
    from . import typefaces

    line = file.lines.get(key, 1)
    english = reference.table.get(key)
    if english is not None and type(value) is not type(english):
        shape = {str: "text in quotes", list: "a list [..] of texts", dict: "plural forms { one = .., other = .. }"}
        log.add(file.path, line, f'"{key}" must be {shape[type(english)]}', f"As in {REFERENCE}.toml: "
                + _toml(key, english))
        return
    texts = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
    if isinstance(value, dict):
        wanted = set(_plural_tags(language))
        unknown = [form for form in value if form not in wanted]
        missing = [form for form in sorted(wanted, key=PLURAL_FORMS.index) if form not in value]
        if unknown or missing:
            log.add(file.path, line, f'"{key}" has the plural forms {", ".join(value)}; {language} uses '
                    + ", ".join(sorted(wanted, key=PLURAL_FORMS.index)),
                    "Give exactly those forms (CLDR plural categories)")
    allowed = _placeholders_of(english) if english is not None else None
    for text in texts:
        if not isinstance(text, str):
            log.add(file.path, line, f'"{key}" must be text', "Put the words in quotes")
            continue
        try:
            fields = _placeholders(text)
        except ValueError as error:
            log.add(file.path, line, f'"{key}": {error}', "Write a placeholder as {name}, and a brace as {{ or }}")
            continue
        for name, spec in fields:
            if spec not in FORMATS:
                log.add(file.path, line, f'"{key}": "{{{name}:{spec}}}" asks for an unknown format',
                        "The one format is :lower, as in {title:lower}")
            if allowed is not None and name not in allowed:
                log.add(file.path, line, f'"{key}" has a placeholder {{{name}}} that {REFERENCE}.toml has not',
                        "It can use " + (", ".join(f"{{{n}}}" for n in sorted(allowed)) or "no placeholder"))
        for run in typefaces.unprintable(text):
            log.add(file.path, line, *typefaces.describe(run))


def _placeholders(text: str) -> list[tuple[str, str]]:
    found = []
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or conversion:
            raise ValueError(f'"{{{name}{"!" + conversion if conversion else ""}}}" is not a placeholder')
        found.append((name, spec or ""))
    return found


def _placeholders_of(value: Value) -> set[str]:
    texts = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
    names = {"count"} if isinstance(value, dict) else set()
    for text in texts:
        try:
            names |= {name for name, _ in _placeholders(text)}
        except (ValueError, TypeError):
            pass
    return names


def _read(path: Path, log: ErrorLog) -> _File | None:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"at line (\d+)", str(error))
        log.add(path, int(at.group(1)) if at else 1, f"not a TOML file the builder can read: {error}",
                'Write each entry as key = "words", under its [section]')
        return None
    return _File(path, _flatten(data), _key_lines(text))


def _flatten(data: dict, prefix: str = "") -> dict[str, Value]:
    """Sections to dotted keys; a table of plural forms stays one value."""
    flat: dict[str, Value] = {}
    for key, value in data.items():
        if isinstance(value, dict) and not (value and set(value) <= set(PLURAL_FORMS)):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


KEY_LINE = re.compile(r'\s*("[^"]*"|[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*)\s*=')
TABLE_LINE = re.compile(r"\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")


def _key_lines(text: str) -> dict[str, int]:
    """Where each dotted key is written: enough of TOML for a message's line number."""
    lines, table = {}, ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = TABLE_LINE.match(line)
        if header:
            table = header.group(1) + "."
            lines.setdefault(header.group(1), number)
            continue
        entry = KEY_LINE.match(line)
        if entry:
            key = re.sub(r"\s*\.\s*", ".", entry.group(1).strip('"'))
            lines.setdefault(table + key, number)
    return lines


def _toml(key: str, value: Value) -> str:
    name = key.rsplit(".", 1)[-1]
    section = f"[{key.rsplit('.', 1)[0]}] " if "." in key else ""
    if isinstance(value, dict):
        shown = "{ " + ", ".join(f'{form} = "{text}"' for form, text in value.items()) + " }"
    elif isinstance(value, list):
        shown = "[" + ", ".join(f'"{text}"' for text in value) + "]"
    else:
        shown = f'"{value}"'
    return f"{section}{name} = {shown}"


def _first(folders: tuple[Path, ...], name: str) -> Path | None:
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def _known_language(language: str) -> bool:
    from babel.core import UnknownLocaleError

    from .dates import babel_locale

    try:
        babel_locale(language)
    except (ValueError, UnknownLocaleError):
        return False
    return True


def _plural_tags(language: str) -> set[str]:
    from .dates import babel_locale

    return set(babel_locale(language).plural_form.tags) | {"other"}


# ------------------------------------------------------------------ keys the layouts print


def layout_keys(layout_dirs: tuple[Path, ...], log: ErrorLog) -> dict[str, tuple[str, int]]:
    """Every key a template in effect prints with a constant name, `t("notes.title")` or
    `t.plural("quick_reference.subtitle", n)`, and where it first does."""
    effective: dict[str, Path] = {}
    for folder in reversed(layout_dirs):  # the project's own template wins
        for path in sorted(folder.rglob("*.j2")):
            effective[path.relative_to(folder).as_posix()] = path
    keys: dict[str, tuple[str, int]] = {}
    for name, path in sorted(effective.items()):
        found, error = _keys_in_template(path.read_text(encoding="utf-8"))
        if error:
            log.add(path, error[0], f"the template cannot be read: {error[1]}",
                    "Fix the template's {{ }} or {% %} tags")
        for key, line in found:
            keys.setdefault(key, (f"layouts/{name}", line))
    return keys


@lru_cache(maxsize=128)
def _keys_in_template(source: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, str] | None]:
    """(key, line) of each constant `t(...)` call in a template's source, or its syntax error.
    Kept per source text: parsing the layouts is half of a book's validation, and a watcher or
    a server validates again at every save while the layouts rarely change."""
    from jinja2 import Environment, TemplateSyntaxError, nodes

    try:
        tree = Environment().parse(source)
    except TemplateSyntaxError as error:
        return (), (error.lineno, error.message)
    found = []
    for call in tree.find_all(nodes.Call):
        target = call.node
        if not (_is_t(target) or isinstance(target, nodes.Getattr) and _is_t(target.node)
                and target.attr == "plural"):
            continue
        if call.args and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
            found.append((call.args[0].value, call.lineno))
    return tuple(found), None


def _is_t(node) -> bool:
    from jinja2 import nodes

    return isinstance(node, nodes.Name) and node.name == "t"
