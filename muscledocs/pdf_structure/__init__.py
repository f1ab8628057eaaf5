"""Repair the PDF/UA structure WeasyPrint 70 writes, right after it writes it.

`pdf.render_pdf` renders a tagged output inside `recording()`, which notes the HTML behind
every structure element, then passes the PDF and those notes to `repair`. With pikepdf it
reads the structure tree, applies the repairs in `repairs.py` in order, turns content that is
not text into artifacts, writes the tree back whole and saves the file deterministically: the
same PDF in gives the same bytes out, and /ID[0], the document's permanent identifier, is kept.
"""

from __future__ import annotations

import io

import pikepdf

from . import repairs
from .content import make_artifacts
from .origins import Origins, recording
from .tree import read_tree, write_tree

__all__ = ["recording", "repair"]


def repair(pdf_bytes: bytes, origins: Origins) -> bytes:
    pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    tree = read_tree(pdf, origins.elements)
    artifacts = repairs.Artifacts()
    document = tree.document

    repairs.page_furniture(tree, origins, artifacts)
    repairs.join_pieces(document)
    repairs.hidden_and_leaders(document, origins, artifacts)
    artifacts.take_out_of(document)
    repairs.aria_headings(document)
    repairs.links(tree)
    repairs.tables(document, artifacts)
    artifacts.take_out_of(document)
    repairs.description_lists(document, origins, artifacts)
    repairs.labels(document)
    repairs.broken_words(document, origins)
    repairs.figure_boxes(document, origins)
    repairs.prune_empty(document)

    make_artifacts(pdf, artifacts.by_page)
    write_tree(tree)
    out = io.BytesIO()
    # deterministic_id: qpdf keeps /ID[0] and derives /ID[1] from the content, not the clock.
    pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
