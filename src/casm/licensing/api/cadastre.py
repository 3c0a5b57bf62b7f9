"""The cadastre's API: licence types, the layers' features, and the public pre-check.

All of it is public, as a cadastre is: titles, zones and protected areas with their holders
(organisations), and the verdicts of a pre-check, which never name a person. Countries are
ISO alpha-2 codes, commodities their codes, areas GeoJSON in WGS 84 (longitude, latitude).
"""

from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.core.api_types import CommodityCode, CountryCode, NotNull, RecordId
from casm.core.models import Commodity, Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.registry.selectors import bbox_from_param, country_by_code

from .. import selectors, services
from ..areas import AreaError, area_from_corners, area_from_geojson
from ..models import (
    HolderKind,
    LayerFeature,
    LayerKind,
    LicenceCategory,
    LicenceType,
    OverlapRule,
    ZoneRule,
)
from ..screening import Finding, Screening, area_screen
from . import router


def _invalid(field: str, message: Any) -> ValidationError:
    return ValidationError({field: [str(message)]})


def _input(values: dict[str, Any]) -> Any:
    """A licence type's body with records for its codes, as the service takes it."""
    return selectors.licence_type_input(values, country=_country)


def _country(field: str, code: str) -> Country:
    country = country_by_code(code)
    if country is None:
        raise _invalid(field, f"Unknown country code {code!r}.")
    return country


# An amount of money, as a decimal string or number of at most 12 digits before the point.
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class LicenceTypeOut(Schema):
    id: int
    country: str = Field(..., description="ISO alpha-2")
    code: str
    name: str = Field(..., description="In the reader's language where it has one")
    name_en: str
    name_fr: str
    category: str
    holders: list[str]
    nationality_rule: str
    min_area_ha: float | None
    max_area_ha: float | None
    asm_zone: str = Field(..., description="any, required (only inside) or forbidden")
    overlap_rule: str = Field(..., description="any title, or only one for the same commodity")
    commodities: list[str]
    term_years: int | None
    renewals: int | None
    renewal_years: int | None
    notice_days: int | None
    documents: list[str]
    currency: str = Field(..., description="ISO 4217, where the fees are given")
    application_fee: str | None = Field(None, description='A decimal string, e.g. "50.00"')
    rent_per_ha: list[str] = Field(..., description="Annual surface rent per ha, year by year")
    completeness_days: int | None
    decision_days: int | None
    second_approval: bool
    source: str
    is_example: bool

    @staticmethod
    def resolve_application_fee(licence_type: LicenceType) -> str | None:
        fee = licence_type.application_fee
        return f"{fee:.2f}" if fee is not None else None

    @staticmethod
    def resolve_country(licence_type: LicenceType) -> str:
        return licence_type.country.alpha2

    @staticmethod
    def resolve_commodities(licence_type: LicenceType) -> list[str]:
        return [c.code for c in licence_type.commodities.all()]


class LicenceTypeIn(Schema):
    country: CountryCode = Field(..., description="ISO alpha-2")
    code: str = Field(..., min_length=1, max_length=40)
    name_en: str = Field(..., min_length=1, max_length=200)
    name_fr: str = Field("", max_length=200)
    category: LicenceCategory
    holders: list[HolderKind] = Field(default_factory=list)
    nationality_rule: str = Field("", max_length=300)
    min_area_ha: float | None = Field(None, gt=0, le=1e9)
    max_area_ha: float | None = Field(None, gt=0, le=1e9)
    asm_zone: ZoneRule = ZoneRule.ANY
    overlap_rule: OverlapRule = OverlapRule.ANY
    commodities: list[CommodityCode] = Field(default_factory=list)
    term_years: int | None = Field(None, ge=0, le=200)
    renewals: int | None = Field(None, ge=0, le=100)
    renewal_years: int | None = Field(None, ge=0, le=200)
    notice_days: int | None = Field(None, ge=0, le=3650)
    documents: list[Annotated[str, Field(max_length=300)]] = Field(default_factory=list)
    currency: str = Field("", max_length=3, description="ISO 4217")
    application_fee: Money | None = None
    rent_per_ha: list[Money] = Field(default_factory=list, max_length=100)
    completeness_days: int | None = Field(None, ge=0, le=3650)
    decision_days: int | None = Field(None, ge=0, le=3650)
    second_approval: bool = False
    source: str = Field(..., min_length=1, max_length=500)
    is_example: bool = False


