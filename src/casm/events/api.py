"""The events API: events and their agenda (open to anyone), registration and cancellation
(signed-in members, for themselves), and for the secretariat every registration, check-in,
the attendee list as CSV and the statistics.

A registration that is not the caller's is 404; a secretariat action by anyone else is 403.
Countries are ISO alpha-2 codes.
"""

import datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from casm.accounts.models import Organisation
from casm.core.api_router import Router
from casm.core.api_types import ApiName, CountryCode, RecordId
from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.events import selectors, services
from casm.events.exports import attendees_csv
from casm.events.models import Event, FieldVisit, Registration, Session
from casm.library.models import Document
from casm.registry.models import Site

EventKind = Annotated[Event.Kind, ApiName("EventKind")]

router = Router(tags=["events"])


def _country(code: str | None, field: str) -> Country | None:
    if not code:
        return None
    country = Country.objects.filter(alpha2=code.upper()).first()
    if country is None:
        raise ValidationError({field: [f"Unknown country code {code!r}."]})
    return country


def _require_secretariat(request: HttpRequest) -> None:
    if not services.is_secretariat(request.user):
        raise PermissionDenied("Only the secretariat may do this.")


class RegistrationIn(Schema):
    full_name: str = Field("", max_length=200)
    organisation_name: str = Field("", max_length=200)
    organisation_kind: str = Field("", description="An organisation type code")
    country: CountryCode = Field(..., description="ISO alpha-2 code")
    gender: Registration.Gender = Registration.Gender.UNSTATED
    dietary_needs: str = ""
    accessibility_needs: str = ""
    visa_letter: bool = False
    field_visit: RecordId | None = None


class RegistrationOut(Schema):
    id: int
    event_id: int
    user: str
    full_name: str
    organisation_name: str
    organisation_kind: str
    country: str
    gender: str
    dietary_needs: str
    accessibility_needs: str
    visa_letter: bool
    field_visit_id: int | None
    status: str
    waiting_position: int | None
    first_time: bool
    checked_in_at: datetime.datetime | None
    created_at: datetime.datetime
    message: str

    @staticmethod
    def resolve_user(registration: Registration) -> str:
        return registration.user.get_username()

    @staticmethod
    def resolve_country(registration: Registration) -> str:
        return registration.country.alpha2

    @staticmethod
    def resolve_message(registration: Registration) -> str:
        return services.registration_message(registration)


class CancelOut(Schema):
    registration: RegistrationOut
    promoted_id: int | None


# --- Events ---------------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    kind: str
    title: str
    year: int
    host_country: str | None
    city: str
    starts_on: datetime.date
    ends_on: datetime.date
    registration_deadline: datetime.date | None
    theme: str
    languages: str
    description: str
    capacity: int
    seats_left: int

    @staticmethod
    def resolve_host_country(event: Event) -> str | None:
        return event.host_country.alpha2 if event.host_country else None

    @staticmethod
    def resolve_seats_left(event: Event) -> int:
        return selectors.seats_left(event)


class EventIn(Schema):
    kind: EventKind
    title: str = Field(..., max_length=300)
    year: int
    host_country: CountryCode | None = Field(None, description="ISO alpha-2 code")
    city: str = ""
    starts_on: datetime.date
    ends_on: datetime.date
    registration_deadline: datetime.date | None = None
    theme: str = ""
    languages: str = ""
    description: str = ""
    capacity: int = Field(..., ge=0)


class SessionOut(Schema):
    id: int
    title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    room: str
    speakers: str
    presentation_id: int | None


class FieldVisitOut(Schema):
    id: int
    title: str
    date: datetime.date
    capacity: int
    transport: str
    safety_briefing: str
    site_id: int | None


