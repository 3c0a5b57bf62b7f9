"""How to cite a document: APA 7th edition text and a BibTeX entry.

Authors are stored as one name each ("Jane Q. Doe", "Doe, Jane Q." or an organisation), so a
person's surname is guessed: the part before a comma, else the last word with the particles
that belong to it ("de la Cruz", "van der Berg").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from casm.library.models import Document, DocumentAuthor, DocumentType

# Lower-case words that start a surname rather than end the given names.
# fmt: off
_PARTICLES = frozenset([
    "al", "bin", "da", "das", "de", "del", "della", "der", "des", "di", "do", "dos", "du", "el",
    "ibn", "la", "le", "ten", "ter", "van", "von", "y", "zu",
])
# Dated like newspapers and web pages in APA ("2020, March 5"); everything else by year.
_DATED_TYPES = frozenset({DocumentType.NEWS, DocumentType.WEB_PAGE})
_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]
# fmt: on
# APA lists up to 20 authors; beyond that the first 19, an ellipsis and the last.
_APA_MAX_AUTHORS = 20


@dataclass(frozen=True)
class Author:
    name: str
    is_person: bool

    def split(self) -> tuple[str, str]:
        """(surname, given names): ("de la Cruz", "Marie-Claire") for "Marie-Claire de la Cruz"."""
        if "," in self.name:
            surname, given = (part.strip() for part in self.name.split(",", 1))
            return surname, given
        words = self.name.split()
        if len(words) < 2:
            return self.name.strip(), ""
        start = len(words) - 1
        while start > 1 and words[start - 1].lower() in _PARTICLES:
            start -= 1
        return " ".join(words[start:]), " ".join(words[:start])


def _initials(given: str) -> str:
    """ "Jane Quincy" → "J. Q."; "Marie-Claire" → "M.-C."; "J.Q." → "J. Q."."""
    parts = []
    for word in re.split(r"[\s.]+", given):
        if not word:
            continue
        letters = [piece[0].upper() + "." for piece in word.split("-") if piece]
        if letters:
            parts.append("-".join(letters))
    return " ".join(parts)


def document_authors(document: Document) -> list[Author]:
    return [
        Author(a.name, a.kind == DocumentAuthor.Kind.PERSON)
        for a in document.authors.all()
        if a.name
    ]


def document_absolute_url(document: Document) -> str:
    return settings.CASM_SITE_URL.rstrip("/") + reverse(
        "library:document_detail", args=[document.pk]
    )


def document_link(document: Document) -> str:
    """Where the document is found: its DOI, its own address, else its page here."""
    if document.doi:
        return f"https://doi.org/{document.doi}"
    return document.url or document_absolute_url(document)


# --- APA ---------------------------------------------------------------------------------


def _apa_author(author: Author) -> str:
    if not author.is_person:
        return author.name
    surname, given = author.split()
    initials = _initials(given)
    return f"{surname}, {initials}" if initials else surname


def _apa_author_list(authors: Sequence[Author]) -> str:
    names = [_apa_author(a) for a in authors]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]}, & {names[1]}"
    if len(names) > _APA_MAX_AUTHORS:
        return ", ".join(names[: _APA_MAX_AUTHORS - 1]) + ", . . . " + names[-1]
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _apa_date(document: Document) -> str:
    day = document.published_on
    if day is not None and document.doc_type in _DATED_TYPES:
        return f"{day.year}, {_MONTHS[day.month - 1]} {day.day}"
    year = document.year or (day.year if day else None)
    return str(year) if year else "n.d."


def _end_with_period(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


@dataclass(frozen=True)
class _ApaParts:
    who: str  # "" without authors: the title takes their place
    date: str
    title: str  # in italics
    version: str  # "(Version 2)" after the title, not in italics
    publisher: str
    link: str


def _full_title(document: Document) -> str:
    title = document.title.strip()
    if document.subtitle.strip():
        title = f"{title.rstrip(':')}: {document.subtitle.strip()}"
    return title


def _apa_parts(document: Document) -> _ApaParts:
    authors = document_authors(document)
    version = document.version.strip()
    if version:
        version = f"({version})" if version.lower().startswith("v") else f"(Version {version})"
    # The publisher is left out when it is the (only) author.
    publisher = document.publisher.strip()
    if len(authors) == 1 and not authors[0].is_person and authors[0].name == publisher:
        publisher = ""
    return _ApaParts(
        who=_apa_author_list(authors) if authors else "",
        date=_apa_date(document),
        title=_full_title(document),
        version=version,
        publisher=publisher,
        link=document_link(document),
    )


def _apa_pieces(parts: _ApaParts, title: str) -> list[str]:
    """The reference's pieces in order; ``title`` is the title already formatted."""
    title_end = "" if parts.title.endswith((".", "?", "!")) and not parts.version else "."
    titled = title + (f" {parts.version}" if parts.version else "") + title_end
    if parts.who:
        pieces = [_end_with_period(parts.who), f"({parts.date}).", titled]
    else:
        pieces = [titled, f"({parts.date})."]
    if parts.publisher:
        pieces.append(_end_with_period(parts.publisher))
    pieces.append(parts.link)
    return pieces


