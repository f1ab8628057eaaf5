"""Figures for the handout and the e-book: body maps, the stride chart and the cover.

Every function here is pure: it takes data and returns an SVG string or PNG bytes, with no
I/O, clock or randomness, so the same input always gives the same bytes (reproducible
builds, stable EPUB checksums).

The drawings have to survive three very different viewers:

* black-and-white print -- a highlight is never colour alone: it is a very dark fill
  *plus* white diagonal hatching, and neutral areas are light grey with a dark outline;
* e-readers in night mode -- each SVG paints its own white rounded background, so a
  dark page colour cannot swallow the dark outlines;
* WeasyPrint's own SVG renderer, browsers and e-readers -- so only plain shapes and
  presentation attributes are used (no CSS, scripts, filters or external references).
"""

from __future__ import annotations

import functools
import io
import math
import re
from dataclasses import dataclass

from lxml import etree

# Palette shared with the print stylesheet (keep the two in step).
NAVY = "#16324f"
ACCENT = "#e07a1f"
INK = "#1a1a1a"
PALE = "#c9d6e3"
NUMBER_GREY = "#555555"  # the cover list's numbers, as in the print stylesheet

SVG_NS = "http://www.w3.org/2000/svg"
FONT_FAMILY = "Source Sans Pro, sans-serif"

# Body-map styling. The neutral grey is light enough that the navy + hatching highlight
# stands out even after greyscale conversion (about 233 vs. 108 in mean luminance).
BODY_FILL = "#e6e9ed"
BODY_LINE = "#2b2f33"
CONTOUR_LINE = "#8d96a0"  # muscle outlines that are not highlighted: visible, but quiet
HIGHLIGHT_LINE = "#0b1826"
HATCH = "#ffffff"
HATCH_SPACING = 6.0  # stripe to stripe, across the stripes
HATCH_WIDTH = 1.8

# Which half of the stride each phase belongs to, for the bracket above the column headers.
PHASE_BANDS = {"landing": "stance", "stance": "stance", "push-off": "stance", "swing": "swing"}
# The body map's labels ("Front", "Back") name the strings that print there: data-string="body_map.front".
STRING_ATTRIBUTE = "data-string"


@dataclass(frozen=True)
class ChartWords:
    """The words the stride chart prints, in the book's language (layouts/strings/)."""

    phases: dict[str, str]  # phase -> column header: {"landing": "Landing", ...}
    bands: dict[str, tuple[str, str]]  # "stance"/"swing" -> (bracket heading, its note)
    works: str  # the legend: a filled cell
    not_main: str  # the legend: an empty cell
    summary: str  # the drawing's <desc>


def _q(tag: str) -> str:
    return f"{{{SVG_NS}}}{tag}"


def _num(value: float) -> str:
    """Short, stable number formatting for attributes (no float noise such as 0.30000004)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _serialize(root: etree._Element) -> str:
    # An explicit declaration makes the file a self-describing image/svg+xml resource in
    # the EPUB; lxml's serializer is deterministic (attribute order is insertion order).
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")


def _viewbox(root: etree._Element) -> tuple[float, float, float, float]:
    raw = root.get("viewBox")
    if not raw:
        raise ValueError("the SVG template has no viewBox, so it cannot scale")
    parts = [float(p) for p in re.split(r"[\s,]+", raw.strip())]
    if len(parts) != 4 or parts[2] <= 0 or parts[3] <= 0:
        raise ValueError(f"invalid viewBox {raw!r}")
    return parts[0], parts[1], parts[2], parts[3]


def _set(el: etree._Element, **attrs: str) -> etree._Element:
    for key, value in attrs.items():
        # Trailing underscore escapes Python keywords (class_); other underscores -> hyphens.
        el.set(key.rstrip("_").replace("_", "-"), value)
    return el


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return _set(etree.SubElement(parent, _q(tag)), **attrs)


def _text(parent: etree._Element, x: float, y: float, content: str, **attrs: str):
    el = _sub(parent, "text", x=_num(x), y=_num(y), font_family=FONT_FAMILY, **attrs)
    el.text = content
    return el


def _mark_image(root: etree._Element) -> None:
    """Role img, and the drawing's own colours kept: it carries its own white card and fixed
    tones, and a browser's automatic dark theme (Chromium's force-dark) would otherwise recolour
    it part by part, so that a highlight loses its contrast against the body."""
    root.set("role", "img")
    root.set("style", "color-scheme: only light")


def _start_document(width: float, height: float, title: str):
    """Root <svg> that scales (viewBox, no fixed size), with role="img" and <title> first."""
    root = etree.Element(_q("svg"), nsmap={None: SVG_NS})
    root.set("viewBox", f"0 0 {_num(width)} {_num(height)}")
    _mark_image(root)
    _sub(root, "title").text = title
    return root


def _background(parent: etree._Element, x: float, y: float, width: float, height: float):
    # Drawn by the figure itself so it stays readable on a black e-reader page.
    radius = min(width, height) * 0.035
    return _sub(
        parent,
        "rect",
        x=_num(x),
        y=_num(y),
        width=_num(width),
        height=_num(height),
        rx=_num(radius),
        ry=_num(radius),
        fill="#ffffff",
    )


# --------------------------------------------------------------------------------------
# Body map
# --------------------------------------------------------------------------------------


def _parse_template(template_svg: str) -> etree._Element:
    # No entity resolution or network: the template is data, never a way to pull files in.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(template_svg.encode("utf-8"), parser)
    if root.tag != _q("svg"):
        raise ValueError("the body-map template is not an SVG document")
    return root


def body_map_groups(template_svg: str) -> set[str]:
    """The group ids the body-map template has regions for (data-group="<id>")."""
    root = _parse_template(template_svg)
    return {el.get("data-group") for el in root.iter(etree.Element) if el.get("data-group") is not None}


def body_map_strings(template_svg: str) -> list[tuple[str, int]]:
    """The strings keys the template's labels print (data-string="body_map.front"), with lines."""
    root = _parse_template(template_svg)
    return [(el.get(STRING_ATTRIBUTE), el.sourceline or 1) for el in root.iter(etree.Element)
            if el.get(STRING_ATTRIBUTE)]


