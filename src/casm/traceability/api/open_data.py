"""The chain of custody's open data over the API, for anyone: production by mine site, exports
by origin province, red flags by kind (``casm.traceability.open_data``)."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from casm.core.api_types import CommodityCode, CountryCode
from casm.core.models import Commodity
from casm.core.pagination import LimitOffset, MappedRows
from casm.core.permissions import PUBLIC, endpoint
from casm.registry.selectors import country_by_code

from .. import open_data
from . import router


class OpenDataFilters(Schema):
    country: CountryCode | None = None
    year: int | None = Field(None, ge=1990, le=2200)
    mineral: CommodityCode | None = None


class SiteProductionOut(Schema):
    country: str
    site_code: str
    site_name: str
    province: str
    year: int
    mineral: str
    lots: int
    mass_kg: Decimal
    workers: int | None = Field(..., description="None when the census counted fewer than 5")


class ExportShareOut(Schema):
    country: str
    year: int
    origin_province: str
    mineral: str
    exports: int
    mass_kg: Decimal = Field(..., description="The exports' mass shared by what was produced")


class FlagCountOut(Schema):
    country: str
    year: int
    kind: str
    kind_label: str
    raised: int
    closed: int


def _filters(filters: OpenDataFilters) -> dict[str, Any]:
    wanted: dict[str, Any] = {"year": filters.year}
    if filters.country:
        wanted["country"] = country_by_code(filters.country)
    if filters.mineral:
        wanted["mineral"] = Commodity.objects.get(code=filters.mineral)
    return wanted


@router.get("/traceability/open-data/production", response=list[SiteProductionOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def open_production(request: HttpRequest, filters: Query[OpenDataFilters]):
    """The lots tagged at each mine site by year and mineral, with their mass."""
    return MappedRows(open_data.production_by_site(_filters(filters)), open_data.production_rows)


@router.get("/traceability/open-data/exports", response=list[ExportShareOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def open_exports(request: HttpRequest, filters: Query[OpenDataFilters]):
    """Exports by origin province: each exported lot's mass shared among its provinces."""
    return open_data.exports_by_province(_filters(filters))


@router.get("/traceability/open-data/flags", response=list[FlagCountOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def open_flags(request: HttpRequest, filters: Query[OpenDataFilters]):
    """Red flags raised and closed by country, year and kind."""
    return MappedRows(open_data.flags_by_kind(_filters(filters)), open_data.flag_rows)
