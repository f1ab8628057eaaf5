"""Chapter prose: Markdown -> safe HTML fragments, with every problem reported by source line.

Renderers receive URLs in internal forms and map them to their own layout:
`src="figure:NAME"` (a drawing the builder generates), `src="assets/..."` (a project file), and
`href="chapter:ID"` or `href="chapter:ID#ANCHOR"` (another chapter, or a section of it). Every
block gets a stable id, so the print page map can say which element starts each printed page
and the EPUB can mark the same spot.

Safety: raw HTML is reduced to a short list of inline tags, each rebuilt from its name and
allowed attributes (so a `<br>` comes out as the XHTML `<br/>` the EPUB needs); anything else
(scripts, iframes, stylesheets, event handlers) is an error and never reaches an output. Every
image and link target is checked here: only files inside the project, never the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .model import Figure, Section

HEADING_ID = re.compile(r"\s*\{#([A-Za-z][\w-]*)\}\s*$")
# Inline HTML a chapter may use; anything else is an error rather than a silent pass-through.
ALLOWED_TAGS = {"br", "abbr", "sub", "sup", "kbd", "mark", "small", "wbr"}
VOID_TAGS = {"br", "wbr"}
ALLOWED_ATTRS = {"title", "lang"}
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
ATTR = re.compile(r"([^\s=/\"'>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
# Elements whose content is not markup: blank it out so a script's text is not read as tags.
RAW_TEXT = re.compile(r"(<(script|style|textarea|title|xmp|iframe|noembed|noframes|noscript)\b[^>]*>)(.*?)(</\2\s*>)",
                      re.S | re.I)
OTHER_MARKUP = re.compile(r"<(?:\?.*?\?>|!\[CDATA\[.*?\]\]>|![A-Za-z][^>]*>)", re.S)
BLOCK_TOKENS = {"paragraph_open", "heading_open", "list_item_open", "tr_open", "blockquote_open"}
REMOTE_SCHEMES = {"http", "https", "ftp", "ftps"}
TAG_HINTS = {
    "script": "Remove it: the handout and the e-book never run scripts",
    "noscript": "Remove it: the handout and the e-book never run scripts",
    "style": "Remove it: the look of the handout and the e-book comes from the layouts/ folder",
    "link": "Remove it: the look of the handout and the e-book comes from the layouts/ folder, "
            "and the build never fetches anything from the network",
    "iframe": "Remove it: the outputs cannot show other web pages; link to the page instead, "
              "like [page name](https://...)",
    "img": "Use a Markdown image instead: ![what the image shows](../assets/name.png)",
    "a": "Use a Markdown link instead: [text](02-quadriceps.md) or [text](https://...)",
}
for _name in ("object", "embed", "frame", "frameset", "applet", "portal"):
    TAG_HINTS[_name] = TAG_HINTS["iframe"]
for _name in ("picture", "svg", "video", "audio", "source", "image"):
    TAG_HINTS[_name] = TAG_HINTS["img"]
ALLOWED_LIST = ", ".join(f"<{t}>" for t in sorted(ALLOWED_TAGS))


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
    named_sections: set[str] = field(default_factory=set)  # keys written as {#key}, not derived
    images: list[Figure] = field(default_factory=list)
    text: str = ""
    problems: list[Problem] = field(default_factory=list)
    fragment_links: list[tuple[Token, str, int]] = field(default_factory=list, repr=False)
    # (chapter id, section key, line) of links like 02-quadriceps.md#signs: whether that
    # section exists is checked once every chapter is read.
    section_links: list[tuple[str, str, int]] = field(default_factory=list)


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
    # markdown-it quietly turns a javascript:, file: or data: link into plain text. Let every
    # target through as a link or image instead, so _resolve can report it by file and line.
    md.validateLink = lambda url: True
    return md


_MD = _parser()


def render_prose(source: str, first_line: int, chapter_id: str, links: LinkContext) -> Prose:
    """Render a chapter body. `first_line` is the file line (1-based) that line 0 of `source` is on."""
    prose = Prose()
    tokens = _MD.parse(source)
    counter = 0
    chunks: list[tuple[str | None, str, str, list[Token], int]] = [(None, "", "", [], first_line)]

    def line_of(token: Token) -> int:
        return first_line + (token.map[0] if token.map else 0)

    last_line = first_line
    for i, token in enumerate(tokens):
        if token.map:
            last_line = line_of(token)
        if token.type == "html_block":
            _check_html_block(token.content, last_line, prose)
            token.content = ""
        if token.type == "inline":
            _check_inline(token, last_line, links, prose)
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
                if key:
                    prose.named_sections.add(key)
                key = key or _slug(inline.content)
                if key in prose.section_lines:
                    prose.problems.append(Problem(
                        line_of(token), f'a second section "{{#{key}}}"',
                        f"Line {prose.section_lines[key]} already starts that section; "
                        "merge the two, or give this heading a different name or {#key}"))
                else:
                    prose.section_lines[key] = line_of(token)
                token.attrSet("id", f"{chapter_id}-{key}")
                chunks.append((key, inline.content, token.attrGet("id"), [], line_of(token)))
                continue
        chunks[-1][3].append(token)

    _resolve_fragments(prose, chapter_id)
    renderer = _MD.renderer
    for index, (key, _heading, heading_id, body, line) in enumerate(chunks):
        heading_html = ""
        if index:
            # The heading's inline Markdown (*emphasis*, `code`), already checked like any prose.
            heading_html = renderer.renderInline(body[0].children or [], _MD.options, {})
            body = body[2:]  # the heading's own inline and heading_close tokens
        html = renderer.render(_promote_figures(body), _MD.options, {})
        if not prose.problems:
            _check_well_formed(html, line, prose)
        if index == 0:
            prose.intro_html = html
        else:
            prose.sections.append(Section(key=key, heading=heading_html, html=html, anchor=heading_id))
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


# ---------------------------------------------------------------------------------- raw HTML


def _blank(match: re.Match) -> str:
    """The matched text with everything but line breaks turned to spaces (offsets stay put)."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _blank_raw_text(content: str) -> str:
    def inner(m: re.Match) -> str:
        return m.group(1) + re.sub(r"[^\n]", " ", m.group(3)) + m.group(4)
    return RAW_TEXT.sub(inner, content)