def body_map_svg(template_svg: str, group_id: str | tuple[str, ...], title: str, labels: bool = True,
                 words: dict[str, str] | None = None) -> str:
    """Return a standalone SVG of the shared body map with one muscle group highlighted (or
    several: a tuple of ids, as on the cover). Without `labels` (a thumbnail too small for
    words), the "Front" and "Back" labels and the white card behind the drawing (which is there
    for night-mode e-readers) are left out. `words` (strings key -> text) replaces the text of
    each label that names a key (data-string="body_map.front"), in the book's language.

    `template_svg` is assets/body-map.svg: silhouettes carry class="body" and every
    muscle region has data-group="<id>". Regions of `group_id` get a dark navy fill with
    white hatching; every other region is drawn as neutral body. Raises ValueError if the
    template has no region for `group_id`.
    """
    root = _parse_template(template_svg)
    if not labels:
        for text in list(root.iter(_q("text"))):
            text.getparent().remove(text)
    for label in [el for el in root.iter(etree.Element) if el.get(STRING_ATTRIBUTE) is not None]:
        key = label.attrib.pop(STRING_ATTRIBUTE)
        if words and key in words:
            label.text = words[key]
    vx, vy, vw, vh = _viewbox(root)

    regions = [el for el in root.iter(etree.Element) if el.get("data-group") is not None]
    wanted = (group_id,) if isinstance(group_id, str) else tuple(group_id)
    for wanted_id in wanted:
        if not any(el.get("data-group") == wanted_id for el in regions):
            known = ", ".join(sorted({el.get("data-group") for el in regions})) or "none"
            raise ValueError(f"body map has no region for group {wanted_id!r} (groups drawn: {known})")
    group_id = "-".join(wanted)

    # A fixed size is the viewer's business: the figure must scale to its container.
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    _mark_image(root)

    # Any <title> the template brings would compete with ours: drop it.
    for old in root.findall(_q("title")):
        root.remove(old)
    # Removed comments leave runs of blank lines behind; keep one line break + indent.
    for el in root.iter():
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if value and not value.strip() and "\n" in value:
                setattr(el, attr, "\n" + value.rsplit("\n", 1)[1])
    indent = root.text if root.text and not root.text.strip() else "\n"

    title_el = _sub(root, "title")
    title_el.text = title
    defs = _sub(root, "defs")
    first = [title_el, defs] + ([_background(root, vx, vy, vw, vh)] if labels else [])
    # Move them in front of the template's drawing: <title> must be the first child (for
    # assistive technology) and the background must be painted first.
    for offset, el in enumerate(first):
        root.insert(offset, el)
        el.tail = indent

    # Presentation attributes only; drop any style attribute so nothing overrides them.
    for el in root.iter(etree.Element):
        classes = (el.get("class") or "").split()
        if "body" in classes:
            el.attrib.pop("style", None)
            _set(el, fill=BODY_FILL, stroke=BODY_LINE, stroke_width="1.6", stroke_linejoin="round")
    chosen = []
    for el in regions:
        for attr in ("style", "opacity", "fill-opacity"):
            el.attrib.pop(attr, None)
        if el.get("data-group") in wanted:
            _set(el, fill=NAVY, stroke="none")
            chosen.append(el)
        else:
            _set(el, fill=BODY_FILL, stroke=CONTOUR_LINE, stroke_width="0.8", stroke_linejoin="round")

    # The white hatching is drawn as stripes clipped to the highlighted regions, not as a
    # <pattern> fill: Chromium's forced dark mode (auto dark theme) recolours a pattern's tiles
    # and leaves the rest of the drawing alone, which turned the navy highlight pale blue on the
    # light body. Plain shapes keep their colours. The id carries the group so two maps inlined
    # in one page cannot collide.
    clip_id = f"hatch-{re.sub(r'[^A-Za-z0-9_-]', '-', group_id)}"
    clip = _sub(defs, "clipPath", id=clip_id)
    highlight = _sub(root, "g", class_="highlight")
    hatch = _sub(highlight, "g", clip_path=f"url(#{clip_id})")
    _sub(hatch, "path", d=_hatch_path(vx, vy, vw, vh), fill="none", stroke=HATCH, stroke_width=_num(HATCH_WIDTH))
    for el in chosen:
        clip.append(_bare_copy(el))
        outline = _bare_copy(el)
        _set(outline, fill="none", stroke=HIGHLIGHT_LINE, stroke_width="1.3", stroke_linejoin="round")
        highlight.append(outline)
    highlight.tail = "\n"
    return _serialize(root)


