"""What a file really is, and the text inside it.

``sniff`` looks at a file's first bytes (never at its name alone), so an executable named
``.pdf`` is refused. ``extract_text`` reads PDF, DOCX, ODT, HTML, plain text and Markdown; a
scanned PDF with no text layer, a password-protected or a broken file is reported as such,
never raised.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
HTML = "text/html"
TEXT = "text/plain"
MARKDOWN = "text/markdown"

EXTENSIONS = {
    ".pdf": PDF,
    ".docx": DOCX,
    ".odt": ODT,
    ".html": HTML,
    ".htm": HTML,
    ".txt": TEXT,
    ".md": MARKDOWN,
    ".markdown": MARKDOWN,
}
ALLOWED_EXTENSIONS = sorted(EXTENSIONS)

# Signatures of files that are programs or archives, whatever their name says.
_EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")

# A text layer shorter than this per page is taken for a scan.
MIN_CHARS_PER_PAGE = 20


class FileTypeError(ValueError):
    """The file is not what its name says, or not a kind the library takes."""


def sniff(head: bytes, name: str, handle: BinaryIO | None = None) -> str:
    """The media type of a file from its name and its first bytes; FileTypeError if they differ.

    ``head`` is the first few kilobytes; ``handle`` (seekable) lets a ZIP container be looked
    into for DOCX and ODT.
    """
    extension = Path(name).suffix.lower()
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        raise FileTypeError(
            _("“%(name)s”: files of type %(ext)s are not accepted; use one of %(allowed)s.")
            % {
                "name": name,
                "ext": extension or _("(none)"),
                "allowed": ", ".join(ALLOWED_EXTENSIONS),
            }
        )
    if head.startswith(_EXECUTABLE_SIGNATURES) and claimed != TEXT and claimed != MARKDOWN:
        raise _mismatch(name, claimed)
    if head.startswith(_EXECUTABLE_SIGNATURES[:4]):
        raise _mismatch(name, claimed)
    if claimed == PDF:
        if b"%PDF-" not in head[:1024]:
            raise _mismatch(name, claimed)
        return PDF
    if claimed in (DOCX, ODT):
        if not head.startswith(b"PK\x03\x04") or handle is None:
            raise _mismatch(name, claimed)
        expected = "word/document.xml" if claimed == DOCX else "content.xml"
        try:
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _mismatch(name, claimed) from exc
        finally:
            handle.seek(0)
        if expected not in names:
            raise _mismatch(name, claimed)
        return claimed
    # Text kinds: no NUL bytes and decodable.
    if b"\x00" in head:
        raise _mismatch(name, claimed)
    return claimed


def _mismatch(name: str, claimed: str) -> FileTypeError:
    return FileTypeError(
        _("“%(name)s” is not a real %(kind)s file: its content does not match its name.")
        % {"name": name, "kind": _kind_label(claimed)}
    )


def _kind_label(media_type: str) -> str:
    return {
        PDF: "PDF",
        DOCX: "DOCX",
        ODT: "ODT",
        HTML: "HTML",
        TEXT: _("text"),
        MARKDOWN: "Markdown",
    }[media_type]


def pdf_check(handle: BinaryIO, name: str) -> None:
    """Refuse a PDF that cannot be opened at all (broken, or locked with a password)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        handle.seek(0)
        reader = PdfReader(handle)
        if reader.is_encrypted and not _pdf_unlock(reader):
            raise FileTypeError(
                _("“%(name)s” is protected by a password; upload a copy without one.")
                % {"name": name}
            )
        len(reader.pages)
    except FileTypeError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise FileTypeError(
            _("“%(name)s” is damaged and cannot be opened as a PDF (%(reason)s).")
            % {"name": name, "reason": str(exc)[:200] or type(exc).__name__}
        ) from exc
    finally:
        handle.seek(0)


def _pdf_unlock(reader: object) -> bool:
    """Open a PDF locked only by its owner (readable by anybody); False if a password is needed."""
    try:
        return bool(reader.decrypt(""))  # type: ignore[attr-defined]
    except Exception:  # pypdf raises several kinds, including a missing-crypto DependencyError
        return False


@dataclass
class Extracted:
    status: str  # one of DocumentFile.Extraction
    text: str = ""
    pages: int | None = None
    language: str = ""
    message: str = ""


