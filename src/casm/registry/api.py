"""The registry's API: sites (also as GeoJSON and exports), visits, operators, miners, production.

Reads go through the selectors (outside scope: 404), writes through the services (no right to
edit: 403). Commodities are given and returned as codes, countries as ISO alpha-2 codes.
``/public/…`` answers anyone and returns only the public fields of sites.
"""

import datetime
import hashlib
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.core.api_router import Router
from casm.core.api_types import ApiName, CommodityCode, CountryCode, RecordId
from casm.core.models import AdminArea, Commodity, Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.core.throttling import export_throttles
from casm.registry import exports, selectors, services
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

router = Router(tags=["registry"])


class SiteLimitOffset(LimitOffset):
    """Pages of sites whose total is remembered until the registry changes: counting a
    national list costs more than reading one page of it."""

    def total(self, queryset: Any) -> int:
        try:
            sql = str(queryset.query)
        except EmptyResultSet:
            return 0
        digest = hashlib.sha256(sql.encode()).hexdigest()
        key = f"registry:count:{services.registry_version(services.ALL_COUNTRIES)}:{digest}"
        count = cache.get(key)
        if count is None:
            count = queryset.count()
            cache.set(key, count, 3600)
        return int(count)


ExportFormat = Literal["csv", "xlsx", "geojson"]
TableFormat = Literal["csv", "xlsx"]


# --- Parameters and lookups ------------------------------------------------------------------


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


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _site_filters(params: SiteFilterParams) -> tuple[selectors.SiteFilters, tuple | None]:
    """The selectors' filters and the bounding box; unknown codes are refused, not ignored."""
    values = params.dict()
    bbox_text = values.pop("bbox")
    if values["country"] and selectors.country_by_code(values["country"]) is None:
        raise _invalid("country", f"Unknown country code {values['country']!r}.")
    if values["commodity"] and not Commodity.objects.filter(code=values["commodity"]).exists():
        raise _invalid("commodity", f"Unknown commodity {values['commodity']!r}.")
    if values["area"] and not AdminArea.objects.filter(code=values["area"]).exists():
        raise _invalid("area", f"Unknown administrative area {values['area']!r}.")
    bbox = None
    if bbox_text:
        bbox = selectors.bbox_from_param(bbox_text)
        if bbox is None or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            raise _invalid("bbox", "Give west,south,east,north in degrees.")
    return selectors.SiteFilters.from_params(values), bbox


def _in_bbox(queryset: Any, bbox: tuple | None) -> Any:
    if bbox is None:
        return queryset
    west, south, east, north = bbox
    return queryset.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    )


def _country(code: str) -> Country:
    country = Country.objects.filter(alpha2=code.upper()).first()
    if country is None:
        raise _invalid("country", f"Unknown country code {code!r}.")
    return country


def _commodity(code: str, field: str = "commodity") -> Commodity:
    commodity = Commodity.objects.filter(code=code).first()
    if commodity is None:
        raise _invalid(field, f"Unknown commodity {code!r}.")
    return commodity


