"""The registry API's input and output schemas, its query parameters and their types."""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from casm.core.api_types import ApiName, CommodityCode, CountryCode, NotNull, RecordId
from casm.core.models import Commodity
from casm.registry.models import (
    ActivityStatus,
    ArmedActivity,
    CertificationStatus,
    LegalStatus,
    MiningMethod,
    NotReachedReason,
    Operator,
    ProcessingMethod,
    ProductionRecord,
    Sex,
    Site,
    StateService,
    WorkRole,
)

OperatorKind = Annotated[Operator.Kind, ApiName("OperatorKind")]


ExportFormat = Literal["csv", "xlsx", "geojson"]
TableFormat = Literal["csv", "xlsx"]


# --- Parameters ------------------------------------------------------------------------------


class SiteFilterParams(Schema):
    """The filters of the web's site list and map."""

    country: CountryCode = Field("", max_length=3, description="ISO alpha-2 or alpha-3 code")
    admin1: str = Field("", max_length=100, description="Province or region")
    area: str = Field(
        "", max_length=40, description="Official code of an administrative area (any level)"
    )
    commodity: CommodityCode = Field("", max_length=40, description="Commodity code, e.g. gold")
    legal_status: LegalStatus | None = None
    certification_status: CertificationStatus | None = None
    activity_status: ActivityStatus | None = None
    children_present: bool | None = None
    armed_presence: bool | None = None
    mercury_use: bool | None = None
    duplicates: bool | None = Field(None, description="Only sites flagged as possible duplicates")
    q: str = Field("", max_length=200, description="Words in the name, other names or code")
    bbox: str = Field("", description="west,south,east,north in degrees")


# --- Sites -----------------------------------------------------------------------------------


FOOTPRINT_HELP = (
    "The site's outline: a GeoJSON Polygon or MultiPolygon (WGS 84), near the site's point and "
    "no larger than a plausible site; it replaces the current one, which stays in the history."
)


class FootprintOut(Schema):
    """One entry of a site's footprint history; a null geometry is a removal."""

    id: int
    site: int = Field(..., alias="site_id")
    visit: int | None = Field(None, alias="visit_id")
    observed_on: datetime.date
    geometry: dict | None
    hectares: float | None
    current: bool
    source: str
    created_at: datetime.datetime


class SiteOut(Schema):
    id: int
    code: str
    name: str
    other_names: str
    country: str
    admin1: str
    admin2: str
    admin3: str
    admin4: str
    latitude: float
    longitude: float
    location_note: str
    footprint: dict | None
    commodities: list[str]
    mining_methods: list[str]
    processing_methods: list[str]
    activity_status: str
    legal_status: str
    certification_status: str
    certification_valid_from: datetime.date | None
    certification_valid_until: datetime.date | None
    first_visit: datetime.date | None
    last_visit: datetime.date | None
    workers: int | None
    women: int | None
    children: int | None
    children_present: bool | None
    armed_presence: bool | None
    mercury_use: bool | None
    duplicate_of: int | None = Field(None, alias="duplicate_of_id")
    duplicate_dismissed: bool
    source: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_country(site: Site) -> str:
        return site.country.alpha2

    @staticmethod
    def resolve_commodities(site: Site) -> list[str]:
        return sorted(commodity.code for commodity in site.commodities.all())


class PublicSiteOut(Schema):
    """Exactly :data:`casm.registry.selectors.PUBLIC_SITE_FIELDS`, and the commodities."""

    id: int
    code: str
    name: str
    other_names: str
    country: str
    admin1: str
    admin2: str
    admin3: str
    admin4: str
    latitude: float
    longitude: float
    commodities: list[str]
    activity_status: str
    legal_status: str
    certification_status: str
    certification_valid_until: datetime.date | None
    first_visit: datetime.date | None
    last_visit: datetime.date | None
    children_present: bool | None
    armed_presence: bool | None
    mercury_use: bool | None

    @staticmethod
    def resolve_country(site: Site) -> str:
        return site.country.alpha2

    @staticmethod
    def resolve_commodities(site: Site) -> list[str]:
        return sorted(commodity.code for commodity in site.commodities.all())