class LicenceTypePatch(Schema):
    name_en: NotNull[Annotated[str, Field(min_length=1, max_length=200)]] = None
    name_fr: NotNull[Annotated[str, Field(max_length=200)]] = None
    category: NotNull[LicenceCategory] = None
    holders: NotNull[list[HolderKind]] = None
    nationality_rule: NotNull[Annotated[str, Field(max_length=300)]] = None
    min_area_ha: float | None = Field(None, gt=0, le=1e9)
    max_area_ha: float | None = Field(None, gt=0, le=1e9)
    asm_zone: NotNull[ZoneRule] = None
    overlap_rule: NotNull[OverlapRule] = None
    commodities: NotNull[list[CommodityCode]] = None
    term_years: int | None = Field(None, ge=0, le=200)
    renewals: int | None = Field(None, ge=0, le=100)
    renewal_years: int | None = Field(None, ge=0, le=200)
    notice_days: int | None = Field(None, ge=0, le=3650)
    documents: NotNull[list[Annotated[str, Field(max_length=300)]]] = None
    currency: NotNull[Annotated[str, Field(max_length=3)]] = None
    application_fee: Money | None = None
    rent_per_ha: NotNull[list[Money]] = None
    completeness_days: int | None = Field(None, ge=0, le=3650)
    decision_days: int | None = Field(None, ge=0, le=3650)
    second_approval: NotNull[bool] = None
    source: NotNull[Annotated[str, Field(min_length=1, max_length=500)]] = None
    is_example: NotNull[bool] = None


class LicenceTypeFilters(Schema):
    country: CountryCode = Field("", description="ISO alpha-2")


class CadastreFeatureOut(Schema):
    id: int
    country: str
    kind: str = Field(..., description="title, asm_zone, protected or restriction")
    code: str
    name: str
    title_type: str
    holder: str = Field(..., description="Empty where the country does not publish holders")
    status: str
    commodities: str
    granted_on: str | None
    expires_on: str | None
    rule: str
    reason: str
    area_ha: float
    bbox: list[float] = Field(..., description="west, south, east, north")
    geometry: dict[str, Any] | None = Field(None, description="With shapes=true only")

    @staticmethod
    def resolve_country(feature: LayerFeature) -> str:
        return feature.layer.country.alpha2

    @staticmethod
    def resolve_kind(feature: LayerFeature) -> str:
        return feature.layer.kind

    @staticmethod
    def resolve_granted_on(feature: LayerFeature) -> str | None:
        return feature.granted_on.isoformat() if feature.granted_on else None

    @staticmethod
    def resolve_expires_on(feature: LayerFeature) -> str | None:
        return feature.expires_on.isoformat() if feature.expires_on else None

    @staticmethod
    def resolve_holder(feature: LayerFeature) -> str:
        return feature.public_holder

    @staticmethod
    def resolve_bbox(feature: LayerFeature) -> list[float]:
        return [feature.min_x, feature.min_y, feature.max_x, feature.max_y]

    @staticmethod
    def resolve_geometry(feature: LayerFeature) -> dict[str, Any] | None:
        return feature.geometry if "geometry" in feature.__dict__ else None


class CadastreFeatureFilters(Schema):
    country: CountryCode = Field("", description="ISO alpha-2")
    kind: LayerKind | None = None
    title_type: str = Field("", max_length=40)
    q: str = Field("", max_length=100, description="In the code, the name or the holder")
    bbox: str = Field("", description="west,south,east,north in degrees")
    shapes: bool = Field(False, description="Include each feature's GeoJSON shape")


class PrecheckIn(Schema):
    country: CountryCode = Field(..., description="ISO alpha-2")
    licence_type: str = Field("", description="The code of one of the country's licence types")
    commodity: CommodityCode = ""
    area: dict[str, Any] | None = Field(
        None, description="A GeoJSON Polygon or MultiPolygon (or a Feature holding one)"
    )
    corners: str = Field(
        "", max_length=50_000,
        description="Or the corners, one per line: latitude, longitude (decimal or DMS)",
    )  # fmt: skip


class FeatureRefOut(Schema):
    kind: str
    code: str
    name: str

    @staticmethod
    def resolve_kind(feature: LayerFeature) -> str:
        return feature.layer.kind


class FindingOut(Schema):
    rule: str = Field(..., description="country, area, titles, asm_zones, protected, …")
    verdict: str = Field(..., description="blocks, decision or info")
    code: str = Field(..., description="The message's code")
    message: str = Field(..., description="In the reader's language (Accept-Language)")
    feature: FeatureRefOut | None
    overlap_ha: float | None
    share: float | None = Field(None, description="Of the area, from 0 to 1")

    @staticmethod
    def resolve_message(finding: Finding) -> str:
        return finding.text

    @staticmethod
    def resolve_overlap_ha(finding: Finding) -> float | None:
        return round(finding.overlap_ha, 4) if finding.overlap_ha is not None else None

    @staticmethod
    def resolve_share(finding: Finding) -> float | None:
        return round(finding.share, 6) if finding.share is not None else None


