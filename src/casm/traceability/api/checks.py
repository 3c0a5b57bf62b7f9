"""The rules of the chain's checks over the API: the productivities the capacity check reads,
the sites above their capacity, and the mass-balance tolerances (inspectors, their countries)."""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.pagination import paginate

from casm.core import permissions
from casm.core.api_types import ApiName, CommodityCode, CountryCode
from casm.core.models import Commodity
from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.registry.selectors import country_by_code

from .. import selectors, services
from ..models import (
    BreachAction,
    MassBalanceRule,
    MassUnit,
    OperationKind,
    Productivity,
    plain_decimal,
)
from . import router

Unit = Annotated[MassUnit, ApiName("ProductivityMassUnit")]
Kind = Annotated[OperationKind, ApiName("BalanceOperationKind")]
OnBreach = Annotated[BreachAction, ApiName("BalanceBreachAction")]


class ProductivityIn(Schema):
    country: CountryCode = Field(..., min_length=2, max_length=3)
    mineral: CommodityCode = Field(..., min_length=1, max_length=40)
    mass: Decimal = Field(..., description="What one worker produces in a month, in unit")
    unit: Unit = MassUnit.GRAM
    margin_percent: Decimal = Field(Decimal(25), ge=0, le=1000)
    source: str = Field(..., min_length=1, max_length=300)


class ProductivityOut(Schema):
    country: str
    mineral: str
    kg_per_worker_month: Decimal
    margin_percent: Decimal
    source: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_country(rule: Productivity) -> str:
        return rule.country.alpha2

    @staticmethod
    def resolve_mineral(rule: Productivity) -> str:
        return rule.commodity.code

    @staticmethod
    def resolve_kg_per_worker_month(rule: Productivity) -> Decimal:
        return plain_decimal(rule.kg_per_worker_month)


class CapacityFilters(Schema):
    country: CountryCode | None = None


class CapacityOut(Schema):
    site: int
    site_code: str
    mineral: str
    workers: int | None
    census_on: datetime.date | None
    capacity_kg: Decimal | None = Field(..., description="Over the window (three months)")
    limit_kg: Decimal | None = Field(..., description="The capacity with its margin")
    output_kg: Decimal = Field(..., description="Tagged at the site in the window")
    lots: int

    @staticmethod
    def resolve_site(row: selectors.CapacityRow) -> int:
        return row.site_id

    @staticmethod
    def resolve_mineral(row: selectors.CapacityRow) -> str:
        return row.commodity_code

    @staticmethod
    def resolve_capacity_kg(row: selectors.CapacityRow) -> Decimal | None:
        return _plain(row.capacity_kg)

    @staticmethod
    def resolve_limit_kg(row: selectors.CapacityRow) -> Decimal | None:
        return _plain(row.limit_kg)

    @staticmethod
    def resolve_output_kg(row: selectors.CapacityRow) -> Decimal:
        return plain_decimal(row.output_kg)


class BalanceRuleIn(Schema):
    country: CountryCode = Field(..., min_length=2, max_length=3)
    mineral: CommodityCode = Field(..., min_length=1, max_length=40)
    kind: Kind
    tolerance_percent: Decimal = Field(..., ge=0, le=100)
    on_breach: OnBreach = BreachAction.REFUSE


class BalanceRuleOut(Schema):
    country: str
    mineral: str
    kind: str
    tolerance_percent: Decimal
    on_breach: str

    @staticmethod
    def resolve_country(rule: MassBalanceRule) -> str:
        return rule.country.alpha2

    @staticmethod
    def resolve_mineral(rule: MassBalanceRule) -> str:
        return rule.commodity.code


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else plain_decimal(value)


def _country(code: str) -> Any:
    return country_by_code(code)  # CountryCode admits known countries only


@router.get("/traceability/productivities", response=list[ProductivityOut])
@paginate(LimitOffset)
@endpoint("traceability.inspect")
def productivity_list(request: HttpRequest):
    """What one worker produces in a month, per mineral, in the countries you inspect."""
    permissions.require(request.user, "traceability.inspect")
    return selectors.productivities_visible(request.user)


@router.post("/traceability/productivities", response=ProductivityOut)
@endpoint("traceability.inspect")
def productivity_set(request: HttpRequest, payload: ProductivityIn):
    """Set a mineral's productivity in a country you inspect, with its margin and source."""
    permissions.require(request.user, "traceability.inspect")
    return services.productivity_set(
        actor=request.user, country=_country(payload.country),
        commodity=Commodity.objects.get(code=payload.mineral), mass=payload.mass,
        unit=str(payload.unit), margin_percent=payload.margin_percent, source=payload.source,
    )  # fmt: skip


@router.get("/traceability/capacity", response=list[CapacityOut])
@paginate(LimitOffset)
@endpoint("traceability.inspect")
def capacity_list(request: HttpRequest, filters: Query[CapacityFilters]):
    """The sites of the countries you inspect whose lots tagged in the last 90 days weigh
    more than their capacity and its margin."""
    permissions.require(request.user, "traceability.inspect")
    inspected = [country.pk for country in selectors.countries_inspected(request.user)]
    if filters.country:
        wanted = _country(filters.country).pk
        inspected = [pk for pk in inspected if pk == wanted]
    return selectors.capacity_rows(country_ids=inspected)


@router.get("/traceability/balance-rules", response=list[BalanceRuleOut])
@paginate(LimitOffset)
@endpoint("traceability.inspect")
def balance_rule_list(request: HttpRequest):
    """The mass-balance tolerances of the countries you inspect (without one: 1%, refused)."""
    permissions.require(request.user, "traceability.inspect")
    return selectors.balance_rules_visible(request.user)


@router.post("/traceability/balance-rules", response=BalanceRuleOut)
@endpoint("traceability.inspect")
def balance_rule_set(request: HttpRequest, payload: BalanceRuleIn):
    """Set how much more contained metal may come out of an operation than went in."""
    permissions.require(request.user, "traceability.inspect")
    return services.mass_balance_rule_set(
        actor=request.user, country=_country(payload.country),
        commodity=Commodity.objects.get(code=payload.mineral), kind=str(payload.kind),
        tolerance_percent=payload.tolerance_percent, on_breach=str(payload.on_breach),
    )  # fmt: skip