class SiteIn(Schema):
    country: CountryCode = Field(..., min_length=2, max_length=2, description="ISO alpha-2 code")
    code: str = Field("", max_length=60, description="Made as CC-lat+long-NNNNN when empty")
    name: str = Field(..., min_length=1, max_length=200)
    other_names: str = Field("", max_length=500)
    admin1: str = Field("", max_length=100)
    admin2: str = Field("", max_length=100)
    admin3: str = Field("", max_length=100)
    admin4: str = Field("", max_length=100)
    latitude: float = Field(..., ge=-90, le=90)
    longitude: float = Field(..., ge=-180, le=180)
    location_note: str = Field("", max_length=300)
    override_location: bool = Field(
        False, description="Keep a point outside the country's outline (give location_note)"
    )
    footprint: dict | None = Field(None, description=FOOTPRINT_HELP)
    commodities: list[CommodityCode] = Field(default_factory=list, description="Commodity codes")
    mining_methods: list[MiningMethod] = Field(default_factory=list)
    processing_methods: list[ProcessingMethod] = Field(default_factory=list)
    activity_status: ActivityStatus = ActivityStatus.ACTIVE
    legal_status: LegalStatus = LegalStatus.UNKNOWN
    source: str = Field("", max_length=200)


class SitePatch(Schema):
    country: NotNull[Annotated[CountryCode, Field(min_length=2, max_length=2)]] = None
    code: NotNull[Annotated[str, Field(min_length=1, max_length=60)]] = None
    name: NotNull[Annotated[str, Field(min_length=1, max_length=200)]] = None
    other_names: NotNull[Annotated[str, Field(max_length=500)]] = None
    admin1: NotNull[Annotated[str, Field(max_length=100)]] = None
    admin2: NotNull[Annotated[str, Field(max_length=100)]] = None
    admin3: NotNull[Annotated[str, Field(max_length=100)]] = None
    admin4: NotNull[Annotated[str, Field(max_length=100)]] = None
    latitude: NotNull[Annotated[float, Field(ge=-90, le=90)]] = None
    longitude: NotNull[Annotated[float, Field(ge=-180, le=180)]] = None
    location_note: NotNull[Annotated[str, Field(max_length=300)]] = None
    override_location: bool = False
    footprint: dict | None = Field(None, description=FOOTPRINT_HELP + " Null removes it.")
    commodities: NotNull[list[CommodityCode]] = None
    mining_methods: NotNull[list[MiningMethod]] = None
    processing_methods: NotNull[list[ProcessingMethod]] = None
    activity_status: NotNull[ActivityStatus] = None
    legal_status: NotNull[LegalStatus] = None
    source: NotNull[Annotated[str, Field(max_length=200)]] = None


class MergeIn(Schema):
    into: int = Field(..., description="The site that stays")


class CertificationIn(Schema):
    status: CertificationStatus
    valid_from: datetime.date
    valid_until: datetime.date | None = None
    note: str = Field("", max_length=500)


class CertificationOut(Schema):
    id: int
    site: int = Field(..., alias="site_id")
    status: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    note: str
    recorded_at: datetime.datetime


# --- Visits ----------------------------------------------------------------------------------


class VisitCommodity(Schema):
    commodity: CommodityCode = Field(..., description="Commodity code")
    selling_point: str = Field("", max_length=200)
    destination: str = Field("", max_length=200)


class VisitOut(Schema):
    id: int
    site: int = Field(..., alias="site_id")
    site_code: str
    country: str
    date: datetime.date
    team: str
    submission_id: str | None
    reached: bool
    not_reached_reason: str
    workers: int | None
    men: int | None
    women: int | None
    boys_under_15: int | None
    girls_under_15: int | None
    boys_15_17: int | None
    girls_15_17: int | None
    children: int | None
    pits: int | None
    max_depth_m: float | None
    commodities: list[dict]
    state_services: list[str]
    armed_presence: bool | None
    armed_activities: list[str]
    traceability_scheme: str
    mercury_use: bool | None
    women_work: list[str]
    children_work: list[str]
    notes: str
    footprint: dict | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_site_code(visit: Any) -> str:
        return visit.site.code

    @staticmethod
    def resolve_country(visit: Any) -> str:
        return visit.country.alpha2