def apa(document: Document) -> str:
    """The APA 7 reference as plain text (the title is not in italics)."""
    parts = _apa_parts(document)
    return " ".join(_apa_pieces(parts, parts.title))


def apa_html(document: Document) -> SafeString:
    """The APA 7 reference as HTML, with the title in italics; every part escaped."""
    parts = _apa_parts(document)
    marker = "\x00title\x00"
    text = escape(" ".join(_apa_pieces(parts, marker)))
    return mark_safe(  # noqa: S308 (the text is escaped; only the <i> is added)
        text.replace(marker, str(format_html("<i>{}</i>", parts.title)))
    )


# --- BibTeX ------------------------------------------------------------------------------

_BIBTEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)
# Addresses are kept as written (\url reads them verbatim), but braces, backslashes and
# spaces, which would end or break the field, are percent-encoded.
_URL_ESCAPES = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"})

_BIBTEX_TYPES: dict[str, str] = {
    DocumentType.REPORT: "techreport",
    DocumentType.RESEARCH: "techreport",
    DocumentType.GUIDANCE_NOTE: "techreport",
    DocumentType.POLICY_BRIEF: "techreport",
    DocumentType.FACT_SHEET: "techreport",
    DocumentType.PROCEEDINGS: "proceedings",
}
_BIBTEX_MONTHS = [month[:3].lower() for month in _MONTHS]


def bibtex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX field: special characters escaped, on one line."""
    return " ".join(str(text).split()).translate(_BIBTEX_ESCAPES)


def _bibtex_url(text: str) -> str:
    return "".join(ch for ch in text.strip() if ch.isprintable()).translate(_URL_ESCAPES)


def _ascii_word(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", decomposed.encode("ascii", "ignore").decode().lower())


def bibtex_key(document: Document) -> str:
    """e.g. "doe2019mercury" or "worldbank2019mercury"; "casm42" when nothing usable is left."""
    authors = document_authors(document)
    name = ""
    if authors:
        first = authors[0]
        surname = first.split()[0] if first.is_person else first.name
        name = _ascii_word(surname)[:20]
    year = document.year or (document.published_on.year if document.published_on else "")
    title_words = [_ascii_word(w) for w in document.title.split()]
    word = next((w for w in title_words if len(w) > 3), "")[:20]
    return f"{name}{year}{word}" if name or word else f"casm{document.pk}"


def _bibtex_author(author: Author) -> str:
    if not author.is_person:
        return "{" + bibtex_escape(author.name) + "}"  # kept whole, never split into names
    surname, given = author.split()
    surname_text = bibtex_escape(surname)
    if " " in surname:
        surname_text = "{" + surname_text + "}"
    return f"{surname_text}, {bibtex_escape(given)}" if given else surname_text


def bibtex(document: Document) -> str:
    """One BibTeX entry for the document."""
    entry_type = _BIBTEX_TYPES.get(document.doc_type, "misc")
    authors = document_authors(document)
    # (name, value, braced): a month is a bare macro, everything else is in braces.
    fields: list[tuple[str, str, bool]] = []
    if authors:
        fields.append(("author", " and ".join(_bibtex_author(a) for a in authors), True))
    # Double braces keep the title's capitals (ASM, Ghana) as written.
    fields.append(("title", "{" + bibtex_escape(_full_title(document)) + "}", True))
    year = document.year or (document.published_on.year if document.published_on else None)
    if year:
        fields.append(("year", str(year), True))
    if document.published_on:
        fields.append(("month", _BIBTEX_MONTHS[document.published_on.month - 1], False))
    if document.publisher.strip():
        publisher_field = "institution" if entry_type == "techreport" else "publisher"
        fields.append((publisher_field, bibtex_escape(document.publisher), True))
    kind = bibtex_escape(str(document.get_doc_type_display()).capitalize())
    if entry_type == "techreport" and document.doc_type != DocumentType.REPORT:
        fields.append(("type", kind, True))
    elif entry_type == "misc":
        fields.append(("howpublished", kind, True))
    if document.version.strip():
        fields.append(("note", bibtex_escape(f"Version {document.version.strip()}"), True))
    if document.doi:
        fields.append(("doi", _bibtex_url(document.doi), True))
    if document.isbn:
        fields.append(("isbn", bibtex_escape(document.isbn), True))
    fields.append(("url", _bibtex_url(document.url or document_absolute_url(document)), True))
    width = max(len(name) for name, _value, _braced in fields)
    lines = [
        f"  {name.ljust(width)} = " + (f"{{{value}}}" if braced else value)
        for name, value, braced in fields
    ]
    return f"@{entry_type}{{{bibtex_key(document)},\n" + ",\n".join(lines) + "\n}\n"
