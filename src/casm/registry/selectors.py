"""Reads of the registry, always through scope; the public reads return public fields only.

Sites are public in outline (where they are, what is mined, their statuses); everything about
people (visits' head counts per site, operators' contacts, miners) stays within scope.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from casm.core import permissions
from casm.core.models import AdminArea, Commodity, Country
from casm.core.permissions import get_in_scope_or_404, scope_queryset
from casm.registry.models import (
    Miner,
    Operator,
    ProductionRecord,
    Site,
    SiteFootprint,
    SiteVisit,
)

# What anyone may see of a site.
PUBLIC_SITE_FIELDS = (
    "id",
    "code",
    "name",
    "other_names",
    "country__alpha2",
    "admin1",
    "admin2",
    "admin3",
    "admin4",
    "latitude",
    "longitude",
    "activity_status",
    "legal_status",
    "certification_status",
    "certification_valid_until",
    "first_visit",
    "last_visit",
    "children_present",
    "armed_presence",
    "mercury_use",
)


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "oui"}:
        return True
    if text in {"0", "false", "no", "off", "non"}:
        return False
    return None


@dataclass
class SiteFilters:
    """The filters of the site list, the map, the exports and the API, all alike."""

    country: str = ""  # ISO alpha-2 or alpha-3
    admin1: str = ""
    area: str = ""  # the official code of an administrative area, of any level
    commodity: str = ""  # commodity code
    legal_status: str = ""
    certification_status: str = ""
    activity_status: str = ""
    children_present: bool | None = None
    armed_presence: bool | None = None
    mercury_use: bool | None = None
    duplicates: bool | None = None  # only sites flagged as possible duplicates
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SiteFilters:
        values: dict[str, Any] = {}
        for field in fields(cls):
            raw = params.get(field.name)
            if raw in (None, ""):
                continue
            if field.type == "bool | None":
                values[field.name] = _boolean(raw)
            else:
                values[field.name] = str(raw).strip()[:200]
        return cls(**values)

    def as_params(self) -> dict[str, str]:
        out = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value not in (None, ""):
                out[field.name] = ("1" if value else "0") if isinstance(value, bool) else value
        return out

    def is_empty(self) -> bool:
        return not self.as_params()


def country_by_code(code: str) -> Country | None:
    code = code.strip().upper()
    if len(code) == 2:
        return Country.objects.filter(alpha2=code).first()
    if len(code) == 3:
        return Country.objects.filter(alpha3=code).first()
    return None


def area_choices(country_code: str) -> list[tuple[str, str]]:
    """The (code, label) of a country's provinces, each followed by its districts (marked
    with a dash), for the area filter; none for no country or a country without areas."""
    code = country_code.strip().upper()
    if not code:
        return []
    country = Q(country__alpha2=code) if len(code) == 2 else Q(country__alpha3=code)
    areas = AdminArea.objects.filter(country, level__lte=2).order_by("level", "name")
    children: dict[int | None, list[AdminArea]] = {}
    for area in areas.only("pk", "code", "name", "level", "parent"):
        children.setdefault(area.parent_id if area.level > 1 else None, []).append(area)
    choices: list[tuple[str, str]] = []
    for province in children.get(None, []):
        choices.append((province.code, province.name))
        choices += [(d.code, f"— {d.name}") for d in children.get(province.pk, [])]
    return choices


def site_filter(queryset: QuerySet[Site], filters: SiteFilters) -> QuerySet[Site]:
    if filters.country:
        code = filters.country.upper()
        queryset = queryset.filter(
            Q(country__alpha2=code) if len(code) == 2 else Q(country__alpha3=code)
        )
    if filters.admin1:
        queryset = queryset.filter(admin1__iexact=filters.admin1)
    if filters.area:
        code = filters.area
        queryset = queryset.filter(Q(area1__code=code) | Q(area2__code=code) | Q(area3__code=code))
    if filters.commodity:
        queryset = queryset.filter(
            pk__in=Site.commodities.through.objects.filter(
                commodity__code=filters.commodity
            ).values("site_id")
        )
    for name in ("legal_status", "certification_status", "activity_status"):
        value = getattr(filters, name)
        if value:
            queryset = queryset.filter(**{name: value})
    for name in ("children_present", "armed_presence", "mercury_use"):
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{name: value})
    if filters.duplicates:
        queryset = queryset.filter(duplicate_of__isnull=False)
    if filters.q:
        queryset = queryset.filter(
            Q(name__icontains=filters.q) | Q(code__icontains=filters.q)
            | Q(other_names__icontains=filters.q)
        )  # fmt: skip
    return queryset


def site_list(*, user: Any, filters: SiteFilters | None = None) -> QuerySet[Site]:
    """The sites ``user`` may work with, filtered, with their country and commodities."""
    queryset = scope_queryset(Site.objects.all(), user, "registry.view")
    queryset = site_filter(queryset, filters or SiteFilters())
    return queryset.select_related("country", "duplicate_of").prefetch_related(
        Prefetch("commodities", queryset=Commodity.objects.order_by("code"))
    )


def public_site_list(*, filters: SiteFilters | None = None) -> QuerySet[Site]:
    """Every site, filtered; callers read only :data:`PUBLIC_SITE_FIELDS` from it."""
    queryset = site_filter(Site.objects.all(), filters or SiteFilters())
    return queryset.select_related("country").prefetch_related(
        Prefetch("commodities", queryset=Commodity.objects.order_by("code"))
    )


def site_commodity_codes(site_ids: list[int]) -> dict[int, list[str]]:
    """site id → its commodity codes, in one query (for maps and exports)."""
    result: dict[int, list[str]] = {}
    rows = Site.commodities.through.objects.filter(site_id__in=site_ids).values_list(
        "site_id", "commodity__code"
    )
    for site_id, code in rows:
        result.setdefault(site_id, []).append(code)
    return result


def site_get_for_user(*, user: Any, pk: Any) -> Site:
    return get_in_scope_or_404(
        Site.objects.select_related("country", "duplicate_of").prefetch_related("commodities"),
        user,
        pk,
        "registry.view",
    )


def site_visits(*, site: Site) -> QuerySet[SiteVisit]:
    return site.visits.order_by("-date", "-pk")


def site_footprints(*, site: Site) -> QuerySet[SiteFootprint]:
    """A site's footprint history, latest first (drawn on the site, or from its visits)."""
    return site.footprints.select_related("visit").order_by("-observed_on", "-pk")


