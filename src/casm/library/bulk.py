"""Bulk import of documents: a folder of files and a CSV file of their metadata.

``casm library import DIR --metadata FILE.csv`` calls :func:`documents_import`. Each row is one
document; its cells are checked against the library's vocabularies (codes, English or French
labels and a few common aliases), then the document is written through the services in a
transaction of its own, so a bad row is reported and skipped and nothing of it is half-saved.

The import can be run again: a row whose file is already in the library (same SHA-256) updates
that document, a row without a file matches a document of the same title and year, and a row
whose metadata did not change leaves its document untouched. An empty cell leaves the value the
document has (so a language detected from the text stays).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import re
import textwrap
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from casm.accounts.models import Organisation
from casm.core import messages, tables
from casm.core.countries import CountryMatcher
from casm.core.messages import Message
from casm.core.models import Commodity
from casm.imports.pipeline import Problem, Rollback
from casm.lib.text import sniff_encoding
from casm.library import extraction, services
from casm.library.models import (
    LICENCE_URLS,
    PILLAR_CHOICES,
    Document,
    DocumentAuthor,
    DocumentFile,
    DocumentType,
    Language,
    Licence,
    Theme,
)

CREATED, UPDATED, UNCHANGED, SKIPPED = "created", "updated", "unchanged", "skipped"
REPORT_COLUMNS = ["row", "file", "title", "outcome", "document", "column", "value", "message"]
LIST_SEPARATOR = ";"

# Column names accepted for each field (after lower-casing, spaces and dashes as "_").
COLUMNS = {
    "file": ["file", "files", "filename", "file_name", "path"],
    "title": ["title"],
    "subtitle": ["subtitle"],
    "abstract": ["abstract", "summary", "description"],
    "authors": ["authors", "author", "creator", "creators"],
    "publisher": ["publisher"],
    "date": ["date", "published_on", "publication_date"],
    "year": ["year"],
    "type": ["type", "doc_type", "document_type"],
    "language": ["language", "languages", "lang"],
    "pillars": ["pillars", "pillar"],
    "themes": ["themes", "theme", "topics"],
    "countries": ["countries", "country"],
    "commodities": ["commodities", "commodity", "minerals"],
    "licence": ["licence", "license", "rights"],
    "url": ["url", "link", "address"],
    "doi": ["doi"],
    "isbn": ["isbn"],
    "version": ["version"],
}
# The services' field names, as columns of the metadata file.
FIELD_COLUMNS = {
    "doc_type": "type",
    "published_on": "date",
    "languages": "language",
    "__all__": "",
}

TYPE_ALIASES = {
    "brief": DocumentType.POLICY_BRIEF,
    "guidance": DocumentType.GUIDANCE_NOTE,
    "guide": DocumentType.GUIDANCE_NOTE,
    "training": DocumentType.TRAINING,
    "manual": DocumentType.TRAINING,
    "research": DocumentType.RESEARCH,
    "article": DocumentType.RESEARCH,
    "paper": DocumentType.RESEARCH,
    "study": DocumentType.REPORT,
    "proceedings": DocumentType.PROCEEDINGS,
    "slides": DocumentType.PRESENTATION,
    "law": DocumentType.LEGISLATION,
    "regulation": DocumentType.LEGISLATION,
    "factsheet": DocumentType.FACT_SHEET,
    "webpage": DocumentType.WEB_PAGE,
    "web": DocumentType.WEB_PAGE,
}
THEME_ALIASES = {
    "health": Theme.HEALTH_SAFETY,
    "safety": Theme.HEALTH_SAFETY,
    "asm lsm": Theme.ASM_LSM,
    "asm lsm relations": Theme.ASM_LSM,
    "supply chains": Theme.SUPPLY_CHAINS,
    "supply chain": Theme.SUPPLY_CHAINS,
    "certification": Theme.SUPPLY_CHAINS,
    "traceability": Theme.SUPPLY_CHAINS,
    "biodiversity": Theme.ENVIRONMENT,
    "environment": Theme.ENVIRONMENT,
    "livelihoods": Theme.LIVELIHOODS,
    "finance": Theme.FINANCE,
    "microcredit": Theme.FINANCE,
    "conflict": Theme.CONFLICT,
    "security": Theme.CONFLICT,
    "illicit financial flows": Theme.ILLICIT_FLOWS,
    "governance": Theme.GOVERNANCE,
    "policy": Theme.GOVERNANCE,
    "formalisation": Theme.FORMALIZATION,
    "child labor": Theme.CHILD_LABOUR,
    "land": Theme.LAND,
    "resettlement": Theme.LAND,
}
LANGUAGE_ALIASES = {"eng": "en", "fra": "fr", "fre": "fr", "spa": "es", "por": "pt"}
LICENCE_ALIASES = {
    "cc by": Licence.CC_BY,
    "cc by sa": Licence.CC_BY_SA,
    "cc by nc": Licence.CC_BY_NC,
    "cc by nc sa": Licence.CC_BY_NC_SA,
    "cc by nd": Licence.CC_BY_ND,
    "cc0": Licence.CC0,
    "copyright": Licence.ALL_RIGHTS_RESERVED,
}
COMMODITY_ALIASES = {
    "coltan": "tantalum",
    "cassiterite": "tin",
    "wolframite": "tungsten",
    "diamonds": "diamond",
    "gemstones": "coloured_gemstones",
    "colored gemstones": "coloured_gemstones",
}
# Words that make an author an organisation rather than a person.
ORGANISATION_WORDS = re.compile(
    r"\b(bank|institute|institut|council|ministry|minist[eè]re|ministerio|organi[sz]ation|"
    r"alliance|initiative|fund|forum|secretariat|agency|university|universit[eé]|commission|"
    r"association|network|programme|program|union|corporation|group|foundation|centre|center|"
    r"department|office|authority|partnership|government|coalition|federation|coop[eé]rative|"
    r"process|ltd|inc|gmbh|casm|oecd|unep|undp)\b",
    re.I,
)


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space: "ASM–LSM relations" → "asm lsm
    relations"."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.split(r"[^0-9a-z]+", plain)).strip()


@dataclass
class RowResult:
    row: int
    file: str
    title: str
    outcome: str = SKIPPED
    document: int | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class BulkResult:
    metadata: str
    dry_run: bool = False
    rows: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of the metadata file as a whole
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def failed(self) -> bool:
        """The metadata file could not be read at all."""
        return bool(self.problems)

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for row in self.rows for p in row.problems]

    @property
    def summary(self) -> str:
        if self.failed:
            count = len(self.problems)
            return ngettext(
                "%(file)s: not imported (%(count)s problem)",
                "%(file)s: not imported (%(count)s problems)",
                count,
            ) % {
                "file": Path(self.metadata).name,
                "count": len(self.problems),
            }
        labels = {
            CREATED: _("would be created") if self.dry_run else pgettext("documents", "created"),
            UPDATED: _("would be updated") if self.dry_run else pgettext("documents", "updated"),
            UNCHANGED: pgettext("documents", "unchanged"),
            SKIPPED: _("skipped because of problems"),
        }
        counts = ", ".join(f"{self.count(outcome)} {label}" for outcome, label in labels.items())
        text = _("%(rows)s rows: %(counts)s") % {"rows": len(self.rows), "counts": counts}
        return _("Dry run, nothing written: %(text)s") % {"text": text} if self.dry_run else text


class _Vocabulary:
    """Codes of the library's lists, found from a code, an English or French label or an alias."""

    def __init__(self) -> None:
        self.types = self._lookup(DocumentType.choices, TYPE_ALIASES)
        self.themes = self._lookup(Theme.choices, THEME_ALIASES)
        self.pillars = self._lookup(PILLAR_CHOICES, {})
        self.languages = self._lookup(Language.choices, LANGUAGE_ALIASES)
        self.licences = self._lookup(Licence.choices, LICENCE_ALIASES)
        for code, url in LICENCE_URLS.items():
            self.licences[normalise(url)] = code
        self.countries = CountryMatcher()
        self.commodities: dict[str, Commodity] = {}
        for commodity in Commodity.objects.all():
            names = (commodity.code, commodity.name_en, commodity.name_fr, commodity.name_es,
                     commodity.name_pt, re.sub(r"\s*\(.*\)", "", commodity.name_en))  # fmt: skip
            for key in names:
                self.commodities.setdefault(normalise(key), commodity)
        for alias, target in COMMODITY_ALIASES.items():
            found = self.commodities.get(normalise(target))
            if found is not None:
                self.commodities.setdefault(normalise(alias), found)
        self.organisations: dict[str, Organisation] = {}
        for organisation in Organisation.objects.order_by("pk"):
            for key in (organisation.name, organisation.acronym):
                if key:
                    self.organisations.setdefault(normalise(key), organisation)

    @staticmethod
    def _lookup(choices: Iterable[tuple[Any, Any]], aliases: dict[str, Any]) -> dict[str, str]:
        table: dict[str, str] = {}
        for language in ("en", "fr"):
            with translation.override(language):
                for code, label in choices:
                    table.setdefault(normalise(code), str(code))
                    table.setdefault(normalise(str(label)), str(code))
        for alias, code in aliases.items():
            table.setdefault(normalise(alias), str(code))
        return table


