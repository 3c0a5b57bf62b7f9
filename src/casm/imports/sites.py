"""The sites of a country held in memory during an import, to match rows to sites fast."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from casm.core.models import Country
from casm.registry import validation
from casm.registry.models import Site, SiteVisit

GRID_DEGREES = 0.005


@dataclass(eq=False)
class SiteRef:
    pk: int | None
    code: str
    name: str
    key: str
    latitude: float
    longitude: float
    new: dict[str, Any] | None = None  # the fields of a site this import creates
    duplicate: SiteRef | None = None
    # For the site's current figures: dates and the latest reached visit of this import.
    first: str | None = None
    last: str | None = None
    latest: tuple | None = None
    # Written with the site's row (PostgreSQL): no UPDATE of its figures after.
    figures_written: bool = False


class CountryIndex:
    """The sites of one country, by code and on a grid, for matching rows to sites fast."""

    def __init__(self, country: Country) -> None:
        self.country = country
        self.by_code: dict[str, SiteRef] = {}
        self.grid: dict[tuple[int, int], list[SiteRef]] = {}
        rows = Site.objects.filter(country=country).values_list(
            "pk", "code", "name", "latitude", "longitude"
        )
        for pk, code, name, latitude, longitude in rows.iterator(chunk_size=5000):
            self.add(SiteRef(pk, code, name, validation.name_key(name), latitude, longitude))
        self.next_number = len(self.by_code) + 1

    def add(self, ref: SiteRef) -> None:
        self.by_code[ref.code] = ref
        cell = (math.floor(ref.latitude / GRID_DEGREES), math.floor(ref.longitude / GRID_DEGREES))
        self.grid.setdefault(cell, []).append(ref)

    def near(self, latitude: float, longitude: float) -> Iterator[SiteRef]:
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
