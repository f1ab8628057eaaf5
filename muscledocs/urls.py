"""Internal URLs, and the one function that maps them for an output.

The Markdown stage and the layouts write every link and image in an internal form:
`href="chapter:ID"` or `href="chapter:ID#ANCHOR"` (another chapter, or a section of it),
`src="figure:NAME"` (a drawing the builder makes) and `src="assets/..."` (a project file). Each
output format says what one becomes in its own layout (`Format.url`); `rewrite_urls` applies
that to a document. A link to a chapter the output leaves out (a clinic edition without that
group, a booklet part rendered on its own) becomes plain text: a link to nothing fails the
PDF render and EPUBCheck.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape, unescape

CHAPTER_LINK = re.compile(r'<a href="(chapter:[^"]*)"([^>]*)>(.*?)</a>', re.S)
SOURCE = re.compile(r'(\ssrc=")((?:figure:|assets/)[^"]*)(")')


def rewrite_urls(html: str, url: Callable[[str], str | None]) -> str:
    """`html` with every internal URL replaced by `url(internal)`; a chapter link `url` maps
    to None is unlinked (its text stays)."""

    def link(match: re.Match) -> str:
        target = url(unescape(match.group(1)))
        if target is None:
            return match.group(3)
        return f'<a href="{escape(target)}"{match.group(2)}>{match.group(3)}</a>'

    def source(match: re.Match) -> str:
        return match.group(1) + escape(url(unescape(match.group(2))) or "") + match.group(3)

    return SOURCE.sub(source, CHAPTER_LINK.sub(link, html))


def split_chapter_url(url: str) -> tuple[str, str | None]:
    """"chapter:glutes#glutes-signs" -> ("glutes", "glutes-signs")."""
    chapter, _, anchor = url.removeprefix("chapter:").partition("#")
    return chapter, anchor or None