def _bare_copy(el: etree._Element) -> etree._Element:
    """The element's shape alone: no paint, class, id or data attributes."""
    copy = etree.Element(el.tag)
    for key in ("d", "x", "y", "width", "height", "rx", "ry", "cx", "cy", "r", "points", "transform"):
        if el.get(key) is not None:
            copy.set(key, el.get(key))
    return copy


def _hatch_path(vx: float, vy: float, vw: float, vh: float) -> str:
    """Diagonal stripes (the lines x + y = c) every HATCH_SPACING units, each cut to the view
    box: nothing is drawn outside the figure, even where a viewer ignores the clip."""
    root2 = math.sqrt(2)
    first = math.floor((vx + vy) / root2 / HATCH_SPACING)
    last = math.ceil((vx + vw + vy + vh) / root2 / HATCH_SPACING)
    # Inset by a stripe's width, so that a stripe's square-cut end stays inside the box too.
    vx, vy, vw, vh = vx + HATCH_WIDTH, vy + HATCH_WIDTH, vw - 2 * HATCH_WIDTH, vh - 2 * HATCH_WIDTH
    segments = []
    for k in range(first, last + 1):
        c = (k + 0.5) * HATCH_SPACING * root2
        top, bottom = max(vy, c - (vx + vw)), min(vy + vh, c - vx)
        if top < bottom:
            segments.append(f"M{_num(c - top)} {_num(top)}L{_num(c - bottom)} {_num(bottom)}")
    return "".join(segments)


# --------------------------------------------------------------------------------------
# Stride chart
# --------------------------------------------------------------------------------------


def _check_path(parent, cx: float, cy: float, size: float):
    # A white tick on the dark cell: the shape, not just the fill, says "works here".
    s = size
    d = (
        f"M{_num(cx - 0.42 * s)} {_num(cy + 0.02 * s)}"
        f"L{_num(cx - 0.12 * s)} {_num(cy + 0.32 * s)}"
        f"L{_num(cx + 0.45 * s)} {_num(cy - 0.30 * s)}"
    )
    return _sub(
        parent,
        "path",
        d=d,
        fill="none",
        stroke="#ffffff",
        stroke_width="3",
        stroke_linecap="round",
        stroke_linejoin="round",
    )


