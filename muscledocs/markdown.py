"""Chapter prose: Markdown -> safe HTML fragments, with every problem reported by source line.

Renderers receive URLs in two internal forms and map them to their own layout:
`src="figure:NAME"` (a drawing the builder generates), `src="assets/..."` (a project file), and
`href="chapter:ID"` (another chapter). Every block gets a stable id, so the print page map
can say which element starts each printed page and the EPUB can mark the same spot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import Figure, Section

HEADING_ID = re.compile(r"\s*\{#([A-Za-z][\w-]*)\}\s*$")
# Inline HTML a chapter may use; anything else is an error rather than a silent pass-through.
ALLOWED_TAGS = {"br", "abbr", "sub", "sup", "kbd", "mark", "small", "wbr"}
ALLOWED_ATTRS = {"title", "lang"}
TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w:-]*)([^>]*)>", re.S)
ATTR = re.compile(r"([^\s=/]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
BLOCK_TOKENS = {"paragraph_open", "heading_open", "list_item_open", "tr_open", "blockquote_open"}


@dataclass
class Problem:
    line: int
    message: str
    hint: str = ""


@dataclass
class Prose:
    intro_html: str = ""
    sections: list[Section] = field(default_factory=list)
    section_lines: dict[str, int] = field(default_factory=dict)
    images: list[Figure] = field(default_factory=list)
    text: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class LinkContext:
    """What a chapter's links may point at."""

    project: Path
    chapter_path: Path
    chapter_files: dict[str, str]  # file name -> chapter id
    figures: frozenset[str]


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"typographer": True, "html": True})
    md.enable(["table", "replacements", "smartquotes"])
    return md


_MD = _parser()


def render_prose(source: str, first_line: int, chapter_id: str, links: LinkContext) -> Prose:
    """Render a chapter body. `first_line` is the file line the body starts on (1-based)."""
    prose = Prose()
    tokens = _MD.parse(source)
    counter = 0
    chunks: list[tuple[str | None, str, str, list[Token]]] = [(None, "", "", [])]

    def line_of(token: Token) -> int:
        return first_line + (token.map[0] if token.map else 0)

    for i, token in enumerate(tokens):
        if token.type in ("html_block", "html_inline"):
            _check_html(token.content, line_of(token), prose)
            token.content = ""
        if token.type == "inline":
            _check_inline(token, tokens[i - 1], line_of(tokens[i - 1]), links, prose)
        if token.type in BLOCK_TOKENS and not token.hidden:
            counter += 1
            token.attrSet("id", f"{chapter_id}-{counter}")
        if token.type == "heading_open":
            inline = tokens[i + 1]
            match = HEADING_ID.search(inline.content)
            key = match.group(1) if match else None
            if match:
                _strip_heading_id(inline)
            if token.tag == "h1":
                prose.problems.append(Problem(line_of(token), "a chapter body must not use a level-1 heading",
                                              "The chapter title comes from the front matter; use ## for sections"))
            if token.tag == "h2":
                key = key or _slug(inline.content)
                token.attrSet("id", f"{chapter_id}-{key}")
                prose.section_lines[key] = line_of(token)
                chunks.append((key, inline.content, token.attrGet("id"), []))
                continue
        chunks[-1][3].append(token)

    renderer = _MD.renderer
    for index, (key, heading, heading_id, body) in enumerate(chunks):
        if index:
            body = body[2:]  # the heading's own inline and heading_close tokens
        html = renderer.render(_promote_figures(body), _MD.options, {})
        if index == 0:
            prose.intro_html = html
        else:
            prose.sections.append(Section(key=key, heading=escape(heading), html=html,
                                          anchor=heading_id))
    prose.text = _plain_text(tokens)
    return prose


def _strip_heading_id(inline: Token) -> None:
    inline.content = HEADING_ID.sub("", inline.content)
    if inline.children:
        last = inline.children[-1]
        if last.type == "text":
            last.content = HEADING_ID.sub("", last.content)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def _promote_figures(body: list[Token]) -> list[Token]:
    """A paragraph holding only an image becomes a <figure> with the image title as caption."""
    out: list[Token] = []
    i = 0
    while i < len(body):
        tok = body[i]
        if (tok.type == "paragraph_open" and i + 2 < len(body) and body[i + 1].type == "inline"
                and body[i + 2].type == "paragraph_close"):
            kids = [c for c in (body[i + 1].children or []) if not (c.type == "text" and not c.content.strip())]
            if len(kids) == 1 and kids[0].type == "image":
                image = kids[0]
                alt = escape("".join(c.content for c in (image.children or [])))
                caption = escape(image.attrGet("title") or "")
                src = escape(image.attrGet("src") or "")
                fig = Token("html_block", "", 0)
                fig.content = (f'<figure id="{tok.attrGet("id")}" class="figure">'
                               f'<img src="{src}" alt="{alt}"/>'
                               + (f"<figcaption>{caption}</figcaption>" if caption else "")
                               + "</figure>\n")
                out.append(fig)
                i += 3
                continue
        out.append(tok)
        i += 1
    return out


