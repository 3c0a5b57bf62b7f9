"""The incident API: anyone reports an incident and follows it with its key; the handlers of
a country list, read, triage, reassign and resolve its incidents; anyone reads the counts."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.accounts.models import User
from casm.core import permissions
from casm.core.api_router import Router
from casm.core.api_types import ApiName, CountryCode, RecordId
from casm.core.pagination import LimitOffset, MappedRows
from casm.core.permissions import PUBLIC, endpoint
from casm.core.throttling import report_throttles
from casm.registry.selectors import country_by_code

from . import exports, selectors, services
from .models import Incident, IncidentKind, IncidentStatus, Outcome, Severity

router = Router(tags=["incidents"])

Kind = Annotated[IncidentKind, ApiName("IncidentKind")]
Status_ = Annotated[IncidentStatus, ApiName("IncidentStatus")]
SeverityValue = Annotated[Severity, ApiName("IncidentSeverity")]
OutcomeValue = Annotated[Outcome, ApiName("IncidentOutcome")]


class IncidentReportIn(Schema):
    country: CountryCode = Field(..., min_length=2, max_length=3)
    kind: Kind
    occurred_on: datetime.date
    description: str = Field(..., max_length=5000, description="What happened; never public")
    site: str | None = Field(None, max_length=60, description="The registry's site code")
    location: str = Field("", max_length=300, description="A place or route")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    reporter_name: str = Field("", max_length=200, description="Empty: anonymous")
    reporter_contact: str = Field("", max_length=200, description="Seen by the handlers only")


class IncidentReceiptOut(Schema):
    reference: str
    follow_key: str = Field(..., description="Shown once: the reporter follows the report with it")
    status: str


class FollowIn(Schema):
    key: str = Field(..., min_length=1, max_length=40)


class IncidentFollowOut(Schema):
    """What a reporter reads about their own report: no handler's name, no note of theirs."""

    reference: str
    kind: str
    reported_at: datetime.datetime
    status: str
    status_label: str = Field(..., description="In the reader's language")
    triaged_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    outcome: str
    public_note: str

    @staticmethod
    def resolve_status_label(incident: Incident) -> str:
        return str(incident.get_status_display())


class IncidentOut(Schema):
    id: int
    reference: str
    country: str = Field(..., description="ISO alpha-2")
    kind: str
    occurred_on: datetime.date
    site: int | None
    site_code: str | None
    location: str
    latitude: float | None
    longitude: float | None
    province: str
    description: str
    reporter: str | None = Field(..., description="The signed-in reporter or the name given")
    reporter_contact: str
    anonymous: bool
    reported_at: datetime.datetime
    status: str
    severity: str
    handler: str | None
    triaged_at: datetime.datetime | None
    triaged_by: str | None
    triage_note: str
    due_on: datetime.date | None
    overdue: bool
    resolved_at: datetime.datetime | None
    resolved_by: str | None
    outcome: str
    resolution: str
    public_note: str
    escalated_on: datetime.date | None

    @staticmethod
    def resolve_country(incident: Incident) -> str:
        return incident.country.alpha2

    @staticmethod
    def resolve_site(incident: Incident) -> int | None:
        return incident.site_id

    @staticmethod
    def resolve_site_code(incident: Incident) -> str | None:
        return incident.site.code if incident.site else None

    @staticmethod
    def resolve_reporter(incident: Incident) -> str | None:
        return incident.reporter_label or None

    @staticmethod
    def resolve_handler(incident: Incident) -> str | None:
        return incident.handler_name or None

    @staticmethod
    def resolve_triaged_by(incident: Incident) -> str | None:
        return incident.triaged_by_name or None

    @staticmethod
    def resolve_resolved_by(incident: Incident) -> str | None:
        return incident.resolved_by_name or None

    @staticmethod
    def resolve_overdue(incident: Incident) -> bool:
        return incident.escalated_on is not None and incident.is_open


class IncidentFilters(Schema):
    country: CountryCode | None = None
    status: str | None = Field(
        None, pattern="^(open|overdue|reported|investigating|resolved|dismissed)$"
    )
    kind: Kind | None = None
    mine: bool = Field(False, description="Only the incidents given to you")
    q: str | None = Field(None, max_length=30, description="Part of the reference")


class TriageIn(Schema):
    accept: bool = Field(..., description="True: investigate; false: dismiss (with a note)")
    severity: SeverityValue | None = None
    handler: RecordId | None = Field(None, description="A handler of the country (a user id)")
    due_on: datetime.date | None = Field(None, description="Empty: 30, 60 or 90 days")
    note: str = Field("", max_length=4000)
    public_note: str = Field("", max_length=500, description="What the reporter reads")


class ReassignIn(Schema):
    handler: RecordId
    due_on: datetime.date | None = None


class ResolveIn(Schema):
    outcome: OutcomeValue
    resolution: str = Field(..., max_length=4000)
    public_note: str = Field("", max_length=500)