def _commodities(codes: list[str]) -> list[Commodity]:
    found = {c.code: c for c in Commodity.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise _invalid("commodities", f"Unknown commodities: {', '.join(unknown)}.")
    return [found[code] for code in dict.fromkeys(codes)]


def _site_ref(request: HttpRequest, pk: int, field: str = "site") -> Site:
    """A site named in a body: one outside scope is unknown, like one that does not exist."""
    found = selectors.site_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise _invalid(field, f"Unknown site {pk}.")
    return found


def _sites_ref(request: HttpRequest, pks: list[int]) -> list[Site]:
    found = list(selectors.site_list(user=request.user).filter(pk__in=pks))
    missing = set(pks) - {site.pk for site in found}
    if missing:
        raise _invalid("sites", f"Unknown sites: {', '.join(map(str, sorted(missing)))}.")
    return found


def _operator_ref(request: HttpRequest, pk: int) -> Operator:
    found = selectors.operator_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise _invalid("operator", f"Unknown operator {pk}.")
    return found


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
    country: CountryCode | None = Field(None, min_length=2, max_length=2)
    code: str | None = Field(None, min_length=1, max_length=60)
    name: str | None = Field(None, min_length=1, max_length=200)
    other_names: str | None = Field(None, max_length=500)
    admin1: str | None = Field(None, max_length=100)
    admin2: str | None = Field(None, max_length=100)
    admin3: str | None = Field(None, max_length=100)
    admin4: str | None = Field(None, max_length=100)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    location_note: str | None = Field(None, max_length=300)
    override_location: bool = False
    footprint: dict | None = Field(None, description=FOOTPRINT_HELP + " Null removes it.")
    commodities: list[CommodityCode] | None = None
    mining_methods: list[MiningMethod] | None = None
    processing_methods: list[ProcessingMethod] | None = None
    activity_status: ActivityStatus | None = None
    legal_status: LegalStatus | None = None
    source: str | None = Field(None, max_length=200)


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


def _site_data(data: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in data.items() if key != "override_location"}
    if data.get("country"):
        data["country"] = _country(data["country"])
    if data.get("commodities") is not None:
        data["commodities"] = _commodities(data["commodities"])
    for key in ("mining_methods", "processing_methods"):
        if data.get(key) is not None:
            data[key] = [str(value) for value in data[key]]
    for key in ("activity_status", "legal_status"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    return data


def _site_queryset(request: HttpRequest, filters: SiteFilterParams) -> Any:
    site_filters, bbox = _site_filters(filters)
    return _in_bbox(selectors.site_list(user=request.user, filters=site_filters), bbox)


@router.get("/sites", response=list[SiteOut], tags=["sites"])
@paginate(SiteLimitOffset)
@endpoint("registry.view")
def site_list(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Sites within your scope, with the web's filters, in order of registration."""
    return _site_queryset(request, filters).order_by("pk")


@router.get("/sites.geojson", tags=["sites"], throttle=export_throttles())
@endpoint("registry.view")
def site_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Sites within your scope as a GeoJSON FeatureCollection of points, with every field."""
    export = exports.sites_export(_site_queryset(request, filters), "geojson")
    return exports.export_response(export, attachment=False)


@router.get("/sites/footprints.geojson", tags=["sites"], throttle=export_throttles())
@endpoint("registry.view")
def site_footprints_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """The sites within your scope that have a footprint, as GeoJSON polygons with every field."""
    export = exports.sites_export(_site_queryset(request, filters), "geojson", footprints=True)
    return exports.export_response(export, attachment=False)


@router.get("/sites/export", tags=["sites", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def site_export(
    request: HttpRequest, filters: Query[SiteFilterParams], format: ExportFormat = "csv"
):
    """Sites within your scope as a CSV, XLSX or GeoJSON download."""
    return exports.export_response(exports.sites_export(_site_queryset(request, filters), format))


@router.get("/sites/{site_id}", response=SiteOut, tags=["sites"])
@endpoint("registry.view")
def site_detail(request: HttpRequest, site_id: int):
    return selectors.site_get_for_user(user=request.user, pk=site_id)


@router.get("/sites/{site_id}/footprints", response=list[FootprintOut], tags=["sites"])
@paginate(LimitOffset)
@endpoint("registry.view")
def site_footprint_history(request: HttpRequest, site_id: int):
    """A site's footprints, latest first: drawn on the site, or surveyed on a visit."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    return selectors.site_footprints(site=site)


@router.post("/sites", response={201: SiteOut}, tags=["sites"])
@endpoint("registry.edit")
def site_create(request: HttpRequest, payload: SiteIn):
    """Register a site; a point outside the country needs override_location and a note."""
    site = services.site_create(
        actor=request.user,
        override_location=payload.override_location,
        **_site_data(payload.dict()),
    )
    return Status(201, selectors.site_get_for_user(user=request.user, pk=site.pk))


@router.patch("/sites/{site_id}", response=SiteOut, tags=["sites"])
@endpoint("registry.edit")
def site_update(request: HttpRequest, site_id: int, payload: SitePatch):
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    services.site_update(
        actor=request.user,
        site=site,
        override_location=payload.override_location,
        **_site_data(payload.dict(exclude_unset=True)),
    )
    return selectors.site_get_for_user(user=request.user, pk=site_id)


@router.post("/sites/{site_id}/merge", response=SiteOut, tags=["sites"])
@endpoint("registry.edit")
def site_merge(request: HttpRequest, site_id: int, payload: MergeIn):
    """Fold this site into another: its visits, production, operators and miners move over."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    into = _site_ref(request, payload.into, field="into")
    services.site_merge(actor=request.user, site=site, into=into)
    return selectors.site_get_for_user(user=request.user, pk=into.pk)


@router.post("/sites/{site_id}/dismiss-duplicate", response=SiteOut, tags=["sites"])
@endpoint("registry.edit")
def site_dismiss_duplicate(request: HttpRequest, site_id: int):
    """Mark a site flagged as a possible duplicate as checked: it is not one."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    services.site_duplicate_dismiss(actor=request.user, site=site)
    return selectors.site_get_for_user(user=request.user, pk=site_id)


@router.post("/sites/{site_id}/certifications", response={201: CertificationOut}, tags=["sites"])
@endpoint("registry.edit")
def site_certify(request: HttpRequest, site_id: int, payload: CertificationIn):
    """Record a regional certification decision (green, yellow, red or blue)."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    data = payload.dict()
    data["status"] = str(data["status"])
    return Status(201, services.site_certify(actor=request.user, site=site, **data))


# --- Public sites ----------------------------------------------------------------------------


def _public_queryset(filters: SiteFilterParams) -> Any:
    site_filters, bbox = _site_filters(filters)
    return _in_bbox(selectors.public_site_list(filters=site_filters), bbox)


@router.get("/public/sites", response=list[PublicSiteOut], tags=["public"])
@paginate(SiteLimitOffset)
@endpoint(PUBLIC)
def public_site_list(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Every site, public fields only (no people, no contacts), for anyone."""
    return _public_queryset(filters).order_by("pk")


@router.get("/public/sites.geojson", tags=["public"], throttle=export_throttles())
@endpoint(PUBLIC)
def public_site_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Every site as GeoJSON points with public fields only, for anyone."""
    export = exports.sites_export(_public_queryset(filters), "geojson", public=True)
    return exports.export_response(export, attachment=False)


@router.get("/public/sites/footprints.geojson", tags=["public"], throttle=export_throttles())
@endpoint(PUBLIC)
def public_site_footprints_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Every site with a footprint as GeoJSON polygons, public fields only, for anyone."""
    export = exports.sites_export(
        _public_queryset(filters), "geojson", public=True, footprints=True
    )
    return exports.export_response(export, attachment=False)


@router.get("/public/sites/export", tags=["public", "exports"], throttle=export_throttles())
@endpoint(PUBLIC)
def public_site_export(
    request: HttpRequest, filters: Query[SiteFilterParams], format: ExportFormat = "csv"
):
    """Every site as a CSV, XLSX or GeoJSON download, public fields only."""
    export = exports.sites_export(_public_queryset(filters), format, public=True)
    return exports.export_response(export)


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
    date: datetime.date | None = None
    team: str | None = Field(None, max_length=200)
    reached: bool | None = None
    not_reached_reason: NotReachedReason | Literal[""] | None = None
    workers: Headcount = Field(None, ge=0)
    men: Headcount = Field(None, ge=0)
    women: Headcount = Field(None, ge=0)
    boys_under_15: Headcount = Field(None, ge=0)
    girls_under_15: Headcount = Field(None, ge=0)
    boys_15_17: Headcount = Field(None, ge=0)
    girls_15_17: Headcount = Field(None, ge=0)
    pits: Headcount = Field(None, ge=0)
    max_depth_m: float | None = Field(None, ge=0)
    commodities: list[VisitCommodity] | None = None
    state_services: list[StateService] | None = None
    armed_presence: bool | None = None
    armed_activities: list[ArmedActivity] | None = None
    traceability_scheme: str | None = Field(None, max_length=100)
    mercury_use: bool | None = None
    women_work: list[str] | None = None
    children_work: list[str] | None = None
    notes: str | None = None
    footprint: dict | None = Field(None, description=FOOTPRINT_HELP)


class VisitFilterParams(SiteFilterParams):
    site: RecordId | None = Field(None, description="Only the visits of this site")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _visit_data(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("state_services", "armed_activities"):
        if data.get(key) is not None:
            data[key] = [str(value) for value in data[key]]
    if data.get("not_reached_reason") is not None:
        data["not_reached_reason"] = str(data["not_reached_reason"])
    if data.get("commodities") is not None:
        for item in data["commodities"]:
            _commodity(item["commodity"], field="commodities")
    return data


def _visit_queryset(request: HttpRequest, filters: VisitFilterParams) -> Any:
    values = filters.dict()
    site_params = SiteFilterParams(
        **{key: value for key, value in values.items() if key in SiteFilterParams.model_fields}
    )
    site_filters, bbox = _site_filters(site_params)
    queryset = selectors.visit_list(
        user=request.user,
        site_filters=site_filters,
        site=filters.site,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    if bbox is not None:
        queryset = queryset.filter(site__in=_in_bbox(Site.objects.all(), bbox))
    return queryset


@router.get("/visits", response=list[VisitOut], tags=["visits"])
@paginate(LimitOffset)
@endpoint("registry.view")
def visit_list(request: HttpRequest, filters: Query[VisitFilterParams]):
    """Site visits within your scope, latest first, filtered like the sites or by site and date."""
    return _visit_queryset(request, filters)


@router.get("/visits/export", tags=["visits", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def visit_export(
    request: HttpRequest, filters: Query[VisitFilterParams], format: ExportFormat = "csv"
):
    """Site visits within your scope as a CSV, XLSX or GeoJSON download."""
    return exports.export_response(exports.visits_export(_visit_queryset(request, filters), format))


@router.get("/visits/{visit_id}", response=VisitOut, tags=["visits"])
@endpoint("registry.view")
def visit_detail(request: HttpRequest, visit_id: int):
    return selectors.visit_get_for_user(user=request.user, pk=visit_id)


@router.post("/visits", response={201: VisitOut}, tags=["visits"])
@endpoint("registry.edit")
def visit_create(request: HttpRequest, payload: VisitIn):
    """Record a census observation; the site's current figures follow its latest visit."""
    data = _visit_data(payload.dict())
    site = _site_ref(request, data.pop("site"))
    visit = services.site_visit_record(actor=request.user, site=site, **data)
    return Status(201, selectors.visit_get_for_user(user=request.user, pk=visit.pk))


@router.patch("/visits/{visit_id}", response=VisitOut, tags=["visits"])
@endpoint("registry.edit")
def visit_update(request: HttpRequest, visit_id: int, payload: VisitPatch):
    visit = selectors.visit_get_for_user(user=request.user, pk=visit_id)
    services.site_visit_update(
        actor=request.user, visit=visit, **_visit_data(payload.dict(exclude_unset=True))
    )
    return selectors.visit_get_for_user(user=request.user, pk=visit_id)


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
    country: CountryCode | None = Field(None, min_length=2, max_length=2)
    kind: OperatorKind | None = None
    name: str | None = Field(None, min_length=1, max_length=200)
    registration_number: str | None = Field(None, max_length=60)
    member_count: int | None = Field(None, ge=0)
    sites: list[RecordId] | None = None
    contact_name: str | None = Field(None, max_length=200)
    contact_phone: str | None = Field(None, max_length=40)
    contact_email: str | None = Field(None, max_length=254)


def _operator_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("country"):
        data["country"] = _country(data["country"])
    if data.get("kind") is not None:
        data["kind"] = str(data["kind"])
    if data.get("sites") is not None:
        data["sites"] = _sites_ref(request, data["sites"])
    return data


@router.get("/operators", response=list[OperatorOut], tags=["operators"])
@paginate(LimitOffset)
@endpoint("registry.view")
def operator_list(request: HttpRequest, country: CountryCode = "", kind: str = "", q: str = ""):
    """Operators within your scope."""
    return (
        selectors.operator_list(user=request.user, country=country, kind=kind, q=q)
        .prefetch_related("sites")
        .order_by("pk")
    )


@router.get("/operators/export", tags=["operators", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def operator_export(
    request: HttpRequest,
    country: CountryCode = "",
    kind: str = "",
    q: str = "",
    format: TableFormat = "csv",
):
    """Operators within your scope, with their contacts, as CSV or XLSX."""
    queryset = selectors.operator_list(user=request.user, country=country, kind=kind, q=q)
    return exports.export_response(exports.operators_export(queryset, format))


@router.get("/operators/{operator_id}", response=OperatorOut, tags=["operators"])
@endpoint("registry.view")
def operator_detail(request: HttpRequest, operator_id: int):
    return selectors.operator_get_for_user(user=request.user, pk=operator_id)


@router.post("/operators", response={201: OperatorOut}, tags=["operators"])
@endpoint("registry.edit")
def operator_create(request: HttpRequest, payload: OperatorIn):
    data = _operator_data(request, payload.dict())
    operator = services.operator_create(actor=request.user, **data)
    return Status(201, selectors.operator_get_for_user(user=request.user, pk=operator.pk))


@router.patch("/operators/{operator_id}", response=OperatorOut, tags=["operators"])
@endpoint("registry.edit")
def operator_update(request: HttpRequest, operator_id: int, payload: OperatorPatch):
    operator = selectors.operator_get_for_user(user=request.user, pk=operator_id)
    data = _operator_data(request, payload.dict(exclude_unset=True))
    services.operator_update(actor=request.user, operator=operator, **data)
    return selectors.operator_get_for_user(user=request.user, pk=operator_id)


# --- Miners (personal data: within scope only, never public) ----------------------------------


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
    country: CountryCode | None = Field(None, min_length=2, max_length=2)
    name: str | None = Field(None, min_length=1, max_length=200)
    sex: Sex | None = None
    year_of_birth: int | None = Field(None, ge=1900, le=2100)
    id_number: str | None = Field(None, max_length=60)
    roles: list[WorkRole] | None = None
    operator: RecordId | None = None
    sites: list[RecordId] | None = None


def _miner_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("country"):
        data["country"] = _country(data["country"])
    if data.get("sex") is not None:
        data["sex"] = str(data["sex"])
    if data.get("roles") is not None:
        data["roles"] = [str(role) for role in data["roles"]]
    if data.get("operator") is not None:
        data["operator"] = _operator_ref(request, data["operator"])
    if data.get("sites") is not None:
        data["sites"] = _sites_ref(request, data["sites"])
    return data


@router.get("/miners", response=list[MinerOut], tags=["miners"])
@paginate(LimitOffset)
@endpoint("registry.view")
def miner_list(
    request: HttpRequest, country: CountryCode = "", operator: RecordId | None = None, q: str = ""
):
    """Miners within your scope (personal data: never public)."""
    return (
        selectors.miner_list(user=request.user, country=country, operator=operator, q=q)
        .prefetch_related("sites")
        .order_by("pk")
    )


@router.get("/miners/{miner_id}", response=MinerOut, tags=["miners"])
@endpoint("registry.view")
def miner_detail(request: HttpRequest, miner_id: int):
    return selectors.miner_get_for_user(user=request.user, pk=miner_id)


@router.post("/miners", response={201: MinerOut}, tags=["miners"])
@endpoint("registry.edit")
def miner_create(request: HttpRequest, payload: MinerIn):
    miner = services.miner_create(actor=request.user, **_miner_data(request, payload.dict()))
    return Status(201, selectors.miner_get_for_user(user=request.user, pk=miner.pk))


@router.patch("/miners/{miner_id}", response=MinerOut, tags=["miners"])
@endpoint("registry.edit")
def miner_update(request: HttpRequest, miner_id: int, payload: MinerPatch):
    miner = selectors.miner_get_for_user(user=request.user, pk=miner_id)
    data = _miner_data(request, payload.dict(exclude_unset=True))
    services.miner_update(actor=request.user, miner=miner, **data)
    return selectors.miner_get_for_user(user=request.user, pk=miner_id)


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
    commodity: CommodityCode | None = None
    period: ProductionRecord.Period | None = None
    year: int | None = Field(None, ge=1900, le=2100)
    period_number: int | None = Field(None, ge=1, le=12)
    quantity: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=4)
    unit: Commodity.Unit | None = None
    value: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    currency: str | None = Field(None, max_length=3)
    source: str | None = Field(None, max_length=200)


class ProductionFilterParams(Schema):
    country: CountryCode = Field("", max_length=3)
    commodity: CommodityCode = Field("", max_length=40)
    year: int | None = Field(None, ge=1900, le=2100)
    site: RecordId | None = None


def _production_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("site") is not None:
        data["site"] = _site_ref(request, data["site"])
    if data.get("operator") is not None:
        data["operator"] = _operator_ref(request, data["operator"])
    if data.get("commodity") is not None:
        data["commodity"] = _commodity(data["commodity"])
    for key in ("period", "unit"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    if data.get("currency"):
        data["currency"] = data["currency"].upper()
    return data


def _production_queryset(request: HttpRequest, filters: ProductionFilterParams) -> Any:
    if filters.commodity:
        _commodity(filters.commodity)
    return selectors.production_list(user=request.user, **filters.dict())


@router.get("/production", response=list[ProductionOut], tags=["production"])
@paginate(LimitOffset)
@endpoint("registry.view")
def production_list(request: HttpRequest, filters: Query[ProductionFilterParams]):
    """Production records within your scope, by country, commodity, year or site."""
    return _production_queryset(request, filters)


@router.get("/production/export", tags=["production", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def production_export(
    request: HttpRequest, filters: Query[ProductionFilterParams], format: TableFormat = "csv"
):
    """Production records within your scope as CSV or XLSX."""
    queryset = _production_queryset(request, filters)
    return exports.export_response(exports.production_export(queryset, format))


@router.get("/production/{record_id}", response=ProductionOut, tags=["production"])
@endpoint("registry.view")
def production_detail(request: HttpRequest, record_id: int):
    return selectors.production_get_for_user(user=request.user, pk=record_id)


@router.post("/production", response={201: ProductionOut}, tags=["production"])
@endpoint("registry.edit")
def production_create(request: HttpRequest, payload: ProductionIn):
    """Record production of one commodity by a site or an operator over a period."""
    data = _production_data(request, payload.dict())
    record = services.production_record_create(actor=request.user, **data)
    return Status(201, selectors.production_get_for_user(user=request.user, pk=record.pk))


@router.patch("/production/{record_id}", response=ProductionOut, tags=["production"])
@endpoint("registry.edit")
def production_update(request: HttpRequest, record_id: int, payload: ProductionPatch):
    record = selectors.production_get_for_user(user=request.user, pk=record_id)
    data = _production_data(request, payload.dict(exclude_unset=True))
    services.production_record_update(actor=request.user, record=record, **data)
    return selectors.production_get_for_user(user=request.user, pk=record_id)


@router.delete("/production/{record_id}", response={204: None}, tags=["production"])
@endpoint("registry.edit")
def production_delete(request: HttpRequest, record_id: int):
    record = selectors.production_get_for_user(user=request.user, pk=record_id)
    services.production_record_delete(actor=request.user, record=record)
    return Status(204, None)