def site_production(*, site: Site) -> QuerySet[ProductionRecord]:
    return site.production.select_related("commodity", "operator").order_by(
        "-year", "-period_number", "commodity__code"
    )


def site_can_edit(*, user: Any, site: Site | None = None, country: Country | None = None) -> bool:
    """Whether ``user`` may edit the registry of the site's (or the given) country."""
    if not (user and user.is_authenticated):
        return False
    return permissions.can(user, "registry.edit", country=site.country_id if site else country)


def visit_list(
    *,
    user: Any,
    site_filters: SiteFilters | None = None,
    site: Any = None,
    date_from: Any = None,
    date_to: Any = None,
) -> QuerySet[SiteVisit]:
    queryset = scope_queryset(SiteVisit.objects.all(), user, "registry.view")
    if site_filters is not None and not site_filters.is_empty():
        queryset = queryset.filter(site__in=site_filter(Site.objects.all(), site_filters))
    if site is not None:
        queryset = queryset.filter(site_id=site)
    if date_from is not None:
        queryset = queryset.filter(date__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(date__lte=date_to)
    return queryset.select_related("site", "country").order_by("-date", "-pk")


def visit_get_for_user(*, user: Any, pk: Any) -> SiteVisit:
    return get_in_scope_or_404(
        SiteVisit.objects.select_related("site", "country"), user, pk, "registry.view"
    )


def operator_list(*, user: Any, country: str = "", kind: str = "", q: str = "") -> QuerySet:
    queryset = scope_queryset(Operator.objects.all(), user, "registry.view")
    if country:
        found = country_by_code(country)
        queryset = queryset.filter(country=found) if found else queryset.none()
    if kind:
        queryset = queryset.filter(kind=kind)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(registration_number__icontains=q))
    return (
        queryset.select_related("country")
        .annotate(
            site_count=Count("sites", distinct=True), miner_count=Count("miners", distinct=True)
        )
        .order_by("name", "pk")
    )


def operator_get_for_user(*, user: Any, pk: Any) -> Operator:
    return get_in_scope_or_404(
        Operator.objects.select_related("country").prefetch_related("sites"),
        user,
        pk,
        "registry.view",
    )


def miner_list(*, user: Any, country: str = "", operator: Any = None, q: str = "") -> QuerySet:
    queryset = scope_queryset(Miner.objects.all(), user, "registry.view")
    if country:
        found = country_by_code(country)
        queryset = queryset.filter(country=found) if found else queryset.none()
    if operator:
        queryset = queryset.filter(operator_id=operator)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(id_number__icontains=q))
    return queryset.select_related("country", "operator")


def miner_get_for_user(*, user: Any, pk: Any) -> Miner:
    return get_in_scope_or_404(
        Miner.objects.select_related("country", "operator").prefetch_related("sites"),
        user,
        pk,
        "registry.view",
    )


def production_list(
    *, user: Any, country: str = "", commodity: str = "", year: int | None = None, site: Any = None
) -> QuerySet[ProductionRecord]:
    queryset = scope_queryset(ProductionRecord.objects.all(), user, "registry.view")
    if country:
        found = country_by_code(country)
        queryset = queryset.filter(country=found) if found else queryset.none()
    if commodity:
        queryset = queryset.filter(commodity__code=commodity)
    if year:
        queryset = queryset.filter(year=year)
    if site:
        queryset = queryset.filter(site_id=site)
    return queryset.select_related("country", "commodity", "site", "operator")


