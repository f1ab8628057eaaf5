"""Chapter prose: Markdown -> safe HTML fragments, with every problem reported by source line.

The work is done by small markdown-it core rules that share the chapter's `state.env`
(prose_model.ProseEnv), run in this order after parsing:

  prose_syntax   refuse Markdown the outputs do not support (task lists, indented code, ...)
  prose_editions  drop paragraphs and list items marked {only: group} for groups the edition omits
  prose_text     {{ name }} substitutions from the book's data; characters the fonts lack
  prose_html     the HTML policy (a few inline tags, rebuilt; everything else refused)
  prose_links    images and links checked and mapped to internal URLs
  prose_blocks   section keys, links within the chapter, block ids, figures
  prose_footnotes  notes moved to where they are referenced

Renderers receive URLs in internal forms and map them to their own layout: `src="figure:NAME"`
(a drawing the builder generates), `src="assets/..."` (a project file), and `href="chapter:ID"`
or `href="chapter:ID#ANCHOR"` (another chapter, or a section of it).
"""

from __future__ import annotations

from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .model import Section
from .prose_blocks import block_ids, promote_figures, resolve_fragments, section_keys
from .prose_editions import edition_blocks
from .prose_footnotes import footnotes
from .prose_html import html_policy
from .prose_links import resolve_links
from .prose_model import LinkContext, Problem, Prose, ProseEnv, walk
from .prose_syntax import refuse_unsupported
from .prose_text import check_characters, substitute

__all__ = ["LinkContext", "Problem", "Prose", "render_prose"]

RULES = [
    ("refuse_unsupported", refuse_unsupported),
    ("edition_blocks", edition_blocks),
    ("substitute", substitute),
    ("check_characters", check_characters),
    ("html_policy", html_policy),
    ("resolve_links", resolve_links),
    ("section_keys", section_keys),
    ("resolve_fragments", resolve_fragments),
    ("footnotes", footnotes),  # after links and fragments: a note's text is rendered here
    ("block_ids", block_ids),
    ("promote_figures", promote_figures),
]


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin, inline=False, move_to_end=False)
    md.use(deflist_plugin)  # parsed so that a definition list outside the glossary is reported
    # markdown-it quietly turns a javascript:, file: or data: link into plain text. Let every
    # target through as a link or image instead, so prose_links can report it by file and line.
    md.validateLink = lambda url: True
    for name, rule in RULES:
        md.core.ruler.push(name, rule)
    return md


_MD = _parser()


def render_prose(source: str, first_line: int, chapter_id: str, links: LinkContext) -> Prose:
    """Render a chapter body. `first_line` is the file line (1-based) that line 0 of `source` is on."""
    prose = Prose()
    env = ProseEnv(first_line, chapter_id, links, prose, source.split("\n"))
    tokens = _MD.parse(source, {"chapter": env})
    renderer = _MD.renderer
    for index, (heading, body, line) in enumerate(_sections(tokens, first_line)):
        heading_html = ""
        if heading is not None:
            # The heading's inline Markdown (*emphasis*, `code`), already checked like any prose.
            heading_html = renderer.renderInline(body[1].children or [], _MD.options, {})
            body = body[3:]  # the heading's open, inline and close tokens
        html = renderer.render(body, _MD.options, {})
        if not prose.problems:
            _check_well_formed(html, line, prose)
        if index == 0:
            prose.intro_html = html
        else:
            prose.sections.append(Section(key=heading.meta["section"], heading=heading_html, html=html,
                                          anchor=heading.attrGet("id")))
    prose.text = _plain_text(tokens)
    return prose


def _sections(tokens: list[Token], first_line: int) -> list[tuple[Token | None, list[Token], int]]:
    """The tokens before the first section heading, then one chunk per section (its heading first)."""
    chunks: list[tuple[Token | None, list[Token], int]] = [(None, [], first_line)]
    for token in tokens:
        if token.type == "heading_open" and "section" in token.meta:
            chunks.append((token, [], first_line + (token.map[0] if token.map else 0)))
        chunks[-1][1].append(token)
    return chunks


def _check_well_formed(html: str, line: int, prose: Prose) -> None:
    """The EPUB is XHTML: a fragment that is not well-formed XML would break it."""
    try:
        etree.fromstring(f"<div>{html}</div>".encode())
    except etree.XMLSyntaxError:
        prose.problems.append(Problem(line, "the HTML tags in this part of the chapter cross each other",
                                      "Open and close each <tag> inside the same *emphasis*, **bold** "
                                      "or [link]"))


def _plain_text(tokens: list[Token]) -> str:
    """The prose as plain sentences (no headings), for reading-level and length checks."""
    words: list[str] = []
    in_heading = False
    for token in tokens:
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline" and not in_heading:
            words.append("".join(c.content for c in walk(token.children or [])
                                 if c.type in ("text", "code_inline")))
    return " ".join(w.strip() for w in words if w.strip())
