"""The census importer: rows of a field census become registry sites and site visits.

The rules are the registry's own (``casm.registry.validation``, with the services' messages),
applied row by row by plain functions; the writes are bulk inserts inside one transaction, so a
million rows import in seconds. Choices made for speed and clarity:

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

import csv
import datetime
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core.audit import current_audit_context
from casm.core.models import AuditEvent, Commodity, Country
from casm.core.scope import user_country_ids, user_sees_everything
from casm.registry import validation
from casm.registry.models import Site, SiteVisit
from casm.registry.services import registry_version_bump

from . import mapping as fields
from .mapping import Mapping, column_field
from .readers import ImportFileError, Record, Source, open_census_file

CHUNK_ROWS = 5000
MAX_KEPT_PROBLEMS = 1000
# Namespace of the submission IDs made for rows that have none.
CONTENT_NAMESPACE = uuid.UUID("6f1d8c4e-0b7a-5c55-9a57-1c0b0c3a5e21")
REPORT_COLUMNS = ["file", "sheet", "row", "column", "value", "message"]
TRUE = {"yes", "y", "true", "1", "oui", "o", "si", "sí", "sim", "x"}
FALSE = {"no", "n", "false", "0", "non", "nao", "não"}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
SLASH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass
class Problem:
    file: str
    sheet: str
    row: int | str
    column: str
    value: str
    message: str

    def as_row(self) -> list[Any]:
        return [self.file, self.sheet, self.row, self.column, self.value, self.message]


@dataclass
class ImportResult:
    file: str
    format: str = ""
    dry_run: bool = False
    committed: bool = False
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    visits_created: int = 0
    visits_unchanged: int = 0
    sites_created: int = 0
    sites_matched: int = 0
    sites_flagged: int = 0
    problem_count: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = {key: value for key, value in self.__dict__.items() if key != "problems"}
        data["problems"] = [problem.__dict__ for problem in self.problems]
        return data

    @property
    def summary(self) -> str:
        if self.dry_run:
            return _(
                "Dry run of %(file)s: %(rows)s rows, %(valid)s valid, %(problems)s problems; "
                "nothing was written."
            ) % {
                "file": self.file,
                "rows": self.rows,
                "valid": self.valid_rows,
                "problems": self.problem_count,
            }
        if not self.committed:
            return _("%(file)s: %(problems)s problems; nothing was imported.") % {
                "file": self.file,
                "problems": self.problem_count,
            }
        return _(
            "%(file)s: %(visits)s visits imported, %(unchanged)s already there, %(sites)s new "
            "sites (%(flagged)s possible duplicates), %(skipped)s rows skipped."
        ) % {
            "file": self.file,
            "visits": self.visits_created,
            "unchanged": self.visits_unchanged,
            "sites": self.sites_created,
            "flagged": self.sites_flagged,
            "skipped": self.invalid_rows,
        }


class _Rollback(Exception):
    """Leaves the import's transaction so that it rolls back."""


# --- Reading values --------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _parse_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        number = float(raw.replace(",", "."))
        if not number.is_integer():
            raise ValueError(raw) from None
        return int(number)


def _parse_float(raw: str) -> float:
    number = float(raw.replace(",", ".") if "." not in raw else raw)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(raw)
    return number


