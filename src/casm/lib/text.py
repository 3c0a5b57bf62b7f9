"""Reading text files whose encoding nobody wrote down: spreadsheets saved as CSV on Windows,
Excel's "Unicode text" (UTF-16), or plain UTF-8."""

from __future__ import annotations

import codecs

# Below this share of NUL bytes in one half of the sample, the text is not UTF-16.
UTF16_NUL_SHARE = 0.3


def sniff_encoding(sample: bytes, *, last_resort: str = "latin-1") -> str:
    """The encoding of a text from its first bytes.

    A byte-order mark says it (UTF-8, UTF-16 either way); UTF-16 without one shows as NUL bytes
    in every other position (the high bytes of Latin letters); then UTF-8 if it decodes, else
    cp1252 (Latin-1 plus ’, € and œ, as Windows saves it), else ``last_resort``: Latin-1 reads
    any bytes; a caller that would rather refuse gives one that fails to decode (e.g. cp1252).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the mark and drops it
    pairs = len(sample) // 2
    if pairs:
        even_nuls = sample[0 : pairs * 2 : 2].count(0)
        odd_nuls = sample[1 : pairs * 2 : 2].count(0)
        if odd_nuls > UTF16_NUL_SHARE * pairs and even_nuls < odd_nuls / 4:
            return "utf-16-le"
        if even_nuls > UTF16_NUL_SHARE * pairs and odd_nuls < even_nuls / 4:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return last_resort