def extract_text(path: Path, media_type: str) -> Extracted:
    """Read the text of a stored file; problems become a status and a message."""
    try:
        if media_type == PDF:
            result = _extract_pdf(path)
        elif media_type == DOCX:
            result = Extracted("done", _extract_docx(path))
        elif media_type == ODT:
            result = Extracted("done", _extract_odt(path))
        elif media_type == HTML:
            result = Extracted("done", _extract_html(_read_text(path)))
        else:
            result = Extracted("done", _read_text(path))
    except Exception as exc:  # any reader may fail on a hostile file; the file stays, unread
        logger.warning("text extraction of %s failed: %s", path, exc)
        return Extracted("failed", message=f"{type(exc).__name__}: {exc}"[:500])
    result.text = clean_text(result.text)
    if result.status == "done" and result.text:
        result.language = detect_language(result.text)
    return result


def _extract_pdf(path: Path) -> Extracted:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not _pdf_unlock(reader):
        return Extracted("encrypted", message=_("The PDF is protected by a password."))
    pages = []
    for page in reader.pages:
        try:
            pages.append(page.extract_text() or "")
        except Exception as exc:  # one bad page should not lose the others
            logger.warning("page of %s unreadable: %s", path, exc)
            pages.append("")
    text = "\n\n".join(pages)
    count = len(pages)
    if len(text.strip()) < MIN_CHARS_PER_PAGE * max(count, 1) / 4:
        return Extracted(
            "no_text",
            text=text,
            pages=count,
            message=_("No text layer: the PDF looks scanned. Its metadata is still searchable."),
        )
    return Extracted("done", text=text, pages=count)


def _extract_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _extract_odt(path: Path) -> str:
    from odf import teletype
    from odf.opendocument import load
    from odf.text import H, P

    document = load(str(path))
    parts = []
    for element in document.getElementsByType(H) + document.getElementsByType(P):
        parts.append(teletype.extractText(element))
    return "\n".join(parts)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


class _TextOfHTML(HTMLParser):
    SKIPPED = {"script", "style", "noscript", "template", "svg"}
    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _extract_html(source: str) -> str:
    parser = _TextOfHTML()
    parser.feed(source)
    parser.close()
    return "".join(parser.parts)


_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalized Unicode without control characters or runs of spaces."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


# What a file's text may carry that is about the file, not of it, and is never searched or
# shown in a public snippet: front matter (YAML between "---" lines, TOML between "+++"), a
# header block of "key: value" lines at the top (MultiMarkdown, e-mail style), "[[key:value]]"
# tags anywhere, and e-mail addresses anywhere.
_FRONT_MATTER = re.compile(r"\A\s*(---|\+\+\+)[ \t]*\n.*?\n(?:\1|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_HEADER_LINE = re.compile(r"[ \t]*[A-Za-z][\w-]*(?:[ \t][\w-]+){0,2}[ \t]*:(?:[ \t].*)?")
_TAG = re.compile(r"\[\[[ \t]*[\w][\w .-]*:[^\]\n]*\]\]")
_EMAIL = re.compile(r"(?:mailto:)?[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
HEADER_LINE_CHARS = 160
_TAG_LINE = re.compile(r"^[ \t]*(?:\[\[[^\]\n]*\]\][ \t]*)+$\n?", re.M)


def public_text(text: str, *, whole_file: bool = True) -> str:
    """The text without its metadata lines and e-mail addresses, for the index and snippets.

    ``whole_file`` says the text is a file's from its start, where front matter and a header
    block can be; an abstract is only cleared of tags and addresses.
    """
    if whole_file:
        text = _FRONT_MATTER.sub("", text, count=1)
        lines = text.lstrip("\n").split("\n")
        header = 0
        while (
            header < len(lines)
            and len(lines[header]) <= HEADER_LINE_CHARS
            and _HEADER_LINE.fullmatch(lines[header])
        ):
            header += 1
        # Two lines at least, then a blank line: one "Abstract: ..." paragraph is text.
        if header >= 2 and (header == len(lines) or not lines[header].strip()):
            text = "\n".join(lines[header:])
    text = _TAG_LINE.sub("", text)
    text = _TAG.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    return text.strip()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language, or "" when unsure."""
    from langdetect import DetectorFactory, LangDetectException, detect_langs

    DetectorFactory.seed = 0  # the same text always gets the same answer
    sample = text[:5000]
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:
        return ""
    if best.prob < 0.7:
        return ""
    return best.lang.split("-")[0]


def read_head(handle: BinaryIO, size: int = 8192) -> bytes:
    handle.seek(0)
    head = handle.read(size)
    handle.seek(0)
    return head