def production_get_for_user(*, user: Any, pk: Any) -> ProductionRecord:
    return get_in_scope_or_404(
        ProductionRecord.objects.select_related("country", "commodity", "site", "operator"),
        user,
        pk,
        "registry.view",
    )


# --- Map clusters ----------------------------------------------------------------------------


def site_clusters(
    queryset: QuerySet[Site],
    *,
    zoom: int,
    bbox: tuple[float, float, float, float] | None = None,
    detail_below: int = 400,
) -> dict[str, Any]:
    """Sites grouped on a grid that gets finer with the zoom, counted by the database.

    Returns a GeoJSON FeatureCollection: single sites as points with their public fields,
    groups as points with a ``count``. With few enough sites in view, all come one by one.
    """
    if bbox is not None:
        west, south, east, north = bbox
        queryset = queryset.filter(latitude__gte=south, latitude__lte=north)
        if west <= east:
            queryset = queryset.filter(longitude__gte=west, longitude__lte=east)
    total = queryset.count()
    features: list[dict[str, Any]] = []
    if total <= detail_below:
        rows = list(
            queryset.values_list(
                "pk", "code", "name", "latitude", "longitude", "legal_status",
                "certification_status",
            )
        )  # fmt: skip
        for pk, code, name, lat, lon, legal, certification in rows:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                    "properties": {
                        "id": pk,
                        "code": code,
                        "name": name,
                        "legal_status": legal,
                        "certification_status": certification,
                    },
                }
            )
        return {"type": "FeatureCollection", "total": total, "features": features}
    # A cell of about 60 screen pixels at this zoom (256-pixel tiles).
    cell = 360.0 / (2 ** max(0, min(zoom, 18))) * 60 / 256
    from django.db.models import Avg, F
    from django.db.models.functions import Floor

    cells = (
        queryset.annotate(
            gx=Floor(F("longitude") / cell),
            gy=Floor(F("latitude") / cell),
        )
        .values("gx", "gy")
        .annotate(count=Count("pk"), lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by()
    )
    for row in cells:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row["lon"], 4), round(row["lat"], 4)],
                },
                "properties": {"count": row["count"]},
            }
        )
    return {"type": "FeatureCollection", "total": total, "features": features}


def site_clusters_cached(
    *, filters: SiteFilters, zoom: int, bbox: tuple[float, float, float, float] | None
) -> dict[str, Any]:
    """:func:`site_clusters` of the public site list, cached while the country's data stays
    the same. The box is widened to whole grid cells so that small pans share an answer."""
    from django.core.cache import cache

    from casm.registry.services import registry_version

    country = country_by_code(filters.country) if filters.country else None
    if country is None:
        return site_clusters(public_site_list(filters=filters), zoom=zoom, bbox=bbox)
    if bbox is not None:
        cell = 360.0 / (2 ** max(0, min(zoom, 18))) * 60 / 256
        west, south, east, north = bbox
        bbox = (
            max(-180.0, math.floor(west / cell) * cell),
            max(-90.0, math.floor(south / cell) * cell),
            min(180.0, math.ceil(east / cell) * cell),
            min(90.0, math.ceil(north / cell) * cell),
        )
    key = (
        "registry:clusters:"
        + hashlib.sha256(
            repr((registry_version(country.pk), filters.as_params(), zoom, bbox)).encode()
        ).hexdigest()
    )
    data = cache.get(key)
    if data is None:
        data = site_clusters(public_site_list(filters=filters), zoom=zoom, bbox=bbox)
        cache.set(key, data, 3600)
    return data


# The map draws footprints from this zoom on (a site is a few hundred metres across), and at
# most this many at once.
FOOTPRINT_MIN_ZOOM = 13
FOOTPRINT_LIMIT = 500


def site_footprints_in_view(
    sites: QuerySet[Site], bbox: tuple[float, float, float, float]
) -> dict[str, Any]:
    """The current footprints of ``sites`` whose box meets ``bbox`` (through the spatial index),
    as a GeoJSON FeatureCollection with each site's id, code and name; ``truncated`` says when
    more were in view than are drawn."""
    from casm.core.spatial import bbox_filter

    entries = bbox_filter(SiteFootprint.objects.filter(current=True, site__in=sites), bbox)
    rows = list(
        entries.order_by("pk").values_list("site_id", "site__code", "site__name", "geometry")[
            : FOOTPRINT_LIMIT + 1
        ]
    )
    features = [
        {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"id": site_id, "code": code, "name": name},
        }
        for site_id, code, name, geometry in rows[:FOOTPRINT_LIMIT]
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "truncated": len(rows) > FOOTPRINT_LIMIT,
    }


def bbox_from_param(value: str) -> tuple[float, float, float, float] | None:
    """``west,south,east,north`` in degrees, or None when absent or unreadable."""
    try:
        parts = [float(part) for part in value.split(",")]
    except (AttributeError, ValueError):
        return None
    if len(parts) != 4 or not all(math.isfinite(part) for part in parts):
        return None
    west, south, east, north = parts
    return max(-180, west), max(-90, south), min(180, east), min(90, north)
