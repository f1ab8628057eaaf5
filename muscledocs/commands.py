"""The command line's small commands: `new-group`, `clean`, `--list-groups` and `--open`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import UsageError
from .project import Project
from .validate import BOOK_FILE, FILE_ID, ID_PATTERN, group_ids

SKELETON = """---
id: {id}
title: {title}
location: TODO where the {lower} are, in a few words
summary: TODO their job in the stride, in one sentence for the quick reference
phases: [TODO]  # choose from: landing, stance, push-off, swing
muscles:
  - name: TODO
    where: TODO
    job: TODO
moves:
  - name: TODO
    how: TODO
    dose: TODO
    key: true  # the key move: the quick reference shows it
  - name: TODO
    how: TODO
    dose: TODO
  - name: TODO
    how: TODO
    dose: TODO
cues:
  - TODO one short thing to think about while running
figure:
  alt: TODO what the body map shows, for readers who cannot see it
  caption: TODO where the {lower} sit
---

## Where the {lower} sit {{#where}}

TODO

## What they do in the stride {{#stride}}

TODO

## Signs of weakness {{#signs}}

TODO
"""


def list_groups(project: Project) -> int:
    import yaml

    data = yaml.safe_load((project.chapters / BOOK_FILE).read_text(encoding="utf-8")) or {}
    titles = {g.get("id"): g.get("title", "") for g in data.get("groups", []) if isinstance(g, dict)}
    ids = group_ids(project.root)
    if not ids:
        raise UsageError(f"chapters/{BOOK_FILE} lists no groups that can be read; run --check to see why")
    width = max(map(len, ids))
    for group in ids:
        print(f"{group:<{width}}  {titles.get(group, '')}")
    return 0


def new_group(project: Project, group: str, title: str) -> int:
    """Start a group chapter: a skeleton with every field it needs, listed in book.yaml."""
    if not ID_PATTERN.fullmatch(group):
        raise UsageError(f'"{group}" is not a valid id: use lower-case letters, digits and hyphens, '
                         "starting with a letter (for example: shins)")
    if not title.strip():
        raise UsageError('give the group a title, for example: new-group shins "Shins"')
    book = project.chapters / BOOK_FILE
    ids = group_ids(project.root)
    if group in ids:
        raise UsageError(f'chapters/{BOOK_FILE} already has a group "{group}"')
    lines = book.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"groups:\s*(#.*)?$", line)), None)
    if start is None:
        raise UsageError(f"chapters/{BOOK_FILE} has no 'groups:' list written one entry a line; "
                         f"add '  - {{id: {group}, title: {title}}}' to it by hand")
    end = start + 1
    while end < len(lines) and re.match(r"\s+- ", lines[end]):
        end += 1
    numbers = [int(m.group(1)) for p in project.chapters.glob("*.md")
               if (m := re.match(r"(\d+)-", p.name)) and FILE_ID.match(p.stem) and p.stem.split("-", 1)[1] in ids]
    number = max(numbers, default=0) + 1
    chapter = project.chapters / f"{number:02d}-{group}.md"
    if chapter.exists():
        raise UsageError(f"{chapter.relative_to(project.root)} already exists")
    chapter.write_text(SKELETON.format(id=group, title=title.strip(), lower=title.strip().lower()), encoding="utf-8")
    lines.insert(end, f"  - {{id: {group}, title: {title.strip()}}}\n")
    book.write_text("".join(lines), encoding="utf-8")
    body_map = project.root / "assets" / "body-map.svg"
    print(f"wrote {chapter.relative_to(project.root)}, and listed {group} in chapters/{BOOK_FILE} (line {end + 1}).")
    print("Next:")
    if not body_map.is_file():
        print(f"  - copy the default body map into the project: mkdir -p assets && cp {project.asset('body-map.svg')} "
              "assets/body-map.svg")
    print(f'  - in assets/body-map.svg, draw the {title.strip().lower()} as shapes with data-group="{group}" over '
          "the front and/or back view (regions of different groups must not overlap);")
    print(f"  - replace every TODO in {chapter.relative_to(project.root)}, then run: python make_docs.py --check")
    return 0


def clean(project: Project) -> int:
    """Remove the project's build/ folder and its cache (nothing else)."""
    target = project.build
    if target.is_symlink():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    else:
        print(f"nothing to clean: {target} does not exist")
        return 0
    print(f"removed {target} (the outputs and the cache)")
    return 0


def open_file(path: Path) -> None:
    """Show `path` in the system's viewer, without a shell; say so if there is none."""
    if sys.platform == "darwin":
        command = ["open", str(path)]
    elif sys.platform == "win32":
        import os

        os.startfile(path)  # noqa: S606 (the system viewer, no shell)
        return
    else:
        command = ["xdg-open", str(path)]
    if shutil.which(command[0]) is None:
        print(f"--open: no viewer found ({command[0]} is not installed); the file is {path}", file=sys.stderr)
        return
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
