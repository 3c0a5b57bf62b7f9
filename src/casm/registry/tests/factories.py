"""Small factories for the registry tests.

Each record is made through its service by the system (no actor), so it is checked, placed in
its areas and audited as a real one would be. Countries are given by alpha-2 code.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from casm.core.models import Commodity, Country
from casm.registry import services
from casm.registry.models import Miner, Operator, ProductionRecord, Site, SiteVisit

LAST_YEAR = datetime.date.today().year - 1

# A point well inside each country used by the tests.
INSIDE = {"GH": (6.2, -1.7), "CD": (-2.5, 28.8), "TZ": (-3.4, 33.0), "RW": (-1.9641, 30.0619)}


def make_site(
    name: str = "Site",
    code: str = "GH",
    latitude: float | None = None,
    longitude: float | None = None,
    **extra: Any,
) -> Site:
    lat, lon = INSIDE.get(code, (0.0, 0.0))
    return services.site_create(
        actor=None,
        country=Country.objects.get(alpha2=code),
        name=name,
        latitude=lat if latitude is None else latitude,
        longitude=lon if longitude is None else longitude,
        **extra,
    )


def make_visit(site: Site, date: datetime.date | None = None, **extra: Any) -> SiteVisit:
    """A visit to the site on 1 March last year unless a date is given."""
    when = date or datetime.date(LAST_YEAR, 3, 1)
    return services.site_visit_record(actor=None, site=site, date=when, **extra)


def make_operator(
    name: str = "Prestea Diggers", code: str = "GH", kind: str = "cooperative", **extra: Any
) -> Operator:
    return services.operator_create(
        actor=None, country=Country.objects.get(alpha2=code), kind=kind, name=name, **extra
    )


def make_miner(name: str = "Kwame Mensah", code: str = "GH", sex: str = "m", **extra: Any) -> Miner:
    return services.miner_create(
        actor=None, country=Country.objects.get(alpha2=code), name=name, sex=sex, **extra
    )


def make_production(
    commodity: Commodity | str = "gold",
    quantity: Decimal | int = 120,
    unit: str = "g",
    year: int = LAST_YEAR,
    period: str = "year",
    **extra: Any,
) -> ProductionRecord:
    """A production record of a site or an operator (pass `site=` or `operator=`)."""
    if isinstance(commodity, str):
        commodity = Commodity.objects.get(code=commodity)
    return services.production_record_create(
        actor=None,
        commodity=commodity,
        period=period,
        year=year,
        quantity=quantity,
        unit=unit,
        **extra,
    )