def stride_chart_svg(rows: list[tuple[str, list[str]]], phases: tuple[str, ...], title: str, words: ChartWords) -> str:
    """Return an SVG grid: one row per muscle group, one column per stride phase.

    `rows` is [(group title, [phase, ...]), ...]; a filled cell (navy with a white tick)
    marks a phase the group works in, an outlined empty cell one it does not. Raises
    ValueError for an unknown phase name, in `phases` or in a row.
    """
    phases = tuple(phases)
    unknown = [p for p in phases if p not in words.phases or p not in PHASE_BANDS]
    if unknown:
        raise ValueError(f"unknown stride phase(s) {unknown!r}; known: {list(words.phases)}")
    if len(set(phases)) != len(phases):
        raise ValueError(f"stride phases repeat: {list(phases)!r}")
    if not rows:
        raise ValueError("the stride chart needs at least one row")
    for label, worked in rows:
        bad = [p for p in worked if p not in phases]
        if bad:
            raise ValueError(f"row {label!r}: unknown stride phase(s) {bad!r}")

    # Layout in user units; the viewBox makes it scale to any width.
    margin = 14.0
    # ~8.6 units a character: room for a wider fallback font if Source Sans Pro is missing.
    label_w = max(112.0, 8.6 * max(len(label) for label, _ in rows) + 22.0)
    col_w = 100.0  # wide enough for "Swing phase" even in a wider fallback font
    row_h = 34.0
    cell_w, cell_h = 62.0, 24.0
    band_top = 12.0
    header_y = 86.0
    rows_top = 100.0
    table_x = margin + label_w
    width = table_x + col_w * len(phases) + margin
    rows_bottom = rows_top + row_h * len(rows)
    legend_y = rows_bottom + 26.0
    # The two legend keys sit side by side, or stacked when the chart is too narrow.
    # The first key and its words take at least 170 units (the English design), more when a
    # translation's words are longer; the second key's words need their length and some air.
    first_key = max(170.0, 34 + _text_width(words.works, 14) + 24)
    legend_side_by_side = width >= 2 * margin + 8 + first_key + 34 + max(200.0, _text_width(words.not_main, 14) + 40)
    height = legend_y + (20.0 if legend_side_by_side else 42.0)

    root = _start_document(width, height, title)
    _sub(root, "desc").text = words.summary
    _background(root, 0, 0, width, height)

    def col_x(i: int) -> float:
        return table_x + col_w * i

    # Bracket bands: consecutive phases of the same half of the stride share one bracket.
    runs: list[tuple[str, int, int]] = []
    for i, phase in enumerate(phases):
        band = PHASE_BANDS[phase]
        if runs and runs[-1][0] == band and runs[-1][2] == i - 1:
            runs[-1] = (band, runs[-1][1], i)
        else:
            runs.append((band, i, i))
    for band, first, last in runs:
        x1, x2 = col_x(first) + 6, col_x(last + 1) - 6
        mid = (x1 + x2) / 2
        heading, sub = words.bands[band]
        _text(root, mid, band_top + 14, heading, font_size="13", font_weight="700", fill=NAVY, text_anchor="middle")
        _text(root, mid, band_top + 30, sub, font_size="14", fill="#3d4a57", text_anchor="middle")
        y = band_top + 40
        _sub(
            root,
            "path",
            d=f"M{_num(x1)} {_num(y + 7)}V{_num(y)}H{_num(x2)}V{_num(y + 7)}",
            fill="none",
            stroke=NAVY,
            stroke_width="1.6",
            stroke_linejoin="round",
        )

    # Column headers and the rule under them.
    for i, phase in enumerate(phases):
        _text(
            root,
            col_x(i) + col_w / 2,
            header_y,
            words.phases[phase],
            font_size="13.5",
            font_weight="700",
            fill=INK,
            text_anchor="middle",
        )
    _sub(root, "path", d=f"M{_num(margin)} {_num(rows_top - 5)}H{_num(width - margin)}", stroke=INK, stroke_width="1.2")

    # Rows: zebra stripes help the eye across, cells carry the data.
    for r, (label, worked) in enumerate(rows):
        top = rows_top + r * row_h
        if r % 2 == 1:
            _sub(
                root,
                "rect",
                x=_num(margin),
                y=_num(top),
                width=_num(width - 2 * margin),
                height=_num(row_h),
                fill="#eef1f4",
            )
        row = _sub(root, "g", class_="row")
        _text(
            row, margin + 8, top + row_h / 2 + 5, label, font_size="14", font_weight="600", fill=INK, class_="row-label"
        )
        worked_set = set(worked)
        for i, phase in enumerate(phases):
            cx = col_x(i) + col_w / 2
            cy = top + row_h / 2
            on = phase in worked_set
            cell = _sub(
                row,
                "rect",
                x=_num(cx - cell_w / 2),
                y=_num(cy - cell_h / 2),
                width=_num(cell_w),
                height=_num(cell_h),
                rx="5",
                ry="5",
            )
            cell.set("data-phase", phase)
            cell.set("data-state", "on" if on else "off")
            if on:
                _set(cell, fill=NAVY, stroke=NAVY, stroke_width="1")
                _check_path(row, cx, cy, 18)
            else:
                _set(cell, fill="#ffffff", stroke="#8d96a0", stroke_width="1.1")
    _sub(root, "path", d=f"M{_num(margin)} {_num(rows_bottom)}H{_num(width - margin)}", stroke=INK, stroke_width="1.2")

    # Dashed divider between the stance and swing halves, under the brackets' gap.
    for (_, _, last), _next in zip(runs, runs[1:], strict=False):
        x = col_x(last + 1)
        _sub(
            root,
            "path",
            d=f"M{_num(x)} {_num(header_y - 14)}V{_num(rows_bottom)}",
            stroke="#5b6875",
            stroke_width="1",
            stroke_dasharray="3 3",
        )

    # Legend, so the chart also reads when printed without its caption.
    lx = margin + 8
    _sub(root, "rect", x=_num(lx), y=_num(legend_y - 10), width="26", height="14", rx="3", ry="3", fill=NAVY)
    _sub(
        root,
        "path",
        d=f"M{_num(lx + 8)} {_num(legend_y - 3)}L{_num(lx + 11.5)} "
        f"{_num(legend_y + 0.5)}L{_num(lx + 18)} {_num(legend_y - 6.5)}",
        fill="none",
        stroke="#ffffff",
        stroke_width="2",
        stroke_linecap="round",
        stroke_linejoin="round",
    )
    _text(root, lx + 34, legend_y + 1.5, words.works, font_size="14", fill=INK)
    lx2, ly2 = (lx + first_key, legend_y) if legend_side_by_side else (lx, legend_y + 22)
    _sub(
        root,
        "rect",
        x=_num(lx2),
        y=_num(ly2 - 10),
        width="26",
        height="14",
        rx="3",
        ry="3",
        fill="#ffffff",
        stroke="#8d96a0",
        stroke_width="1.1",
    )
    _text(root, lx2 + 34, ly2 + 1.5, words.not_main, font_size="14", fill=INK)
    return _serialize(root)


