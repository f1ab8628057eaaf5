"""A content-addressed cache of rendered outputs, one per project (build/.cache), shared by
every --out folder. A key covers everything a render depends on, so a hit is always correct."""

from __future__ import annotations

import ctypes.util
import hashlib
import json
import os
from functools import cache
from importlib import metadata
from pathlib import Path

from .writers import write_atomic

CACHE_FORMAT = "1"
PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def builder_fingerprint() -> str:
    """Changes when the builder's code or a rendering library changes."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    # The font subsetter changes the PDF bytes: HarfBuzz's if installed, else fontTools.
    subsetter = os.environ.get("MUSCLEDOCS_SUBSETTER") or ctypes.util.find_library("harfbuzz-subset") or "fonttools"
    digest.update(subsetter.encode())
    for source in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    for package in ("weasyprint", "pydyf", "pypdf", "ebooklib", "Pillow", "font-source-sans-pro",
                    "font-source-serif-pro"):
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()


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
        return data, info

    def put(self, key: str, data: bytes, info: dict) -> None:
        info = dict(info, sha256=hashlib.sha256(data).hexdigest())
        write_atomic(self.folder / f"{key}.bin", data)
        write_atomic(self.folder / f"{key}.json", json.dumps(info, sort_keys=True).encode("utf-8"))