Headcount = int | None


class VisitFields(Schema):
    team: str = Field("", max_length=200)
    submission_id: str | None = Field(None, max_length=100)
    reached: bool = True
    not_reached_reason: NotReachedReason | Literal[""] = ""
    workers: Headcount = Field(None, ge=0)
    men: Headcount = Field(None, ge=0)
    women: Headcount = Field(None, ge=0)
    boys_under_15: Headcount = Field(None, ge=0)
    girls_under_15: Headcount = Field(None, ge=0)
    boys_15_17: Headcount = Field(None, ge=0)
    girls_15_17: Headcount = Field(None, ge=0)
    pits: Headcount = Field(None, ge=0)
    max_depth_m: float | None = Field(None, ge=0)
    commodities: list[VisitCommodity] = Field(default_factory=list)
    state_services: list[StateService] = Field(default_factory=list)
    armed_presence: bool | None = None
    armed_activities: list[ArmedActivity] = Field(default_factory=list)
    traceability_scheme: str = Field("", max_length=100)
    mercury_use: bool | None = None
    women_work: list[str] = Field(default_factory=list)
    children_work: list[str] = Field(default_factory=list)
    notes: str = ""
    footprint: dict | None = Field(None, description=FOOTPRINT_HELP)


class VisitIn(VisitFields):
    site: RecordId
    date: datetime.date


class VisitPatch(Schema):
    date: NotNull[datetime.date] = None
    team: NotNull[Annotated[str, Field(max_length=200)]] = None
    reached: NotNull[bool] = None
    not_reached_reason: NotNull[NotReachedReason | Literal[""]] = None
    workers: Headcount = Field(None, ge=0)
    men: Headcount = Field(None, ge=0)
    women: Headcount = Field(None, ge=0)
    boys_under_15: Headcount = Field(None, ge=0)
    girls_under_15: Headcount = Field(None, ge=0)
    boys_15_17: Headcount = Field(None, ge=0)
    girls_15_17: Headcount = Field(None, ge=0)
    pits: Headcount = Field(None, ge=0)
    max_depth_m: float | None = Field(None, ge=0)
    commodities: NotNull[list[VisitCommodity]] = None
    state_services: NotNull[list[StateService]] = None
    armed_presence: bool | None = None
    armed_activities: NotNull[list[ArmedActivity]] = None
    traceability_scheme: NotNull[Annotated[str, Field(max_length=100)]] = None
    mercury_use: bool | None = None
    women_work: NotNull[list[str]] = None
    children_work: NotNull[list[str]] = None
    notes: NotNull[str] = None
    footprint: dict | None = Field(None, description=FOOTPRINT_HELP)


class VisitFilterParams(SiteFilterParams):
    site: RecordId | None = Field(None, description="Only the visits of this site")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


# --- Operators -------------------------------------------------------------------------------


class OperatorOut(Schema):
    id: int
    country: str
    kind: str
    name: str
    registration_number: str
    member_count: int | None
    sites: list[int]
    contact_name: str
    contact_phone: str
    contact_email: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_country(operator: Operator) -> str:
        return operator.country.alpha2

    @staticmethod
    def resolve_sites(operator: Operator) -> list[int]:
        return sorted(site.pk for site in operator.sites.all())


class OperatorIn(Schema):
    country: CountryCode = Field(..., min_length=2, max_length=2)
    kind: OperatorKind
    name: str = Field(..., min_length=1, max_length=200)
    registration_number: str = Field("", max_length=60)
    member_count: int | None = Field(None, ge=0)
    sites: list[RecordId] = Field(default_factory=list, description="Site ids")
    contact_name: str = Field("", max_length=200)
    contact_phone: str = Field("", max_length=40)
    contact_email: str = Field("", max_length=254)


