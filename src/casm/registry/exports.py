"""Exports of the registry as CSV, XLSX and GeoJSON, streamed so a national export fits in memory.

Every export takes a queryset the caller has already scoped (a selector for a user, everything
for the command line) and reads it in chunks of rows ordered by id. A *public* site export reads
only :data:`~casm.registry.selectors.PUBLIC_SITE_FIELDS` and the commodities, whatever the
queryset; visits, operators and production have no public export.

Each ``*_export`` function returns a :class:`casm.core.tables.ExportFile`, written by the
platform's one table writer (formulas neutralised), which ``export_response`` streams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casm.core.models import Country
from casm.core.tables import (
    FORMATS,
    ExportError,
    ExportFile,
    Table,
    export_response,
    table_export,
)
from casm.registry import services
from casm.registry.models import Operator, ProductionRecord, Site, SiteVisit
from casm.registry.selectors import (
    PUBLIC_SITE_FIELDS,
    SiteFilters,
    site_commodity_codes,
    site_filter,
)

__all__ = ["FORMATS", "ExportError", "ExportFile", "export_response", "system_export"]

CHUNK_ROWS = 2000


# --- Reading in chunks -----------------------------------------------------------------------


def _chunks(queryset: QuerySet, fields: Iterable[str]) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``queryset`` as dicts, ``CHUNK_ROWS`` at a time, by increasing id.

    Keyset pagination on the primary key: every chunk is one indexed query, however large the
    table, and no server-side cursor stays open while the response streams.
    """
    fields = list(fields)
    queryset = queryset.order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.values(*fields)[:CHUNK_ROWS])
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]
        if len(rows) < CHUNK_ROWS:
            return


SITE_FIELDS = [
    "id",
    "code",
    "name",
    "other_names",
    "country__alpha2",
    "admin1",
    "admin2",
    "admin3",
    "admin4",
    "area1__code",
    "area1__name",
    "area2__code",
    "area2__name",
    "area3__code",
    "area3__name",
    "latitude",
    "longitude",
    "location_note",
    "mining_methods",
    "processing_methods",
    "activity_status",
    "legal_status",
    "certification_status",
    "certification_valid_from",
    "certification_valid_until",
    "first_visit",
    "last_visit",
    "workers",
    "women",
    "children",
    "children_present",
    "armed_presence",
    "mercury_use",
    "duplicate_of",
    "duplicate_dismissed",
    "source",
    "created_at",
    "updated_at",
]


def _column(field: str) -> str:
    """The export's column of a field: ``country``, ``area1_code``, ``area1``, or the name."""
    if field == "country__alpha2":
        return "country"
    if field.startswith("area") and "__" in field:
        area, part = field.split("__", 1)
        return f"{area}_code" if part == "code" else area
    return field


def site_table(queryset: QuerySet[Site], *, public: bool, footprints: bool = False) -> Table:
    """Sites with their commodity codes; public: only the public fields; footprints: only the
    sites with a footprint, drawn as it (GeoJSON)."""
    fields = list(PUBLIC_SITE_FIELDS) if public else SITE_FIELDS
    if footprints:
        queryset = queryset.filter(footprint__isnull=False)
        fields = [*fields, "footprint"]
    columns = [_column(field) for field in fields]
    columns.insert(columns.index("longitude") + 1, "commodities")

    def rows() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(queryset, fields):
            codes = site_commodity_codes([row["id"] for row in chunk])
            for row in chunk:
                out = {_column(field): value for field, value in row.items()}
                out["commodities"] = sorted(codes.get(row["id"], []))
                yield out

    name = ("site-footprints" if footprints else "sites") + ("-public" if public else "")
    return Table(
        name, columns, rows, ("latitude", "longitude"), shape="footprint" if footprints else None
    )


# Where the visit is, then every field a visit is recorded with (the services' list).
VISIT_FIELDS = [
    "id",
    "site",
    "site__code",
    "site__name",
    "country__alpha2",
    "site__latitude",
    "site__longitude",
    # A visit's footprint is in the sites' footprint export (GeoJSON), not in a cell.
    *[field for field in services.VISIT_FIELDS if field != "footprint"],
    "created_at",
]


def visit_table(queryset: QuerySet[SiteVisit]) -> Table:
    """Site visits with their site's code, name and location (never public)."""
    names = {"site": "site_id", "country__alpha2": "country"}
    columns = [names.get(field, field.replace("__", "_")) for field in VISIT_FIELDS]
    columns.insert(columns.index("commodities") + 1, "commodity_details")

    def rows() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(queryset, VISIT_FIELDS):
            for row in chunk:
                out = {
                    names.get(field, field.replace("__", "_")): value
                    for field, value in row.items()
                }
                details = [item for item in out["commodities"] or [] if isinstance(item, dict)]
                out["commodities"] = [item.get("commodity", "") for item in details]
                out["commodity_details"] = details
                yield out

    return Table("visits", columns, rows, ("site_latitude", "site_longitude"))


