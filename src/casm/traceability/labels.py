"""A tag batch's printable label sheet: A4, 3 × 8 labels of 70 × 37 mm (the common "24 per
sheet" self-adhesive format), each with the tag's number, its QR code, and where the batch was
issued. Scanning the code opens the tag lookup, which finds the tag's lot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casm.core.pdf import draw_qr, latin1

COLUMNS, ROWS = 3, 8
WIDTH, HEIGHT = 70.0, 37.125
QR_SIZE = 27.0


def batch_labels_pdf(batch: Any, tags: list[Any], lookup_url: Callable[[str], str]) -> bytes:
    """The labels of ``tags`` (of ``batch``), one per cell, as many pages as needed.
    ``lookup_url(number)`` is the address a tag's QR code holds."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_title(latin1(f"Tags of batch {batch.pk}"))
    holder = batch.site.name if batch.site_id else batch.actor.organisation.name
    where = latin1(f"{holder} - {batch.country.alpha2} - {batch.issued_on.isoformat()}")
    per_page = COLUMNS * ROWS
    for index, tag in enumerate(tags):
        if index % per_page == 0:
            pdf.add_page()
        cell = index % per_page
        left = (cell % COLUMNS) * WIDTH
        top = (cell // COLUMNS) * HEIGHT
        draw_qr(pdf, lookup_url(tag.number), left=left + 4, top=top + 5, size=QR_SIZE)
        pdf.set_xy(left + QR_SIZE + 7, top + 6)
        pdf.set_font("Helvetica", style="B", size=11)
        pdf.multi_cell(WIDTH - QR_SIZE - 10, 5.5, latin1(tag.number))
        pdf.set_xy(left + QR_SIZE + 7, top + 20)
        pdf.set_font("Helvetica", size=6.5)
        pdf.multi_cell(WIDTH - QR_SIZE - 10, 3.2, where)
    if not tags:
        pdf.add_page()
    return bytes(pdf.output())
