"""The EPUB in a real browser engine (headless Chromium through Playwright), as phone reading
apps show it: tables at large text on a narrow screen, and the body-map highlight in dark,
forced-colours and forced-dark modes.

Needs Chromium (Debian: apt-get install chromium; .ci/run installs it) and the `playwright`
package; Playwright's own browser download is not used. Skipped, saying why, without them.
"""

from __future__ import annotations

import base64
import io
import shutil
import zipfile

import pytest
from lxml import etree
from PIL import Image, ImageChops, ImageFilter, ImageStat

from conftest import EPUB_NAME

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (Debian: apt-get install chromium)")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
FORCE_DARK = ["--blink-settings=forceDarkModeEnabled=true"]  # Chromium's auto dark theme
SVG = "{http://www.w3.org/2000/svg}"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def book_dir(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("epub")
    with zipfile.ZipFile(built / EPUB_NAME) as epub:
        epub.extractall(folder)
    return folder / "EPUB"


@pytest.fixture(scope="module")
def playwright():
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield browser
    browser.close()


def chapters_with_tables(book_dir):
    return sorted(p for p in (book_dir / "text").glob("*.xhtml") if b"<table" in p.read_bytes())


def reading_order(book_dir):
    """Every document a reader pages through (cover, title page, contents, chapters)."""
    opf = etree.fromstring((book_dir / "content.opf").read_bytes())
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    hrefs = {i.get("id"): i.get("href") for i in opf.iterfind("opf:manifest/opf:item", ns)}
    return [book_dir / hrefs[r.get("idref")] for r in opf.iterfind("opf:spine/opf:itemref", ns)]


# --- tables at 200 % text on a 390 px screen ---------------------------------------------

TABLE_GEOMETRY = """() => {
  const vw = document.documentElement.clientWidth;
  const tables = [...document.querySelectorAll('table')].map(t => {
    const rows = [...t.tBodies[0].rows].map(r => [...r.cells].map(c => {
      const b = c.getBoundingClientRect();
      return {top: b.top, bottom: b.bottom, right: b.right, clipped: c.scrollWidth > c.clientWidth + 1,
              label: getComputedStyle(c, '::before').content};
    }));
    return {id: t.id, right: t.getBoundingClientRect().right, rows};
  });
  return {vw, scroll: document.documentElement.scrollWidth, tables};
}"""


# WCAG 1.4.12: the text-spacing overrides a reader may apply.
TEXT_SPACING = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important; "
                "word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }")
SETTINGS = {
    # 200 % text as a reading system sets it, on the root element
    "200%-text-reading-system": (390, ":root { font-size: 200% !important; }", None, 32),
    # ... and as a browser setting (the default font size, which media queries see too)
    "200%-text-browser-setting": (390, "", 32, 32),
    "wcag-reflow-320px": (320, "", None, 16),  # WCAG 1.4.10
    "wcag-text-spacing": (390, TEXT_SPACING, None, 16),
}


@pytest.fixture(scope="module")
def phone_geometry(browser, book_dir) -> dict[str, dict[str, tuple[float, dict]]]:
    """Per setting, per document: the body's font size and the tables' geometry. One page load
    a document: the settings switch in place (the viewport, the default font size, the reader's
    style sheet), which gives what a fresh load in each setting gives, number for number (checked
    for every document in every setting)."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    devtools = page.context.new_cdp_session(page)
    found: dict[str, dict] = {setting: {} for setting in SETTINGS}
    for doc in reading_order(book_dir):
        page.goto(doc.as_uri())
        for setting, (width, style, default_font, _) in SETTINGS.items():
            page.set_viewport_size({"width": width, "height": 844})
            # Chromium's own defaults (16 px, monospace 13 px) unless the setting changes them.
            devtools.send("Page.setFontSizes", {"fontSizes": {"standard": default_font or 16,
                                                              "fixed": 26 if default_font else 13}})
            added = page.add_style_tag(content=style) if style else None
            found[setting][doc.name] = (page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)"),
                                        page.evaluate(TABLE_GEOMETRY))
            if added:
                added.evaluate("element => element.remove()")
    page.close()
    return found


@pytest.mark.parametrize("setting", SETTINGS)
def test_tables_stack_and_fit_on_a_phone(phone_geometry, setting):
    """No page is wider than the screen (no sideways scrolling), and each table row is stacked:
    the muscle first, then each cell under its column's name."""
    font_px = SETTINGS[setting][3]
    overflow = {}
    for name, (body_font, found) in phone_geometry[setting].items():
        assert body_font == font_px, name
        overflow[name] = found["scroll"] - found["vw"]
        for table in found["tables"]:
            assert table["right"] <= found["vw"], (name, table["id"], table["right"] - found["vw"])
            for header, *cells in table["rows"]:
                assert cells and not header["clipped"] and not any(c["clipped"] for c in cells), (name, table["id"])
                tops = [header["bottom"] - 1] + [c["top"] for c in cells]
                assert tops == sorted(tops), (name, table["id"], "cells are not stacked")
                assert all(c["label"].startswith('"') for c in cells), (name, table["id"], "no column name")
    assert overflow and set(overflow.values()) == {0}, overflow
    assert sum(len(found["tables"]) for _, found in phone_geometry[setting].values()) >= 7  # every group's table


