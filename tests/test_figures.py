"""Property tests for muscledocs.figures and the shared drawing assets/body-map.svg.

They check what readers depend on: every group has a region on the body map, exactly that
group is highlighted (and in a way that survives black-and-white print), regions of
different groups never overlap, the stride chart shows exactly the data it is given, the
cover is a deterministic PNG, and WeasyPrint renders every figure without an error.
"""

from __future__ import annotations

import base64
import io
import logging
import re
import struct
import sys
from pathlib import Path

import pytest
import yaml
from lxml import etree
from PIL import Image, ImageChops, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a plain checkout, without installing the package
    sys.path.insert(0, str(ROOT))

from muscledocs import figures  # noqa: E402
from muscledocs.artwork import chart_words  # noqa: E402
from muscledocs.errors import ErrorLog  # noqa: E402
from muscledocs.strings import load_strings  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
BOOK = yaml.safe_load((ROOT / "chapters" / "book.yaml").read_text(encoding="utf-8"))
GROUPS = [(g["id"], g["title"]) for g in BOOK["groups"]]
GROUP_IDS = [gid for gid, _ in GROUPS]
TEMPLATE = (ROOT / "assets" / "body-map.svg").read_text(encoding="utf-8")
PHASES = ("landing", "stance", "push-off", "swing")
# Sample chart data: varied on purpose (none, one, several and all phases).
SAMPLE_WORK = [
    ["landing", "stance", "push-off"],
    ["landing", "stance"],
    ["swing"],
    ["landing", "stance", "push-off", "swing"],
    ["push-off", "swing"],
    ["landing", "push-off"],
    [],
]


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode("utf-8"))


def regions(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter(etree.Element) if el.get("data-group") is not None]


def luminance(color: str) -> float:
    r, g, b = (int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.299 * r + 0.587 * g + 0.114 * b


def english_chart_words() -> figures.ChartWords:
    log = ErrorLog(ROOT)
    strings = load_strings((ROOT / "layouts",), "en", log, (ROOT / "chapters" / "book.yaml", 1))
    assert not log.errors
    return chart_words(strings)


CHART_WORDS = english_chart_words()


def stride_chart(rows, phases=PHASES, title="Which muscle groups work in each phase of the stride"):
    return figures.stride_chart_svg(rows, phases, title, CHART_WORDS)


def sample_rows():
    return [(title, SAMPLE_WORK[i % len(SAMPLE_WORK)]) for i, (_, title) in enumerate(GROUPS)]


# --- the template -----------------------------------------------------------------------


def test_template_is_plain_scalable_svg():
    root = parse(TEMPLATE)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox")
    assert root.get("width") is None and root.get("height") is None
    tags = {etree.QName(el).localname for el in root.iter(etree.Element)}
    assert not tags & {"style", "script", "filter", "image", "foreignObject", "use"}
    for el in root.iter(etree.Element):
        assert "style" not in el.attrib and "filter" not in el.attrib
        assert not any(k.endswith("href") for k in el.attrib), "no external references"
    assert len(root.findall(f".//{SVG}*[@class='body']")) >= 2  # front and back silhouettes
    labels = {el.text: el for el in root.iter(f"{SVG}text")}
    assert {"Front", "Back"} <= set(labels)
    assert all("Source Sans Pro" in el.get("font-family", "") for el in labels.values())


@pytest.mark.parametrize("group_id", GROUP_IDS)
def test_every_group_has_a_region(group_id):
    assert any(el.get("data-group") == group_id for el in regions(parse(TEMPLATE)))


def test_template_draws_no_unknown_group():
    assert {el.get("data-group") for el in regions(parse(TEMPLATE))} <= set(GROUP_IDS)


# A tiny rasteriser for the template's paths (absolute M/L/H/V/C/Z, which is all the
# hand-drawn map uses) so the overlap check needs no external renderer.
_TOKEN = re.compile(r"[MLHVCZ]|-?\d*\.?\d+(?:e-?\d+)?", re.I)


def path_polygons(d: str, steps: int = 12) -> list[list[tuple[float, float]]]:
    tokens = _TOKEN.findall(d)
    polys, current, pos, cmd, i = [], [], (0.0, 0.0), None, 0

    def take(n):
        nonlocal i
        vals = [float(t) for t in tokens[i : i + n]]
        i += n
        return vals

    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                if current:
                    polys.append(current)
                current = []
                continue
        assert cmd in ("M", "L", "H", "V", "C"), f"unsupported path command {cmd!r}"
        if cmd == "M":
            if current:
                polys.append(current)
            pos = tuple(take(2))
            current = [pos]
            cmd = "L"  # further pairs after M are line-tos
        elif cmd == "L":
            pos = tuple(take(2))
            current.append(pos)
        elif cmd == "H":
            pos = (take(1)[0], pos[1])
            current.append(pos)
        elif cmd == "V":
            pos = (pos[0], take(1)[0])
            current.append(pos)
        else:
            x1, y1, x2, y2, x, y = take(6)
            x0, y0 = pos
            for s in range(1, steps + 1):
                t = s / steps
                u = 1 - t
                current.append(
                    (
                        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x,
                        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y,
                    )
                )
            pos = (x, y)
    if current:
        polys.append(current)
    return polys


def shape_mask(elements, size, scale=3.0):
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    for el in elements:
        tag = etree.QName(el).localname
        if tag == "path":
            for poly in path_polygons(el.get("d")):
                draw.polygon([(x * scale, y * scale) for x, y in poly], fill=255)
        elif tag == "ellipse":
            cx, cy, rx, ry = (float(el.get(k)) for k in ("cx", "cy", "rx", "ry"))
            draw.ellipse([(cx - rx) * scale, (cy - ry) * scale, (cx + rx) * scale, (cy + ry) * scale], fill=255)
        elif tag == "rect":
            x, y, w, h = (float(el.get(k, 0)) for k in ("x", "y", "width", "height"))
            draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], fill=255)
        else:
            pytest.fail(f"no test rasteriser for <{tag}> regions")
    return mask


