"""Typography a publisher would ship: curly quotes and apostrophes in every printed field,
hyphenation that breaks anatomical terms correctly or not at all, and balanced title lines.

The chapters' prose gets its quotes from markdown-it's typographer; `smarten` applies the same
rules to the text the layouts print from the front matter and book.yaml (titles, table cells,
cues), so the two never differ.
"""

from __future__ import annotations

import re
from functools import cache
from html import escape
from pathlib import Path

from markupsafe import Markup

SOFT_HYPHEN = "\u00ad"
TAG = re.compile(r"(<[^>]*>)")
# A paragraph, list item, definition or caption never ends on half a word.
BLOCK_END = re.compile(r"</(?:p|li|dd|figcaption)>")
# Tags that start or end a block: the search for a block's last word stops at them.
BLOCK_TAG = re.compile(r"</?(?:p|li|dd|dt|dl|ul|ol|div|section|nav|table|caption|thead|tbody|tr|td|th|h[1-6]"
                       r"|figure|figcaption|br)\b")
# More than a line of running text holds in any print layout (about 80 at most).
LAST_LINE_CHARS = 90
WHOLE = '<span class="whole">'
# What markdown-it's typographer changes: quotes, dashes, ellipses, (c), (tm), +-.
TYPOGRAPHER_INPUT = re.compile(r"['\"]|--|\.\.|\+-|\((?:c|r|tm|p)\)|[?!]{2}|,,", re.IGNORECASE)


@cache
def _typographer():
    # Imported here: a build whose book comes from the cache may never need it (13 ms).
    from markdown_it import MarkdownIt

    # "zero" leaves every Markdown construct as text: only quotes, dashes and ellipses change.
    return MarkdownIt("zero", {"typographer": True}).enable(["replacements", "smartquotes"])


def smarten(text: str) -> str:
    """Curly quotes and apostrophes, en and em dashes, ellipses: "coach's" -> "coach’s"."""
    if isinstance(text, Markup) or not TYPOGRAPHER_INPUT.search(text):
        return text
    tokens = _typographer().parseInline(text)
    return "".join(child.content for child in tokens[0].children or []) if tokens else text


def read_exceptions(text: str) -> dict[str, str]:
    """Hyphenation exceptions, one word a line as it may break: `ilio-psoas`; a word written
    without hyphens never breaks. Keys are lower case."""
    words = {}
    for line in text.splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words[word.replace("-", "").lower()] = word
    return words


def apply_hyphenation_rules(body_html: str, exceptions: dict[str, str]) -> str:
    """Mark up print HTML (the part after <body>) so that WeasyPrint breaks words well:

    - the end of each paragraph, list item, definition and caption is kept whole
      (`<span class="whole">`, which the stylesheet sets to `hyphens: none`), so that no
      block's last line starts with half a word;
    - each exception word becomes a `<span class="hy">` holding soft hyphens where it may
      break (WeasyPrint then uses only those), or none if it must never break.

    Works on the text between tags only, so attributes (alt text, data: URIs) are untouched.
    """
    tokens = TAG.split(body_html)
    for index, token in enumerate(tokens):
        if BLOCK_END.fullmatch(token):
            _keep_end_whole(tokens, index)
    tokens = TAG.split(keep_compounds_whole("".join(tokens)))
    if exceptions:
        pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, exceptions), key=len, reverse=True))
                             + r")(s?)\b", re.IGNORECASE)

        def mark(match: re.Match) -> str:
            word, plural = match.group(1), match.group(2)
            pieces, at = [], 0
            for part in exceptions[word.lower()].split("-"):
                pieces.append(escape(word[at:at + len(part)], quote=False))
                at += len(part)
            return f'<span class="hy">{SOFT_HYPHEN.join(pieces)}{plural}</span>'

        for index, token in enumerate(tokens):
            if token and not token.startswith("<") and (index < 1 or tokens[index - 1] != WHOLE):
                tokens[index] = pattern.sub(mark, token)
    return "".join(tokens)


