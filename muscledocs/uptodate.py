"""Is the output folder already up to date? Answered from file contents alone, before any
heavy module (Markdown, Jinja, WeasyPrint) is imported, so a no-op rebuild costs almost nothing.

The stamp records a digest of every input (chapters, assets, layouts, the builder's code and
library versions, the options) and a digest of every output written. Any change to either
means a real build. It also keeps the page proof's findings, so a no-op rebuild still reports
the defects of the outputs it leaves in place.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .cache import builder_fingerprint, font_subsetter
from .project import Project
from .writers import write_atomic

STAMP = ".muscledocs-build.json"
def inputs_digest(project: Project, settings: str) -> str:
    digest = hashlib.sha256(builder_fingerprint().encode())
    digest.update(settings.encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    digest.update(font_subsetter().encode())  # the environment's choice, this build's
    # Names relative to their folder: the same sources in another place give the same stamp.
    for label, path in project.input_files():
        digest.update(label.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def up_to_date(out: Path, inputs: str) -> tuple[list[str], list[list]] | None:
    """The output names and the recorded page findings ([output, page, rule, message] each)
    if `out` holds exactly what these inputs build, else None."""
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stamp.get("inputs") != inputs:
        return None
    for name, expected in stamp.get("outputs", {}).items():
        try:
            if hashlib.sha256((out / name).read_bytes()).hexdigest() != expected:
                return None
        except OSError:
            return None
    return list(stamp.get("outputs", {})), stamp.get("findings", [])


def record(out: Path, inputs: str, outputs: dict[str, bytes], findings: list[list] = ()) -> None:
    stamp = {"inputs": inputs,
             "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(outputs.items())},
             "findings": list(findings)}
    write_atomic(out / STAMP, json.dumps(stamp, indent=1, sort_keys=True).encode("utf-8"))


def previous_outputs(out: Path) -> list[str]:
    """The files the last build into `out` wrote (from its stamp): the builder's own files,
    the only ones a later build may remove."""
    try:
        stamp = json.loads((out / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    names = stamp.get("outputs", {})
    return [name for name in names if isinstance(name, str) and "/" not in name and not name.startswith(".")]