def parse_date(value: Any, order: str = "dmy") -> datetime.date:
    """A date from ISO text (time and time zone allowed, as in KoBoToolbox's submission time),
    ``dd/mm/yyyy`` (or ``mm/dd/yyyy`` with ``order="mdy"``), or a spreadsheet date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    match = ISO_DATE.match(raw)
    if match:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    match = SLASH_DATE.match(raw)
    if match:
        first, second = int(match[1]), int(match[2])
        day, month = (first, second) if order == "dmy" else (second, first)
        return datetime.date(int(match[3]), month, day)
    raise ValueError(raw)


def _parse_location(raw: str) -> tuple[float, float]:
    """``lat lon [alt acc]`` (XLSForm geopoint) or ``[lat, lon]`` (KoBoToolbox _geolocation)."""
    parts = raw.strip("[]() ").replace(",", " ").split()
    if len(parts) < 2:
        raise ValueError(raw)
    return float(parts[0]), float(parts[1])


def content_submission_id(kind: str, values: dict[str, Any], occurrence: int = 1) -> str:
    """A stable ID for a row that has none, from its content (properties and coordinates).

    The same row in another file (IPIS lists a site under each of its minerals) gets the same
    ID, so it is imported once. The same row twice in one file is taken as a repeat visit (the
    source dropped the dates): the occurrence number tells them apart, and a new import of the
    file gives the same IDs again.
    """
    key = values.get("_feature_key") or json.dumps(
        {k: _text(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False
    )
    return str(uuid.uuid5(CONTENT_NAMESPACE, f"{kind}\n{key}\n{occurrence}"))


# --- Sites ----------------------------------------------------------------------------------

GRID_DEGREES = 0.005


@dataclass(eq=False)
class _SiteRef:
    pk: int | None
    code: str
    name: str
    key: str
    latitude: float
    longitude: float
    new: Site | None = None
    duplicate: _SiteRef | None = None
    # For the site's current figures: dates and the latest reached visit of this import.
    first: str | None = None
    last: str | None = None
    latest: tuple | None = None


class _CountryIndex:
    """The sites of one country, by code and on a grid, for matching rows to sites fast."""

    def __init__(self, country: Country) -> None:
        self.country = country
        self.by_code: dict[str, _SiteRef] = {}
        self.grid: dict[tuple[int, int], list[_SiteRef]] = {}
        rows = Site.objects.filter(country=country).values_list(
            "pk", "code", "name", "latitude", "longitude"
        )
        for pk, code, name, latitude, longitude in rows.iterator(chunk_size=5000):
            self.add(_SiteRef(pk, code, name, validation.name_key(name), latitude, longitude))
        self.next_number = len(self.by_code) + 1

    def add(self, ref: _SiteRef) -> None:
        self.by_code[ref.code] = ref
        cell = (math.floor(ref.latitude / GRID_DEGREES), math.floor(ref.longitude / GRID_DEGREES))
        self.grid.setdefault(cell, []).append(ref)

    def near(self, latitude: float, longitude: float) -> Iterator[_SiteRef]:
        south, north, west, east = validation.bbox_around(
            latitude, longitude, validation.DUPLICATE_DISTANCE_M
        )
        for row in range(math.floor(south / GRID_DEGREES), math.floor(north / GRID_DEGREES) + 1):
            for column in range(
                math.floor(west / GRID_DEGREES), math.floor(east / GRID_DEGREES) + 1
            ):
                for ref in self.grid.get((row, column), ()):
                    if (
                        validation.distance_m(latitude, longitude, ref.latitude, ref.longitude)
                        <= validation.DUPLICATE_DISTANCE_M
                    ):
                        yield ref

    def new_code(self, latitude: float, longitude: float) -> str:
        while True:
            code = validation.site_code_format(
                self.country.alpha2, latitude, longitude, self.next_number
            )
            self.next_number += 1
            if code not in self.by_code:
                return code


# --- The importer ---------------------------------------------------------------------------


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
        self.report = report
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
        self.scope = (
            None if user_sees_everything(actor) or actor is None else set(user_country_ids(actor))
        )
        self.commodities = {item.code: item.pk for item in Commodity.objects.all()}
        # A commodity is named by its code, or its English or French name.
        self.commodity_codes = {code: code for code in self.commodities}
        for commodity in Commodity.objects.all():
            for name in (commodity.name_en, commodity.name_fr):
                self.commodity_codes.setdefault(validation.name_key(name), commodity.code)
        self.indexes: dict[int, _CountryIndex] = {}
        self.seen_ids: dict[str, int] = {}
        self.content_repeats: dict[str, int] = {}
        self.location_cache: dict[tuple[str, Any, Any], str | None] = {}
        self.site_commodities: set[tuple[int, int]] = set()
        self.pending_commodities: list[tuple[_SiteRef, int]] = []
        self.touched: dict[int, _SiteRef] = {}
        self.matched_existing: set[int] = set()
        self.new_sites: list[_SiteRef] = []
        self.pending_visits: list[tuple[_SiteRef, dict[str, Any]]] = []
        self.created_at = timezone.now()
        self.plan = self._plan(source.columns)

    # -- problems --

    def problem(self, record: Record, column: str, value: Any, message: str) -> None:
        item = Problem(self.source.name, record.sheet, record.row, column, _text(value), message)
        self.result.problem_count += 1
        if len(self.result.problems) < MAX_KEPT_PROBLEMS:
            self.result.problems.append(item)
        if self.report is not None:
            self.report.writerow(item.as_row())

    def file_problem(self, message: str) -> None:
        self.result.problem_count += 1
        item = Problem(self.source.name, "", "", "", "", message)
        self.result.problems.append(item)
        if self.report is not None:
            self.report.writerow(item.as_row())

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
        missing = []
        has_place = ("latitude" in self.plan and "longitude" in self.plan) or "location" in (
            self.plan
        )
        if not has_place:
            missing.append(_("latitude and longitude (or a geopoint)"))
        if "site_name" not in self.plan and "site_code" not in self.plan:
            missing.append("site_name")
        has_date = {"date", "submission_time"} & set(self.plan) or self.mapping.defaults.get("date")
        if not has_date:
            missing.append("date")
        if missing:
            self.file_problem(
                _("Required columns are missing: %(columns)s. Columns found: %(found)s.")
                % {
                    "columns": ", ".join(missing),
                    "found": ", ".join(self.source.columns[:40]) or "-",
                }
            )
            return False
        return True

    def _raw(self, record: Record, name: str) -> tuple[str, str]:
        """(column, text) of the first non-empty column feeding ``name``, else the default."""
        for column in self.plan.get(name, ()):
            value = record.values.get(column)
            text = _text(value)
            if text:
                return column, text
        default = self.mapping.defaults.get(name)
        return (self.plan.get(name, [name])[0], _text(default)) if default is not None else ("", "")

    def _list(self, record: Record, name: str) -> tuple[str, list[str]]:
        separator = self.mapping.separators.get(name)
        found: list[str] = []
        first = ""
        for column in self.plan.get(name, ()):
            text = _text(record.values.get(column))
            if not text:
                continue
            first = first or column
            parts = text.split(separator) if separator else text.split()
            for part in parts:
                code = self.mapping.value(name, part.strip()) if part.strip() else None
                if code and code not in found:
                    found.append(code)
        return first, found

    # -- one row --

    def parse(self, record: Record) -> dict[str, Any] | None:
        """The row as visit and site data, or None after reporting its problems."""
        before = self.result.problem_count
        data: dict[str, Any] = {}
        columns: dict[str, str] = {}
        if record.geometry_problem:
            self.problem(record, "geometry", "", record.geometry_problem)
        for name in ("site_code", "site_name", "admin1", "admin2", "admin3", "admin4", "team",
                     "traceability_scheme", "notes", "source"):  # fmt: skip
            column, text = self._raw(record, name)
            data[name] = self.mapping.value(name, text) if text else ""
            columns[name] = column
        if not data["site_name"] and not data["site_code"]:
            self.problem(record, "site_name", "", _("A site needs a name or a code."))
        # Country
        column, text = self._raw(record, "country")
        country = (
            self.countries.get(text.upper())
            or self.countries.get(validation.name_key(text).upper())
            if text
            else self.default_country
        )
        if country is None:
            self.problem(
                record,
                column or "country",
                text,
                _("Unknown country “%(value)s”.") % {"value": text}
                if text
                else _("No country: give one in a country column or with --country."),
            )
        elif self.scope is not None and country.pk not in self.scope:
            self.problem(
                record, column or "country", text, _("This country is outside your scope.")
            )
            country = None
        data["country"] = country
        # Numbers
        for name in fields.INT_FIELDS:
            column, text = self._raw(record, name)
            if not text:
                data[name] = None
                continue
            try:
                data[name] = _parse_int(text)
            except ValueError:
                data[name] = None
                self.problem(
                    record, column, text, _("“%(value)s” is not a whole number.") % {"value": text}
                )
        for name in ("max_depth_m",):
            column, text = self._raw(record, name)
            data[name] = None
            if text:
                try:
                    data[name] = _parse_float(text)
                except ValueError:
                    self.problem(
                        record, column, text, _("“%(value)s” is not a number.") % {"value": text}
                    )
        for name in fields.BOOL_FIELDS:
            column, text = self._raw(record, name)
            lowered = text.lower()
            if not text:
                data[name] = True if name == "reached" else None
            elif lowered in TRUE:
                data[name] = True
            elif lowered in FALSE:
                data[name] = False
            else:
                data[name] = None
                self.problem(
                    record, column, text, _("“%(value)s” is not yes or no.") % {"value": text}
                )
        column, text = self._raw(record, "not_reached_reason")
        data["not_reached_reason"] = self.mapping.value("not_reached_reason", text) if text else ""
        for name in fields.LIST_FIELDS:
            data[name] = self._list(record, name)[1]
        # Location
        latitude: Any = None
        longitude: Any = None
        lat_column, lat_text = self._raw(record, "latitude")
        lon_column, lon_text = self._raw(record, "longitude")
        if record.values.get("_latitude") is not None and self.source.kind == "geojson":
            latitude, longitude = record.values["_latitude"], record.values["_longitude"]
        elif lat_text or lon_text:
            for column, text, name in (
                (lat_column, lat_text, "latitude"),
                (lon_column, lon_text, "longitude"),
            ):
                if not text:
                    continue
                try:
                    value = _parse_float(text)
                except ValueError:
                    self.problem(
                        record, column, text, _("“%(value)s” is not a number.") % {"value": text}
                    )
                    value = float("nan")
                if name == "latitude":
                    latitude = value
                else:
                    longitude = value
        else:
            column, text = self._raw(record, "location")
            if text:
                try:
                    latitude, longitude = _parse_location(text)
                except ValueError:
                    self.problem(
                        record,
                        column,
                        text,
                        _("“%(value)s” is not a location (latitude longitude).") % {"value": text},
                    )
                    latitude = longitude = float("nan")
        if not record.geometry_problem and not any(
            isinstance(v, float) and math.isnan(v) for v in (latitude, longitude)
        ):
            for name, message in validation.coordinates_problems(latitude, longitude):
                column = lat_column if name == "latitude" else lon_column
                point = latitude if name == "latitude" else longitude
                self.problem(record, column or name, point, message)
        data["latitude"], data["longitude"] = latitude, longitude
        data["footprint"] = record.values.get("_footprint")
        # Date
        column, text = self._raw(record, "date")
        if not text:
            column, text = self._raw(record, "submission_time")
        data["date"] = None
        if not text:
            self.problem(record, column or "date", "", _("The visit has no date."))
        else:
            try:
                data["date"] = parse_date(
                    record.values.get(column) or text, self.mapping.date_order
                )
            except ValueError:
                message = _("“%(value)s” is not a date (use 2024-03-31 or 31/03/2024).")
                self.problem(record, column, text, message % {"value": text})
            if data["date"] is not None:
                late = validation.date_problem(data["date"], today=self.today)
                if late:
                    self.problem(record, column, text, late)
        # Commodities: a repeat group, columns of the main row, or a mapped list.
        data["commodities"] = self._commodities(record)
        # The registry's rules on the visit
        for name, message in validation.visit_count_problems(data):
            self.problem(record, self.plan.get(name, [name])[0], data.get(name), message)
        for name, message in validation.choice_problems(data):
            given = data.get(name)
            self.problem(
                record,
                self.plan.get(name, [name])[0],
                " ".join(given) if isinstance(given, list) else given,
                message,
            )
        if data["reached"] is False and not data["not_reached_reason"]:
            self.problem(record, self.plan.get("not_reached_reason", ["not_reached_reason"])[0], "",
                         _("Say why the site was not reached."))  # fmt: skip
        if data["max_depth_m"] is not None and data["max_depth_m"] < 0:
            self.problem(
                record,
                self.plan["max_depth_m"][0],
                data["max_depth_m"],
                _("A depth cannot be negative."),
            )
        # Where the site is, against its country's outline
        if country is not None and self.result.problem_count == before:
            key = (country.alpha3, latitude, longitude)
            if key not in self.location_cache:
                self.location_cache[key] = validation.location_problem(
                    country.alpha3, latitude, longitude
                )  # type: ignore[arg-type]
            outside = self.location_cache[key]
            if outside:
                if self.mapping.outside_country == "accept":
                    data["location_note"] = _("Imported from %(file)s: outside the outline.") % {
                        "file": self.source.name
                    }
                else:
                    self.problem(
                        record, lat_column or "latitude", f"{latitude}, {longitude}", outside
                    )
        # The submission
        column, submission = self._raw(record, "submission_id")
        if not submission:
            submission = content_submission_id(self.source.kind, record.values)
            occurrence = self.content_repeats.get(submission, 0) + 1
            self.content_repeats[submission] = occurrence
            if occurrence > 1:
                submission = content_submission_id(self.source.kind, record.values, occurrence)
        data["submission_id"] = submission[:100]
        first = self.seen_ids.get(data["submission_id"])
        if first is not None:
            message = _("The submission %(id)s appears again (first in row %(row)s).")
            self.problem(
                record,
                column or "submission_id",
                submission,
                message % {"id": submission, "row": first},
            )
        else:
            self.seen_ids[data["submission_id"]] = record.row
        if self.result.problem_count != before:
            return None
        return data

    def _commodities(self, record: Record) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        seen: set[str] = set()

        def add(raw: str, column: str, selling_point: str = "", destination: str = "") -> None:
            mapped = self.mapping.value("commodities", raw)
            if not mapped:
                return  # the mapping drops this value
            code = self.commodity_codes.get(mapped) or self.commodity_codes.get(
                validation.name_key(mapped)
            )
            if code is None:
                self.problem(record, column, raw, _("Unknown commodity: %s") % raw)
                return
            if code not in seen:
                seen.add(code)
                items.append(
                    {"commodity": code, "selling_point": selling_point, "destination": destination}
                )

        for group_rows in record.repeats.values():
            for item in group_rows:
                values = {column_field(k, self.mapping) or k: _text(v) for k, v in item.items()}
                if values.get("commodity"):
                    add(
                        values["commodity"],
                        "commodity",
                        values.get("selling_point", ""),
                        values.get("destination", ""),
                    )
        column, text = self._raw(record, "commodity")
        if text:
            add(
                text,
                column,
                self._raw(record, "selling_point")[1],
                self._raw(record, "destination")[1],
            )
        for column in self.plan.get("commodities", ()):
            text = _text(record.values.get(column))
            separator = self.mapping.separators.get("commodities")
            for part in text.split(separator) if separator else text.split():
                if part.strip():
                    add(part.strip(), column)
        return items

    # -- sites --

    def _index(self, country: Country) -> _CountryIndex:
        index = self.indexes.get(country.pk)
        if index is None:
            index = self.indexes[country.pk] = _CountryIndex(country)
        return index

    def site_for(self, data: dict[str, Any]) -> _SiteRef:
        country: Country = data["country"]
        index = self._index(country)
        latitude, longitude = data["latitude"], data["longitude"]
        code, name = data["site_code"], data["site_name"] or data["site_code"]
        key = validation.name_key(name)
        if code and code in index.by_code:
            return self._matched(index.by_code[code])
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
        ref = _SiteRef(
            None, code or index.new_code(latitude, longitude), name, key, latitude, longitude
        )
        ref.new = Site(
            country=country,
            code=ref.code,
            name=name[:200],
            admin1=data["admin1"][:100],
            admin2=data["admin2"][:100],
            admin3=data["admin3"][:100],
            admin4=data["admin4"][:100],
            latitude=latitude,
            longitude=longitude,
            location_note=data.get("location_note", "")[:300],
            footprint=data.get("footprint"),
            source=(data["source"] or data["team"] or self.source.name)[:200],
            created_at=self.created_at,
            updated_at=self.created_at,
        )
        ref.duplicate = duplicate
        index.add(ref)
        self.new_sites.append(ref)
        self.result.sites_created += 1
        if duplicate is not None:
            self.result.sites_flagged += 1
        return ref

    def _matched(self, ref: _SiteRef) -> _SiteRef:
        if ref.new is None and ref.pk not in self.matched_existing:
            self.matched_existing.add(ref.pk)  # type: ignore[arg-type]
            self.result.sites_matched += 1
        return ref

    # -- the run --

    def run(self) -> ImportResult:
        if not self.check_columns():
            return self.result
        chunk: list[Record] = []
        try:
            for record in self.source.records:
                chunk.append(record)
                if len(chunk) >= CHUNK_ROWS:
                    self._chunk(chunk)
                    chunk = []
            self._chunk(chunk)
        except ImportFileError as exc:
            self.file_problem(str(exc))
        if self._writing():
            self._flush()
        return self.result

    def _writing(self) -> bool:
        return not self.dry_run and (self.skip_invalid or self.result.problem_count == 0)

    def _chunk(self, records: list[Record]) -> None:
        parsed = []
        for record in records:
            self.result.rows += 1
            data = self.parse(record)
            if data is None:
                self.result.invalid_rows += 1
            else:
                parsed.append(data)
        existing = self._existing_submissions([data["submission_id"] for data in parsed])
        for data in parsed:
            self.result.valid_rows += 1
            if data["submission_id"] in existing:
                self.result.visits_unchanged += 1
                continue
            ref = self.site_for(data)
            for item in data["commodities"]:
                self.pending_commodities.append((ref, self.commodities[item["commodity"]]))
            self.pending_visits.append((ref, data))
        if self._writing():
            self._flush()
        else:
            self.pending_visits.clear()
            self.pending_commodities.clear()
        if self.progress is not None:
            done = self.source.position() if self.source.position else self.result.rows
            self.progress(
                done, self.source.size, _("%(rows)s rows read") % {"rows": self.result.rows}
            )

    def _existing_submissions(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 900):
            batch = SiteVisit.objects.filter(submission_id__in=ids[start : start + 900])
            found.update(
                str(found_id) for found_id in batch.values_list("submission_id", flat=True)
            )
        return found

    def _flush(self) -> None:
        """Write the new sites, the visits and the site commodities gathered so far."""
        created = [ref for ref in self.new_sites if ref.pk is None and ref.new is not None]
        if created:
            for ref in created:
                if ref.duplicate is not None and ref.duplicate.pk is not None:
                    ref.new.duplicate_of_id = ref.duplicate.pk  # type: ignore[union-attr]
            Site.objects.bulk_create([ref.new for ref in created if ref.new], batch_size=500)
            for ref in created:
                ref.pk = ref.new.pk  # type: ignore[union-attr]
            # A duplicate among the sites new in the same chunk gets its id now.
            for ref in created:
                if ref.duplicate is not None and ref.new.duplicate_of_id is None:  # type: ignore[union-attr]
                    flagged = Site.objects.filter(pk=ref.new.pk)  # type: ignore[union-attr]
                    flagged.update(duplicate_of_id=ref.duplicate.pk)
        if self.pending_visits:
            self._insert_visits()
        pairs = []
        for ref, commodity in self.pending_commodities:
            pair = (ref.pk, commodity)
            if pair not in self.site_commodities:
                self.site_commodities.add(pair)  # type: ignore[arg-type]
                pairs.append(pair)
        if pairs:
            through = Site.commodities.through
            through.objects.bulk_create(
                [through(site_id=site, commodity_id=commodity) for site, commodity in pairs],
                batch_size=2000,
                ignore_conflicts=True,
            )
        self.pending_commodities.clear()

    def _insert_visits(self) -> None:
        table = SiteVisit._meta.db_table
        json_fields = [
            "commodities",
            "state_services",
            "armed_activities",
            "women_work",
            "children_work",
        ]
        plain = ["date", "team", "submission_id", "reached", "not_reached_reason",
                 *fields.INT_FIELDS, "max_depth_m", "armed_presence", "traceability_scheme",
                 "mercury_use", "notes"]  # fmt: skip
        names = ["site_id", "country_id", *plain, *json_fields, "created_at"]
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        placeholders = ["%s"] * (2 + len(plain)) + [f"%s{cast}"] * len(json_fields) + ["%s"]
        quote = connection.ops.quote_name
        # Table and column names come from the model, never from the file.
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
            f"VALUES ({', '.join(placeholders)})"
        )
        created_at = connection.ops.adapt_datetimefield_value(self.created_at)
        dumps = json.dumps
        rows = []
        for ref, data in self.pending_visits:
            date = data["date"].isoformat()
            data["date"] = date
            data["team"] = data["team"][:200]
            data["traceability_scheme"] = data["traceability_scheme"][:100]
            self._remember(ref, data)
            rows.append(
                (ref.pk, data["country"].pk, *[data[name] for name in plain],
                 *[dumps(data[name], ensure_ascii=False) for name in json_fields], created_at)
            )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        self.result.visits_created += len(rows)
        self.pending_visits.clear()

    def _remember(self, ref: _SiteRef, data: dict[str, Any]) -> None:
        """Keep what the site's current figures need, so new sites need no query after."""
        date = data["date"]
        self.touched[ref.pk] = ref  # type: ignore[index]
        ref.first = date if ref.first is None or date < ref.first else ref.first
        ref.last = date if ref.last is None or date > ref.last else ref.last
        if data["reached"] and (ref.latest is None or date >= ref.latest[0]):
            parts = [data[name] for name in validation.CHILD_FIELDS]
            children = None if all(p is None for p in parts) else sum(p or 0 for p in parts)
            ref.latest = (date, data["workers"], data["women"], children,
                          (children > 0) if children is not None else None,
                          data["armed_presence"], data["mercury_use"])  # fmt: skip

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
        existing = [pk for pk, ref in self.touched.items() if ref.new is None]
        for start in range(0, len(existing), 500):
            site_refresh_current_bulk(existing[start : start + 500])