# --------------------------------------------------------------------------------------
# Cover
# --------------------------------------------------------------------------------------


def _text_width(text: str, size: int) -> float:
    """The width of `text` in Source Sans Pro Regular at `size` units, as the SVG prints it."""
    return _font("SourceSansPro", size).getlength(text)


@functools.cache
def _font(style: str, size: int):
    # Only the packaged Source Sans Pro files: system fonts differ between machines and
    # would make the cover (and its bytes) differ too.
    import font_source_sans_pro
    from PIL import ImageFont

    return ImageFont.truetype(font_source_sans_pro.font_files_ttf[style], size)


def _wrap(draw, text: str, font, max_width: float) -> list[str]:
    """Greedy word wrap by measured width; a single over-long word keeps its own line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


def _wrap_balanced(draw, text: str, font, max_width: float) -> list[str]:
    """Wrap to the fewest lines, then narrow the measure as far as that line count allows,
    so the last line is not a lone word (a "widow" under a full-width line)."""
    lines = _wrap(draw, text, font, max_width)
    if len(lines) < 2:
        return lines
    lo, hi = max_width / len(lines), max_width
    for _ in range(12):  # a fixed number of halvings keeps the result deterministic
        mid = (lo + hi) / 2
        if len(_wrap(draw, text, font, mid)) == len(lines):
            hi = mid
        else:
            lo = mid
    return _wrap(draw, text, font, hi)


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def cover_png(
    title: str,
    subtitle: str,
    group_titles: list[str],
    width: int = 1400,
    height: int = 2100,
    clinic: str = "",
    details: tuple[str, ...] = (),
) -> bytes:
    """Return the e-book cover as PNG bytes, in the same design as the printed cover.

    A white page; a deep-navy band over the top ~45% with the title (white, Bold, wrapped)
    and the subtitle (pale blue-grey, Regular); a thin orange rule under the band; for a
    clinic edition, the clinic's name (navy, Bold) and its details (date, coach, contact);
    then the numbered list of group titles (Semibold, near-black titles, grey numbers).
    Deterministic: no timestamps or other metadata, only pixels.
    """
    image, _ = draw_cover(title, subtitle, group_titles, width, height, clinic, details)
    # Pillow writes no tIME/text chunks unless asked, so the bytes depend on pixels only.
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=9)
    return buffer.getvalue()


def draw_cover(title, subtitle, group_titles, width=1400, height=2100, clinic="", details=()):
    """The cover image, and each line of text drawn on it with its box (for the tests)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    drawn: list[tuple[str, tuple[int, int, int, int]]] = []

    def text(xy, line, font, fill):
        draw.text(xy, line, font=font, fill=fill, anchor="ls")
        drawn.append((line, tuple(round(v) for v in draw.textbbox(xy, line, font=font, anchor="ls"))))

    # Proportions follow layouts/print/handout.css on an A4 page (210 x 297 mm): band
    # padding 30mm top / 24mm left / 20mm right, 6mm title-subtitle gap, list 12mm below
    # the rule at the same 24mm indent. Type is scaled up from the print sizes because a
    # cover image is mostly seen as a thumbnail.
    left = round(width * 24 / 210)
    right = round(width * 20 / 210)
    top = round(height * 30 / 297)
    text_w = width - left - right
    band_h = round(height * 0.45)
    draw.rectangle((0, 0, width, band_h - 1), fill=_hex(NAVY))
    # Title: the largest size (from ~8.5% of the width down) that wraps to at most three
    # lines and, with the subtitle, still fits in the band above its bottom padding.
    title_size = round(width * 0.085)
    while True:
        title_font = _font("SourceSansProBold", title_size)
        title_lines = _wrap_balanced(draw, title, title_font, text_w)
        title_lead = round(title_size * 1.1)
        sub_size = max(10, round(title_size * 15 / 32))  # the print ratio, 32pt : 15pt
        sub_font = _font("SourceSansPro", sub_size)
        sub_lines = _wrap_balanced(draw, subtitle, sub_font, text_w) if subtitle else []
        sub_lead = round(sub_size * 1.3)
        gap = round(height * 6 / 297)
        block_h = title_lead * len(title_lines) + (gap + sub_lead * len(sub_lines))
        widest = max((draw.textlength(line, font=title_font) for line in title_lines), default=0)
        fits = len(title_lines) <= 3 and widest <= text_w and top + block_h <= band_h - left / 2
        if fits or title_size <= 16:
            break
        title_size -= 2

    # Text is placed by baseline ("ls" anchor) so every font size lines up the same way.
    y = top
    for line in title_lines:
        text((left, y + round(title_size * 0.92)), line, title_font, "#ffffff")
        y += title_lead
    y += gap
    for line in sub_lines:
        text((left, y + round(sub_size * 0.98)), line, sub_font, _hex(PALE))
        y += sub_lead

    rule_h = max(2, round(height * 0.015))
    draw.rectangle((0, band_h, width - 1, band_h + rule_h - 1), fill=_hex(ACCENT))

    # A clinic edition: whom it is for, under the rule, before the list (the band keeps the
    # title at its full size). Name in navy Bold, details in ink, wrapped to the text width.
    y = band_h + rule_h + round(height * 12 / 297)
    if clinic or details:
        name_size = round(width * 0.06)
        name_font = _font("SourceSansProBold", name_size)
        for line in _wrap_balanced(draw, clinic, name_font, text_w) if clinic else []:
            y += round(name_size * 1.15)
            text((left, y), line, name_font, _hex(NAVY))
        detail_size = round(width * 0.038)
        detail_font = _font("SourceSansPro", detail_size)
        y += round(detail_size * 0.35)
        for detail in details:
            for line in _wrap(draw, detail, detail_font, text_w):
                y += round(detail_size * 1.4)
                text((left, y), line, detail_font, _hex(INK))
        y += round(height * 10 / 297)

    # Numbered group list (line height 1.7 as in print): numbers in a 2em column in the
    # print's softer grey, titles in ink, all at the band's left indent.
    list_top = y
    bottom = height - round(height * 0.05)
    count = max(1, len(group_titles))
    item_size = max(10, min(round(width * 0.044), round((bottom - list_top) / count / 1.7)))
    lead = round(item_size * 1.7)
    item_font = _font("SourceSansProSemibold", item_size)
    title_x = left + 2 * item_size
    for i, name in enumerate(group_titles):
        baseline = list_top + lead * i + round((lead + item_size * 0.7) / 2)
        text((left, baseline), str(i + 1), item_font, _hex(NUMBER_GREY))
        text((title_x, baseline), name, item_font, _hex(INK))
    return image, drawn
