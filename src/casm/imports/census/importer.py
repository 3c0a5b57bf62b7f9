"""The census importer: one import of one file, its stages joined (see the package's notes)."""

from __future__ import annotations

import datetime
import functools
import gc
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casm.core import permissions
from casm.core.bulk import CopyStream
from casm.core.countries import CountryMatcher
from casm.core.messages import Message
from casm.core.models import Commodity, Country
from casm.registry import validation
from casm.registry.models import SiteVisit

from .. import mapping as fields
from .. import pipeline
from ..mapping import Mapping
from ..readers import ImportFileError, Record, Source
from ..sites import CountryIndex, SiteRef
from ..values import (
    NUMBER_CONVERTERS,
    cell_text,
    to_bool,
    to_bool_reached,
)
from .columns import ColumnReader
from .matching import SiteMatcher
from .result import ImportResult
from .rows import RowChecker
from .state import TEXT_COLUMNS, VISIT_NUMBERS
from .writing import VisitWriter

CHUNK_ROWS = 5000
# Visits are written in batches of about this many rows (bigger batches insert faster).
FLUSH_ROWS = 50_000


class CensusImporter(ColumnReader, RowChecker, SiteMatcher, VisitWriter):
    """One import of one file; :func:`casm.imports.census.census_import` is the way to run it."""

    def __init__(
        self,
        *,
        actor: Any,
        source: Source,
        mapping: Mapping,
        country: Country | None,
        dry_run: bool,
        skip_invalid: bool,
        report: Any,
        progress: Callable[[int, int | None, str], None] | None,
        today: datetime.date | None = None,
        update: bool = False,
    ) -> None:
        self.actor = actor
        self.source = source
        self.mapping = mapping
        self.dry_run = dry_run
        self.skip_invalid = skip_invalid
        self.log = pipeline.ProblemLog(report)
        self.progress = progress
        self.today = today or timezone.localdate()
        # The source of new sites when the file names none: the importer's organisation.
        organisation = getattr(actor, "organisation", None)
        self.collector = organisation.name if organisation is not None else ""
        self.result = ImportResult(file=source.name, format=source.kind, dry_run=dry_run)
        self.countries = CountryMatcher()
        self.default_country = country
        if country is None and mapping.defaults.get("country"):
            self.default_country = self.countries.find(str(mapping.defaults["country"]))
        self.scope = permissions.country_ids_for(actor, "registry.import")
        self.commodities = {item.code: item.pk for item in Commodity.objects.all()}
        # A commodity is named by its code, or its English or French name.
        self.commodity_codes = {code: code for code in self.commodities}
        for commodity in Commodity.objects.all():
            for name in (commodity.name_en, commodity.name_fr):
                self.commodity_codes.setdefault(validation.name_key(name), commodity.code)
        self.indexes: dict[int, CountryIndex] = {}
        self.seen_ids: dict[str, int] = {}
        # With no visit at all before the import, only the file's own IDs can repeat.
        self.had_visits = SiteVisit.objects.exists()
        self.content_repeats: dict[str, int] = {}
        self.location_cache: dict[tuple[str, Any, Any], Message | None] = {}
        self.area_shapes: dict[int, tuple[list[tuple[int, str, str]], Any] | None] = {}
        self.site_commodities: set[tuple[int, int]] = set()
        self.pending_commodities: dict[tuple[SiteRef, tuple[int, ...]], None] = {}
        self.touched: dict[int, SiteRef] = {}  # by id(): new sites have no pk yet
        self.matched_existing: set[int] = set()
        self.new_sites: list[SiteRef] = []
        self.unsaved_sites: list[SiteRef] = []
        self.unwritten_sites: list[SiteRef] = []
        self.free_ids: list[int] = []
        self.stream: CopyStream | None = None
        # Per chunk: the rows' sites and the columns to insert.
        self.pending_visits: list[tuple[list[SiteRef], list[list[Any]], bool]] = []
        self.pending_rows = 0
        self.pending_footprints = []
        self.update = update
        self.stale_sites = set()
        self.caches: dict[str, dict[Any, Any]] = {}
        self.flagged: dict[str, set[str]] = {}
        self.chunk_columns: dict[str, Any] = {}
        self.created_at = timezone.now()
        self.plan = self._plan(source.columns)

    def _chunk(self, records: list[Record]) -> None:
        """Read, check and queue for writing a chunk of records, field by field."""
        count = len(records)
        self.result.rows += count
        self.chunk_columns = {}
        if records and records[0].cells is not None:
            # Column by column: one transposition in C instead of a dict per row.
            header = records[0].header or []
            transposed = list(zip(*(record.cells for record in records), strict=True))
            for position, column in enumerate(header):
                self.chunk_columns.setdefault(column, transposed[position])
        problems: dict[int, list[tuple[str, str, Message]]] = {}
        for index, record in enumerate(records):
            if record.geometry_problem:
                problems.setdefault(index, []).append(("geometry", "", record.geometry_problem))
        text: dict[str, list[str]] = {}
        for name in TEXT_COLUMNS:
            text[name], _column = self._texts(records, name)
        country_texts, country_column = self._texts(records, "country")
        countries = self._convert(
            country_texts, "country", country_column or "country", self._country_converter(),
            problems,
        )  # fmt: skip
        numbers: dict[str, list[Any]] = {}
        columns: dict[str, str] = {}
        for name, convert in NUMBER_CONVERTERS.items():
            texts, columns[name] = self._texts(records, name)
            numbers[name] = self._convert(texts, name, columns[name] or name, convert, problems)
        for name in fields.BOOL_FIELDS:
            texts, columns[name] = self._texts(records, name)
            convert_bool = to_bool_reached if name == "reached" else to_bool
            numbers[name] = self._convert(
                texts, name, columns[name] or name, convert_bool, problems
            )
        reasons, columns["not_reached_reason"] = self._texts(records, "not_reached_reason")
        lists: dict[str, list[Any]] = {}
        for name in fields.LIST_FIELDS:
            texts, columns[name] = self._texts(records, name)
            lists[name] = self._convert(
                texts, name, columns[name] or name, self._list_converter(name), problems
            )
        latitudes, longitudes, lat_column, lon_column = self._locations(records, problems)
        date_texts, date_column = self._texts(records, "date")
        if not date_column:
            date_texts, date_column = self._texts(records, "submission_time")
        dates = self._convert(
            date_texts, "date", date_column or "date", self._date_converter(), problems
        )
        commodities = self._commodities(records, problems)
        submissions, submission_column = self._texts(records, "submission_id")
        # Rules across fields, row by row
        counts = ("workers", "men", "women", *validation.CHILD_FIELDS)
        outside_accepted = self.mapping.outside_country == "accept"
        outside_note = _("Imported from %(file)s: outside the outline.") % {
            "file": self.source.name
        }
        notes: dict[int, str] = {}
        careful = self._careful_rows(
            problems, numbers, counts, reasons, text, latitudes, longitudes
        )
        # Nothing out of the ordinary in the other rows: only the outline is left to check,
        # for all of them at once.
        plain = [index for index in range(count) if index not in careful]
        for index, far in self._outside_rows(countries, latitudes, longitudes, plain):
            if outside_accepted:
                notes[index] = outside_note
            else:
                problems[index] = [(lat_column, f"{latitudes[index]}, {longitudes[index]}", far)]
        for index in sorted(careful):
            found = problems.get(index, [])
            # The visit's rules: the same function as the services'.
            visit = {name: numbers[name][index] for name in VISIT_NUMBERS}
            visit["not_reached_reason"] = reasons[index]
            for name, message in validation.visit_problems(visit):
                value = visit.get(name)
                shown = "" if value is None else cell_text(value)
                found.append((columns.get(name) or name, shown, message))
            if not text["site_name"][index] and not text["site_code"][index]:
                found.append(("site_name", "", Message("registry.name_or_code")))
            latitude, longitude = latitudes[index], longitudes[index]
            point_read = not any(
                column in (lat_column, lon_column, "geometry") for column, _t, _m in found
            )
            place_problems = validation.coordinates_problems(latitude, longitude)
            if point_read:
                for name, message in place_problems:
                    value = latitude if name == "latitude" else longitude
                    shown = "" if value is None else cell_text(value)
                    found.append((lat_column if name == "latitude" else lon_column, shown, message))
            country = countries[index]
            if point_read and not place_problems and country is not None:
                outside = self._outside(country, latitude, longitude)
                if outside and outside_accepted:
                    notes[index] = outside_note
                elif outside:
                    found.append((lat_column, f"{latitude}, {longitude}", outside))
            if found:
                problems[index] = found
        if not outside_accepted:
            self._area_contradictions(countries, latitudes, longitudes, text, problems)
        footprints = self._footprints(records, latitudes, longitudes, problems)
        self._check_submissions(records, submissions, submission_column, problems)
        # Report problems in the file's order
        for index in sorted(problems):
            record = records[index]
            for column, value, message in problems[index]:
                self.problem(record, column, value, message)
        self.result.invalid_rows += len(problems)
        valid = [index for index in range(count) if index not in problems]
        self.result.valid_rows += len(valid)
        existing = self._existing_submissions([submissions[index] for index in valid])
        updating: list[int] = []
        if existing and self.update:
            # Imported before: the row's values (read with this mapping) replace the visit's.
            updating = [index for index in valid if submissions[index] in existing]
            self.stale_sites.update(existing.values())
            self.result.visits_updated += len(updating)
        elif existing:
            self.result.visits_unchanged += sum(submissions[i] in existing for i in valid)
            valid = [index for index in valid if submissions[index] not in existing]
        codes, names = text["site_code"], text["site_name"]
        refs = []
        for index in valid:
            country = countries[index]
            index_of_country = self.indexes.get(country.id) or self._index(country)
            ref = index_of_country.by_code.get(codes[index]) if codes[index] else None
            if ref is None:
                ref = self.site_for(
                    country, codes[index], names[index], latitudes[index], longitudes[index],
                    functools.partial(self._site_details, text, notes, records, index),
                )  # fmt: skip
            elif ref.new is None and ref.pk not in self.matched_existing:
                self._matched(ref)
            refs.append(ref)
        if not self._writing():
            self.pending_visits.clear()
            self.pending_commodities.clear()
        elif valid:
            if updating:
                replaced = set(updating)
                inserted = [
                    (i, ref) for i, ref in zip(valid, refs, strict=True) if i not in replaced
                ]
                updated = [(i, ref) for i, ref in zip(valid, refs, strict=True) if i in replaced]
            else:
                inserted, updated = list(zip(valid, refs, strict=True)), []
            for chosen, replace in ((inserted, False), (updated, True)):
                if chosen:
                    self._queue_visits([i for i, _ref in chosen], [ref for _i, ref in chosen],
                                       countries, dates, submissions, reasons, text, numbers,
                                       lists, commodities, footprints, replace=replace)  # fmt: skip
            if self.pending_rows >= FLUSH_ROWS or connection.vendor == "postgresql":
                self._flush()  # PostgreSQL: into the open COPY at once
        if self.progress is not None:
            done = self.source.position() if self.source.position else self.result.rows
            rows = self.result.rows
            said = ngettext("%(rows)s row read", "%(rows)s rows read", rows) % {"rows": rows}
            self.progress(done, self.source.size, said)

    def _note_sites_left_empty(self) -> None:
        """After an update, the sites whose visits all moved elsewhere are said (not deleted:
        they may have been edited since)."""
        if not self.stale_sites:
            return
        from casm.registry.models import Site

        empty = Site.objects.filter(pk__in=sorted(self.stale_sites), visits__isnull=True)
        codes = list(empty.order_by("code").values_list("code", flat=True)[:21])
        if codes:
            shown = ", ".join(codes[:20]) + (", …" if len(codes) > 20 else "")
            self.result.notes.append(Message("imports.sites_without_visits", codes=shown))

    def run(self) -> ImportResult:
        if not self.check_columns():
            self.result.adopt(self.log)
            return self.result
        # The import keeps millions of small objects alive (IDs seen, caches): the cyclic
        # garbage collector would walk them all again and again, for nothing to collect.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if collecting:
                gc.enable()

    def _pause_stream(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        """Before any query of the import (a site lookup, ids, an update): the open COPY ends,
        the next visits open it again (a connection does one thing at a time)."""
        if self.stream is not None:
            self.stream.close()
        return execute(sql, params, many, context)

    def _run(self) -> ImportResult:
        try:
            with connection.execute_wrapper(self._pause_stream):
                return self._read_and_write()
        except BaseException as exc:
            if self.stream is not None:
                self.stream.close(exc)  # the server drops the COPY; the transaction rolls back
            raise
        finally:
            if self.stream is not None:
                self.stream.close()

    def _read_and_write(self) -> ImportResult:
        chunk: list[Record] = []
        try:
            for record in self.source.records:
                chunk.append(record)
                if len(chunk) >= CHUNK_ROWS:
                    self._chunk(chunk)
                    chunk = []
            self._chunk(chunk)
        except ImportFileError as exc:
            self.file_problem(exc.message)
        if self._writing():
            self._flush(final=True)
            self.write_footprints()
            self._note_sites_left_empty()
        for index in self.indexes.values():
            note = validation.location_unchecked(index.country.alpha3, index.country.name)
            if note is not None:
                self.result.notes.append(note)
        self.result.adopt(self.log)
        return self.result