@router.get("/events", response=list[EventOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def event_list(request: HttpRequest, kind: str = "", year: int | None = None):
    """Events, newest first, with the seats left; filter by kind or year."""
    events = selectors.event_list()
    if kind:
        events = events.filter(kind=kind)
    if year:
        events = events.filter(year=year)
    return events


@router.post("/events", response={201: EventOut})
@endpoint("events.manage")
def event_create(request: HttpRequest, payload: EventIn):
    """A new event (the secretariat)."""
    _require_secretariat(request)
    data = payload.dict()
    data["host_country"] = _country(data["host_country"], "host_country")
    event = services.event_create(actor=request.user, data=data)
    return Status(201, selectors.event_get(event.pk))


@router.get("/events/registrations", response=list[RegistrationOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def registration_list(request: HttpRequest, event: RecordId | None = None):
    """The caller's registrations; the secretariat sees everyone's (filter by event)."""
    registrations = selectors.registrations_for_user(request.user).order_by("pk")
    if event is not None:
        registrations = registrations.filter(event_id=event)
    return registrations


@router.get("/events/registrations/{registration_id}", response=RegistrationOut)
@endpoint(SIGNED_IN)
def registration_detail(request: HttpRequest, registration_id: int):
    return selectors.registration_get_for_user(request.user, registration_id)


@router.post("/events/registrations/{registration_id}/cancel", response=CancelOut)
@endpoint(SIGNED_IN)
def registration_cancel(request: HttpRequest, registration_id: int):
    """Cancel a registration (one's own, or any for the secretariat); the first person on the
    waiting list takes the seat."""
    registration = selectors.registration_get_for_user(request.user, registration_id)
    promoted = services.registration_cancel(actor=request.user, registration=registration)
    registration.refresh_from_db()
    return CancelOut.model_validate(
        {"registration": registration, "promoted_id": promoted.pk if promoted else None}
    )


@router.post("/events/registrations/{registration_id}/check-in", response=RegistrationOut)
@endpoint("events.manage")
def registration_check_in(request: HttpRequest, registration_id: int):
    """Mark a confirmed attendee as arrived (the secretariat)."""
    _require_secretariat(request)
    registration = selectors.registration_get_for_user(request.user, registration_id)
    registration = services.registration_check_in(actor=request.user, registration=registration)
    return registration


@router.get("/events/{event_id}", response=EventOut)
@endpoint(PUBLIC)
def event_detail(request: HttpRequest, event_id: int):
    return selectors.event_get(event_id)


@router.get("/events/{event_id}/sessions", response=list[SessionOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def session_list(request: HttpRequest, event_id: int):
    """The event's agenda, in order."""
    event = selectors.event_get(event_id)
    return Session.objects.filter(event=event)


class EventPatch(Schema):
    kind: EventKind | None = None
    title: str | None = Field(None, max_length=300)
    year: int | None = None
    host_country: CountryCode | None = Field(None, description="ISO alpha-2 code")
    city: str | None = None
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    registration_deadline: datetime.date | None = None
    theme: str | None = None
    languages: str | None = None
    description: str | None = None
    capacity: int | None = Field(None, ge=0)


@router.patch("/events/{event_id}", response=EventOut)
@endpoint("events.manage")
def event_update(request: HttpRequest, event_id: int, payload: EventPatch):
    """Change an event (the secretariat); more seats promote people from the waiting list."""
    _require_secretariat(request)
    event = selectors.event_get(event_id)
    data = payload.dict(exclude_unset=True)
    if "host_country" in data:
        data["host_country"] = _country(data["host_country"], "host_country")
    services.event_update(actor=request.user, event=event, data=data)
    return selectors.event_get(event_id)


class SessionIn(Schema):
    title: str = Field(..., max_length=300)
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    room: str = ""
    speakers: str = ""
    presentation_id: RecordId | None = Field(None, description="A published library document")


@router.post("/events/{event_id}/sessions", response={201: SessionOut})
@endpoint("events.manage")
def session_create(request: HttpRequest, event_id: int, payload: SessionIn):
    """Add a session to the agenda (the secretariat)."""
    _require_secretariat(request)
    event = selectors.event_get(event_id)
    data = payload.dict()
    document_id = data.pop("presentation_id")
    if document_id is not None:
        data["presentation"] = Document.objects.filter(
            pk=document_id, status=Document.Status.PUBLISHED
        ).first()
        if data["presentation"] is None:
            raise ValidationError({"presentation_id": ["Unknown published document."]})
    return Status(201, services.session_create(actor=request.user, event=event, data=data))


class FieldVisitIn(Schema):
    title: str = Field(..., max_length=300)
    date: datetime.date
    capacity: int = Field(..., ge=0)
    transport: str = ""
    safety_briefing: str = ""
    site_id: RecordId | None = Field(None, description="A site of the registry")


@router.post("/events/{event_id}/field-visits", response={201: FieldVisitOut})
@endpoint("events.manage")
def field_visit_create(request: HttpRequest, event_id: int, payload: FieldVisitIn):
    """Add a field visit (the secretariat)."""
    _require_secretariat(request)
    event = selectors.event_get(event_id)
    data = payload.dict()
    site_id = data.pop("site_id")
    if site_id is not None:
        data["site"] = Site.objects.filter(pk=site_id).first()
        if data["site"] is None:
            raise ValidationError({"site_id": ["Unknown site."]})
    return Status(201, services.field_visit_create(actor=request.user, event=event, data=data))


@router.get("/events/{event_id}/field-visits", response=list[FieldVisitOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def field_visit_list(request: HttpRequest, event_id: int):
    event = selectors.event_get(event_id)
    return FieldVisit.objects.filter(event=event)


# --- Registrations --------------------------------------------------------------------------


@router.post("/events/{event_id}/register", response={201: RegistrationOut})
@endpoint(SIGNED_IN)
def register(request: HttpRequest, event_id: int, payload: RegistrationIn):
    """Register the caller: a confirmed seat, or a place on the waiting list when the event is
    full (``status`` and ``message`` say which)."""
    event = selectors.event_get(event_id)
    data = payload.dict()
    data["country"] = _country(data["country"], "country")
    if data["organisation_kind"] and data["organisation_kind"] not in Organisation.Kind.values:
        raise ValidationError({"organisation_kind": ["Unknown organisation type."]})
    visit_id = data.pop("field_visit")
    if visit_id is not None:
        visit = FieldVisit.objects.filter(pk=visit_id, event=event).first()
        if visit is None:
            raise ValidationError({"field_visit": ["Unknown field visit of this event."]})
        data["field_visit"] = visit
    user: Any = request.user
    if user.organisation_id:
        data["organisation"] = user.organisation
    registration = services.registration_create(actor=user, event=event, data=data)
    return Status(201, registration)


@router.get("/events/{event_id}/attendees.csv", response={200: None})
@endpoint("events.manage")
def attendee_export(request: HttpRequest, event_id: int, waiting: bool = False):
    """The attendee list as CSV (the secretariat)."""
    _require_secretariat(request)
    event = selectors.event_get(event_id)
    response = HttpResponse(
        attendees_csv(event, include_waiting=waiting), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="attendees-{event.pk}.csv"'
    return response


@router.get("/events/{event_id}/statistics", response=dict[str, Any])
@endpoint("events.manage")
def statistics(request: HttpRequest, event_id: int):
    """Attendees, countries, organisation types, gender and first-timers (the secretariat)."""
    _require_secretariat(request)
    return selectors.event_statistics(selectors.event_get(event_id))
