"""Mine site inspections over the API: an inspector records an inspection (a finding on every
criterion), which sets the site's status; anyone reads a site's status and its history."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.core import permissions
from casm.core.api_types import ApiName, CountryCode, RecordId
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.registry.models import CertificationStatus
from casm.registry.selectors import country_by_code

from .. import selectors, services
from ..models import Criterion, Finding, Inspection
from . import router

SiteStatus = Annotated[CertificationStatus, ApiName("SiteCertificationStatus")]
FindingValue = Annotated[Finding, ApiName("InspectionFinding")]


class Findings(Schema):
    """A finding (met or breached) on every criterion."""

    armed_groups: FindingValue
    security_forces: FindingValue
    child_labour: FindingValue
    serious_abuse: FindingValue
    legal_status: FindingValue
    traceability: FindingValue
    taxes: FindingValue
    health_safety: FindingValue
    environment: FindingValue


class InspectionIn(Schema):
    site: RecordId = Field(..., description="The registry's site")
    inspected_on: datetime.date
    authority: str = Field(..., min_length=1, max_length=200)
    findings: Findings
    note: str = Field("", max_length=4000, description="Kept for the inspectors, never public")


class InspectionOut(Schema):
    id: int
    site: int
    site_code: str
    country: str = Field(..., description="ISO alpha-2")
    inspected_on: datetime.date
    authority: str
    findings: Findings
    breached: list[str]
    status: str = Field(..., description="green, yellow or red")
    valid_until: datetime.date | None
    red_held_until: datetime.date | None = Field(
        ..., description="A red site may not be cleared before this day"
    )
    note: str

    @staticmethod
    def resolve_site(inspection: Inspection) -> int:
        return inspection.site_id

    @staticmethod
    def resolve_site_code(inspection: Inspection) -> str:
        return inspection.site.code

    @staticmethod
    def resolve_country(inspection: Inspection) -> str:
        return inspection.country.alpha2

    @staticmethod
    def resolve_breached(inspection: Inspection) -> list[str]:
        return inspection.breached()


class InspectionFilters(Schema):
    country: CountryCode | None = None
    status: SiteStatus | None = None
    site: str | None = Field(None, max_length=100, description="Site code or part of its name")


class StatusEntryOut(Schema):
    status: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    cause: str = Field(..., description="In the reader's language")
    authority: str
    breached: list[str] = Field(..., description="The criteria breached, in words")
    red_held_until: datetime.date | None


class SiteStatusOut(Schema):
    site: int
    site_code: str
    status: str = Field(..., description="In force today: green, yellow, red or blue")
    since: datetime.date | None
    until: datetime.date | None
    lapsed: bool = Field(..., description="The status before ran out and this one followed")
    history: list[StatusEntryOut]

    @staticmethod
    def resolve_site(history: selectors.StatusHistory) -> int:
        return history.site.pk

    @staticmethod
    def resolve_site_code(history: selectors.StatusHistory) -> str:
        return history.site.code

    @staticmethod
    def resolve_history(history: selectors.StatusHistory) -> list[StatusEntryOut]:
        return [StatusEntryOut(**entry) for entry in history.entries]


@router.get("/traceability/inspections", response=list[InspectionOut])
@paginate(LimitOffset)
@endpoint("traceability.inspect")
def inspection_list(request: HttpRequest, filters: Query[InspectionFilters]):
    """Site inspections of the countries you inspect, newest first."""
    permissions.require(request.user, "traceability.inspect")
    wanted: dict[str, Any] = {
        "status": str(filters.status) if filters.status else "",
        "site": filters.site,
    }
    if filters.country:
        wanted["country"] = country_by_code(filters.country)
    return selectors.inspections_visible(request.user, wanted)


@router.get("/traceability/inspections/{inspection_id}", response=InspectionOut)
@endpoint("traceability.inspect")
def inspection_detail(request: HttpRequest, inspection_id: RecordId):
    return selectors.inspection_get(request.user, inspection_id)


@router.post("/traceability/inspections", response={201: InspectionOut})
@endpoint("traceability.inspect")
def inspection_record(request: HttpRequest, payload: InspectionIn):
    """Record an inspection of a site in your country: a critical criterion breached makes it
    red, any other yellow (three months), every one met green (one year); a site red for less
    than six months stays red."""
    permissions.require(request.user, "traceability.inspect")
    site = selectors.site_to_inspect_or_none(request.user, payload.site)
    if site is None:
        raise ValidationError({"site": [_("No site with this id in a country you inspect.")]})
    inspection = services.inspection_record(
        actor=request.user, site=site, inspected_on=payload.inspected_on,
        authority=payload.authority,
        findings={c: str(v) for c, v in payload.findings.model_dump().items()},
        note=payload.note,
    )  # fmt: skip
    return Status(201, inspection)


@router.get("/traceability/sites/{site_id}/status", response=SiteStatusOut)
@endpoint(PUBLIC)
def site_status(request: HttpRequest, site_id: RecordId):
    """A site's status in force today and its history (public: no person, no note)."""
    return selectors.site_status_history(selectors.site_public(site_id))


assert set(Findings.model_fields) == set(Criterion.values)  # one field per criterion