def _tag_problem(name: str, line: int) -> Problem:
    hint = TAG_HINTS.get(name, f"Write it in Markdown instead; the only HTML tags a chapter may use are {ALLOWED_LIST}")
    return Problem(line, f"raw HTML <{name}> is not allowed", hint)


def _attr_problems(name: str, attrs: str, line: int) -> list[Problem]:
    problems = []
    for attr in ATTR.finditer(attrs):
        attr_name = attr.group(1).lower()
        if attr_name in ALLOWED_ATTRS:
            continue
        if attr_name.startswith("on"):
            hint = ("Remove it: event handlers such as onclick run scripts, which never reach an output; "
                    f"<{name}> may only have " + " and ".join(sorted(ALLOWED_ATTRS)))
        elif attr_name == "style":
            hint = "Remove it: the look of the outputs comes from the layouts/ folder"
        else:
            hint = f"Remove it; <{name}> may only have " + " and ".join(sorted(ALLOWED_ATTRS))
        problems.append(Problem(line, f'attribute "{attr_name}" on <{name}> is not allowed', hint))
    return problems


def _scan_html(content: str, line: int, prose: Prose) -> list[tuple[int, re.Match]]:
    """Report every disallowed tag, attribute or other markup in `content` (which starts on
    `line`); return the allowed tags as (line, match)."""
    scanned = _blank_raw_text(COMMENT.sub(_blank, content))
    allowed = []
    for match in OTHER_MARKUP.finditer(scanned):
        at = line + scanned[:match.start()].count("\n")
        snippet = content[match.start():match.end()][:20]
        prose.problems.append(Problem(at, f'raw HTML "{snippet}" is not allowed',
                                      "Remove it; write the chapter in Markdown"))
    for match in TAG.finditer(scanned):
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        at = line + scanned[:match.start()].count("\n")
        if name not in ALLOWED_TAGS:
            if not closing:  # the opening tag is reported; its closing tag adds nothing
                prose.problems.append(_tag_problem(name, at))
            continue
        if not closing:
            prose.problems.extend(_attr_problems(name, attrs.rstrip("/"), at))
        allowed.append((at, match))
    return allowed


