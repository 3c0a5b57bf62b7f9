"""What the PDFs the platform writes share."""

from __future__ import annotations

from typing import Any


def latin1(text: str) -> str:
    """Text the PDF core fonts can draw: they know Latin-1 only, so a few common letters
    become their nearest Latin-1 form and any other becomes '?' rather than failing."""
    text = text.replace("œ", "oe").replace("—", "-").replace("’", "'")
    return text.encode("latin-1", "replace").decode("latin-1")


def draw_qr(pdf: Any, text: str, *, left: float, top: float, size: float) -> None:
    """A QR code of ``text`` (error correction M) drawn as filled squares, ``size`` mm wide,
    at (``left``, ``top``) on the current page of an fpdf2 document."""
    import segno

    qr = segno.make(text, error="m")
    step = size / qr.symbol_size(border=0)[0]
    pdf.set_fill_color(0, 0, 0)
    for row, line in enumerate(qr.matrix):
        for column, dark in enumerate(line):
            if dark:
                pdf.rect(left + column * step, top + row * step, step, step, style="F")
