"""Write files atomically: a reader, a crash or a second build never sees half a file."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:  # includes KeyboardInterrupt: never leave a partial file behind
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise


def same_content(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def remove_stale_parts(folder: Path, older_than: float = 600.0) -> None:
    """Remove temporary files that a killed build left behind (our own `.NAME.*.part` only).

    A file younger than `older_than` seconds may belong to a build running right now, so it stays.
    """
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > older_than:
                part.unlink()
        except FileNotFoundError:
            pass  # another build finished with it first
