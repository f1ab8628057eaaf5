"""A content-addressed cache of rendered outputs, one per project (build/.cache), shared by
every --out folder. A key covers everything a render depends on, so a hit is always correct."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import sys
import time
from functools import cache
from pathlib import Path

from .writers import write_atomic

CACHE_FORMAT = "1"
UNUSED_DAYS = 30  # an entry no build has read or written for this long is deleted
ENTRY_NAME = re.compile(r"[0-9a-f]{32}\.(bin|json)")
PACKAGE_DIR = Path(__file__).resolve().parent


RENDERING_PACKAGES = ("weasyprint", "pydyf", "pypdf", "pikepdf", "fonttools", "ebooklib", "pillow",
                      "font_source_sans_pro", "font_source_serif_pro", "lxml", "jinja2", "markdown_it_py",
                      "mdit_py_plugins", "pyyaml", "babel")


@cache
def builder_fingerprint() -> str:
    """Changes when the builder's code or a rendering library changes: the same for the whole
    process. The font subsetter, which the environment can choose build by build, is not in
    it: every key that depends on it names it (build._render, handout_parts, the stamp)."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    for source in sorted(PACKAGE_DIR.rglob("*.py")):
        digest.update(source.relative_to(PACKAGE_DIR).as_posix().encode() + source.read_bytes())
    digest.update(" ".join(_installed_versions()).encode())
    return digest.hexdigest()


def font_subsetter() -> str:
    """HarfBuzz's subsetter if the library loads, else fontTools: they write different bytes."""
    if os.environ.get("MUSCLEDOCS_SUBSETTER"):
        return os.environ["MUSCLEDOCS_SUBSETTER"]
    for name in ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "harfbuzz-subset.dll"):
        try:
            ctypes.CDLL(name)
            return "harfbuzz"
        except OSError:
            continue
    return "fonttools"


def _installed_versions() -> list[str]:
    """Installed distributions of the rendering libraries, read from their dist-info folder
    names (importlib.metadata.version() is ten times slower, and this runs on every build)."""
    found = []
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for name in os.listdir(folder):
            if name.endswith(".dist-info") and name.split("-")[0].lower() in RENDERING_PACKAGES:
                found.append(name)
    return sorted(found)


def key_for(*parts: str | bytes) -> str:
    digest = hashlib.sha256(builder_fingerprint().encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32]


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder

    def get(self, key: str) -> tuple[bytes, dict] | None:
        try:
            data = (self.folder / f"{key}.bin").read_bytes()
            info = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != info.get("sha256"):
            return None  # a damaged entry is a miss, never a wrong output
        try:
            os.utime(self.folder / f"{key}.json")  # used now: keeps it from being pruned
        except OSError:
            pass
        return data, info

    def put(self, key: str, data: bytes, info: dict) -> None:
        info = dict(info, sha256=hashlib.sha256(data).hexdigest())
        write_atomic(self.folder / f"{key}.bin", data)
        write_atomic(self.folder / f"{key}.json", json.dumps(info, sort_keys=True).encode("utf-8"))

    def prune(self, unused_days: float = UNUSED_DAYS) -> None:
        """Delete entries no build has used for `unused_days`, so that a project edited for
        months keeps a cache the size of a few builds."""
        cutoff = time.time() - unused_days * 86400
        try:
            names = [name for name in os.listdir(self.folder) if ENTRY_NAME.fullmatch(name)]
        except OSError:
            return
        for name in names:
            entry = self.folder / name
            # An entry's age is its .json's (written last by put(), touched by get()); a .bin
            # without one is aged by itself.
            stamp = entry.with_suffix(".json")
            try:
                if (stamp if stamp.exists() else entry).stat().st_mtime < cutoff:
                    entry.unlink()
            except OSError:
                continue  # another build removed or replaced it meanwhile
