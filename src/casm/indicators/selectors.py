"""Reads of the indicators app: the figures of the country profiles and the world ranking.

A profile is computed from the registry in a few grouped queries and cached under the country's
registry version (and the language), so it is read from the cache until the registry changes
and reflects an import as soon as the importer bumps the version. The workforce estimates are
read on every request: they are few and are not registry data.

Aggregates only: a cell counting fewer than ``SUPPRESS_BELOW`` people is replaced by a
suppressed cell (value None) before anything is cached, so no public output can show it.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Floor
from django.utils.translation import get_language

from casm.core import permissions
from casm.core.models import Commodity, Country
from casm.indicators.maps import country_bbox
from casm.indicators.models import WorkforceEstimate
from casm.registry.models import LegalStatus, ProductionRecord, Site, SiteVisit
from casm.registry.services import registry_version

SUPPRESS_BELOW = 5
# Up to this many sites the map shows each one; above, a grid of at most GRID_CELLS² cells.
MAP_POINTS_UP_TO = 2000
GRID_CELLS = 60
CACHE_SECONDS = 7 * 24 * 3600
FORMAL_STATUSES = (LegalStatus.LICENSED, LegalStatus.ASM_ZONE)
REGISTRY_SOURCE_LIMIT = 10


def country_for_profile(code: str) -> Country | None:
    """The country with ISO alpha-2 ``code`` (any case), or None."""
    code = (code or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        return None
    return Country.objects.filter(alpha2=code).first()


# --- Workforce estimates -------------------------------------------------------------------


def workforce_estimate_list(*, country: Country | None = None, world: bool = False) -> QuerySet:
    """Estimates of one country (or of the world with ``world=True``), best first."""
    estimates = WorkforceEstimate.objects.select_related("country")
    if world:
        return estimates.filter(country__isnull=True).order_by("year", "pk")
    if country is not None:
        return estimates.filter(country=country).order_by("-is_best", "-year", "pk")
    return estimates.order_by("country__alpha2", "-is_best", "-year", "pk")


def estimate_countries_for_user(user: Any) -> QuerySet[Country] | None:
    """The countries whose estimates ``user`` may edit (all for administrators), None if none."""
    if not permissions.can(user, "estimates.edit"):
        return None
    ids = permissions.country_ids_for(user, "estimates.edit")
    return Country.objects.all() if ids is None else Country.objects.filter(pk__in=ids)


def estimate_can_edit(user: Any, country: Country | None) -> bool:
    """Whether ``user`` may add or change estimates of ``country`` (None: the world)."""
    if country is None:
        return permissions.is_administrator(user)
    return permissions.can(user, "estimates.edit", country=country)


def workforce_estimate_get(pk: Any) -> WorkforceEstimate | None:
    try:
        return WorkforceEstimate.objects.select_related("country").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def estimate_as_dict(estimate: WorkforceEstimate) -> dict[str, Any]:
    return {
        "id": estimate.pk,
        "country": estimate.country.alpha2 if estimate.country else None,
        "year": estimate.year,
        "value": estimate.value,
        "low": estimate.low,
        "high": estimate.high,
        "is_best": estimate.is_best,
        "source": estimate.source,
        "source_url": estimate.source_url,
        "note": estimate.note,
    }


def workforce_ranking() -> list[dict[str, Any]]:
    """Countries by their best estimate of the ASM workforce, largest first, with the source."""
    rows = []
    best = WorkforceEstimate.objects.filter(is_best=True, country__isnull=False)
    for estimate in best.select_related("country"):
        country = estimate.country
        assert country is not None
        rows.append(
            {
                "rank": 0,
                "alpha2": country.alpha2,
                "alpha3": country.alpha3,
                "name": country.name,
                "headline": estimate.headline,
                **estimate_as_dict(estimate),
            }
        )
    rows.sort(key=lambda row: (-(row["headline"] or 0), row["name"]))
    for number, row in enumerate(rows, start=1):
        row["rank"] = number
    return rows


def world_series() -> list[dict[str, Any]]:
    """Every world estimate, oldest first."""
    return [estimate_as_dict(e) for e in workforce_estimate_list(world=True)]


# --- Suppression ---------------------------------------------------------------------------


def people_cell(count: int | None, *, also_hide: bool = False) -> dict[str, Any]:
    """A public count of people: None and flagged when it counts fewer than 5 people.

    ``also_hide`` suppresses a cell whose complement is small (e.g. women when the men are 1 to
    4), since the complement could be worked out from it.
    """
    if count is None:
        return {"value": None, "suppressed": False}
    if count < SUPPRESS_BELOW or also_hide:
        return {"value": None, "suppressed": True}
    return {"value": int(count), "suppressed": False}


def share_cell(part: int | None, whole: int | None, *, part_cell: dict[str, Any]) -> dict:
    """A percentage of people, suppressed with the count it is made of."""
    if part_cell["suppressed"]:
        return {"value": None, "suppressed": True}
    if part is None or not whole:
        return {"value": None, "suppressed": False}
    return {"value": round(100.0 * part / whole, 1), "suppressed": False}


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# --- The profile ---------------------------------------------------------------------------


# A source that is a file's name is never published ("census.csv" says who uploaded what).
FILE_NAME_PATTERN = r"\.(csv|tsv|txt|xlsx|xls|zip|geojson|json)$"


def _profile_key(country_id: int, version: int, language: str) -> str:
    return f"indicators:profile:{country_id}:{version}:{language}"


def country_profile(country: Country) -> dict[str, Any]:
    """Every figure of the country's profile (registry aggregates and estimates), as plain data.

    The registry part comes from the cache while the country's registry version is unchanged.
    """
    language = (get_language() or "en")[:2]
    version = registry_version(country.pk)
    key = _profile_key(country.pk, version, language)
    figures = cache.get(key)
    if figures is None:
        figures = registry_figures(country)
        figures["registry_version"] = version
        cache.set(key, figures, CACHE_SECONDS)
    return {
        "country": {"alpha2": country.alpha2, "alpha3": country.alpha3, "name": country.name},
        "estimates": [estimate_as_dict(e) for e in workforce_estimate_list(country=country)],
        **figures,
    }


def registry_figures(country: Country) -> dict[str, Any]:
    """The registry's aggregates for one country, computed in a few grouped queries."""
    sites = Site.objects.filter(country=country).order_by()
    statuses = list(LegalStatus)
    totals = sites.aggregate(
        total=Count("pk"),
        counted_sites=Count("pk", filter=Q(workers__isnull=False)),
        workers_sum=Sum("workers"),
        women_sum=Sum("women", filter=Q(workers__isnull=False)),
        women_base=Sum("workers", filter=Q(women__isnull=False)),
        children_sum=Sum("children", filter=Q(workers__isnull=False)),
        children_base=Sum("workers", filter=Q(children__isnull=False)),
        mercury_known=Count("pk", filter=Q(mercury_use__isnull=False)),
        mercury_yes=Count("pk", filter=Q(mercury_use=True)),
        armed_known=Count("pk", filter=Q(armed_presence__isnull=False)),
        armed_yes=Count("pk", filter=Q(armed_presence=True)),
        first_visit=Min("first_visit"),
        last_visit=Max("last_visit"),
        **{f"legal_{s.value}": Count("pk", filter=Q(legal_status=s.value)) for s in statuses},
    )
    total = totals["total"]

    by_legal = [
        {"status": s.value, "label": str(s.label), "sites": totals[f"legal_{s.value}"]}
        for s in statuses
    ]
    known_legal = sum(row["sites"] for row in by_legal if row["status"] != LegalStatus.UNKNOWN)
    formal = sum(row["sites"] for row in by_legal if row["status"] in FORMAL_STATUSES)
    # Where the country has a mining cadastre, the rate is read from it (each site's standing,
    # derived from where it lies), not from what the census stated.
    from casm.licensing.models import SiteStanding

    standings = SiteStanding.objects.filter(site__country=country).aggregate(
        known=Count("pk"), formal=Count("pk", filter=Q(status__in=FORMAL_STATUSES))
    )
    formalization_source = "census"
    if standings["known"]:
        known_legal, formal = standings["known"], standings["formal"]
        formalization_source = "cadastre"

    commodities = {c.pk: c for c in Commodity.objects.all()}
    through = Site.commodities.through.objects.filter(site__country=country)
    by_commodity = [
        {"code": commodities[row["commodity_id"]].code,
         "name": commodities[row["commodity_id"]].name, "sites": row["n"]}
        for row in through.values("commodity_id").annotate(n=Count("site_id")).order_by()
    ]  # fmt: skip
    by_commodity.sort(key=lambda row: (-row["sites"], row["name"]))
    # Sites (never people) by province, where the country's areas are imported.
    by_area = [
        {"code": row["area1__code"], "name": row["area1__name"], "sites": row["n"]}
        for row in sites.filter(area1__isnull=False)
        .values("area1__code", "area1__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "area1__name")
    ]

    workers = people_cell(totals["workers_sum"])
    women_base, women = totals["women_base"], totals["women_sum"]
    women_cell = people_cell(
        women,
        also_hide=workers["suppressed"]
        or (women_base is not None and women is not None and 0 < women_base - women < 5),
    )
    children_cell = people_cell(totals["children_sum"], also_hide=workers["suppressed"])
    people = {
        "sites_counted": totals["counted_sites"],
        "workers": workers,
        "women": women_cell,
        "women_share": share_cell(women, women_base, part_cell=women_cell),
        "children": children_cell,
        "children_share": share_cell(
            totals["children_sum"], totals["children_base"], part_cell=children_cell
        ),
    }

    production, production_sources = _production(country, commodities)
    visits = SiteVisit.objects.filter(country=country).order_by().aggregate(n=Count("pk"))["n"]
    registry_sources = [
        {"source": row["source"], "sites": row["n"]}
        for row in sites.exclude(source="")
        .exclude(source__iregex=FILE_NAME_PATTERN)  # older imports named their file
        .values("source")
        .annotate(n=Count("pk"))
        .order_by("-n", "source")[:REGISTRY_SOURCE_LIMIT]
    ]
    return {
        "sites": {
            "total": total,
            "visits": visits,
            "first_visit": totals["first_visit"].isoformat() if totals["first_visit"] else None,
            "last_visit": totals["last_visit"].isoformat() if totals["last_visit"] else None,
        },
        "sites_by_commodity": by_commodity,
        "sites_by_legal_status": by_legal,
        "sites_by_area": by_area,
        "sites_unplaced": total - sum(row["sites"] for row in by_area) if by_area else None,
        "people": people,
        "formalization": {"known": known_legal, "formal": formal,
                          "rate": _percent(formal, known_legal)},
        "formalization_source": formalization_source,
        "mercury": {"known": totals["mercury_known"], "yes": totals["mercury_yes"],
                    "share": _percent(totals["mercury_yes"], totals["mercury_known"])},
        "armed": {"known": totals["armed_known"], "yes": totals["armed_yes"],
                  "share": _percent(totals["armed_yes"], totals["armed_known"])},
        "production": production,
        "map": _site_map(sites, country, total),
        "registry_sources": registry_sources,
        "production_sources": production_sources,
    }  # fmt: skip


def _production(
    country: Country, commodities: dict[int, Commodity]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Quantities by commodity and year in each commodity's unit, and who reported them.

    One grouped query gives both, so the production table is read once.
    """
    rows = (
        ProductionRecord.objects.filter(country=country)
        .values("commodity_id", "year", "source")
        .annotate(quantity=Sum("quantity_base"), records=Count("pk"))
        .order_by()
    )
    series: dict[int, dict[int, dict[str, Any]]] = {}
    sources: dict[str, int] = {}
    for row in rows:
        years = series.setdefault(row["commodity_id"], {})
        year = years.setdefault(row["year"], {"year": row["year"], "quantity": 0.0, "records": 0})
        year["quantity"] += row["quantity"] or 0.0
        year["records"] += row["records"]
        if row["source"]:
            sources[row["source"]] = sources.get(row["source"], 0) + row["records"]
    out = []
    for commodity_id, by_year in series.items():
        commodity = commodities[commodity_id]
        years_list = [by_year[year] for year in sorted(by_year)]
        out.append(
            {
                "code": commodity.code,
                "name": commodity.name,
                "unit": commodity.unit,
                "years": years_list,
                "total": sum(item["quantity"] for item in years_list),
            }
        )
    out.sort(key=lambda item: (-sum(year["records"] for year in item["years"]), item["name"]))
    top_sources = sorted(sources.items(), key=lambda item: (-item[1], item[0]))
    production_sources = [
        {"source": source, "records": records}
        for source, records in top_sources[:REGISTRY_SOURCE_LIMIT]
    ]
    return out, production_sources


def _site_map(sites: QuerySet[Site], country: Country, total: int) -> dict[str, Any]:
    """The sites for the map: each point when few, else counts on a grid over the country."""
    bbox = country_bbox(country.alpha3)
    if bbox is None:
        extent = sites.aggregate(
            west=Min("longitude"), east=Max("longitude"),
            south=Min("latitude"), north=Max("latitude"),
        )  # fmt: skip
        if extent["west"] is None:
            return {"mode": "points", "bbox": None, "points": [], "cells": [], "cell": None}
        bbox = (extent["west"], extent["south"], extent["east"], extent["north"])
    west, south, east, north = bbox
    if total <= MAP_POINTS_UP_TO:
        points = [
            [round(lon, 4), round(lat, 4)]
            for lat, lon in sites.values_list("latitude", "longitude")
        ]
        return {"mode": "points", "bbox": list(bbox), "points": points, "cells": [], "cell": None}
    cell = max(east - west, north - south, 1e-6) / GRID_CELLS
    grid = (
        sites.annotate(
            gx=Floor((F("longitude") - west) / cell), gy=Floor((F("latitude") - south) / cell)
        )
        .values("gx", "gy")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, int], int] = {}
    for row in grid:
        # Sites kept outside the outline (with a reason) are drawn on its edge.
        gx = min(max(int(row["gx"]), 0), math.ceil((east - west) / cell) - 1)
        gy = min(max(int(row["gy"]), 0), math.ceil((north - south) / cell) - 1)
        counts[(gx, gy)] = counts.get((gx, gy), 0) + row["n"]
    cells = [[gx, gy, n] for (gx, gy), n in sorted(counts.items())]
    return {"mode": "grid", "bbox": list(bbox), "points": [], "cells": cells, "cell": cell}