class OperatorPatch(Schema):
    country: NotNull[Annotated[CountryCode, Field(min_length=2, max_length=2)]] = None
    kind: NotNull[OperatorKind] = None
    name: NotNull[Annotated[str, Field(min_length=1, max_length=200)]] = None
    registration_number: NotNull[Annotated[str, Field(max_length=60)]] = None
    member_count: int | None = Field(None, ge=0)
    sites: NotNull[list[RecordId]] = None
    contact_name: NotNull[Annotated[str, Field(max_length=200)]] = None
    contact_phone: NotNull[Annotated[str, Field(max_length=40)]] = None
    contact_email: NotNull[Annotated[str, Field(max_length=254)]] = None


# --- Miners (personal data: within scope only, never public) ---------------------------------


class MinerOut(Schema):
    id: int
    country: str
    name: str
    sex: str
    year_of_birth: int | None
    id_number: str
    roles: list[str]
    operator: int | None = Field(None, alias="operator_id")
    sites: list[int]
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_country(miner: Any) -> str:
        return miner.country.alpha2

    @staticmethod
    def resolve_sites(miner: Any) -> list[int]:
        return sorted(site.pk for site in miner.sites.all())


class MinerIn(Schema):
    country: CountryCode = Field(..., min_length=2, max_length=2)
    name: str = Field(..., min_length=1, max_length=200)
    sex: Sex
    year_of_birth: int | None = Field(None, ge=1900, le=2100)
    id_number: str = Field("", max_length=60)
    roles: list[WorkRole] = Field(default_factory=list)
    operator: RecordId | None = None
    sites: list[RecordId] = Field(default_factory=list)


class MinerPatch(Schema):
    country: NotNull[Annotated[CountryCode, Field(min_length=2, max_length=2)]] = None
    name: NotNull[Annotated[str, Field(min_length=1, max_length=200)]] = None
    sex: NotNull[Sex] = None
    year_of_birth: int | None = Field(None, ge=1900, le=2100)
    id_number: NotNull[Annotated[str, Field(max_length=60)]] = None
    roles: NotNull[list[WorkRole]] = None
    operator: RecordId | None = None
    sites: NotNull[list[RecordId]] = None


# --- Production ------------------------------------------------------------------------------


class ProductionOut(Schema):
    id: int
    country: str
    site: int | None = Field(None, alias="site_id")
    operator: int | None = Field(None, alias="operator_id")
    commodity: str
    period: str
    year: int
    period_number: int | None
    quantity: float
    unit: str
    quantity_base: float
    value: float | None
    currency: str
    source: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_country(record: ProductionRecord) -> str:
        return record.country.alpha2

    @staticmethod
    def resolve_commodity(record: ProductionRecord) -> str:
        return record.commodity.code


class ProductionIn(Schema):
    site: RecordId | None = None
    operator: RecordId | None = None
    commodity: CommodityCode = Field(..., description="Commodity code")
    period: ProductionRecord.Period
    year: int = Field(..., ge=1900, le=2100)
    period_number: int | None = Field(None, ge=1, le=12)
    quantity: Decimal = Field(..., ge=0, max_digits=18, decimal_places=4)
    unit: Commodity.Unit
    value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str = Field("", max_length=3)
    source: str = Field("", max_length=200)


class ProductionPatch(Schema):
    site: RecordId | None = None
    operator: RecordId | None = None
    commodity: NotNull[CommodityCode] = None
    period: NotNull[ProductionRecord.Period] = None
    year: NotNull[Annotated[int, Field(ge=1900, le=2100)]] = None
    period_number: int | None = Field(None, ge=1, le=12)
    quantity: NotNull[Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]] = None
    unit: NotNull[Commodity.Unit] = None
    value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: NotNull[Annotated[str, Field(max_length=3)]] = None
    source: NotNull[Annotated[str, Field(max_length=200)]] = None


class ProductionFilterParams(Schema):
    country: CountryCode = Field("", max_length=3)
    commodity: CommodityCode = Field("", max_length=40)
    year: int | None = Field(None, ge=1900, le=2100)
    site: RecordId | None = None
