"""The census importer: rows of a field census become registry sites and site visits.

The rules are the registry's own (``casm.registry.validation``, with the services' messages),
applied by plain functions (in bulk for ordinary rows); the writes are bulk inserts inside one
transaction, so a million rows import in about a minute on SQLite. Choices made for speed and
clarity:

* **Sites** are found by site code when a row gives one; otherwise by country, folded name and a
  point within 500 m. So the same site repeated in a file (or already in the registry) gets the
  new rows as *visits*. A new site whose name is only *similar* to one within 500 m (or which
  reuses a name nearby under another code) is created and flagged with ``duplicate_of`` for
  review, as ``site_create`` does. A matched site keeps its details; it gains the commodities.
* **Visits** are keyed on the submission ID (``_uuid``, ``KEY``, ``instanceID``); rows without
  one (GeoJSON, plain files) get a UUID5 of their content, so importing a file again changes
  nothing. The same ID twice in one file is an error.
* **Audit**: one audit event per import (source "import") sums it up (file, counts, sites
  created): an event per row would cost more than the import itself. The rows stay traceable by
  their submission IDs.
* **All or nothing** by default: with any problem nothing is written (the transaction rolls
  back); ``skip_invalid`` keeps the valid rows. A dry run reads and checks everything, writing
  nothing.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casm.core import permissions
from casm.core.areas import country_has_areas
from casm.core.messages import Message
from casm.core.models import Commodity, Country
from casm.registry import validation
from casm.registry.models import Site, SiteVisit
from casm.registry.services import registry_version_bump, sites_assign_areas

from . import mapping as fields
from . import pipeline
from .mapping import Mapping, column_field
from .readers import ImportFileError, Record, Source, open_census_file
from .sites import CountryIndex, SiteRef, site_refresh_current_bulk
from .values import (
    NUMBER_CONVERTERS,
    cell_text,
    content_submission_id,
    parse_date,
    parse_location,
    to_bool,
    to_bool_reached,
    to_float,
)

CHUNK_ROWS = 5000
# Visits are written in batches of about this many rows (bigger batches insert faster).
FLUSH_ROWS = 50_000
IMPORT_SQLITE_CACHE_KIB = 256 * 1024
# Distinct values remembered per column (converted once each); beyond it the cache starts over.
CACHE_LIMIT = 200_000
# Formats whose cells are always text (CSV); XLSX cells may be numbers or dates.
TEXT_ONLY_FORMATS = frozenset(("csv", "odk-zip"))
TEXT_COLUMNS = ("site_code", "site_name", "admin1", "admin2", "admin3", "admin4", "team",
                "traceability_scheme", "notes", "source")  # fmt: skip
# The numbers and yes/no answers of a row that the visit's rules read.
VISIT_NUMBERS = ("workers", "men", "women", "boys_under_15", "girls_under_15", "boys_15_17",
                 "girls_15_17", "pits", "max_depth_m", "reached")  # fmt: skip
# Fields whose mapped values apply to each part of a list, not to the whole text.
MAPPED_AS_LISTS = frozenset(("commodities", "commodity", "state_services", "armed_activities",
                             "women_work", "children_work"))  # fmt: skip


@dataclass
class ImportResult(pipeline.ImportResult):
    """A census run: the pipeline's counts, and the visits and sites it made."""

    visits_created: int = 0
    visits_unchanged: int = 0
    sites_created: int = 0
    sites_matched: int = 0
    sites_flagged: int = 0

    def done_summary(self) -> Message:
        return Message(
            "imports.census_summary",
            file=self.file,
            visits=pipeline.count("visits", self.visits_created),
            unchanged=self.visits_unchanged,
            sites=pipeline.count("sites", self.sites_created),
            flagged=self.sites_flagged,
            skipped=pipeline.count("rows", self.invalid_rows),
        )

    def rolled_back(self) -> None:
        self.visits_created = self.sites_created = self.sites_flagged = 0


# --- Reading values --------------------------------------------------------------------------


