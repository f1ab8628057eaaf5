"""Source errors that point at a file and line, and the exception that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class SourceError:
    """One problem in the sources, printed as `path:line: message (hint)`."""

    path: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else text


class BuildError(Exception):
    """Raised with every collected SourceError; nothing has been written when it is raised."""

    def __init__(self, errors: list[SourceError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


class ErrorLog:
    """Collects errors so validation can report all of them at once."""

    def __init__(self, root: Path):
        self.root = root
        self.errors: list[SourceError] = []

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def add(self, path: Path, line: int, message: str, hint: str = "") -> None:
        self.errors.append(SourceError(self.relative(path), max(line, 1), message, hint))

    def raise_if_any(self) -> None:
        if self.errors:
            raise BuildError(self.errors)
