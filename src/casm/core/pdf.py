"""What the PDFs the platform writes share."""

from __future__ import annotations


def latin1(text: str) -> str:
    """Text the PDF core fonts can draw: they know Latin-1 only, so a few common letters
    become their nearest Latin-1 form and any other becomes '?' rather than failing."""
    text = text.replace("œ", "oe").replace("—", "-").replace("’", "'")
    return text.encode("latin-1", "replace").decode("latin-1")