class CensusImporter:
    """One import of one file; :func:`census_import` is the way to run it."""

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
    ) -> None:
        self.actor = actor
        self.source = source
        self.mapping = mapping
        self.dry_run = dry_run
        self.skip_invalid = skip_invalid
        self.log = pipeline.ProblemLog(report)
        self.progress = progress
        self.today = today or timezone.localdate()
        self.result = ImportResult(file=source.name, format=source.kind, dry_run=dry_run)
        self.countries: dict[str, Country] = {}
        for item in Country.objects.all():
            for code in (item.alpha2, item.alpha3, validation.name_key(item.name_en)):
                self.countries[code.upper()] = item
            self.countries[validation.name_key(item.name_fr).upper()] = item
        self.default_country = country
        if country is None and mapping.defaults.get("country"):
            self.default_country = self.countries.get(str(mapping.defaults["country"]).upper())
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
        self.site_commodities: set[tuple[int, int]] = set()
        self.pending_commodities: dict[tuple[SiteRef, int], None] = {}
        self.touched: dict[int, SiteRef] = {}  # by id(): new sites have no pk yet
        self.matched_existing: set[int] = set()
        self.new_sites: list[SiteRef] = []
        self.unsaved_sites: list[SiteRef] = []
        # Per chunk: the rows' sites and the columns to insert.
        self.pending_visits: list[tuple[list[SiteRef], list[list[Any]]]] = []
        self.pending_rows = 0
        self.caches: dict[str, dict[Any, Any]] = {}
        self.flagged: dict[str, set[str]] = {}
        self.chunk_columns: dict[str, Any] = {}
        self.created_at = timezone.now()
        self.plan = self._plan(source.columns)

    # -- problems --

    def problem(self, record: Record, column: str, value: Any, message: Message) -> None:
        self.log.add(
            pipeline.Problem(
                self.source.name, message, record.sheet, record.row, column, cell_text(value)
            )
        )

    def file_problem(self, message: Message) -> None:
        self.log.add(pipeline.Problem(self.source.name, message))

    # -- columns --

    def _plan(self, columns: list[str]) -> dict[str, list[str]]:
        plan: dict[str, list[str]] = {}
        for column in columns:
            target = column_field(column, self.mapping)
            if target:
                plan.setdefault(target, []).append(column)
        if self.source.kind == "geojson":
            plan.setdefault("latitude", ["_latitude"])
            plan.setdefault("longitude", ["_longitude"])
        return plan

    def check_columns(self) -> bool:
        """The file must say where each site is and what it is called."""
        given = set(self.plan) | {
            name for name, value in self.mapping.defaults.items() if value not in (None, "")
        }
        missing: list[Any] = []
        if not ({"latitude", "longitude"} <= given or "location" in given):
            missing.append(Message("imports.place_columns"))
        if not {"site_name", "site_code"} & given:
            missing.append("site_name")
        if not {"date", "submission_time"} & given:
            missing.append("date")
        if missing:
            found = ", ".join(self.source.columns[:40]) or "-"
            self.file_problem(Message("imports.columns_missing", columns=missing, found=found))
            return False
        return True

    def _texts(self, records: list[Record], name: str) -> tuple[list[str], str]:
        """The text of field ``name`` in each record (first non-empty column, else the default),
        and the column to name in problems."""
        columns = self.plan.get(name, ())
        default = self.mapping.defaults.get(name)
        fallback = cell_text(default) if default is not None else ""
        label = columns[0] if columns else (name if default is not None else "")
        if not columns:
            return [fallback] * len(records), label
        if len(columns) == 1:
            column = columns[0]
            raw = self.chunk_columns.get(column)
            if raw is None:
                raw = [record.values.get(column) for record in records]
            if self.source.kind in TEXT_ONLY_FORMATS:
                texts = list(map(str.strip, raw))
            else:
                texts = [v.strip() if v.__class__ is str else cell_text(v) for v in raw]
        else:
            texts = []
            for record in records:
                found = ""
                for column in columns:
                    found = cell_text(record.values.get(column))
                    if found:
                        break
                texts.append(found)
        if fallback:
            texts = [text or fallback for text in texts]
        if name in self.mapping.values and name not in MAPPED_AS_LISTS:
            texts = [(self.mapping.value(name, text) or "") if text else "" for text in texts]
        return texts, label

    def _convert(
        self,
        texts: list[str],
        name: str,
        column: str,
        convert: Callable[[str], tuple[Any, Message | None]],
        row_problems: dict[int, list[tuple[str, str, Message]]],
    ) -> list[Any]:
        """Convert a column's texts, each distinct text once (censuses repeat their values)."""
        cache = self.caches.setdefault(name, {})
        flagged = self.flagged.setdefault(name, set())  # texts that have a problem
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        hits: list[Any] = list(map(cache.get, texts))
        if None in hits:
            for index, hit in enumerate(hits):
                if hit is None:
                    text = texts[index]
                    hit = hits[index] = cache[text] = convert(text)
                    if hit[1] is not None:
                        flagged.add(text)
        if flagged and not flagged.isdisjoint(texts):
            for index, hit in enumerate(hits):
                if hit[1] is not None:
                    row_problems.setdefault(index, []).append((column, texts[index], hit[1]))
        return [hit[0] for hit in hits]

    def _list_converter(self, name: str) -> Callable[[str], tuple[Any, Message | None]]:
        separator = self.mapping.separators.get(name)

        def convert(text: str) -> tuple[Any, Message | None]:
            codes: list[str] = []
            for part in text.split(separator) if separator else text.split():
                part = part.strip()
                code = self.mapping.value(name, part) if part else None
                if code and code not in codes:
                    codes.append(code)
            problems = validation.choice_problems({name: codes})
            message = None
            if problems:
                said = [found for _field, found in problems]
                message = said[0] if len(said) == 1 else Message("imports.several", items=said)
            return (codes, json.dumps(codes, ensure_ascii=False)), message

        return convert

    def _date_converter(self) -> Callable[[str], tuple[Any, Message | None]]:
        def convert(text: str) -> tuple[Any, Message | None]:
            if not text:
                return None, Message("registry.date_missing")
            try:
                date = parse_date(text, self.mapping.date_order)
            except ValueError:
                return None, Message("imports.not_a_date", value=text)
            return date.isoformat(), validation.date_problem(date, today=self.today)

        return convert

    def _country_converter(self) -> Callable[[str], tuple[Any, Message | None]]:
        def convert(text: str) -> tuple[Any, Message | None]:
            country: Country | None
            if not text:
                if self.default_country is None:
                    return None, Message("imports.country_missing")
                country = self.default_country
            else:
                country = self.countries.get(text.upper()) or self.countries.get(
                    validation.name_key(text).upper()
                )
                if country is None:
                    return None, Message("imports.country_unknown", value=text)
            if self.scope is not None and country.pk not in self.scope:
                return None, Message("imports.country_out_of_scope")
            return country, None

        return convert

    def _commodity_code(self, raw: str) -> tuple[str | None, Message | None]:
        """(code, problem) of a commodity named in a file; (None, None) when mapped away."""
        mapped = self.mapping.value("commodities", raw)
        if not mapped:
            return None, None
        code = self.commodity_codes.get(mapped) or self.commodity_codes.get(
            validation.name_key(mapped)
        )
        if code is None:
            return None, Message("registry.commodity_unknown", value=raw)
        return code, None

    def _commodities(
        self, records: list[Record], row_problems: dict[int, list[tuple[str, str, Message]]]
    ) -> list[tuple[str, list[int]]]:
        """(JSON, commodity ids) of each record: repeat groups, main-row columns or lists."""
        single, single_column = self._texts(records, "commodity")
        selling, _column = self._texts(records, "selling_point")
        destination, _column = self._texts(records, "destination")
        listed = []
        for column in self.plan.get("commodities", ()):
            raw = self.chunk_columns.get(column)
            if raw is None:
                raw = [record.values.get(column) for record in records]
            listed.append((column, [cell_text(value) for value in raw]))
        separator = self.mapping.separators.get("commodities")
        cache = self.caches.setdefault("commodities", {})
        out = []
        default = self.mapping.defaults.get("commodities")
        default_raw = [("commodities", cell_text(default))] if default else []
        for index, record in enumerate(records):
            raw = [(column, texts[index]) for column, texts in listed if texts[index]]
            if not raw and not single[index]:
                raw = default_raw
            if not record.repeats and not single[index]:
                key = tuple(raw)
                hit = cache.get(key)
                if hit is None:
                    if len(cache) > CACHE_LIMIT:
                        cache.clear()
                    hit = cache[key] = self._commodity_items(raw, [], separator)
                out.append(hit[0])
                if hit[1]:
                    row_problems.setdefault(index, []).extend(hit[1])
                continue
            entries = []
            for group_rows in record.repeats.values():
                for item in group_rows:
                    values = {
                        column_field(k, self.mapping) or k: cell_text(v) for k, v in item.items()
                    }
                    if values.get("commodity"):
                        entries.append(
                            (values["commodity"], values.get("selling_point", ""),
                             values.get("destination", ""))
                        )  # fmt: skip
            if single[index]:
                entries.append((single[index], selling[index], destination[index]))
            items, problems = self._commodity_items(raw, entries, separator, single_column)
            out.append(items)
            row_problems.setdefault(index, []).extend(problems) if problems else None
        return out

    def _commodity_items(
        self,
        raw: list[tuple[str, str]],
        entries: list[tuple[str, str, str]],
        separator: str | None,
        entry_column: str = "commodity",
    ) -> tuple[tuple[str, list[int]], list[tuple[str, str, Message]]]:
        items: list[dict[str, str]] = []
        problems: list[tuple[str, str, Message]] = []
        seen: set[str] = set()
        named = [(entry_column, *entry) for entry in entries]
        for column, text in raw:
            for part in text.split(separator) if separator else text.split():
                if part.strip():
                    named.append((column, part.strip(), "", ""))
        for column, name, selling_point, destination in named:
            code, problem = self._commodity_code(name)
            if problem:
                problems.append((column, name, problem))
            elif code and code not in seen:
                seen.add(code)
                items.append(
                    {"commodity": code, "selling_point": selling_point, "destination": destination}
                )
        ids = [self.commodities[item["commodity"]] for item in items]
        return (json.dumps(items, ensure_ascii=False), ids), problems

    def _locations(
        self, records: list[Record], row_problems: dict[int, list[tuple[str, str, Message]]]
    ) -> tuple[list[Any], list[Any], str, str]:
        """Latitudes and longitudes (None where unusable), and the columns they come from."""
        if self.source.kind == "geojson":
            latitudes = [record.values.get("_latitude") for record in records]
            longitudes = [record.values.get("_longitude") for record in records]
            return latitudes, longitudes, "geometry", "geometry"
        lat_texts, lat_column = self._texts(records, "latitude")
        lon_texts, lon_column = self._texts(records, "longitude")
        if "location" in self.plan:
            point_texts, point_column = self._texts(records, "location")
            for index, text in enumerate(point_texts):
                if text and not (lat_texts[index] or lon_texts[index]):
                    try:
                        latitude, longitude = parse_location(text)
                        lat_texts[index], lon_texts[index] = repr(latitude), repr(longitude)
                        lat_column = lat_column or point_column
                        lon_column = lon_column or point_column
                    except ValueError:
                        message = Message("imports.not_a_location", value=text)
                        row_problems.setdefault(index, []).append((point_column, text, message))
        latitudes = self._convert(
            lat_texts, "latitude", lat_column or "latitude", to_float, row_problems
        )  # noqa: E501
        longitudes = self._convert(
            lon_texts, "longitude", lon_column or "longitude", to_float, row_problems
        )  # noqa: E501
        return latitudes, longitudes, lat_column or "latitude", lon_column or "longitude"

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
        for index in range(count):
            if index not in careful:
                # Nothing out of the ordinary: only the outline is left to check.
                latitude, longitude = latitudes[index], longitudes[index]
                outside = self._outside(countries[index], latitude, longitude)
                if outside and outside_accepted:
                    notes[index] = outside_note
                elif outside:
                    problems[index] = [(lat_column, f"{latitude}, {longitude}", outside)]
                continue
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
        if existing:
            self.result.visits_unchanged += sum(submissions[i] in existing for i in valid)
            valid = [index for index in valid if submissions[index] not in existing]
        codes, names = text["site_code"], text["site_name"]
        refs = []
        for index in valid:
            country = countries[index]
            index_of_country = self.indexes.get(country.pk) or self._index(country)
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
            self._queue_visits(valid, refs, countries, dates, submissions, reasons, text,
                               numbers, lists, commodities)  # fmt: skip
            if self.pending_rows >= FLUSH_ROWS:
                self._flush()
        if self.progress is not None:
            done = self.source.position() if self.source.position else self.result.rows
            rows = self.result.rows
            said = ngettext("%(rows)s row read", "%(rows)s rows read", rows) % {"rows": rows}
            self.progress(done, self.source.size, said)

    def _outside(self, country: Country, latitude: float, longitude: float) -> Message | None:
        """The outline check of a point, remembered (censuses repeat their points)."""
        key = (country.alpha3, latitude, longitude)
        outside = self.location_cache.get(key, "?")
        if outside == "?":
            if len(self.location_cache) > CACHE_LIMIT:
                self.location_cache.clear()
            outside = self.location_cache[key] = validation.location_problem(*key)
        return outside  # type: ignore[return-value]

    def _careful_rows(
        self,
        problems: dict[int, list[tuple[str, str, Message]]],
        numbers: dict[str, list[Any]],
        counts: tuple[str, ...],
        reasons: list[str],
        text: dict[str, list[str]],
        latitudes: list[Any],
        longitudes: list[Any],
    ) -> set[int]:
        """The rows that need every rule checked one by one: a problem already, a count missing,
        negative or not adding up, a reason given or needed, a negative depth or pit count, no
        name nor code, no usable point. The others (most rows) need only the outline check."""
        careful = set(problems)
        count_rows = zip(*(numbers[name] for name in counts), strict=True)
        careful.update(
            index
            for index, row in enumerate(count_rows)
            if None in row or row[0] != sum(row[1:]) or min(row) < 0
        )
        for name in ("pits", "max_depth_m"):
            careful.update(
                index
                for index, value in enumerate(numbers[name])
                if value is not None and value < 0
            )
        careful.update(index for index, reason in enumerate(reasons) if reason)
        careful.update(index for index, value in enumerate(numbers["reached"]) if value is False)
        careful.update(
            index
            for index, (name, code) in enumerate(
                zip(text["site_name"], text["site_code"], strict=True)
            )
            if not name and not code
        )
        careful.update(
            index
            for index, (latitude, longitude) in enumerate(zip(latitudes, longitudes, strict=True))
            if latitude is None
            or longitude is None
            or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
        )
        return careful

    def _check_submissions(
        self,
        records: list[Record],
        submissions: list[str],
        column: str,
        problems: dict[int, list[tuple[str, str, Message]]],
    ) -> None:
        """Each submission ID once in the file (rows without one get an ID of their content)."""
        if all(submissions) and max(map(len, submissions), default=0) <= 100:
            fresh = set(submissions)
            if len(fresh) == len(submissions) and self.seen_ids.keys().isdisjoint(fresh):
                # The usual case, checked in bulk: all given, none seen before.
                self.seen_ids.update(
                    zip(submissions, [record.row for record in records], strict=True)
                )
                return
        for index, submission in enumerate(submissions):
            if not submission:
                values_of_row = records[index].values
                submission = content_submission_id(self.source.kind, values_of_row)
                occurrence = self.content_repeats.get(submission, 0) + 1
                self.content_repeats[submission] = occurrence
                if occurrence > 1:
                    submission = content_submission_id(self.source.kind, values_of_row, occurrence)
            submission = submission[:100]
            submissions[index] = submission
            first = self.seen_ids.get(submission)
            if first is not None:
                message = Message("imports.submission_repeated", id=submission, row=first)
                problems.setdefault(index, []).append(
                    (column or "submission_id", submission, message)
                )
            else:
                self.seen_ids[submission] = records[index].row

    def _site_details(
        self, text: dict[str, list[str]], notes: dict[int, str], records: list[Record], index: int
    ) -> dict[str, Any]:
        """What a new site takes from its first row."""
        record = records[index]
        return {
            **{name: text[name][index] for name in TEXT_COLUMNS},
            "location_note": notes.get(index, ""),
            "footprint": record.values.get("_footprint") if record.cells is None else None,
        }

    def _queue_visits(
        self,
        valid: list[int],
        refs: list[SiteRef],
        countries: list[Any],
        dates: list[Any],
        submissions: list[str],
        reasons: list[str],
        text: dict[str, list[str]],
        numbers: dict[str, list[Any]],
        lists: dict[str, list[Any]],
        commodities: list[tuple[str, list[int]]],
    ) -> None:
        """Queue the chunk's valid rows for writing, column by column, and keep what the sites'
        current figures need (so new sites need no query after)."""
        whole = len(valid) == len(countries)

        def pick(values: list[Any]) -> list[Any]:
            return values if whole else [values[index] for index in valid]

        columns = [
            [country.pk for country in pick(countries)],
            pick(dates),
            [team[:200] for team in pick(text["team"])],
            pick(submissions),
            pick(numbers["reached"]),
            pick(reasons),
            *[pick(numbers[name]) for name in fields.INT_FIELDS],
            pick(numbers["max_depth_m"]),
            pick(numbers["armed_presence"]),
            [scheme[:100] for scheme in pick(text["traceability_scheme"])],
            pick(numbers["mercury_use"]),
            pick(text["notes"]),
            [items[0] for items in pick(commodities)],
            *[[converted[1] for converted in pick(lists[name])] for name in fields.LIST_FIELDS],
        ]
        self.pending_visits.append((refs, columns))
        self.pending_rows += len(refs)
        pending_commodities = self.pending_commodities
        touched = self.touched
        reached, workers, women = numbers["reached"], numbers["workers"], numbers["women"]
        for index, ref in zip(valid, refs, strict=True):
            for commodity in commodities[index][1]:
                pending_commodities[(ref, commodity)] = None
            touched[id(ref)] = ref
            if ref.new is None:
                continue  # an existing site's figures are refreshed in SQL after
            date = dates[index]
            if ref.first is None or date < ref.first:
                ref.first = date
            if ref.last is None or date > ref.last:
                ref.last = date
            if reached[index] and (ref.latest is None or date >= ref.latest[0]):
                parts = [numbers[name][index] for name in validation.CHILD_FIELDS]
                children = None if all(p is None for p in parts) else sum(p or 0 for p in parts)
                ref.latest = (
                    date, workers[index], women[index], children,
                    (children > 0) if children is not None else None,
                    numbers["armed_presence"][index], numbers["mercury_use"][index],
                )  # fmt: skip

    # -- sites --

    def _index(self, country: Country) -> CountryIndex:
        index = self.indexes.get(country.pk)
        if index is None:
            index = self.indexes[country.pk] = CountryIndex(country)
        return index

    def site_for(
        self,
        country: Country,
        code: str,
        name: str,
        latitude: float,
        longitude: float,
        details: Callable[[], dict[str, Any]],
    ) -> SiteRef:
        """The site of a row: by code, else same folded name within 500 m, else a new one."""
        index = self._index(country)
        if code and code in index.by_code:
            return self._matched(index.by_code[code])
        name = name or code
        key = validation.name_key(name)
        nearby = list(index.near(latitude, longitude))
        if not code:
            same = [ref for ref in nearby if ref.key == key]
            if same:
                best = min(
                    same,
                    key=lambda r: validation.distance_m(
                        latitude, longitude, r.latitude, r.longitude
                    ),
                )
                return self._matched(best)
        duplicate = validation.first_duplicate(
            name,
            latitude,
            longitude,
            ((ref, ref.name, ref.latitude, ref.longitude) for ref in nearby),
        )
        ref = SiteRef(
            None, code or index.new_code(latitude, longitude), name, key, latitude, longitude
        )
        data = details()
        ref.new = {
            "country_id": country.pk,
            "code": ref.code,
            "name": name[:200],
            "admin1": data["admin1"][:100],
            "admin2": data["admin2"][:100],
            "admin3": data["admin3"][:100],
            "admin4": data["admin4"][:100],
            "latitude": latitude,
            "longitude": longitude,
            "location_note": data.get("location_note", "")[:300],
            "footprint": data.get("footprint"),
            "source": (data["source"] or data["team"] or self.source.name)[:200],
            "duplicate_of_id": None,
        }
        ref.duplicate = duplicate
        index.add(ref)
        self.new_sites.append(ref)
        self.unsaved_sites.append(ref)
        self.result.sites_created += 1
        if duplicate is not None:
            self.result.sites_flagged += 1
        return ref

    def _matched(self, ref: SiteRef) -> SiteRef:
        if ref.new is None and ref.pk not in self.matched_existing:
            self.matched_existing.add(ref.pk)  # type: ignore[arg-type]
            self.result.sites_matched += 1
        return ref

    # -- the run --

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

    def _run(self) -> ImportResult:
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
            self._flush()
        self.result.adopt(self.log)
        return self.result

    def _writing(self) -> bool:
        return not self.dry_run and (self.skip_invalid or self.log.count == 0)

    def _existing_submissions(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        if not self.had_visits:
            return found
        quote = connection.ops.quote_name
        table = quote(SiteVisit._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 900):
                batch = ids[start : start + 900]
                marks = ", ".join(["%s"] * len(batch))
                cursor.execute(
                    f"SELECT submission_id FROM {table} WHERE submission_id IN ({marks})",  # noqa: S608
                    batch,
                )
                found.update(row[0] for row in cursor.fetchall())
        return found

    def _flush(self) -> None:
        """Write the new sites, the visits and the site commodities gathered so far."""
        created, self.unsaved_sites = self.unsaved_sites, []
        if created:
            for ref in created:
                if ref.duplicate is not None and ref.duplicate.pk is not None:
                    ref.new["duplicate_of_id"] = ref.duplicate.pk  # type: ignore[index]
            ids = self._insert_sites([ref.new for ref in created if ref.new is not None])
            for ref, pk in zip(created, ids, strict=True):
                ref.pk = pk
            # A duplicate among the sites new in the same chunk gets its id now.
            for ref in created:
                if ref.duplicate is not None and ref.new["duplicate_of_id"] is None:  # type: ignore[index]
                    Site.objects.filter(pk=ref.pk).update(duplicate_of_id=ref.duplicate.pk)  # type: ignore[misc]
        if self.pending_visits:
            self._insert_visits()
        pairs = []
        for ref, commodity in self.pending_commodities:
            pair = (ref.pk, commodity)
            if pair not in self.site_commodities:
                self.site_commodities.add(pair)  # type: ignore[arg-type]
                pairs.append(pair)
        if pairs:
            through = Site.commodities.through._meta.db_table
            quote = connection.ops.quote_name
            if connection.vendor == "sqlite":
                sql = f"INSERT OR IGNORE INTO {quote(through)} (site_id, commodity_id) VALUES (%s, %s)"  # noqa: E501, S608
            else:
                sql = f"INSERT INTO {quote(through)} (site_id, commodity_id) VALUES (%s, %s) ON CONFLICT DO NOTHING"  # noqa: E501, S608
            with connection.cursor() as cursor:
                cursor.executemany(sql, pairs)
        self.pending_commodities.clear()

    def _insert_sites(self, sites: list[dict[str, Any]]) -> list[int]:
        """Insert new sites and return their ids.

        On SQLite the ids are given here (the import's transaction holds the write lock, so
        nobody else inserts meanwhile): building the INSERT of each object through the ORM
        would take most of the import's time. Other databases use ``bulk_create``.
        """
        if connection.vendor != "sqlite":
            objects = [
                Site(**site, created_at=self.created_at, updated_at=self.created_at)
                for site in sites
            ]
            Site.objects.bulk_create(objects, batch_size=500)
            return [site.pk for site in objects]
        template = Site()
        columns = [f for f in Site._meta.concrete_fields if not f.primary_key]
        fixed = {
            f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in columns
        }
        created_at = connection.ops.adapt_datetimefield_value(self.created_at)
        fixed["created_at"] = fixed["updated_at"] = created_at
        quote = connection.ops.quote_name
        table = quote(Site._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 (the model's table)
            first_id = (cursor.fetchone()[0] or 0) + 1
            ids = list(range(first_id, first_id + len(sites)))
            rows = []
            for pk, site in zip(ids, sites, strict=True):
                if site["footprint"] is not None:
                    site = {**site, "footprint": json.dumps(site["footprint"])}
                rows.append((pk, *[site.get(f.attname, fixed[f.attname]) for f in columns]))
            names = ", ".join(quote(str(f.column)) for f in [Site._meta.pk, *columns])
            marks = ", ".join(["%s"] * (len(columns) + 1))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (the model's)
                rows,
            )
        return ids

    def _insert_visits(self) -> None:
        table = SiteVisit._meta.db_table
        names = ["site_id", "country_id", "date", "team", "submission_id", "reached",
                 "not_reached_reason", *fields.INT_FIELDS, "max_depth_m", "armed_presence",
                 "traceability_scheme", "mercury_use", "notes", "commodities",
                 *fields.LIST_FIELDS, "created_at"]  # fmt: skip
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        placeholders = ["%s"] * (len(names) - 6) + [f"%s{cast}"] * 5 + ["%s"]
        quote = connection.ops.quote_name
        # Table and column names come from the model, never from the file.
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
            f"VALUES ({', '.join(placeholders)})"
        )
        created_at = connection.ops.adapt_datetimefield_value(self.created_at)
        rows: list[tuple] = []
        for refs, columns in self.pending_visits:
            site_ids = [ref.pk for ref in refs]
            rows.extend(zip(site_ids, *columns, itertools.repeat(created_at), strict=False))
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        self.result.visits_created += len(rows)
        self.pending_visits.clear()
        self.pending_rows = 0

    def refresh_sites(self) -> None:
        """Copy each touched site's latest visit figures onto it, in bulk."""
        new = [ref for ref in self.touched.values() if ref.new is not None]
        table = connection.ops.quote_name(Site._meta.db_table)
        names = ["first_visit", "last_visit", "workers", "women", "children",
                 "children_present", "armed_presence", "mercury_use"]  # fmt: skip
        assignments = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in names)
        sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 (names of the model)
        rows = []
        for ref in new:
            latest = ref.latest or (None,) * 7
            rows.append((ref.first, ref.last, *latest[1:], ref.pk))
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        existing = [ref.pk for ref in self.touched.values() if ref.new is None and ref.pk]
        for start in range(0, len(existing), 500):
            site_refresh_current_bulk(existing[start : start + 500])


def _audit_import(actor: Any, result: ImportResult, country_ids: list[int]) -> None:
    """One audit event sums the import up (see the module's docstring for why)."""
    pipeline.audit_summary(
        actor=actor,
        model="registry.sitevisit",
        title=_("Census import of %(file)s") % {"file": result.file[:150]},
        changes={
            "file": result.file,
            "format": result.format,
            "countries": sorted(country_ids),
            "visits_created": result.visits_created,
            "visits_unchanged": result.visits_unchanged,
            "sites_created": result.sites_created,
            "sites_flagged": result.sites_flagged,
            "rows_skipped": result.invalid_rows,
        },
    )


@contextlib.contextmanager
def _sqlite_settings(kibibytes: int) -> Iterator[None]:
    """SQLite settings for the import only, put back after it.

    A bigger page cache: inserting into the visits' indexes (random submission UUIDs) otherwise
    reads pages from disk again and again. When the import runs its own transaction, temporary
    B-trees in memory and ``synchronous = OFF`` too: the import is one transaction (all or nothing)
    and the journal stays WAL, so a crash loses at most this import, never older data.
    """
    if connection.vendor != "sqlite":
        yield
        return
    own_transaction = not connection.in_atomic_block
    with connection.cursor() as cursor:
        before = {}
        names = ["cache_size"] + (["temp_store", "synchronous"] if own_transaction else [])
        for name in names:
            cursor.execute(f"PRAGMA {name}")
            before[name] = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(kibibytes)}")
        if own_transaction:
            cursor.execute("PRAGMA temp_store = MEMORY")
            cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def census_import(
    *,
    actor: Any,
    path: Path | str,
    mapping: Mapping | None = None,
    country: Country | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    report_path: Path | str | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
    today: datetime.date | None = None,
) -> ImportResult:
    """Import a census file (CSV, XLSX, ODK Central zip, GeoJSON) into the registry.

    Returns what happened; problems are reported as (file, sheet, row, column, value, message)
    and, with ``report_path``, written to a CSV file. Nothing is written on a dry run, nor in
    all-or-nothing mode (the default) when any row has a problem. Permissions: the actor must
    edit the registry of each row's country (rows of other countries are problems).
    """
    path = Path(path)
    permissions.require(actor, "registry.import", country=country)
    mapping = mapping or Mapping()
    with pipeline.report_file(report_path) as report:
        try:
            source = open_census_file(path)
        except ImportFileError as exc:
            result = ImportResult(file=path.name, dry_run=dry_run)
            log = pipeline.ProblemLog(report)
            log.add(pipeline.Problem(path.name, exc.message))
            result.adopt(log)
            return result
        importer = CensusImporter(
            actor=actor, source=source, mapping=mapping, country=country, dry_run=dry_run,
            skip_invalid=skip_invalid, report=report, progress=progress, today=today,
        )  # fmt: skip
        if dry_run:
            return importer.run()

        def finish() -> None:
            importer.refresh_sites()
            country_ids = {ref.new["country_id"] for ref in importer.new_sites if ref.new}
            country_ids.update(index.country.pk for index in importer.indexes.values())
            for country_id in country_ids:
                if country_has_areas(country_id):
                    sites_assign_areas(country_id=country_id, unplaced_only=True)
            _audit_import(actor, importer.result, sorted(country_ids))

        with _sqlite_settings(IMPORT_SQLITE_CACHE_KIB):
            pipeline.run(
                result=importer.result, work=importer.run, skip_invalid=skip_invalid,
                finish=finish,
            )  # fmt: skip
        result = importer.result
        if result.committed:
            registry_version_bump(importer.indexes.keys())
        return result
