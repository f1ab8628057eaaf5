"""Render print HTML to PDF with WeasyPrint. Runs inside worker processes.

WeasyPrint is imported only here, inside the functions, so the main process (and any build that
renders nothing) never pays for it. Everything WeasyPrint logs at WARNING or above fails the
render: a missing image is only *logged* by WeasyPrint, and a handout with a hole in it must not
ship. The URL fetcher refuses anything outside the project, its layouts and fonts, and never
touches the network.
"""

from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RenderFailed

PDF_VARIANT = "pdf/ua-1"  # tagged: structure tree, /Lang, figure alt text, title shown
# Advice about the machine, not about the document: the output is still complete and reproducible.
HARMLESS = ("Using fontTools instead of HarfBuzz-Subset",)


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    # For each page, the ids of the elements that *start* on it, top to bottom.
    page_anchors: list[list[str]] = field(default_factory=list)
    front_pages: int = 0
    problems: list[str] = field(default_factory=list)
    findings: list = field(default_factory=list)  # proof.Finding, one per page defect


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        message = record.getMessage()
        if not message.startswith(HARMLESS):
            self.messages.append(message)


def _fetcher(allowed_roots: tuple[Path, ...]):
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class ProjectOnlyFetcher(URLFetcher):
        """Serves data: URIs and files under the allowed folders; refuses everything else."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file:"):
                from urllib.parse import unquote, urlsplit

                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in allowed_roots):
                    return super().fetch(url, headers)
                raise FatalURLFetchingError(f"refused to read {path}: it is outside the project")
            raise FatalURLFetchingError(f"refused to fetch {url}: builds never use the network")

    return ProjectOnlyFetcher()


@contextmanager
def _failing_on_problems(output: str):
    """Turn everything WeasyPrint logs, and any exception, into RenderFailed for `output`."""
    from weasyprint.urls import FatalURLFetchingError

    collector = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield
    # A refused fetch raises FatalURLFetchingError, a BaseException, to stop WeasyPrint at once.
    except (Exception, FatalURLFetchingError) as exc:  # report every kind with the output name
        cause = exc.__cause__ or exc
        raise RenderFailed(output, collector.messages + [str(cause) or type(cause).__name__]) from None
    finally:
        logger.removeHandler(collector)
    if collector.messages:
        raise RenderFailed(output, collector.messages)


@contextmanager
def reproducible(epoch: int | None, subsetter: str | None):
    """For the length of one PDF write: fontTools (WeasyPrint's font subsetter when
    libharfbuzz-subset is missing, or when `subsetter` asks for it, as tests do) stamps fonts
    with SOURCE_DATE_EPOCH instead of the clock. Both are put back afterwards, so nothing a
    build sets outlives it in the process."""
    import weasyprint.pdf.fonts

    saved_epoch = os.environ.get("SOURCE_DATE_EPOCH")
    saved_subsetter = weasyprint.pdf.fonts.harfbuzz_subset
    if epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    if subsetter == "fonttools":
        weasyprint.pdf.fonts.harfbuzz_subset = None
    try:
        yield
    finally:
        weasyprint.pdf.fonts.harfbuzz_subset = saved_subsetter
        if saved_epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved_epoch


class SharedStyle:
    """One parsed stylesheet and font configuration, for rendering many parts of one output."""

    def __init__(self, css: str, output: str, base_url: Path, allowed_roots: tuple[Path, ...]):
        import weasyprint

        from .typefaces import bundled_font_config

        with _failing_on_problems(output):
            self.font_config = bundled_font_config()
            self.stylesheet = weasyprint.CSS(string=css, base_url=str(base_url) + "/",
                                             url_fetcher=_fetcher(allowed_roots), font_config=self.font_config)


def render_pdf(html: str, output: str, base_url: Path, allowed_roots: tuple[Path, ...],
               first_body_anchor: str | None = None, identifier: bytes = b"",
               shared: SharedStyle | None = None, tagged: bool = True, epoch: int | None = None,
               subsetter: str | None = None) -> Rendered:
    """Render `html`; raise RenderFailed with everything WeasyPrint complained about.

    The laid-out pages are proofed here, between layout and writing, so the proof reads the
    boxes this render made instead of rendering or parsing anything again.
    """
    import weasyprint

    from .pdf_structure import recording, repair
    from .proof import proof_pages
    from .typefaces import bundled_font_config

    variant = PDF_VARIANT if tagged else None
    with _failing_on_problems(output):
        # Only the bundled fonts: never a glyph from the machine's own fonts.
        extra = {"stylesheets": [shared.stylesheet], "font_config": shared.font_config} if shared \
            else {"font_config": bundled_font_config()}
        def layout(markup: str):
            return weasyprint.HTML(string=markup, base_url=str(base_url) + "/",
                                   url_fetcher=_fetcher(allowed_roots)).render(pdf_variant=variant, **extra)

        document = layout(html)
        if (tail := glossary_tail(document)) and tail[1] < GLOSSARY_TAIL_LEAST:
            # A few terms alone on the glossary's last page: the layout's tighter glossary
            # (handout.css, data-fit="tight") usually pulls them back; kept only if it does.
            tight = layout(_HTML_TAG.sub(r'\g<0> data-fit="tight"', html, count=1))
            tight_tail = glossary_tail(tight)  # None: the glossary is on one page now
            if tight_tail is None or tight_tail[0] < tail[0]:
                document = tight
        anchors = first_appearances(document.pages)
        front_pages = 0
        if first_body_anchor:
            front_pages = next((i for i, ids in enumerate(anchors) if first_body_anchor in ids), 0)
        findings = proof_pages(document, output)
        with reproducible(epoch, subsetter), recording() if tagged else nullcontext() as origins:
            pdf = document.write_pdf(pdf_variant=variant, pdf_identifier=identifier or None,
                                     finisher=_page_labels(front_pages))
        if tagged:
            pdf = repair(pdf, origins)  # what WeasyPrint's tagging gets wrong (pdf_structure)
    return Rendered(pdf=pdf, pages=len(document.pages), page_anchors=anchors, front_pages=front_pages,
                    findings=findings)


GLOSSARY_TAIL_LEAST = 0.3  # a glossary's last page holding less of its text block than this is tightened
_HTML_TAG = re.compile(r"<html\b")


def glossary_tail(document) -> tuple[int, float] | None:
    """The glossary's last page (an index) and how much of its height the glossary fills there
    (0.2: a fifth), or None when the glossary starts and ends on one page (or there is none)."""
    pages = [i for i, page in enumerate(document.pages) if "glossary-terms" in page.anchors]
    if len(pages) < 2:
        return None
    page = document.pages[pages[-1]]._page_box
    boxes = [box for box in _descendants(page) if getattr(box, "element", None) is not None
             and box.element.get("id") == "glossary-terms"]
    if not boxes:
        return None
    bottom = max(box.position_y + box.margin_height() for box in boxes)
    return pages[-1], (bottom - page.content_box_y()) / page.height


def _descendants(box):
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


FIT_SLOT = "--fitted-font-size--"  # where a one-page output's type size goes in its HTML


def fit_one_page(html: str, output: str, base_url: Path, allowed_roots: tuple[Path, ...],
                 smallest: float = 7.5, largest: float = 14.0, fill: float = 0.96) -> str:
    """`html` with the largest type size (in points, to 0.05 pt) at which it fits one page,
    aiming to fill about `fill` of the page's height. Each try is a layout only, no PDF."""
    import weasyprint

    from .typefaces import bundled_font_config

    def measure(size: float) -> float:
        """Pages used at `size`: 0.8 is one page four-fifths full."""
        with _failing_on_problems(output):
            document = weasyprint.HTML(string=html.replace(FIT_SLOT, f"{size:.2f}pt"), base_url=str(base_url) + "/",
                                       url_fetcher=_fetcher(allowed_roots)).render(font_config=bundled_font_config())
        page = document.pages[-1]._page_box
        root = page.children[0]
        used = (root.position_y + root.margin_height() - page.content_box_y()) / page.height
        return len(document.pages) - 1 + used

    fits, too_big = smallest, largest + 0.01
    size = 10.0
    for _ in range(7):
        used = measure(size)
        if used <= 1.0:
            fits = max(fits, size)
            if used >= fill - 0.03:
                break
        else:
            too_big = min(too_big, size)
        # Type area grows with the square of the size; then keep within the known bracket.
        guess = size * (fill / used) ** 0.5
        size = round(min(max(guess, fits + 0.05), too_big - 0.05, largest), 2)
        if size <= fits or too_big - fits < 0.1:
            break
    return html.replace(FIT_SLOT, f"{fits:.2f}pt")


def first_appearances(pages) -> list[list[str]]:
    """Anchor ids per page, keeping each id only on the page where its element starts.

    WeasyPrint repeats an anchor on every page a split element continues onto; only the first
    page is where a reader sees that element begin.
    """
    seen: set[str] = set()
    result = []
    for page in pages:
        here = sorted((pos[1], pos[0], name) for name, pos in page.anchors.items() if name not in seen)
        seen.update(name for _, _, name in here)
        result.append([name for _, _, name in here])
    return result


def _page_labels(front_pages: int):
    """PDF page labels matching the printed numbers: i, ii... for front matter, then 1, 2..."""

    def finisher(document, pdf):
        import pydyf

        nums = []
        if front_pages:
            nums += [0, pydyf.Dictionary({"S": "/r"})]
        nums += [front_pages, pydyf.Dictionary({"S": "/D"})]
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(nums)})

    return finisher