# A short hyphenated word with the punctuation around it, as one whitespace-delimited run: the
# span then holds whole words only, so a reader hears the same text with or without it.
COMPOUND = re.compile(r"(?<!\S)([(\[“‘\"']?[^\W\d_]{2,8}-[^\W\d_]{2,8}[)\].,;:!?’”\"']*)(?!\S)")


def keep_compounds_whole(html: str) -> str:
    """A short hyphenated word ("push-off") never breaks at its hyphen: "push-" at a line's end
    reads as a broken word. Works on the text between tags only."""
    tokens = TAG.split(html)
    for index, token in enumerate(tokens):
        if token and not token.startswith("<") and "-" in token:
            tokens[index] = COMPOUND.sub(r'<span class="nobr">\1</span>', token)
    return "".join(tokens)


def _keep_end_whole(tokens: list[str], end: int) -> None:
    """Wrap the text of the last LAST_LINE_CHARS characters before tokens[end] (a block's
    closing tag) in `whole` spans, from the start of a word: the break before a block's last
    line falls inside them, so that line never starts with the second half of a word. The last
    two words are joined by a no-break space, so the last line is never one short word."""
    remaining = LAST_LINE_CHARS
    last = True
    for index in range(end - 1, -1, -1):
        token = tokens[index]
        if token.startswith("<"):
            if BLOCK_TAG.match(token):
                return
            continue
        if not token.strip():
            continue
        if last:
            token = LAST_SPACE.sub("\u00a0", token, count=1)
            last = False
        if len(token) < remaining:
            tokens[index] = WHOLE + token + "</span>"
            remaining -= len(token)
            continue
        cut = token.rfind(" ", 0, len(token) - remaining) + 1
        tokens[index] = token[:cut] + WHOLE + token[cut:] + "</span>"
        return


# The space before a block's last word, when that word is short enough to sit alone.
LAST_SPACE = re.compile(r" (?=\S{1,12}\s*$)")


def text_width(text: str, font_path: Path, size_pt: float) -> float:
    """The advance width of `text` in points, from the font's own advances (FreeType, through
    Pillow: it loads a face in a millisecond, where parsing its tables takes twenty)."""
    return _face(str(font_path)).getlength(text) * size_pt / FACE_SIZE


FACE_SIZE = 1000  # load faces large, so the advances keep their precision


@cache
def _face(font_path: str):
    from PIL import ImageFont

    # Basic layout: the advances alone, with no shaping library the machine may or may not have.
    return ImageFont.truetype(font_path, size=FACE_SIZE, layout_engine=ImageFont.Layout.BASIC)


def balanced_lines(text: str, font_path: Path, size_pt: float, width_pt: float) -> list[str]:
    """Break `text` into the fewest lines that fit `width_pt`, as evenly as possible: "Muscles
    Worked / When Running" rather than "Muscles Worked When / Running"."""
    words = text.split()
    if not words:
        return []
    space = text_width(" ", font_path, size_pt)
    widths = [text_width(word, font_path, size_pt) for word in words]

    def lines_for(limit: float) -> list[list[int]] | None:
        lines: list[list[int]] = [[]]
        used = 0.0
        for index, width in enumerate(widths):
            extra = width if not lines[-1] else space + width
            if lines[-1] and used + extra > limit:
                lines.append([index])
                used = width
            else:
                lines[-1].append(index)
                used += extra
            if width > limit:
                return None
        return lines

    fewest = lines_for(width_pt)
    if fewest is None:  # a word wider than the measure: let the layout break it
        return [text]
    count = len(fewest)
    low, high = 0.0, width_pt
    for _ in range(20):  # narrow the measure while the line count holds
        middle = (low + high) / 2
        trial = lines_for(middle)
        if trial is not None and len(trial) == count:
            high = middle
        else:
            low = middle
    best = lines_for(high) or fewest
    return [" ".join(words[i] for i in line) for line in best]
