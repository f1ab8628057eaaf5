"""The book's typefaces: which fonts the PDFs use, which characters they can draw, and a font
configuration that offers WeasyPrint those fonts and nothing else.

The fonts are the Source Serif Pro and Source Sans Pro packages from PyPI. A character prints
when any of their faces has it: the layouts choose a face (serif body, sans headings and tables,
italic cues), and where that face lacks a character (the italic has no arrows or ✓) the renderer
takes it from another bundled face. A character none of them has is a source error, found here
from the fonts' own character maps, before anything renders. Since the renderer sees only these
fonts, no glyph ever comes from the machine's own fonts, and every machine prints the same PDF.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import font_source_sans_pro
import font_source_serif_pro

FONT_FACES = [
    ("Source Serif Pro", font_source_serif_pro, "SourceSerifPro", [("Regular", 400, "normal"),
     ("It", 400, "italic"), ("Semibold", 600, "normal"), ("SemiboldIt", 600, "italic"),
     ("Bold", 700, "normal"), ("BoldIt", 700, "italic")]),
    ("Source Sans Pro", font_source_sans_pro, "SourceSansPro", [("Regular", 400, "normal"),
     ("It", 400, "italic"), ("Semibold", 600, "normal"), ("SemiboldIt", 600, "italic"),
     ("Bold", 700, "normal"), ("BoldIt", 700, "italic")]),
]
FONT_DIRS = tuple(Path(module.font_directory).resolve() for _, module, _, _ in FONT_FACES)
FAMILIES = " and ".join(family for family, _, _, _ in FONT_FACES)
# Characters writers reach for that the fonts lack, and what to type instead.
INSTEAD = {
    "\u2011": "an ordinary hyphen -",
    "\u2717": "the multiplication sign × or the word \"no\"",
    "\u2718": "the multiplication sign × or the word \"no\"",
    "\u2714": "the check mark ✓",
    "\u2605": "an asterisk * or the word \"key\"",
}


def font_files() -> list[tuple[str, Path, int, str]]:
    """(family, file, weight, style) of every face the layouts use."""
    return [(family, Path(module.font_directory) / f"{stem}-{name}.ttf", weight, style)
            for family, module, stem, styles in FONT_FACES for name, weight, style in styles]


@cache
def printable() -> frozenset[int]:
    """Every code point some bundled face can draw, read from the fonts' character maps."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for _, path, _, _ in font_files():
        font = TTFont(path, lazy=True)
        points.update(font.getBestCmap())
        font.close()
    return frozenset(points)


def _needs_no_glyph(char: str) -> bool:
    # Line breaks, tabs, and format characters (soft hyphen, zero-width space, joiners,
    # variation selectors) are layout instructions, never drawn; the renderer sets a space
    # the fonts lack (a thin space) as blank space of the right width.
    category = unicodedata.category(char)
    return category in ("Cc", "Cf", "Zs") or 0xFE00 <= ord(char) <= 0xFE0F


def unprintable(text: str) -> list[str]:
    """The runs of characters in `text` that no bundled face can draw (an Arabic word is one
    run, not five), each once, in order."""
    if not text:
        return []  # nothing to look up: the fonts' character maps are not even read
    covered = printable()
    found: list[str] = []
    run = ""
    for char in text + "\n":
        if ord(char) not in covered and not _needs_no_glyph(char):
            run += char
            continue
        if run and run not in found:
            found.append(run)
        run = ""
    return found


def describe(run: str) -> tuple[str, str]:
    """A source-error message and hint for characters the fonts cannot draw."""
    char = run[0]
    name = unicodedata.name(char, "")
    more = f" and {len(run) - 1} more" if len(run) > 1 else ""
    shown = f'"{run}" (U+{ord(char):04X}{" " + name if name else ""}{more})'
    message = f"{shown} is not in the book's typefaces ({FAMILIES}), so it cannot print"
    category = unicodedata.category(char)
    if char in INSTEAD:
        hint = f"Type {INSTEAD[char]} instead"
    elif ord(char) >= 0x1F000 or category == "So":
        hint = "Write it in words: pictures and emoji cannot be printed in this book"
    elif category.startswith("L"):
        hint = ("Write the word in the Latin, Greek or Cyrillic alphabet; "
                "other scripts need a typeface the book does not have")
    else:
        hint = "Write it in words, or use a character from an ordinary keyboard"
    return message, hint


def bundled_font_config():
    """A WeasyPrint FontConfiguration that knows only the fonts the stylesheets load with
    @font-face (the bundled faces), never the fonts installed on the machine. A character
    missing from them renders as .notdef, which fails the render: validation refuses such
    characters first, so that is a builder bug, never a silent substitute."""
    from weasyprint.text.ffi import ffi, fontconfig, pangoft2
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(fontconfig, "FcConfigCreate"):
        ffi.cdef("FcConfig * FcConfigCreate (void);")
    config = FontConfiguration()
    empty = fontconfig.FcConfigCreate()  # no font folders, no system fonts
    pangoft2.pango_fc_font_map_set_config(ffi.cast("PangoFcFontMap *", config.font_map), empty)
    config._config = empty  # what add_font_face registers the @font-face files in
    fontconfig.FcConfigDestroy(empty)  # the font map keeps its own reference
    return config
