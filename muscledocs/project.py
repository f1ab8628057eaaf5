"""The project a build reads: found, not assumed.

A project is a folder with `chapters/` (the working directory, or `--project DIR`). Its own
`layouts/` and `assets/` override the builder's defaults file by file, the way MkDocs'
`custom_dir` overrides a theme: a project that only wants another cover stylesheet keeps just
that file. The defaults ship inside the installed package (`muscledocs.layouts` and
`muscledocs.assets`, which in this repository are its top-level `layouts/` and `assets/`).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import UsageError
from .typefaces import FONT_DIRS


@cache
def default_folder(kind: str) -> Path:
    """Where the installed package keeps its default `layouts` or `assets`."""
    spec = importlib.util.find_spec(f"muscledocs.{kind}")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]).resolve()
    return (Path(__file__).resolve().parent.parent / kind).resolve()  # a checkout run uninstalled


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def find(cls, folder: Path | None = None) -> Project:
        """The project in `folder` (default: the working directory), or a UsageError saying
        what a project folder holds."""
        root = (folder or Path.cwd()).resolve()
        if not (root / "chapters").is_dir():
            raise UsageError(f"{root} is not a project folder: it has no chapters/ folder. Run this in the "
                             "folder that holds chapters/, or pass --project DIR")
        return cls(root)

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def cache_folder(self) -> Path:
        return self.root / "build" / ".cache"

    def layout_dirs(self) -> tuple[Path, ...]:
        """Where layouts are looked up, the project's own first."""
        return self._overlay("layouts")

    def asset_dirs(self) -> tuple[Path, ...]:
        return self._overlay("assets")

    def _overlay(self, kind: str) -> tuple[Path, ...]:
        own, default = (self.root / kind).resolve(), default_folder(kind)
        return (own, default) if own != default and own.is_dir() else (default,)

    def layout(self, name: str) -> Path:
        return _first(self.layout_dirs(), name, "layouts")

    def asset(self, name: str) -> Path:
        """An asset the builder itself needs (the body map): the project's, else the default."""
        return _first(self.asset_dirs(), name, "assets")

    def read_layout(self, name: str) -> str:
        return self.layout(name).read_text(encoding="utf-8")

    def allowed_roots(self) -> tuple[Path, ...]:
        """What a render may read: the project, the layouts and assets, the bundled fonts."""
        return (self.root,) + self.layout_dirs() + self.asset_dirs() + FONT_DIRS

    def input_files(self) -> list[tuple[str, Path]]:
        """Every file a build reads, as (name relative to its folder kind, path): the chapters,
        the project's assets and the layouts and assets in effect (overlay applied)."""
        files: dict[str, Path] = {}
        for label, folders in (("chapters", (self.chapters,)), ("layouts", self.layout_dirs()),
                               ("assets", self.asset_dirs())):
            for folder in reversed(folders):  # the project's own file wins
                for path in sorted(folder.rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts:
                        files[f"{label}/{path.relative_to(folder).as_posix()}"] = path
        return sorted(files.items())


def _first(folders: tuple[Path, ...], name: str, kind: str) -> Path:
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{kind}/{name} is in none of: {', '.join(map(str, folders))}")