def site_refresh_current_bulk(site_ids: list[int]) -> int:
    """``site_refresh_current`` for many sites in one UPDATE (the same meaning, in SQL)."""
    visits = SiteVisit.objects.filter(site=OuterRef("pk"))
    children = Case(
        When(
            Q(boys_under_15__isnull=True, girls_under_15__isnull=True, boys_15_17__isnull=True,
              girls_15_17__isnull=True),
            then=Value(None),
        ),
        default=Coalesce(F("boys_under_15"), 0) + Coalesce(F("girls_under_15"), 0)
        + Coalesce(F("boys_15_17"), 0) + Coalesce(F("girls_15_17"), 0),
        output_field=IntegerField(),
    )  # fmt: skip
    latest = visits.filter(reached=True).order_by("-date", "-pk").annotate(kids=children)
    present = latest.annotate(
        present=Case(
            When(kids__gt=0, then=Value(True)),
            When(kids__isnull=False, then=Value(False)),
            default=Value(None),
        )
    )
    return Site.objects.filter(pk__in=site_ids).update(
        first_visit=Subquery(visits.order_by("date").values("date")[:1]),
        last_visit=Subquery(visits.order_by("-date").values("date")[:1]),
        workers=Subquery(latest.values("workers")[:1]),
        women=Subquery(latest.values("women")[:1]),
        children=Subquery(latest.values("kids")[:1]),
        children_present=Subquery(present.values("present")[:1]),
        armed_presence=Subquery(latest.values("armed_presence")[:1]),
        mercury_use=Subquery(latest.values("mercury_use")[:1]),
    )