def test_stacked_tables_are_still_tables_to_assistive_technology(browser, book_dir):
    """Stacking changes the display, not the semantics: rows, row headers and cells remain, and
    the shown column names are not read a second time."""
    page = browser.new_page(viewport=PHONE)
    page.goto((book_dir / "text" / "calves.xhtml").as_uri())
    page.add_style_tag(content=":root { font-size: 200% !important; }")
    tree = page.locator("table").first.aria_snapshot()
    page.close()
    assert tree.startswith('- table "The calves at a glance"')
    assert '- columnheader "Where it lies"' in tree and '- rowheader "Gastrocnemius"' in tree
    assert '- cell "Near the skin' in tree and "Where it lies:" not in tree


def test_tables_stay_side_by_side_on_a_wide_screen(browser, book_dir):
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    for doc in chapters_with_tables(book_dir):
        page.goto(doc.as_uri())
        for table in page.evaluate(TABLE_GEOMETRY)["tables"]:
            for row in table["rows"]:
                assert len({round(c["top"]) for c in row}) == 1, (doc.name, table["id"])
                assert all(c["label"] == "none" for c in row[1:]), (doc.name, table["id"])
    page.close()


# --- the body-map highlight in dark and forced modes --------------------------------------

MODES = {
    "light": {},
    "dark": {"color_scheme": "dark"},
    "forced-colours-dark": {"color_scheme": "dark", "forced_colors": "active"},
    "forced-colours-light": {"color_scheme": "light", "forced_colors": "active"},
}  # Chromium's force-dark: test_drawings_keep_their_own_colours_under_force_dark


def relative_luminance(rgb) -> float:
    def channel(v):
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def median_colour(image: Image.Image, mask: Image.Image) -> tuple[int, ...]:
    """The dominant colour under the mask (per-channel median: for a hatch, its main colour)."""
    stats = ImageStat.Stat(image, mask)
    assert stats.count[0] > 200, "too few pixels to measure"
    return tuple(stats.median)


def mask_svg(svg: bytes, group: str) -> str:
    """The same drawing with only the highlighted regions painted (black on white)."""
    root = etree.fromstring(svg)
    for el in root.iter(etree.Element):
        if el.get("fill") or el.get("stroke"):
            el.set("fill", "#000000" if el.get("data-group") == group else "#ffffff")
            el.set("stroke", "none")
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "highlight":
            g.getparent().remove(g)
    return etree.tostring(root, encoding="unicode")


def grow(mask: Image.Image, pixels: int) -> Image.Image:
    """The dark (highlighted) area of `mask`, grown by `pixels` in every direction, diagonals
    too (shrunk when negative), white on black: what a 3x3 minimum filter applied `pixels` times
    gives, pixel for pixel. A pixel is in the grown area when any pixel within `pixels` across
    and down is dark, so a box blur of that width, first across and then down, finds it (a blur
    of one white pixel stays above 0); each pass costs the same whatever the width."""
    area = mask.point(lambda v: 255 if v < 128 else 0)
    if pixels < 0:  # shrinking the dark area is growing the light one
        area = ImageChops.invert(area)
    for radius in ((abs(pixels), 0), (0, abs(pixels))):
        area = area.filter(ImageFilter.BoxBlur(radius)).point(lambda v: 255 if v > 0 else 0)
    return ImageChops.invert(area) if pixels < 0 else area


def contrast_in(shot: Image.Image, inside: Image.Image, ring: Image.Image) -> float:
    """The contrast between the highlight's dominant colour and the body around it."""
    assert shot.size == inside.size
    return round(contrast(median_colour(shot, inside), median_colour(shot, ring)), 2)


SCALE = 2  # device pixels per CSS pixel: the highlight's hatching, sharp enough to measure
# The body map's box, rounded out to whole pixels (as Playwright's element screenshots are).
FIGURE_BOX = """() => {
  const r = document.querySelector('figure.body-map img').getBoundingClientRect();
  const x = Math.floor(r.left), y = Math.floor(r.top);
  return {x, y, width: Math.ceil(r.right) - x, height: Math.ceil(r.bottom) - y,
          inView: r.bottom <= innerHeight && r.right <= innerWidth};
}"""