def _check_html(content: str, line: int, prose: Prose) -> None:
    for offset, match in _tags(content):
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        at = line + content[:offset].count("\n")
        if name not in ALLOWED_TAGS:
            prose.problems.append(Problem(at, f"raw HTML <{name}> is not allowed",
                                          "Write it in Markdown; only " + ", ".join(
                                              f"<{t}>" for t in sorted(ALLOWED_TAGS)) + " may be used"))
            continue
        if closing:
            continue
        for attr in ATTR.finditer(attrs.rstrip("/")):
            attr_name = attr.group(1).lower()
            if attr_name not in ALLOWED_ATTRS:
                prose.problems.append(Problem(at, f'attribute "{attr_name}" on <{name}> is not allowed',
                                              "Remove it (event handlers, styles and scripts never reach an output)"))


def _tags(content: str):
    for match in TAG.finditer(content):
        yield match.start(), match


def _check_inline(inline: Token, opener: Token, line: int, links: LinkContext, prose: Prose) -> None:
    source_lines = inline.content.split("\n")

    def line_for(needle: str) -> int:
        for n, text in enumerate(source_lines):
            if needle and needle in text:
                return line + n
        return line

    for child in _walk(inline.children or []):
        if child.type == "html_inline":
            _check_html(child.content, line_for(child.content), prose)
            if not _only_allowed(child.content):
                child.content = ""
        elif child.type == "image":
            src = child.attrGet("src") or ""
            at = line_for(src)
            alt = "".join(c.content for c in (child.children or [])).strip()
            if not alt:
                prose.problems.append(Problem(at, f'image "{src}" has no alt text',
                                              "Describe the image inside ![...] for readers who cannot see it"))
            resolved = _resolve(src, links, at, prose, image=True)
            if resolved is not None:
                child.attrSet("src", resolved)
                prose.images.append(Figure(src=resolved, alt=alt, caption=child.attrGet("title") or ""))
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            resolved = _resolve(href, links, line_for(href), prose, image=False)
            if resolved is not None:
                child.attrSet("href", resolved)


def _only_allowed(content: str) -> bool:
    return all(m.group(2).lower() in ALLOWED_TAGS for _, m in _tags(content))


def _walk(children: list[Token]):
    for child in children:
        yield child
        if child.children:
            yield from _walk(child.children)


def _resolve(url: str, links: LinkContext, line: int, prose: Prose, *, image: bool) -> str | None:
    """Map a chapter URL to the builder's internal form, or record why it cannot be used."""
    what = "image" if image else "link"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "figure":
        if parts.path in links.figures:
            return url
        prose.problems.append(Problem(line, f'unknown figure "{parts.path}"',
                                      "Known figures: " + ", ".join(sorted(links.figures))))
        return None
    if scheme in ("http", "https", "ftp", "//") or url.startswith("//"):
        if image:
            prose.problems.append(Problem(line, f"remote image {url} is not allowed",
                                          "The build never uses the network: save the image in assets/ "
                                          "and link to it"))
            return None
        return url  # a plain hyperlink is fine; nothing is fetched
    if scheme == "mailto" and not image:
        return url
    if not image and url.startswith("#"):
        return url
    if scheme and scheme != "file":
        prose.problems.append(Problem(line, f"{what} {url} uses an unsupported scheme \"{scheme}\"",
                                      "Use a path inside the project"))
        return None
    raw = unquote(parts.path)
    if not raw:
        prose.problems.append(Problem(line, f"empty {what} target", "Give the file it points at"))
        return None
    target = Path(raw) if (scheme == "file" or raw.startswith("/")) else links.chapter_path.parent / raw
    target = target.resolve()
    project = links.project.resolve()
    if not target.is_relative_to(project):
        prose.problems.append(Problem(line, f"{what} {url} points outside the project",
                                      "Only files inside the project can be used"))
        return None
    if not image and target.parent == links.chapter_path.parent.resolve() and target.suffix == ".md":
        chapter_id = links.chapter_files.get(target.name)
        if chapter_id is None:
            prose.problems.append(Problem(line, f"link {url} points at no chapter",
                                          "Link to one of: " + ", ".join(sorted(links.chapter_files))))
            return None
        return f"chapter:{chapter_id}"
    if not target.is_file():
        prose.problems.append(Problem(line, f"{what} {url} does not exist",
                                      "Check the file name; paths are relative to the chapter file"))
        return None
    rel = target.relative_to(project).as_posix()
    if not rel.startswith("assets/"):
        prose.problems.append(Problem(line, f"{what} {url} is not in assets/",
                                      "Put images and attachments in the assets/ folder"))
        return None
    return rel


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
            words.append("".join(c.content for c in _walk(token.children or [])
                                 if c.type in ("text", "code_inline")))
    return " ".join(w.strip() for w in words if w.strip())