def _audit_import(actor: Any, result: ImportResult, country_ids: list[int]) -> None:
    """One audit event sums the import up (see the module's docstring for why)."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_repr=actor.get_username() if is_person else "",
        source=AuditEvent.Source.IMPORT,
        ip_address=current_audit_context().ip_address,
        action=AuditEvent.Action.CREATE,
        model="registry.sitevisit",
        object_id="import",
        object_repr=_("Census import of %(file)s") % {"file": result.file[:150]},
        changes={
            "file": [None, result.file],
            "format": [None, result.format],
            "countries": [None, sorted(country_ids)],
            "visits_created": [0, result.visits_created],
            "visits_unchanged": [0, result.visits_unchanged],
            "sites_created": [0, result.sites_created],
            "sites_flagged": [0, result.sites_flagged],
            "rows_skipped": [0, result.invalid_rows],
        },
    )


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
    from casm.registry.services import check_can_edit_registry

    path = Path(path)
    check_can_edit_registry(actor, country)
    mapping = mapping or Mapping()
    report_handle = (
        Path(report_path).open("w", newline="", encoding="utf-8")  # noqa: SIM115 (closed below)
        if report_path
        else None
    )
    report = csv.writer(report_handle) if report_handle else None
    if report is not None:
        report.writerow(REPORT_COLUMNS)
    try:
        try:
            source = open_census_file(path)
        except ImportFileError as exc:
            result = ImportResult(file=path.name, dry_run=dry_run)
            result.problem_count = 1
            result.problems.append(Problem(path.name, "", "", "", "", str(exc)))
            if report is not None:
                report.writerow(result.problems[0].as_row())
            return result
        importer = CensusImporter(
            actor=actor, source=source, mapping=mapping, country=country, dry_run=dry_run,
            skip_invalid=skip_invalid, report=report, progress=progress, today=today,
        )  # fmt: skip
        if dry_run:
            return importer.run()
        try:
            with transaction.atomic():
                result = importer.run()
                if result.problem_count and not skip_invalid:
                    raise _Rollback
                importer.refresh_sites()
                country_ids = list({ref.new.country_id for ref in importer.new_sites if ref.new})
                country_ids += [index.country.pk for index in importer.indexes.values()]
                _audit_import(actor, result, sorted(set(country_ids)))
                result.committed = True
        except _Rollback:
            result = importer.result
            result.visits_created = result.sites_created = result.sites_flagged = 0
            return result
        registry_version_bump(importer.indexes.keys())
        return result
    finally:
        if report_handle is not None:
            report_handle.close()