def _check_html_block(content: str, line: int, prose: Prose) -> None:
    """A raw HTML block never reaches an output: report it, unless it only holds comments."""
    before = len(prose.problems)
    allowed = _scan_html(content, line, prose)
    if len(prose.problems) > before:
        return
    rest = COMMENT.sub("", content).strip()
    if allowed:
        at, match = allowed[0]
        prose.problems.append(Problem(
            at, f"<{match.group(2).lower()}> at the start of a line turns the paragraph into raw HTML, "
                "which is dropped",
            "Start the line with text, and keep the tag on the same line as the words it marks"))
    elif rest:
        prose.problems.append(Problem(line, "text on the same line as an HTML comment is dropped",
                                      "Put the comment <!-- ... --> on a line of its own"))


def _clean_tag(match: re.Match) -> str:
    """An allowed tag rebuilt from its name and allowed attributes; void tags self-closed."""
    closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
    if closing:
        return "" if name in VOID_TAGS else f"</{name}>"
    kept = []
    for attr in ATTR.finditer(attrs.rstrip("/")):
        attr_name = attr.group(1).lower()
        if attr_name in ALLOWED_ATTRS:
            value = unescape((attr.group(2) or "").strip("\"'"))
            kept.append(f' {attr_name}="{escape(value, quote=True)}"')
    return f"<{name}{''.join(kept)}{'/' if name in VOID_TAGS else ''}>"


# ---------------------------------------------------------------------------- inline content


def _check_inline(inline: Token, line: int, links: LinkContext, prose: Prose) -> None:
    content = inline.content
    cursor = 0

    def line_for(*needles: str) -> int:
        """The line of the next occurrence of a needle at or after the previous one found."""
        nonlocal cursor
        for start in (cursor, 0):
            for needle in needles:
                found = content.find(needle, start) if needle else -1
                if found >= 0:
                    cursor = found + len(needle)
                    return line + content.count("\n", 0, found)
        return line

    open_tags: list[tuple[str, int]] = []
    balanced = True
    html_children = []
    for child in _walk(inline.children or []):
        if child.type == "html_inline":
            at = line_for(child.content)
            html_children.append(child)
            if child.content.startswith("<!--"):
                child.content = ""  # a maintainer's note: dropped quietly
                continue
            allowed = _scan_html(child.content, at, prose)
            if not allowed:  # a disallowed tag (reported) never reaches an output
                child.content = ""
                continue
            match = allowed[0][1]
            closing, name = match.group(1), match.group(2).lower()
            if name in VOID_TAGS:
                pass
            elif not closing:
                open_tags.append((name, at))
            elif open_tags and open_tags[-1][0] == name:
                open_tags.pop()
            else:
                balanced = False
                prose.problems.append(Problem(at, f"</{name}> closes a tag that is not open",
                                              f"Open it with <{name}> earlier in the same paragraph, "
                                              "or remove it"))
            child.content = _clean_tag(match)
        elif child.type == "image":
            src = child.attrGet("src") or ""
            at = line_for(src, unquote(src))
            alt = "".join(c.content for c in (child.children or [])).strip()
            if not alt:
                prose.problems.append(Problem(at, f'image "{_short(src)}" has no alt text',
                                              "Describe the image inside ![...] for readers who cannot see it"))
            resolved = _resolve(src, links, at, prose, image=True)
            if resolved is not None:
                child.attrSet("src", resolved)
                prose.images.append(Figure(src=resolved, alt=alt, caption=child.attrGet("title") or ""))
            else:
                child.attrSet("src", "")
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            if href.startswith("#"):  # a section of this chapter: checked once all are known
                prose.fragment_links.append((child, href[1:], line_for(href)))
                continue
            resolved = _resolve(href, links, line_for(href, unquote(href)), prose, image=False)
            child.attrSet("href", resolved if resolved is not None else "")
    for name, at in open_tags:
        balanced = False
        prose.problems.append(Problem(at, f"<{name}> is not closed",
                                      f"Add </{name}> after the words it marks, in the same paragraph"))
    if not balanced:
        for child in html_children:
            child.content = ""


def _section_key(fragment: str, chapter_id: str) -> str:
    """A link may name a section as written (#signs) or as the outputs call it (#glutes-signs)."""
    return unquote(fragment).removeprefix(f"{chapter_id}-")