OPERATOR_FIELDS = [
    "id",
    "country__alpha2",
    "kind",
    "name",
    "registration_number",
    "member_count",
    "contact_name",
    "contact_phone",
    "contact_email",
    "created_at",
    "updated_at",
]


def operator_table(queryset: QuerySet[Operator]) -> Table:
    """Operators with their contacts and the codes of their sites (never public)."""
    columns = [_column(field) for field in OPERATOR_FIELDS] + ["sites"]

    def rows() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(queryset, OPERATOR_FIELDS):
            sites: dict[int, list[str]] = {}
            links = Operator.sites.through.objects.filter(
                operator_id__in=[row["id"] for row in chunk]
            ).values_list("operator_id", "site__code")
            for operator_id, code in links:
                sites.setdefault(operator_id, []).append(code)
            for row in chunk:
                out = {_column(field): value for field, value in row.items()}
                out["sites"] = sorted(sites.get(row["id"], []))
                yield out

    return Table("operators", columns, rows)


PRODUCTION_FIELDS = [
    "id",
    "country__alpha2",
    "site__code",
    "operator__name",
    "commodity__code",
    "period",
    "year",
    "period_number",
    "quantity",
    "unit",
    "quantity_base",
    "value",
    "currency",
    "source",
    "created_at",
]


def production_table(queryset: QuerySet[ProductionRecord]) -> Table:
    """Production records with the site code, operator name and commodity code."""
    names = {
        "country__alpha2": "country",
        "site__code": "site",
        "operator__name": "operator",
        "commodity__code": "commodity",
    }
    columns = [names.get(field, field) for field in PRODUCTION_FIELDS]

    def rows() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(queryset, PRODUCTION_FIELDS):
            for row in chunk:
                yield {names.get(field, field): value for field, value in row.items()}

    return Table("production", columns, rows)


# --- What callers use ------------------------------------------------------------------------


def sites_export(
    queryset: QuerySet[Site], fmt: str, *, public: bool = False, footprints: bool = False
) -> ExportFile:
    """The sites of ``queryset`` as csv, xlsx or geojson; ``public`` keeps public fields only;
    ``footprints`` gives the sites with a footprint as their polygons (geojson only)."""
    return table_export(site_table(queryset, public=public, footprints=footprints), fmt)


def visits_export(queryset: QuerySet[SiteVisit], fmt: str) -> ExportFile:
    """The visits of ``queryset`` (within scope: there is no public visit export)."""
    return table_export(visit_table(queryset), fmt)


def operators_export(queryset: QuerySet[Operator], fmt: str) -> ExportFile:
    """The operators of ``queryset`` with their contacts (csv or xlsx; never public)."""
    return table_export(operator_table(queryset), fmt)


def production_export(queryset: QuerySet[ProductionRecord], fmt: str) -> ExportFile:
    """The production records of ``queryset`` (csv or xlsx; never public)."""
    return table_export(production_table(queryset), fmt)


EXPORT_KINDS = ("sites", "visits", "operators", "production")


def _countries(filters: SiteFilters) -> QuerySet:
    code = filters.country.upper()
    return Country.objects.filter(**{"alpha2" if len(code) == 2 else "alpha3": code})


def system_export(
    kind: str,
    fmt: str,
    *,
    filters: SiteFilters | None = None,
    public: bool = False,
    footprints: bool = False,
) -> ExportFile:
    """Everything of ``kind`` (filtered like the site list), as the system sees it: for the
    command line. ``public`` is offered for sites only."""
    filters = filters or SiteFilters()
    if public and kind != "sites":
        raise ExportError(_("Only sites have a public export."))
    if footprints and kind != "sites":
        raise ExportError(_("Only sites have footprints."))
    sites = site_filter(Site.objects.all(), filters)
    if kind == "sites":
        return sites_export(sites, fmt, public=public, footprints=footprints)
    if kind == "visits":
        visits = SiteVisit.objects.all()
        if not filters.is_empty():
            visits = visits.filter(site__in=sites)
        return visits_export(visits, fmt)
    # Operators and production belong to a country even without a site: the country filter
    # applies to them directly, the other filters through their sites.
    country = SiteFilters(country=filters.country)
    others = SiteFilters(**{**vars(filters), "country": ""})
    if kind == "operators":
        operators = Operator.objects.all()
        if filters.country:
            operators = operators.filter(country__in=_countries(country))
        if not others.is_empty():
            operators = operators.filter(
                pk__in=Operator.sites.through.objects.filter(site__in=sites).values("operator_id")
            )
        return operators_export(operators, fmt)
    if kind == "production":
        records = ProductionRecord.objects.all()
        if filters.country:
            records = records.filter(country__in=_countries(country))
        if not others.is_empty():
            records = records.filter(site__in=sites)
        return production_export(records, fmt)
    raise ExportError(_("Unknown export %(kind)s.") % {"kind": kind})