def body_map_shot(page, devtools) -> Image.Image:
    """The body map as painted, pixel for pixel what Playwright's element screenshot gives, taken
    straight through the DevTools protocol (no scrolling or waiting for the element to settle:
    a few times faster, and the page has settled already)."""
    box = page.evaluate(FIGURE_BOX)
    assert box.pop("inView"), "the body map is not wholly in the viewport"
    shot = devtools.send("Page.captureScreenshot", {"format": "png", "clip": {**box, "scale": SCALE},
                                                    "optimizeForSpeed": True})
    return Image.open(io.BytesIO(base64.b64decode(shot["data"])))


@pytest.fixture(scope="module")
def highlight_shots(browser, book_dir):
    """Per group: the body map as the browser paints it in each mode, and where its highlight
    and the body around it lie (found by swapping in a drawing with only the highlighted regions
    painted). One page load a group: the modes switch in place (the page's styles follow the
    emulated media at once, pixel for pixel as a fresh load in that mode)."""
    page = browser.new_page(viewport={"width": 600, "height": 900}, device_scale_factor=SCALE)
    devtools = page.context.new_cdp_session(page)
    shots = {}
    for doc in sorted((book_dir / "text").glob("*.xhtml")):
        root = etree.fromstring(doc.read_bytes())
        image = root.find(".//{*}figure[@class='figure body-map']/{*}img")
        if image is None:
            continue
        group = doc.stem
        page.goto(doc.as_uri())
        painted = {}
        for mode, media in MODES.items():
            page.emulate_media(**{"color_scheme": "light", "forced_colors": "none", **media})
            painted[mode] = body_map_shot(page, devtools).convert("RGB")
        page.emulate_media(color_scheme="light", forced_colors="none")
        svg_path = (doc.parent / image.get("src")).resolve()
        swapped = svg_path.with_name(f"mask-{group}.svg")
        swapped.write_text(mask_svg(svg_path.read_bytes(), group), encoding="utf-8")
        page.evaluate(f"() => document.querySelector('figure.body-map img').src = '../images/{swapped.name}'")
        page.wait_for_function(f"() => document.querySelector('figure.body-map img').src.endsWith('{swapped.name}')"
                               " && document.querySelector('figure.body-map img').complete")
        mask = body_map_shot(page, devtools).convert("L")
        # Inside: clear of the outline. Ring: the body just around it (4 to 12 px out, at 2x).
        ring = Image.composite(Image.new("L", mask.size, 0), grow(mask, 12), grow(mask, 4))
        shots[group] = (painted, grow(mask, -3), ring)
    page.close()
    assert len(shots) == 7
    return shots


@pytest.mark.parametrize("mode", MODES)
def test_body_map_highlight_keeps_its_contrast(highlight_shots, mode):
    """WCAG 1.4.11 asks 3:1 for the parts of a graphic needed to understand it."""
    ratios = {group: contrast_in(painted[mode], inside, ring)
              for group, (painted, inside, ring) in highlight_shots.items()}
    assert min(ratios.values()) >= 3, ratios


def test_drawings_keep_their_own_colours_under_force_dark(playwright, browser, book_dir):
    """Chromium's automatic dark theme recolours an SVG element by element (dark strokes and
    text turn light on the drawing's own white card); each kind of drawing (the stride chart, a
    body map: one code draws all seven) opts out and looks as drawn, so the highlight keeps the
    contrast the light-mode test measures. Force-dark classifies every image it paints, which
    makes it costly: two documents are enough."""
    docs = [book_dir / "text" / name for name in ("introduction.xhtml", "hamstrings.xhtml")]
    shots = {}
    force_dark = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS + FORCE_DARK)
    for engine in (browser, force_dark):
        page = engine.new_page(viewport={"width": 600, "height": 900})
        for doc in docs:
            page.goto(doc.as_uri())
            image = page.locator("figure img[src$='.svg']")
            shots.setdefault(doc.name, []).append(Image.open(io.BytesIO(image.screenshot())).convert("L"))
        page.close()
    force_dark.close()
    for where, (light, forced) in shots.items():
        assert light.size == forced.size
        # Inside the card's rounded corners, where the page itself (dark when forced) shows.
        inset = round(light.width * 0.04)
        card = (inset, inset, light.width - inset, light.height - inset)
        diff = ImageChops.difference(light.crop(card), forced.crop(card)).point(lambda v: 255 if v > 40 else 0)
        changed = ImageStat.Stat(diff).mean[0] / 255
        assert changed < 0.001, (where, f"{changed:.1%} of the drawing recoloured")