def test_regions_of_different_groups_do_not_overlap_and_stay_on_the_body():
    root = parse(TEMPLATE)
    _, _, vw, vh = (float(v) for v in root.get("viewBox").split())
    size = (int(vw * 3), int(vh * 3))
    masks = {gid: shape_mask([el for el in regions(root) if el.get("data-group") == gid], size) for gid in GROUP_IDS}
    body = shape_mask(root.findall(f".//{SVG}*[@class='body']"), size)
    for gid, mask in masks.items():
        assert mask.getbbox(), f"{gid}: empty region"
        outside = ImageChops.subtract(mask, body)
        assert outside.getbbox() is None, f"{gid}: region spills outside the silhouette"
    ids = list(masks)
    for a_i, a in enumerate(ids):
        for b in ids[a_i + 1 :]:
            both = ImageChops.multiply(masks[a], masks[b])
            assert both.getbbox() is None, f"regions of {a} and {b} overlap"


# --- body_map_svg -----------------------------------------------------------------------


@pytest.mark.parametrize("group_id,title", GROUPS)
def test_body_map_highlights_exactly_the_chosen_group(group_id, title):
    out = figures.body_map_svg(TEMPLATE, group_id, f"{title} on the body map")
    root = parse(out)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("viewBox")
    first = root[0]
    assert first.tag == f"{SVG}title" and first.text == f"{title} on the body map"

    chosen = [el for el in regions(root) if el.get("data-group") == group_id]
    others = [el for el in regions(root) if el.get("data-group") != group_id]
    assert chosen and others

    # Black-and-white proof: a very dark base plus white hatching, not colour alone.
    assert all(luminance(el.get("fill")) < 80 for el in chosen)
    clips = {c.get("id"): c for c in root.iter(f"{SVG}clipPath")}
    hatched = [g for g in root.iter(f"{SVG}g") if g.get("clip-path")]
    assert len(hatched) == 1
    ref = re.fullmatch(r"url\(#([^)]+)\)", hatched[0].get("clip-path"))
    assert ref and ref.group(1) in clips, "the hatching is clipped to a clip path"
    # ... to exactly the chosen regions.
    assert sorted(c.get("d") for c in clips[ref.group(1)]) == sorted(el.get("d") for el in chosen)
    stripes = hatched[0].findall(f"{SVG}path")
    assert stripes and all(luminance(p.get("stroke")) > 240 and float(p.get("stroke-width")) >= 1.5
                           for p in stripes)
    # Outlined in a dark line, drawn over the hatching.
    outlines = [p for p in hatched[0].getparent().findall(f"{SVG}path") if p.get("fill") == "none"]
    assert sorted(p.get("d") for p in outlines) == sorted(el.get("d") for el in chosen)
    assert all(luminance(p.get("stroke")) < 80 for p in outlines)
    # No <pattern>: Chromium's forced dark mode recolours pattern tiles (the highlight turned
    # pale blue on the light body); plain shapes keep their colours (tests/test_epub_browser.py).
    assert root.find(f".//{SVG}pattern") is None

    for el in others:
        assert "url(" not in el.get("fill", ""), f"{el.get('data-group')} is highlighted"
        assert luminance(el.get("fill")) > 200, "neutral regions are light"
    for el in root.findall(f".//{SVG}*[@class='body']"):
        assert luminance(el.get("fill")) > 200 and luminance(el.get("stroke")) < 80

    # Night mode: a white background drawn before the body.
    background = root[[etree.QName(el).localname for el in root].index("rect")]
    assert background.get("fill") == "#ffffff"
    assert float(background.get("width")) == float(root.get("viewBox").split()[2])


