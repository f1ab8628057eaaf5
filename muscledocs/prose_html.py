"""HTML policy: a chapter may use a few inline tags; everything else is refused by line.

Raw HTML is read with the standard library's `html.parser` (which also knows that a
<script> or <style> holds text, not tags). An allowed tag is rebuilt from its name and allowed
attributes, so `<br>` comes out as the `<br/>` the EPUB's XHTML needs; anything else (scripts,
iframes, stylesheets, event handlers) is an error and never reaches an output.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

from markdown_it.rules_core import StateCore

from .prose_model import LineFinder, ProseEnv, chapter_env, inline_tokens, walk

ALLOWED_TAGS = {"br", "abbr", "sub", "sup", "kbd", "mark", "small", "wbr"}
VOID_TAGS = {"br", "wbr"}
ALLOWED_ATTRS = {"title", "lang"}
ALLOWED_LIST = ", ".join(f"<{t}>" for t in sorted(ALLOWED_TAGS))
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


@dataclass
class Tag:
    name: str
    attrs: list[tuple[str, str | None]]
    closing: bool
    line: int  # 0-based, within the scanned text


class _Scanner(HTMLParser):
    """Collects tags, comments, other markup and text, with their lines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self.other: list[tuple[int, str]] = []  # <?...?>, <!...>, <![CDATA[...]]>
        self.comments = 0
        self.text = ""

    def _line(self) -> int:
        return self.getpos()[0] - 1

    def handle_starttag(self, tag, attrs):
        self.tags.append(Tag(tag, attrs, False, self._line()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self.tags.append(Tag(tag, [], True, self._line()))

    def handle_comment(self, data):
        self.comments += 1

    def handle_data(self, data):
        self.text += data

    def handle_pi(self, data):
        self.other.append((self._line(), f"<?{data}"))

    def handle_decl(self, decl):
        self.other.append((self._line(), f"<!{decl}"))

    def unknown_decl(self, data):
        self.other.append((self._line(), f"<![{data}"))


def scan(content: str) -> _Scanner:
    scanner = _Scanner()
    scanner.feed(content)
    scanner.close()
    return scanner


def _tag_problems(tag: Tag, line: int, env: ProseEnv) -> bool:
    """Report a disallowed tag or attribute; True if the tag itself is allowed."""
    if tag.name not in ALLOWED_TAGS:
        if not tag.closing:  # the opening tag is reported; its closing tag adds nothing
            hint = TAG_HINTS.get(tag.name, "Write it in Markdown instead; the only HTML tags a chapter may "
                                           f"use are {ALLOWED_LIST}")
            env.problem(line, f"raw HTML <{tag.name}> is not allowed", hint)
        return False
    for name, _value in tag.attrs:
        if name in ALLOWED_ATTRS:
            continue
        allowed = " and ".join(sorted(ALLOWED_ATTRS))
        if name.startswith("on"):
            hint = ("Remove it: event handlers such as onclick run scripts, which never reach an output; "
                    f"<{tag.name}> may only have {allowed}")
        elif name == "style":
            hint = "Remove it: the look of the outputs comes from the layouts/ folder"
        else:
            hint = f"Remove it; <{tag.name}> may only have {allowed}"
        env.problem(line, f'attribute "{name}" on <{tag.name}> is not allowed', hint)
    return True


def _scan_problems(content: str, line: int, env: ProseEnv) -> tuple[_Scanner, list[Tag]]:
    """Report everything disallowed in `content` (starting on `line`); return the scan and
    its allowed tags."""
    scanned = scan(content)
    for at, snippet in scanned.other:
        env.problem(line + at, f'raw HTML "{snippet[:20]}" is not allowed', "Remove it; write the chapter in Markdown")
    allowed = [tag for tag in scanned.tags if _tag_problems(tag, line + tag.line, env)]
    return scanned, allowed


def rebuild(tag: Tag) -> str:
    """An allowed tag from its name and allowed attributes; void tags self-closed."""
    if tag.closing:
        return "" if tag.name in VOID_TAGS else f"</{tag.name}>"
    kept = "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in tag.attrs
                   if name in ALLOWED_ATTRS)
    return f"<{tag.name}{kept}{'/' if tag.name in VOID_TAGS else ''}>"


def html_policy(state: StateCore) -> None:
    """Core rule: check every raw HTML block and inline tag; keep only allowed tags, rebuilt."""
    env = chapter_env(state)
    line = env.first_line
    for token in state.tokens:
        if token.map:
            line = env.line_of(token)
        if token.type == "html_block":
            _html_block(token.content, line, env)
            token.content = ""
    for inline, line in inline_tokens(state):
        _inline_html(inline, line, env)


def _html_block(content: str, line: int, env: ProseEnv) -> None:
    """A raw HTML block never reaches an output: report it, unless it only holds comments."""
    before = len(env.prose.problems)
    scanned, allowed = _scan_problems(content, line, env)
    if len(env.prose.problems) > before:
        return
    if allowed:
        env.problem(line + allowed[0].line,
                    f"<{allowed[0].name}> at the start of a line turns the paragraph into raw HTML, which is dropped",
                    "Start the line with text, and keep the tag on the same line as the words it marks")
    elif scanned.text.strip():
        env.problem(line, "text on the same line as an HTML comment is dropped",
                    "Put the comment <!-- ... --> on a line of its own")


def _inline_html(inline, line: int, env: ProseEnv) -> None:
    find = LineFinder(inline, line)
    open_tags: list[tuple[str, int]] = []
    balanced = True
    html_children = []
    for child in walk(inline.children or []):
        if child.type != "html_inline":
            continue
        at = find(child.content)
        html_children.append(child)
        if child.content.startswith("<!--"):
            child.content = ""  # a maintainer's note: dropped quietly
            continue
        _, allowed = _scan_problems(child.content, at, env)
        if not allowed:  # a disallowed tag (reported) never reaches an output
            child.content = ""
            continue
        tag = allowed[0]
        if tag.name in VOID_TAGS:
            pass
        elif not tag.closing:
            open_tags.append((tag.name, at))
        elif open_tags and open_tags[-1][0] == tag.name:
            open_tags.pop()
        else:
            balanced = False
            env.problem(at, f"</{tag.name}> closes a tag that is not open",
                        f"Open it with <{tag.name}> earlier in the same paragraph, or remove it")
        child.content = rebuild(tag)
    for name, at in open_tags:
        balanced = False
        env.problem(at, f"<{name}> is not closed", f"Add </{name}> after the words it marks, in the same paragraph")
    if not balanced:
        for child in html_children:
            child.content = ""