def _resolve_fragments(prose: Prose, chapter_id: str) -> None:
    """`[text](#stride)` points at a section of this chapter; the outputs call it #glutes-stride."""
    for token, fragment, line in prose.fragment_links:
        key = _section_key(fragment, chapter_id)
        if key in prose.section_lines:
            token.attrSet("href", f"#{chapter_id}-{key}")
            continue
        token.attrSet("href", "")
        sections = ", ".join(f"#{k}" for k in prose.section_lines)
        prose.problems.append(Problem(line, f'link "#{key}" points at no section of this chapter',
                                      f"Sections here: {sections}" if sections
                                      else "This chapter has no '## Heading {#key}' sections to link to"))


def _check_well_formed(html: str, line: int, prose: Prose) -> None:
    """The EPUB is XHTML: a fragment that is not well-formed XML would break it."""
    try:
        etree.fromstring(f"<div>{html}</div>".encode())
    except etree.XMLSyntaxError:
        prose.problems.append(Problem(line, "the HTML tags in this part of the chapter cross each other",
                                      "Open and close each <tag> inside the same *emphasis*, **bold** "
                                      "or [link]"))


def _walk(children: list[Token]):
    for child in children:
        yield child
        if child.children:
            yield from _walk(child.children)


# ---------------------------------------------------------------------------------- targets


def _short(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else url[: limit - 3] + "..."


def _resolve(url: str, links: LinkContext, line: int, prose: Prose, *, image: bool) -> str | None:
    """Map a chapter URL to the builder's internal form, or record why it cannot be used."""
    what = "image" if image else "link"
    shown = f'{what} "{_short(url)}"'
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "figure":
        if parts.path in links.figures:
            return url
        prose.problems.append(Problem(line, f'unknown figure "{parts.path}"',
                                      "Known figures: " + ", ".join(sorted(links.figures))))
        return None
    if scheme in REMOTE_SCHEMES or url.startswith("//"):
        if image:
            prose.problems.append(Problem(line, f"{shown} is on the internet; builds never use the network",
                                          "Save the image in assets/ and write ../assets/<name> instead"))
            return None
        return url  # a plain hyperlink is fine; nothing is fetched
    if scheme == "mailto" and not image:
        return url
    if scheme and scheme != "file":
        if image:
            hint = "Images must be files in the assets/ folder, written like ../assets/name.png"
        else:
            hint = ("A link may point at another chapter (02-quadriceps.md), a file in assets/, "
                    "a web page (https://...) or an email address (mailto:...)")
        prose.problems.append(Problem(line, f'{shown} uses "{scheme}:", which is not allowed', hint))
        return None
    raw = unquote(parts.path)
    if not raw:
        prose.problems.append(Problem(line, f"empty {what} target", "Write the file it points at inside (...)"))
        return None
    try:
        target = Path(raw) if (scheme == "file" or raw.startswith("/")) else links.chapter_path.parent / raw
        target = target.resolve()
    except (OSError, RuntimeError, ValueError):
        prose.problems.append(Problem(line, f"{shown} is not a usable path", "Check the file name"))
        return None
    project = links.project.resolve()
    if not target.is_relative_to(project):
        prose.problems.append(Problem(line, f"{shown} points outside the project",
                                      "Only files inside the project folder can be used: copy the file "
                                      "into assets/ and write ../assets/<name>"))
        return None
    if not image and target.parent == links.chapter_path.parent.resolve() and target.suffix == ".md":
        chapter_id = links.chapter_files.get(target.name)
        if chapter_id is None:
            prose.problems.append(Problem(line, f"{shown} points at no chapter",
                                          "Link to one of: " + ", ".join(sorted(links.chapter_files))))
            return None
        if not parts.fragment:
            return f"chapter:{chapter_id}"
        key = _section_key(parts.fragment, chapter_id)
        prose.section_links.append((chapter_id, key, line))
        return f"chapter:{chapter_id}#{chapter_id}-{key}"
    if not target.is_file():
        prose.problems.append(Problem(line, f"{shown} does not exist",
                                      "Check the file name; a path is relative to the chapter file, "
                                      "so images are ../assets/<name>"))
        return None
    rel = target.relative_to(project).as_posix()
    if not rel.startswith("assets/"):
        prose.problems.append(Problem(line, f"{shown} is not in assets/",
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