def test_body_map_is_deterministic_and_differs_per_group():
    outputs = {gid: figures.body_map_svg(TEMPLATE, gid, "Body map") for gid in GROUP_IDS}
    assert outputs["glutes"] == figures.body_map_svg(TEMPLATE, "glutes", "Body map")
    assert len(set(outputs.values())) == len(GROUP_IDS)


def test_body_map_unknown_group_raises():
    with pytest.raises(ValueError, match="no-such-group"):
        figures.body_map_svg(TEMPLATE, "no-such-group", "Body map")


# --- stride_chart_svg -------------------------------------------------------------------


def test_stride_chart_rows_cells_and_headers():
    rows = sample_rows()
    root = parse(stride_chart(rows, title="Muscles by stride phase"))
    assert root.get("role") == "img" and root.get("viewBox")
    assert root[0].tag == f"{SVG}title" and root[0].text == "Muscles by stride phase"

    labels = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "row-label"]
    assert labels == [title for _, title in GROUPS]
    cells = [el for el in root.iter(f"{SVG}rect") if el.get("data-state")]
    assert len(cells) == len(rows) * len(PHASES)
    filled = [el for el in cells if el.get("data-state") == "on"]
    assert len(filled) == sum(len(work) for _, work in rows)
    # Filled cells are dark, empty ones white with an outline: readable in greyscale.
    assert all(luminance(el.get("fill")) < 80 for el in filled)
    assert all(el.get("fill") == "#ffffff" and el.get("stroke") for el in cells if el.get("data-state") == "off")

    texts = [el.text for el in root.iter(f"{SVG}text")]
    for header in (
        "Landing",
        "Stance",
        "Push-off",
        "Swing",
        "Stance phase",
        "Swing phase",
        "foot on the ground",
        "foot in the air",
    ):
        assert header in texts
    backgrounds = [el for el in root.iter(f"{SVG}rect") if el.get("fill") == "#ffffff"]
    assert backgrounds and backgrounds[0].get("width") == root.get("viewBox").split()[2]


def test_stride_chart_is_deterministic():
    assert stride_chart(sample_rows()) == stride_chart(sample_rows())


@pytest.mark.parametrize(
    "rows,phases",
    [
        ([("Glutes", ["landing", "sprinting"])], PHASES),
        ([("Glutes", ["landing"])], ("landing", "flight")),
    ],
)
def test_stride_chart_unknown_phase_raises(rows, phases):
    with pytest.raises(ValueError, match="phase"):
        stride_chart(rows, phases)


# --- cover_png --------------------------------------------------------------------------


