"""Links between chapters. The Markdown stage writes them as `href="chapter:ID"` or
`href="chapter:ID#ANCHOR"`; each renderer maps them to its own layout here. A link to a chapter
the output leaves out (a clinic edition without that group, a booklet part rendered on its own)
becomes plain text: a link to nothing fails the PDF render and EPUBCheck."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from html import escape

CHAPTER_LINK = re.compile(r'<a href="chapter:([^"#]+)(?:#([^"]*))?"([^>]*)>(.*?)</a>', re.S)


def map_chapter_links(html: str, present: Collection[str], href: Callable[[str, str | None], str]) -> str:
    """Point each chapter link at `href(chapter_id, anchor)`, or unlink it if the chapter is absent."""

    def replace(match: re.Match) -> str:
        chapter_id, anchor, attributes, text = match.groups()
        if chapter_id not in present:
            return text
        return f'<a href="{escape(href(chapter_id, anchor))}"{attributes}>{text}</a>'

    return CHAPTER_LINK.sub(replace, html)