class StatisticsFilters(Schema):
    country: CountryCode | None = None
    year: int | None = Field(None, ge=1990, le=2200)
    kind: Kind | None = None


class IncidentCountOut(Schema):
    country: str
    country_name: str
    year: int
    province: str
    family: str
    kind: str
    kind_label: str
    reported: int
    confirmed: int


def _handler(pk: int | None) -> Any:
    """The user a body names as handler, if active; the services refuse one who does not
    handle incidents in the country."""
    if pk is None:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


@router.post("/incidents", response={201: IncidentReceiptOut}, throttle=report_throttles())
@endpoint(PUBLIC)
def incident_report(request: HttpRequest, payload: IncidentReportIn):
    """Report an incident at a mine site or on a route, signed in or anonymously. The answer
    holds the report's reference and a follow-up key, given this once."""
    country = country_by_code(payload.country)
    if country is None:  # pragma: no cover - CountryCode admits known countries only
        raise ValidationError({"country": [_("Unknown country.")]})
    site = selectors.site_named(payload.site, country) if payload.site else None
    incident, key = services.incident_report(
        actor=request.user, country=country, kind=str(payload.kind),
        occurred_on=payload.occurred_on, description=payload.description, site=site,
        location=payload.location, latitude=payload.latitude, longitude=payload.longitude,
        reporter_name=payload.reporter_name, reporter_contact=payload.reporter_contact,
    )  # fmt: skip
    return Status(
        201, {"reference": incident.reference, "follow_key": key, "status": incident.status}
    )


@router.post("/incidents/follow", response=IncidentFollowOut, throttle=report_throttles())
@endpoint(PUBLIC)
def incident_follow(request: HttpRequest, payload: FollowIn):
    """Where a report stands, for whoever holds its follow-up key (a wrong key: 422 on it)."""
    incident = services.incident_by_follow_key(payload.key)
    if incident is None:
        raise ValidationError({"key": [_("No report has this key: check it letter by letter.")]})
    return incident


@router.get("/incidents/statistics", response=list[IncidentCountOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def incident_statistics(request: HttpRequest, filters: Query[StatisticsFilters]):
    """Counts of incidents by country, year, province and kind (dismissed reports aside):
    reported, and confirmed by an investigation. No text and no person."""
    wanted: dict[str, Any] = {"year": filters.year, "kind": str(filters.kind or "")}
    if filters.country:
        wanted["country"] = country_by_code(filters.country)
    return MappedRows(selectors.incident_statistics(wanted), exports.labelled)


@router.get("/incidents", response=list[IncidentOut])
@paginate(LimitOffset)
@endpoint("incidents.handle")
def incident_list(request: HttpRequest, filters: Query[IncidentFilters]):
    """The incidents of the countries where you handle them, newest first."""
    permissions.require(request.user, "incidents.handle")
    wanted: dict[str, Any] = {
        "status": filters.status or "", "kind": str(filters.kind or ""), "mine": filters.mine,
        "q": filters.q,
    }  # fmt: skip
    if filters.country:
        wanted["country"] = country_by_code(filters.country)
    return selectors.incidents_visible(request.user, wanted)


@router.get("/incidents/{incident_id}", response=IncidentOut)
@endpoint("incidents.handle")
def incident_detail(request: HttpRequest, incident_id: RecordId):
    return selectors.incident_get_for_user(request.user, incident_id)


@router.post("/incidents/{incident_id}/triage", response=IncidentOut)
@endpoint("incidents.handle")
def incident_triage(request: HttpRequest, incident_id: RecordId, payload: TriageIn):
    """Accept a report for investigation (severity, handler, deadline) or dismiss it."""
    incident = selectors.incident_get_for_user(request.user, incident_id)
    return services.incident_triage(
        actor=request.user, incident=incident, accept=payload.accept,
        severity=str(payload.severity or ""), handler=_handler(payload.handler),
        due_on=payload.due_on, note=payload.note, public_note=payload.public_note,
    )  # fmt: skip


@router.post("/incidents/{incident_id}/reassign", response=IncidentOut)
@endpoint("incidents.handle")
def incident_reassign(request: HttpRequest, incident_id: RecordId, payload: ReassignIn):
    """Give an incident under investigation another handler or deadline."""
    incident = selectors.incident_get_for_user(request.user, incident_id)
    return services.incident_reassign(
        actor=request.user, incident=incident, handler=_handler(payload.handler),
        due_on=payload.due_on,
    )  # fmt: skip


@router.post("/incidents/{incident_id}/resolve", response=IncidentOut)
@endpoint("incidents.handle")
def incident_resolve(request: HttpRequest, incident_id: RecordId, payload: ResolveIn):
    """Close an investigation: confirmed or not, and what was done."""
    incident = selectors.incident_get_for_user(request.user, incident_id)
    return services.incident_resolve(
        actor=request.user, incident=incident, outcome=str(payload.outcome),
        resolution=payload.resolution, public_note=payload.public_note,
    )  # fmt: skip