def png_chunk_types(data: bytes) -> list[bytes]:
    types, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        types.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return types


def test_cover_png_size_design_and_determinism():
    titles = [title for _, title in GROUPS]
    data = figures.cover_png(BOOK["title"], BOOK["subtitle"], titles)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data == figures.cover_png(BOOK["title"], BOOK["subtitle"], titles)
    assert not set(png_chunk_types(data)) & {b"tIME", b"tEXt", b"iTXt", b"zTXt"}

    image = Image.open(io.BytesIO(data))
    assert image.size == (1400, 2100)
    rgb = image.convert("RGB")
    hexes = {
        name: tuple(int(c[i : i + 2], 16) for i in (1, 3, 5))
        for name, c in (("navy", figures.NAVY), ("accent", figures.ACCENT))
    }
    assert rgb.getpixel((5, 5)) == hexes["navy"]  # band at the top
    band_bottom = round(2100 * 0.45)
    assert rgb.getpixel((5, band_bottom + 5)) == hexes["accent"]  # the orange rule
    assert rgb.getpixel((5, 2095)) == (255, 255, 255)  # white page
    # There is white title text in the band and dark list text below the rule.
    band = rgb.crop((0, 0, 1400, band_bottom - 1)).convert("L")
    assert band.getextrema()[1] > 240
    below = rgb.crop((0, band_bottom + 40, 1400, 2100)).convert("L")
    assert below.getextrema()[0] < 60

    small = Image.open(io.BytesIO(figures.cover_png("T", "S", titles, width=600, height=900)))
    assert small.size == (600, 900)


def test_cover_of_a_clinic_edition_draws_the_clinic_under_the_band():
    details = ("Thursday, December 3, 2026", "Coach: Sam Rivera", "Contact: sam@example.org")
    image, drawn = figures.draw_cover(BOOK["title"], BOOK["subtitle"], ["Glutes", "Calves"],
                                      clinic="Thursday Track Night", details=details)
    lines = [text for text, _ in drawn]
    assert lines.index("Thursday Track Night") < lines.index(details[0]) < lines.index("Glutes")
    assert all(d in lines for d in details)
    band_bottom = round(2100 * 0.45)
    rgb = image.convert("RGB")
    boxes = [box for _, box in drawn]
    for text, (x0, y0, x1, y1) in drawn:
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height, text
        if text in details or text == "Thursday Track Night":
            assert y0 > band_bottom, text  # on the white page, under the rule
            # Ink where the line is: dark text on white.
            assert rgb.crop((x0, y0, x1, y1)).convert("L").getextrema()[0] < 80, text
    for i, a in enumerate(boxes):  # no line overlaps another
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # A very long clinic name wraps instead of running off the page.
    _, drawn = figures.draw_cover(BOOK["title"], BOOK["subtitle"], ["Glutes"],
                                  clinic="Saturday Long Run and Strength Clinic at Riverside Park")
    assert all(box[2] <= 1400 for _, box in drawn) and len(drawn) > 6


# --- rendering through WeasyPrint -------------------------------------------------------


def _all_figures():
    yield from ((f"body-map-{gid}", figures.body_map_svg(TEMPLATE, gid, title)) for gid, title in GROUPS)
    yield "stride-chart", stride_chart(sample_rows())


def test_weasyprint_renders_every_figure_without_errors(caplog):
    weasyprint = pytest.importorskip("weasyprint")
    for name, svg in _all_figures():
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        html = f'<img alt="{name}" src="data:image/svg+xml;base64,{data}">'
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="weasyprint"):
            pdf = weasyprint.HTML(string=html).write_pdf()
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, f"{name}: {errors}"
        assert pdf.startswith(b"%PDF")


def test_weasyprint_check_catches_a_broken_svg(caplog):
    # Guards the test above: a broken image must show up as a logged error.
    weasyprint = pytest.importorskip("weasyprint")
    data = base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg'><rect").decode("ascii")
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        weasyprint.HTML(string=f'<img src="data:image/svg+xml;base64,{data}">').write_pdf()
    assert any(r.levelno >= logging.ERROR for r in caplog.records)