class ScreeningOut(Schema):
    verdict: str = Field(..., description="blocks, decision or clear")
    country: str
    licence_type: str
    commodity: str
    area_ha: float
    layer_versions: dict[str, int] = Field(..., description="The version of each layer read")
    findings: list[FindingOut]

    @staticmethod
    def resolve_country(screening: Screening) -> str:
        return screening.country.alpha2

    @staticmethod
    def resolve_licence_type(screening: Screening) -> str:
        return screening.licence_type.code if screening.licence_type else ""

    @staticmethod
    def resolve_commodity(screening: Screening) -> str:
        return screening.commodity.code if screening.commodity else ""

    @staticmethod
    def resolve_area_ha(screening: Screening) -> float:
        return round(screening.area_ha, 4)


@router.get("/licensing/licence-types", response=list[LicenceTypeOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def licence_type_list(request: HttpRequest, filters: Query[LicenceTypeFilters]):
    """The licence types of each country, with the limits an application is checked against."""
    country = _country("country", filters.country) if filters.country else None
    return selectors.licence_type_list(country=country)


@router.get("/licensing/licence-types/{type_id}", response=LicenceTypeOut)
@endpoint(PUBLIC)
def licence_type_detail(request: HttpRequest, type_id: RecordId):
    return get_object_or_404(selectors.licence_type_list(), pk=type_id)


@router.post("/licensing/licence-types", response={201: LicenceTypeOut})
@endpoint("reference.manage")
def licence_type_create(request: HttpRequest, payload: LicenceTypeIn):
    """A country's licence type, entered from the law with its source (administrators)."""
    made = services.licence_type_create(actor=request.user, data=_input(payload.dict()))
    return Status(201, selectors.licence_type_list().get(pk=made.pk))


@router.patch("/licensing/licence-types/{type_id}", response=LicenceTypeOut)
@endpoint("reference.manage")
def licence_type_update(request: HttpRequest, type_id: RecordId, payload: LicenceTypePatch):
    """Correct a licence type (its country and code stay)."""
    licence_type = get_object_or_404(LicenceType, pk=type_id)
    services.licence_type_update(
        actor=request.user, licence_type=licence_type,
        data=_input(payload.dict(exclude_unset=True)),
    )  # fmt: skip
    return selectors.licence_type_list().get(pk=type_id)


@router.get("/licensing/features", response=list[CadastreFeatureOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def feature_list(request: HttpRequest, filters: Query[CadastreFeatureFilters]):
    """Titles, ASM zones, protected areas and restriction zones; shapes on request."""
    bbox = None
    if filters.bbox:
        bbox = bbox_from_param(filters.bbox)
        if bbox is None or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            raise _invalid("bbox", "Give west,south,east,north in degrees.")
    features = selectors.feature_list(
        country=_country("country", filters.country) if filters.country else None,
        kind=str(filters.kind or ""), title_type=filters.title_type, q=filters.q, bbox=bbox,
    )  # fmt: skip
    return features.defer(None) if filters.shapes else features


@router.post("/licensing/precheck", response=ScreeningOut)
@endpoint(PUBLIC)
def precheck(request: HttpRequest, payload: PrecheckIn):
    """The verdicts an application over the area would meet, before it is filed."""
    country = _country("country", payload.country)
    licence_type = None
    if payload.licence_type:
        licence_type = LicenceType.objects.filter(
            country=country, code=payload.licence_type
        ).first()
        if licence_type is None:
            raise _invalid(
                "licence_type",
                f"{payload.licence_type!r} is not a licence type of {country.alpha2}.",
            )
    commodity = (
        Commodity.objects.filter(code=payload.commodity).first() if payload.commodity else None
    )
    try:
        if payload.area is not None:
            geometry = area_from_geojson(payload.area)
        elif payload.corners.strip():
            geometry = area_from_corners(payload.corners)
        else:
            raise _invalid("area", "Give the area: a GeoJSON shape or its corner coordinates.")
    except AreaError as exc:
        raise _invalid("corners" if payload.area is None else "area", exc.message) from None
    return area_screen(
        country=country, geometry=geometry, licence_type=licence_type, commodity=commodity
    )
