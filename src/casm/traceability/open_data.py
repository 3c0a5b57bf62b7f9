"""The chain of custody's open data: public aggregates anyone may read and download.

- production by mine site, year and mineral: the lots tagged at each site (their number and
  mass), beside the workers its latest census counted — a count of people, so a site that
  counted fewer than five shows none (``indicators.selectors.people_cell``);
- exports by origin province: each exported lot's mass shared among the provinces of the sites
  its tree comes from, in proportion to what was produced there (one recursive query over
  every exported lot);
- red flags by country, year and kind: raised and closed.

No lot number, no actor, no person: the counts only. Incidents have their own public counts
(``casm.incidents``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import Cast, Coalesce, ExtractYear

from casm.core.countries import country_names
from casm.core.models import AdminArea, Commodity
from casm.core.tables import Table
from casm.indicators.selectors import people_cell

from .models import (
    FlagKind,
    FlagStatus,
    Lot,
    LotStatus,
    Operation,
    OperationKind,
    OperationStatus,
    RedFlag,
)

PRODUCTION_COLUMNS = [
    "country", "site_code", "site_name", "province", "year", "mineral", "lots", "mass_kg",
    "workers",
]  # fmt: skip
EXPORT_COLUMNS = ["country", "year", "origin_province", "mineral", "exports", "mass_kg"]
FLAG_COLUMNS = ["country", "year", "kind", "kind_label", "raised", "closed"]
THOUSANDTH = Decimal("0.001")


# --- Production by mine site -----------------------------------------------------------------


def production_by_site(filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """The lots produced at each site by year (of sealing) and mineral, with their mass."""
    filters = filters or {}
    lots = Lot.objects.filter(site__isnull=False).annotate(
        year=ExtractYear(Coalesce("sealed_on", Cast("created_at", DateField())))
    )
    if filters.get("country"):
        lots = lots.filter(country=filters["country"])
    if filters.get("year"):
        lots = lots.filter(year=filters["year"])
    if filters.get("mineral"):
        lots = lots.filter(commodity=filters["mineral"])
    return (
        lots.values(
            "country__alpha2", "site__code", "site__name", "site__admin1", "site__area1__name",
            "site__workers", "year", "commodity__code",
        )
        .annotate(lots=Count("pk"), mass_total=Sum("mass_kg"))
        .order_by("-year", "country__alpha2", "site__code", "commodity__code")
    )  # fmt: skip


def production_rows(rows: Any) -> list[dict[str, Any]]:
    """The rows as published: the workers of a site that counted fewer than five left out."""
    names = country_names()
    return [
        {
            "country": row["country__alpha2"],
            "country_name": names.get(row["country__alpha2"], row["country__alpha2"]),
            "site_code": row["site__code"],
            "site_name": row["site__name"],
            "province": row["site__area1__name"] or row["site__admin1"] or "",
            "year": row["year"],
            "mineral": row["commodity__code"],
            "lots": row["lots"],
            "mass_kg": Decimal(row["mass_total"] or 0).quantize(THOUSANDTH),
            "workers": people_cell(row["site__workers"])["value"],
        }  # fmt: skip
        for row in rows
    ]


# --- Exports by origin province --------------------------------------------------------------

LOT, SITE = Lot._meta.db_table, Lot._meta.get_field("site").related_model._meta.db_table  # type: ignore[union-attr]
OPERATION = Operation._meta.db_table
# Every lot upstream of each exported lot, with the exported lot it leads to; then the lots
# produced at a site among them, summed by the site's province (its area, else the name the
# record states).
ORIGINS = (
    f"WITH RECURSIVE up(root, id) AS ("  # noqa: S608
    f"SELECT l.id, l.id FROM {LOT} l JOIN {OPERATION} o ON o.id = l.consumed_by_id "
    f"WHERE l.status = %s AND o.kind = %s AND o.id IN ({{operations}}) UNION "
    f"SELECT up.root, p.id FROM up JOIN {LOT} c ON c.id = up.id "
    f"JOIN {LOT} p ON p.consumed_by_id = c.made_by_id) "
    f"SELECT up.root, s.area1_id, s.admin1, SUM(p.mass_kg) FROM up "
    f"JOIN {LOT} p ON p.id = up.id JOIN {SITE} s ON s.id = p.site_id "
    f"GROUP BY up.root, s.area1_id, s.admin1"
)


@dataclass(frozen=True)
class ExportShare:
    country: str
    country_name: str
    year: int
    origin_province: str
    mineral: str
    exports: int
    mass_kg: Decimal


def exports_by_province(filters: dict[str, Any] | None = None) -> list[ExportShare]:
    """Each exported lot's mass shared among the provinces its tree was produced in, in
    proportion to the mass produced there, summed by country, year of export, province and
    mineral."""
    filters = filters or {}
    exports = Operation.objects.filter(kind=OperationKind.EXPORT, status=OperationStatus.DONE)
    if filters.get("country"):
        exports = exports.filter(country=filters["country"])
    if filters.get("year"):
        exports = exports.filter(at__year=filters["year"])
    roots = {
        lot.pk: lot
        for lot in Lot.objects.filter(
            status=LotStatus.EXPORTED, consumed_by__in=exports.values("pk")
        ).select_related("consumed_by", "commodity", "country")
        if not filters.get("mineral") or lot.commodity_id == filters["mineral"].pk
    }
    if not roots:
        return []
    operation_ids = sorted({lot.consumed_by_id or 0 for lot in roots.values()})
    sql = ORIGINS.replace("{operations}", ", ".join(["%s"] * len(operation_ids)))
    produced: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    area_ids: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, [LotStatus.EXPORTED, OperationKind.EXPORT, *operation_ids])
        fetched = cursor.fetchall()
    for _root, area_id, _admin1, _mass in fetched:
        if area_id:
            area_ids.add(area_id)
    areas = dict(AdminArea.objects.filter(pk__in=sorted(area_ids)).values_list("pk", "name"))
    for root, area_id, admin1, mass in fetched:
        province = areas.get(area_id) or admin1 or ""
        produced[root][province] += Decimal(mass or 0)
    names = country_names()
    totals: dict[tuple[str, int, str, str], list[Any]] = {}
    for root, provinces in produced.items():
        lot = roots.get(root)
        whole = sum(provinces.values(), Decimal(0))
        if lot is None or lot.consumed_by is None or not whole:
            continue
        for province, mass in provinces.items():
            key = (lot.country.alpha2, lot.consumed_by.at.year, province, lot.commodity.code)
            entry = totals.setdefault(key, [0, Decimal(0)])
            entry[0] += 1
            entry[1] += lot.mass_kg * mass / whole
    return [
        ExportShare(
            country=country,
            country_name=names.get(country, country),
            year=year,
            origin_province=province,
            mineral=mineral,
            exports=count,
            mass_kg=mass.quantize(THOUSANDTH),
        )  # fmt: skip
        for (country, year, province, mineral), (count, mass) in sorted(
            totals.items(), key=lambda item: (-item[0][1], item[0][0], item[0][2], item[0][3])
        )
    ]


# --- Red flags by kind -----------------------------------------------------------------------


def flags_by_kind(filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """Red flags raised and closed by country, year raised and kind."""
    filters = filters or {}
    flags = RedFlag.objects.annotate(year=ExtractYear("raised_at"))
    if filters.get("country"):
        flags = flags.filter(country=filters["country"])
    if filters.get("year"):
        flags = flags.filter(year=filters["year"])
    return (
        flags.values("country__alpha2", "year", "kind")
        .annotate(raised=Count("pk"), closed=Count("pk", filter=Q(status=FlagStatus.CLOSED)))
        .order_by("-year", "country__alpha2", "kind")
    )


def flag_rows(rows: Any) -> list[dict[str, Any]]:
    names = country_names()
    labels = dict(FlagKind.choices)
    return [
        {"country": row["country__alpha2"],
         "country_name": names.get(row["country__alpha2"], row["country__alpha2"]),
         "year": row["year"],
         "kind": row["kind"], "kind_label": str(labels.get(row["kind"], row["kind"])),
         "raised": row["raised"], "closed": row["closed"]}
        for row in rows
    ]  # fmt: skip


# --- As tables -------------------------------------------------------------------------------


def open_data_table(name: str, filters: dict[str, Any]) -> Table:
    """One of the three aggregates as a table for the core writers (``production``,
    ``exports`` or ``flags``); an unknown name is a KeyError."""

    def production() -> Iterator[dict[str, Any]]:
        yield from production_rows(production_by_site(filters).iterator())

    def exports() -> Iterator[dict[str, Any]]:
        for share in exports_by_province(filters):
            yield share.__dict__

    def flags() -> Iterator[dict[str, Any]]:
        yield from flag_rows(flags_by_kind(filters))

    readers = {
        "production": (PRODUCTION_COLUMNS, production),
        "exports": (EXPORT_COLUMNS, exports),
        "flags": (FLAG_COLUMNS, flags),
    }
    columns, rows = readers[name]
    return Table(name=f"chain-{name}", columns=columns, rows=rows)


def open_data_years() -> list[int]:
    """The years the aggregates have, newest first."""
    years = set(
        Lot.objects.filter(site__isnull=False)
        .annotate(year=ExtractYear(Coalesce("sealed_on", Cast("created_at", DateField()))))
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    years |= set(
        RedFlag.objects.annotate(year=ExtractYear("raised_at"))
        .order_by()
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted((y for y in years if y), reverse=True)


def minerals_produced() -> QuerySet[Commodity]:
    return Commodity.objects.filter(
        pk__in=Lot.objects.filter(site__isnull=False).values("commodity")
    ).distinct()