def allowed_values_help() -> str:
    """The values each list column takes, for ``casm library import --help``."""
    from casm.core.countries import accepted_names_help

    with translation.override("en"):
        lists = [
            ("type", DocumentType.values),
            ("language", Language.values),
            ("pillars", [str(code) for code, _label in PILLAR_CHOICES]),
            ("themes", Theme.values),
            ("licence", Licence.values),
            ("commodities", _commodity_codes()),
        ]
    lines = ["allowed values (codes, or their English or French labels):"]
    wrap = functools.partial(
        textwrap.fill, width=78, initial_indent="  ", subsequent_indent="    ",
        break_on_hyphens=False,
    )  # fmt: skip
    lines += [wrap(f"{column}: {', '.join(values)}") for column, values in lists]
    lines.append(wrap(f"countries: {accepted_names_help()}"))
    lines.append("  year, date: a year (2012) or a date (2012-06-28), not after today")
    return "\n".join(lines)


def _commodity_codes() -> list[str]:
    """The reference commodities' codes, read from the table when there is one."""
    try:
        return list(Commodity.objects.values_list("code", flat=True))
    except DatabaseError:  # --help before the database is made
        data = Path(__file__).resolve().parents[1] / "core" / "data" / "commodities.json"
        return [item["code"] for item in json.loads(data.read_text(encoding="utf-8"))]


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]


