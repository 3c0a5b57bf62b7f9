"""A small registry for the profile tests: three sites of DR Congo with visits and production."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from casm.core.models import Commodity, Country
from casm.registry import services

# name, latitude, longitude, commodity, legal status, visit counts, mercury, armed
CONGO_SITES: list[tuple[Any, ...]] = [
    ("Kamituga", -3.06, 28.18, "gold", "licensed",
     {"workers": 120, "men": 70, "women": 40, "boys_under_15": 4, "girls_under_15": 2,
      "boys_15_17": 2, "girls_15_17": 2}, True, False),
    ("Lugushwa", -3.33, 27.87, "gold", "informal",
     {"workers": 60, "men": 45, "women": 15, "boys_under_15": 0, "girls_under_15": 0,
      "boys_15_17": 0, "girls_15_17": 0}, False, True),
    ("Bisie", -1.02, 27.75, "tin", "asm_zone",
     {"workers": 30, "men": 30, "women": 0}, None, False),
]  # fmt: skip


def make_congo_registry() -> dict[str, Any]:
    """Register the sites, one visit each, and gold and tin production for 2022 and 2023."""
    congo = Country.objects.get(alpha2="CD")
    commodities = {c.code: c for c in Commodity.objects.filter(code__in=["gold", "tin"])}
    sites = {}
    for name, lat, lon, commodity, legal, counts, mercury, armed in CONGO_SITES:
        site = services.site_create(
            actor=None,
            country=congo,
            name=name,
            latitude=lat,
            longitude=lon,
            commodities=[commodities[commodity]],
            legal_status=legal,
            source="IPIS census 2023",
        )
        services.site_visit_record(
            actor=None,
            site=site,
            date=datetime.date(2023, 6, 1),
            mercury_use=mercury,
            armed_presence=armed,
            **counts,
        )
        sites[name] = site
    for year, grams in ((2022, "1500"), (2023, "2500")):
        services.production_record_create(
            actor=None,
            site=sites["Kamituga"],
            commodity=commodities["gold"],
            period="year",
            year=year,
            quantity=Decimal(grams),
            unit="g",
            source="Provincial mining division",
        )
    services.production_record_create(
        actor=None,
        site=sites["Bisie"],
        commodity=commodities["tin"],
        period="year",
        year=2023,
        quantity=Decimal("3"),
        unit="t",
        source="Provincial mining division",
    )
    return sites
