from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from casm.core.api_router import Router
from casm.core.api_types import CountryCode
from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.indicators import selectors, services
from casm.indicators.network import network_series

router = Router(tags=["country profiles"])


class PeopleCell(Schema):
    value: float | None = Field(..., description="null when unknown or suppressed")
    suppressed: bool = Field(..., description="true when the cell counts fewer than 5 people")


class EstimateOut(Schema):
    id: int
    country: str | None = Field(..., description="ISO alpha-2; null for the world")
    year: int | None
    value: int | None
    low: int | None
    high: int | None
    is_best: bool
    source: str
    source_url: str
    note: str

    @staticmethod
    def resolve_country(estimate) -> str | None:
        if isinstance(estimate, dict):
            return estimate["country"]
        return estimate.country.alpha2 if estimate.country_id else None


class CountryRankingOut(EstimateOut):
    rank: int
    alpha2: str
    alpha3: str
    name: str


class CountryRef(Schema):
    alpha2: str
    alpha3: str
    name: str


class SiteTotals(Schema):
    total: int
    visits: int
    first_visit: str | None
    last_visit: str | None


class CommodityCount(Schema):
    code: str
    name: str
    sites: int


class ProfileAreaCount(Schema):
    code: str = Field(..., description="The province's official code (e.g. a P-code)")
    name: str
    sites: int


class LegalStatusCount(Schema):
    status: str
    label: str
    sites: int


class People(Schema):
    sites_counted: int
    workers: PeopleCell
    women: PeopleCell
    women_share: PeopleCell
    children: PeopleCell
    children_share: PeopleCell


class Formalization(Schema):
    known: int
    formal: int
    rate: float | None = Field(..., description="percent of sites with a known legal status")


class SiteShare(Schema):
    known: int
    yes: int
    share: float | None = Field(..., description="percent of sites where known")


class ProductionYear(Schema):
    year: int
    quantity: float
    records: int


class ProductionSeries(Schema):
    code: str
    name: str
    unit: str
    total: float
    years: list[ProductionYear]


class RegistrySource(Schema):
    source: str
    sites: int


class ProductionSource(Schema):
    source: str
    records: int


class ProfileOut(Schema):
    country: CountryRef
    registry_version: int
    estimates: list[EstimateOut]
    sites: SiteTotals
    sites_by_commodity: list[CommodityCount]
    sites_by_legal_status: list[LegalStatusCount]
    sites_by_area: list[ProfileAreaCount] = Field(
        ..., description="Sites by province, once the country's administrative areas are imported"
    )
    sites_unplaced: int | None = Field(
        ..., description="Sites inside no province (null when the country has no areas)"
    )
    people: People
    formalization: Formalization
    mercury: SiteShare
    armed: SiteShare
    production: list[ProductionSeries]
    registry_sources: list[RegistrySource]
    production_sources: list[ProductionSource]


class EstimateIn(Schema):
    country: CountryCode | None = Field(None, description="ISO alpha-2; null for the world")
    year: int | None = Field(None, ge=1900, le=2100)
    value: int | None = Field(None, ge=0)
    low: int | None = Field(None, ge=0)
    high: int | None = Field(None, ge=0)
    is_best: bool = False
    source: str = Field(..., min_length=1, max_length=300)
    source_url: str = Field("", max_length=200)
    note: str = ""


class EstimatePatch(Schema):
    country: CountryCode | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    value: int | None = Field(None, ge=0)
    low: int | None = Field(None, ge=0)
    high: int | None = Field(None, ge=0)
    is_best: bool | None = None
    source: str | None = Field(None, min_length=1, max_length=300)
    source_url: str | None = Field(None, max_length=200)
    note: str | None = None


def _country(code: str | None) -> Country | None:
    if code is None:
        return None
    country = selectors.country_for_profile(code)
    if country is None:
        raise ValidationError({"country": f"Unknown country code {code!r}."})
    return country


def _estimate_or_404(estimate_id: int):
    estimate = selectors.workforce_estimate_get(estimate_id)
    if estimate is None:
        raise Http404
    return estimate


class NetworkYear(Schema):
    year: int
    partnerships: int
    countries_with_projects: int
    conference_attendees: int | None
    conference_countries: int | None
    documents_published: int
    grants_awarded: int
    grant_amounts: dict[str, str] = Field(description="total awarded that year, per currency")


@router.get("/network-indicators", response=list[NetworkYear])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def network_indicators(request: HttpRequest):
    """The network's figures by year (public): partnerships, countries with projects, the
    annual conference's attendance and countries, documents published and grants awarded."""
    return [
        {**row, "grant_amounts": {c: str(v) for c, v in row["grant_amounts"].items()}}
        for row in network_series()
    ]


@router.get("/profiles", response=list[CountryRankingOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def profile_ranking(request: HttpRequest):
    """Countries ranked by their best estimate of the ASM workforce, each with its source."""
    return selectors.workforce_ranking()


@router.get("/profiles/{alpha2}", response=ProfileOut)
@endpoint(PUBLIC)
def profile_detail(request: HttpRequest, alpha2: str):
    """A country's profile: the page's figures. Cells of fewer than 5 people are null, flagged."""
    country = selectors.country_for_profile(alpha2)
    if country is None:
        raise Http404
    return selectors.country_profile(country)


@router.get("/workforce-estimates", response=list[EstimateOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def estimate_list(request: HttpRequest, country: CountryCode = "", world: bool = False):
    """Every estimate of the ASM workforce; filter by country (alpha-2) or the world's."""
    if world:
        return selectors.workforce_estimate_list(world=True)
    if country:
        return selectors.workforce_estimate_list(country=_country(country))
    return selectors.workforce_estimate_list()


@router.get("/workforce-estimates/{estimate_id}", response=EstimateOut)
@endpoint(PUBLIC)
def estimate_detail(request: HttpRequest, estimate_id: int):
    return selectors.estimate_as_dict(_estimate_or_404(estimate_id))


@router.post("/workforce-estimates", response={201: EstimateOut})
@endpoint("estimates.edit")
def estimate_create(request: HttpRequest, payload: EstimateIn):
    """Add an estimate (administrators; data officers for their countries)."""
    data = payload.dict()
    data["country"] = _country(data["country"])
    estimate = services.workforce_estimate_create(actor=request.user, **data)
    return Status(201, selectors.estimate_as_dict(estimate))


@router.patch("/workforce-estimates/{estimate_id}", response=EstimateOut)
@endpoint("estimates.edit")
def estimate_update(request: HttpRequest, estimate_id: int, payload: EstimatePatch):
    estimate = _estimate_or_404(estimate_id)
    data = payload.dict(exclude_unset=True)
    if "country" in data:
        data["country"] = _country(data["country"])
    estimate = services.workforce_estimate_update(actor=request.user, estimate=estimate, **data)
    return selectors.estimate_as_dict(estimate)


@router.post("/workforce-estimates/{estimate_id}/best", response=EstimateOut)
@endpoint("estimates.edit")
def estimate_mark_best(request: HttpRequest, estimate_id: int):
    """Flag this estimate as its country's best; the previous best loses the flag."""
    estimate = services.workforce_estimate_mark_best(
        actor=request.user, estimate=_estimate_or_404(estimate_id)
    )
    return selectors.estimate_as_dict(estimate)


@router.delete("/workforce-estimates/{estimate_id}", response={204: None})
@endpoint("estimates.edit")
def estimate_delete(request: HttpRequest, estimate_id: int):
    services.workforce_estimate_delete(actor=request.user, estimate=_estimate_or_404(estimate_id))
    return Status(204, None)