def _read_metadata(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of the metadata file; ValueError saying why it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(
            _("cannot read the file: %(error)s") % {"error": exc.strerror or exc}
        ) from exc
    encoding = sniff_encoding(raw[: 64 * 1024], last_resort="cp1252")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(_("unreadable text encoding: save the file as UTF-8")) from exc
    if "\x00" in text[:4096]:
        raise ValueError(_("this is not a CSV text file"))
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ValueError(_("not a readable CSV file: %(error)s") % {"error": exc}) from exc
    if not records:
        raise ValueError(_("the file is empty"))
    return records[0], records[1:]


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column positions by field, and the columns that are not understood."""
    by_name = {name: key for key, names in COLUMNS.items() for name in names}
    positions: dict[str, int] = {}
    unknown = []
    for index, title in enumerate(header):
        name = re.sub(r"[\s\-]+", "_", title.strip().casefold())
        key = by_name.get(name)
        if key is None:
            if name:
                unknown.append(title.strip())
        elif key not in positions:
            positions[key] = index
    return positions, unknown


class _RowReader:
    """The cells of one row, turned into the services' values; problems are collected."""

    def __init__(self, importer: _Importer, number: int, cells: dict[str, str]):
        self.importer = importer
        self.number = number
        self.cells = cells
        self.problems: list[Problem] = []

    def problem(self, column: str, value: str, message: str | Message) -> None:
        self.problems.append(
            Problem(
                self.importer.metadata_name,
                messages.plain(message),
                row=self.number,
                column=column,
                value=value[:200],
            )  # fmt: skip
        )

    def codes(self, column: str, table: dict[str, Any], message: str) -> list[Any]:
        found = []
        for item in _split(self.cells.get(column, "")):
            code = table.get(normalise(item))
            if code is None:
                self.problem(column, item, message % {"value": item})
            else:
                found.append(code)
        return list(dict.fromkeys(found))

    def data(self) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        """The document's fields (only those with a value in the row) and its authors."""
        vocabulary = self.importer.vocabulary
        cells = self.cells
        data: dict[str, Any] = {}
        title = cells.get("title", "")
        if not title:
            self.problem("title", "", _("The title is missing."))
        for name in ("title", "subtitle", "abstract", "publisher", "url", "doi", "isbn", "version"):
            if cells.get(name):
                data[name] = cells[name]
        if cells.get("year"):
            match = re.fullmatch(r"(\d{4})(\.0+)?", cells["year"])
            if match is None:
                self.problem("year", cells["year"], _("A year is four digits, e.g. 2012."))
            else:
                data.update(self._year("year", cells["year"], int(match.group(1))))
        if cells.get("date"):
            data.update(self._date(cells["date"]))
        if cells.get("type"):
            found = self.codes("type", vocabulary.types, _("Unknown document type “%(value)s”."))
            if len(found) > 1:
                self.problem("type", cells["type"], _("Give one type per document."))
            elif found:
                data["doc_type"] = found[0]
        elif self.importer.is_new(self):
            self.problem("type", "", _("The document type is missing."))
        for column, name, table, message in (
            ("language", "languages", vocabulary.languages, _("Unknown language “%(value)s”.")),
            ("pillars", "pillars", vocabulary.pillars, _("Unknown pillar “%(value)s”.")),
            ("themes", "themes", vocabulary.themes, _("Unknown theme “%(value)s”.")),
            (
                "commodities",
                "commodities",
                vocabulary.commodities,
                _("Unknown commodity “%(value)s”."),
            ),
        ):
            if cells.get(column):
                data[name] = self.codes(column, table, message)
        if cells.get("countries"):
            data["countries"] = self._countries(cells["countries"])
        if cells.get("licence"):
            found = self.codes("licence", vocabulary.licences, _("Unknown licence “%(value)s”."))
            if found:
                data["licence"] = found[0]
        authors = None
        if cells.get("authors"):
            authors = [self._author(name) for name in _split(cells["authors"])]
        return data, authors

    def _countries(self, text: str) -> list[Any]:
        found = []
        for item in _split(text):
            country = self.importer.vocabulary.countries.find(item)
            if country is None:
                self.problem("countries", item, Message("core.country_unknown", value=item))
            else:
                found.append(country)
        return list(dict.fromkeys(found))

    def _year(self, column: str, text: str, year: int) -> dict[str, Any]:
        this_year = timezone.localdate().year
        if year > this_year:
            message = Message("core.year_future", value=text, year=this_year)
            self.problem(column, text, message)
            return {}
        return {"year": year}

    def _date(self, text: str) -> dict[str, Any]:
        import datetime

        if re.fullmatch(r"\d{4}", text):
            return self._year("date", text, int(text))
        try:
            date = datetime.date.fromisoformat(text[:10])
        except ValueError:
            self.problem("date", text, _("A date is written YYYY-MM-DD, e.g. 2012-06-28."))
            return {}
        if date > timezone.localdate():
            self.problem("date", text, Message("core.date_future", value=text))
            return {}
        return {"published_on": date}

    def _author(self, name: str) -> dict[str, Any]:
        organisation = self.importer.vocabulary.organisations.get(normalise(name))
        if organisation is not None:
            return {"name": name, "kind": DocumentAuthor.Kind.ORGANISATION,
                    "organisation": organisation.pk}  # fmt: skip
        if ORGANISATION_WORDS.search(name) or (name.isupper() and len(name) <= 10):
            return {"name": name, "kind": DocumentAuthor.Kind.ORGANISATION}
        return {"name": name, "kind": DocumentAuthor.Kind.PERSON}


@dataclass
class _File:
    name: str
    path: Path
    sha256: str
    media_type: str


class _Importer:
    def __init__(self, *, actor: Any, folder: Path, metadata: Path, publish: bool,
                 dry_run: bool, progress: Callable[[int, int, str], None] | None):  # fmt: skip
        self.actor = actor
        self.folder = folder
        self.metadata = metadata
        self.metadata_name = metadata.name
        self.publish = publish
        self.dry_run = dry_run
        self.progress = progress
        self.vocabulary = _Vocabulary()
        self.result = BulkResult(metadata=str(metadata), dry_run=dry_run)
        self.seen_files: dict[str, int] = {}
        self.seen_titles: dict[tuple[str, int | None], int] = {}
        self._matches: dict[int, Document | None] = {}

    def run(self) -> BulkResult:
        try:
            header, records = _read_metadata(self.metadata)
        except ValueError as exc:
            self.result.problems.append(Problem(self.metadata_name, messages.plain(exc)))
            return self.result
        positions, unknown = _header_map(header)
        if "title" not in positions:
            message = messages.plain(_("The file has no “title” column."))
            self.result.problems.append(Problem(self.metadata_name, message, row=1, column="title"))
            return self.result
        if unknown:
            self.result.notes.append(
                _("Columns not understood, ignored: %(columns)s") % {"columns": ", ".join(unknown)}
            )
        rows = [
            (number, {k: (r[i].strip() if i < len(r) else "") for k, i in positions.items()})
            for number, r in enumerate(records, start=2)
            if any(cell.strip() for cell in r)
        ]
        listed: set[str] = set()
        for done, (number, cells) in enumerate(rows, start=1):
            outcome = self._row(number, cells)
            self.result.rows.append(outcome)
            listed.update(_split(cells.get("file", "")))
            if self.progress is not None:
                self.progress(done, len(rows), f"row {number}: {outcome.outcome}")
        self._note_unlisted(listed)
        return self.result

    def _note_unlisted(self, listed: set[str]) -> None:
        ignored = {self.metadata.resolve()}
        unlisted = sorted(
            str(path.relative_to(self.folder))
            for path in self.folder.rglob("*")
            if path.is_file()
            and path.resolve() not in ignored
            and str(path.relative_to(self.folder)) not in listed
            and path.suffix.lower() in extraction.EXTENSIONS
        )
        if unlisted:
            shown = ", ".join(unlisted[:10]) + (" …" if len(unlisted) > 10 else "")
            self.result.notes.append(
                _("%(count)s files in the folder are not in the metadata: %(files)s")
                % {"count": len(unlisted), "files": shown}
            )

    # --- One row ------------------------------------------------------------------------

    def is_new(self, reader: _RowReader) -> bool:
        return self._matches.get(reader.number) is None

    def _row(self, number: int, cells: dict[str, str]) -> RowResult:
        outcome = RowResult(number, cells.get("file", ""), cells.get("title", ""))
        reader = _RowReader(self, number, cells)
        files = self._files(reader)
        if not reader.problems:
            self._matches[number] = self._match(reader, files)
        data, authors = reader.data()
        outcome.problems = reader.problems
        if reader.problems:
            return outcome
        document = self._matches[number]
        stored: list[str] = []
        try:
            with transaction.atomic():
                if document is None:
                    outcome.document = self._create(data, authors, files, stored).pk
                    outcome.outcome = CREATED
                else:
                    outcome.document = document.pk
                    outcome.outcome = self._update(document, data, authors, files, stored)
                if self.dry_run or outcome.outcome == UNCHANGED:
                    raise Rollback  # a dry run, or a row that changed nothing
        except Rollback:
            pass
        except (ValidationError, PermissionDenied, DatabaseError) as exc:
            for name in stored:
                default_storage.delete(name)
            outcome.outcome, outcome.document = SKIPPED, None
            self._service_problems(reader, exc)
        if self.dry_run and outcome.outcome == CREATED:
            outcome.document = None
        return outcome

    def _files(self, reader: _RowReader) -> list[_File]:
        """The row's files, checked as an upload would be; problems are reported on the row."""
        files = []
        root = self.folder.resolve()
        for name in _split(reader.cells.get("file", "")):
            path = (self.folder / name).resolve()
            if not path.is_relative_to(root):
                reader.problem("file", name, _("The file is outside the folder imported."))
                continue
            if not path.is_file():
                reader.problem(
                    "file", name, _("No such file in %(folder)s.") % {"folder": self.folder}
                )
                continue
            checked = self._check_file(reader, name, path)
            if checked is None:
                continue
            first = self.seen_files.get(checked.sha256)
            if first is not None:
                reader.problem("file", name, _("The same file is in row %(row)s.") % {"row": first})
                continue
            self.seen_files[checked.sha256] = reader.number
            files.append(checked)
        return files

    def _check_file(self, reader: _RowReader, name: str, path: Path) -> _File | None:
        size = path.stat().st_size
        if size > services.max_upload_bytes():
            reader.problem("file", name, services.upload_too_large_message(size))
            return None
        if size == 0:
            reader.problem("file", name, _("The file is empty."))
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            try:
                media_type = extraction.sniff(extraction.read_head(handle), name, handle)
                if media_type == extraction.PDF:
                    extraction.pdf_check(handle, name)
            except extraction.FileTypeError as exc:
                reader.problem("file", name, _("File refused: %(reason)s") % {"reason": exc})
                return None
            handle.seek(0)
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        return _File(name, path, digest.hexdigest(), media_type)

    def _match(self, reader: _RowReader, files: list[_File]) -> Document | None:
        """The document this row describes, when it is already in the library."""
        if files:
            shas = [f.sha256 for f in files]
            found = (
                DocumentFile.objects.filter(sha256__in=shas)
                .select_related("document")
                .order_by("document_id")
                .first()
            )
            return found.document if found else None
        title = normalise(reader.cells.get("title", ""))
        year_text = reader.cells.get("year", "") or reader.cells.get("date", "")[:4]
        year = int(year_text) if year_text.isdigit() else None
        key = (title, year)
        if title and key in self.seen_titles:
            reader.problem(
                "title", reader.cells.get("title", ""),
                _("The same title and year are in row %(row)s.") % {"row": self.seen_titles[key]},
            )  # fmt: skip
            return None
        self.seen_titles[key] = reader.number
        candidates = Document.objects.filter(
            title__iexact=reader.cells.get("title", ""), year=year, files__isnull=True
        ).order_by("pk")
        return candidates.first()

    def _create(self, data: dict[str, Any], authors: list[dict[str, Any]] | None,
                files: list[_File], stored: list[str]) -> Document:  # fmt: skip
        document = services.document_create(
            actor=self.actor, data=data, authors=authors or (), publish=self.publish
        )
        if not self.dry_run:  # the files were checked already; a dry run stores nothing
            self._add_files(document, files, stored)
        return document

    def _update(self, document: Document, data: dict[str, Any],
                authors: list[dict[str, Any]] | None, files: list[_File],
                stored: list[str]) -> str:  # fmt: skip
        before = _snapshot(document)
        document = services.document_update(
            actor=self.actor, document=document, data=data, authors=authors
        )
        attached = set(document.files.values_list("sha256", flat=True))
        new_files = [f for f in files if f.sha256 not in attached]
        if not self.dry_run:
            self._add_files(document, new_files, stored)
        return UPDATED if new_files or _snapshot(document) != before else UNCHANGED

    def _add_files(self, document: Document, files: list[_File], stored: list[str]) -> None:
        for item in files:
            with item.path.open("rb") as handle:
                added = services.document_file_add(
                    actor=self.actor,
                    document=document,
                    handle=handle,
                    name=Path(item.name).name,
                    extract_now=True,
                )
            stored.append(added.file.name or "")

    def _service_problems(self, reader: _RowReader, exc: Exception) -> None:
        if isinstance(exc, DatabaseError):  # a limit the checks did not foresee
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            reader.problem(
                "", "", _("The database refused the row: %(error)s") % {"error": first_line[:200]}
            )
            return
        if isinstance(exc, PermissionDenied):
            reader.problem("", "", str(exc) or _("Not allowed."))
            return
        assert isinstance(exc, ValidationError)
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                reader.problem("", "", message)
            return
        for name, said in exc.message_dict.items():
            column = FIELD_COLUMNS.get(name, name)
            for message in said:
                reader.problem(column, reader.cells.get(column, ""), message)


def _snapshot(document: Document) -> dict[str, Any]:
    """What an import can change of a document, read from the database."""
    fresh = Document.objects.get(pk=document.pk)
    values: dict[str, Any] = {}
    for name in services.DOCUMENT_FIELDS:
        model_field = fresh._meta.get_field(name)
        if model_field.many_to_many:
            values[name] = sorted(getattr(fresh, name).values_list("pk", flat=True))
        elif model_field.is_relation:
            values[name] = getattr(fresh, f"{name}_id")
        else:
            values[name] = getattr(fresh, name)
    values["authors"] = list(fresh.authors.values_list("name", "kind", "organisation_id"))
    values["files"] = sorted(fresh.files.values_list("sha256", flat=True))
    return values


def documents_import(
    *,
    actor: Any,
    folder: Path | str,
    metadata: Path | str | None = None,
    publish: bool = True,
    dry_run: bool = False,
    report_path: Path | str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BulkResult:
    """Import the documents described by ``metadata`` (default: ``folder/metadata.csv``).

    Each row is written in its own transaction through the services: created, updated when its
    metadata changed, left unchanged, or skipped with its problems (file, row, column, value and
    message). ``publish`` publishes new documents (the actor must be a library editor), else
    they are drafts. Nothing is written on a dry run. With ``report_path`` every row's outcome
    and every problem are written to a CSV file.
    """
    folder = Path(folder)
    metadata = Path(metadata) if metadata else folder / "metadata.csv"
    if publish and not services.is_library_editor(actor):
        raise PermissionDenied(_("Only library editors (and administrators) publish documents."))
    importer = _Importer(actor=actor, folder=folder, metadata=metadata, publish=publish,
                         dry_run=dry_run, progress=progress)  # fmt: skip
    result = importer.run()
    if report_path:
        report_write(result, Path(report_path))
    return result


def report_write(result: BulkResult, path: Path) -> None:
    """One line per row (its outcome) and one per problem, for a spreadsheet."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = tables.csv_writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for problem in result.problems:
            writer.writerow([problem.row, "", "", SKIPPED, "", problem.column, problem.value,
                             problem.text])  # fmt: skip
        for row in result.rows:
            base = [row.row, row.file, row.title, row.outcome, row.document or ""]
            if not row.problems:
                writer.writerow([*base, "", "", ""])
            for problem in row.problems:
                writer.writerow([*base, problem.column, problem.value, problem.text])
