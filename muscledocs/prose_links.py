"""Link and image resolution: every target is checked here, and mapped to the builder's
internal forms. Only files inside the project, never the network.

`src="figure:NAME"` is a drawing the builder makes, `src="assets/..."` a project file, and
`href="chapter:ID"` or `href="chapter:ID#ANCHOR"` another chapter or a section of it. A
builder drawing describes itself (artwork.PROSE_FIGURES), so its alt text is generated.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from .model import Figure
from .prose_model import LineFinder, ProseEnv, chapter_env, inline_tokens, walk

REMOTE_SCHEMES = {"http", "https", "ftp", "ftps"}


def resolve_links(state: StateCore) -> None:
    """Core rule: resolve every image and link (links to a section of this chapter wait for
    the section keys: see prose_blocks.resolve_fragments)."""
    env = chapter_env(state)
    for inline, line in inline_tokens(state):
        find = LineFinder(inline, line)
        for child in walk(inline.children or []):
            if child.type == "image":
                _image(child, find, env)
            elif child.type == "link_open":
                href = child.attrGet("href") or ""
                if href.startswith("#"):
                    env.prose.fragment_links.append((child, href[1:], find(href)))
                    continue
                resolved = resolve(href, env, find(href, unquote(href)), image=False)
                child.attrSet("href", resolved if resolved is not None else "")


def _image(child: Token, find: LineFinder, env: ProseEnv) -> None:
    src = str(child.attrGet("src") or "")
    at = find(src, unquote(src))
    alt = "".join(c.content for c in (child.children or [])).strip()
    resolved = resolve(src, env, at, image=True)
    name = resolved.removeprefix("figure:") if resolved and resolved.startswith("figure:") else None
    if name is not None and name in env.links.figure_alt:
        if alt:
            env.problem(at, f'the builder describes "figure:{name}" itself',
                        f'Leave the brackets empty: ![](figure:{name} "caption"); the description is written '
                        "from the chapters' data, so it is right in every edition")
        alt = env.links.figure_alt[name]
        child.children = [Token("text", "", 0, content=alt)]
    elif not alt:
        env.problem(at, f'image "{_short(src)}" has no alt text',
                    "Describe the image inside ![...] for readers who cannot see it")
    if resolved is None:
        child.attrSet("src", "")
        return
    child.attrSet("src", resolved)
    env.prose.images.append(Figure(src=resolved, alt=alt, caption=str(child.attrGet("title") or "")))


def _short(url: str, limit: int = 60) -> str:
    return url if len(url) <= limit else url[: limit - 3] + "..."


def section_key(fragment: str, chapter_id: str) -> str:
    """A link may name a section as written (#signs) or as the outputs call it (#glutes-signs)."""
    return unquote(fragment).removeprefix(f"{chapter_id}-")


def resolve(url: str, env: ProseEnv, line: int, *, image: bool) -> str | None:
    """Map a chapter URL to the builder's internal form, or record why it cannot be used."""
    links = env.links
    what = "image" if image else "link"
    shown = f'{what} "{_short(url)}"'
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "figure":
        if parts.path in links.figures:
            return url
        env.problem(line, f'unknown figure "{parts.path}"', "Known figures: " + ", ".join(sorted(links.figures)))
        return None
    if scheme in REMOTE_SCHEMES or url.startswith("//"):
        if image:
            env.problem(line, f"{shown} is on the internet; builds never use the network",
                        "Save the image in assets/ and write ../assets/<name> instead")
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
        env.problem(line, f'{shown} uses "{scheme}:", which is not allowed', hint)
        return None
    raw = unquote(parts.path)
    if not raw:
        env.problem(line, f"empty {what} target", "Write the file it points at inside (...)")
        return None
    try:
        target = Path(raw) if (scheme == "file" or raw.startswith("/")) else links.chapter_path.parent / raw
        target = target.resolve()
    except (OSError, RuntimeError, ValueError):
        env.problem(line, f"{shown} is not a usable path", "Check the file name")
        return None
    project = links.project.resolve()
    if not target.is_relative_to(project):
        env.problem(line, f"{shown} points outside the project",
                    "Only files inside the project folder can be used: copy the file into assets/ and write "
                    "../assets/<name>")
        return None
    if not image and target.parent == links.chapter_path.parent.resolve() and target.suffix == ".md":
        return _chapter_link(target.name, parts.fragment, shown, line, env)
    if not target.is_file():
        env.problem(line, f"{shown} does not exist",
                    "Check the file name; a path is relative to the chapter file, so images are ../assets/<name>")
        return None
    rel = target.relative_to(project).as_posix()
    if not rel.startswith("assets/"):
        env.problem(line, f"{shown} is not in assets/", "Put images and attachments in the assets/ folder")
        return None
    return rel


def _chapter_link(name: str, fragment: str, shown: str, line: int, env: ProseEnv) -> str | None:
    chapter_id = env.links.chapter_files.get(name)
    if chapter_id is None:
        env.problem(line, f"{shown} points at no chapter",
                    "Link to one of: " + ", ".join(sorted(env.links.chapter_files)))
        return None
    if not fragment:
        return f"chapter:{chapter_id}"
    key = section_key(fragment, chapter_id)
    env.prose.section_links.append((chapter_id, key, line))
    return f"chapter:{chapter_id}#{chapter_id}-{key}"
