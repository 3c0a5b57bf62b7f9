"""Writes of the events app: events, their agenda and field visits, registrations with the
waiting list, check-in and reminders. Every rule is here, so the pages, the API and the
``casm events`` command agree.

Seats are never oversold: a registration counts the confirmed seats and inserts itself inside
one transaction that holds the event's row lock (PostgreSQL, ``SELECT … FOR UPDATE``) or the
database's write lock (SQLite, whose transactions begin ``IMMEDIATE`` in this project).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import audit_record, model_create, model_delete, model_update
from casm.core.mail import mail_to
from casm.events.models import Event, FieldVisit, Registration, Session

logger = logging.getLogger(__name__)
Status = Registration.Status

EVENT_FIELDS = [
    "kind",
    "title",
    "year",
    "host_country",
    "city",
    "starts_on",
    "ends_on",
    "registration_deadline",
    "theme",
    "description",
    "languages",
    "capacity",
]
SESSION_FIELDS = ["title", "starts_at", "ends_at", "room", "speakers", "presentation"]
FIELD_VISIT_FIELDS = ["title", "date", "capacity", "transport", "safety_briefing", "site"]
REGISTRATION_FIELDS = [
    "full_name",
    "organisation",
    "organisation_name",
    "country",
    "organisation_kind",
    "gender",
    "dietary_needs",
    "accessibility_needs",
    "visa_letter",
    "field_visit",
]


def is_secretariat(user: Any) -> bool:
    """The secretariat (administrators) runs events: agenda, attendees, badges, check-in."""
    return permissions.can(user, "events.manage")


def _require_secretariat(actor: Any) -> None:
    permissions.require(actor, "events.manage")


def _require_member(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.is_active):
        raise PermissionDenied(_("Sign in to register for an event."))


def _pick(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {name: data[name] for name in fields if name in data}


# --- Events, sessions, field visits -----------------------------------------------------


def _check_event_dates(data: dict[str, Any]) -> None:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    deadline = data.get("registration_deadline")
    errors: dict[str, str] = {}
    if starts and ends and ends < starts:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    if deadline and ends and deadline > ends:
        errors["registration_deadline"] = _("The deadline cannot be after the event has ended.")
    if errors:
        raise ValidationError(errors)


def event_create(*, actor: Any, data: dict[str, Any]) -> Event:
    """The secretariat announces an event."""
    _require_secretariat(actor)
    values = _pick(data, EVENT_FIELDS)
    _check_event_dates(values)
    return model_create(model=Event, actor=actor, data=values)


def event_update(*, actor: Any, event: Event, data: dict[str, Any]) -> Event:
    """Change an event; more seats promote people from the waiting list at once."""
    _require_secretariat(actor)
    values = _pick(data, EVENT_FIELDS)
    merged = {name: getattr(event, name) for name in EVENT_FIELDS} | values
    _check_event_dates(merged)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        event, _changes = model_update(instance=locked, actor=actor, data=values)
        _promote_waiting(event, actor=actor)
    return event


def event_delete(*, actor: Any, event: Event) -> None:
    _require_secretariat(actor)
    model_delete(instance=event, actor=actor)


def _check_session(event: Event, values: dict[str, Any]) -> None:
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts and ends and ends <= starts:
        raise ValidationError({"ends_at": _("A session must end after it starts.")})


def session_create(*, actor: Any, event: Event, data: dict[str, Any]) -> Session:
    """Add a session to an event's agenda."""
    _require_secretariat(actor)
    values = _pick(data, SESSION_FIELDS)
    _check_session(event, values)
    return model_create(model=Session, actor=actor, data={"event": event, **values})


def session_update(*, actor: Any, session: Session, data: dict[str, Any]) -> Session:
    _require_secretariat(actor)
    values = _pick(data, SESSION_FIELDS)
    _check_session(
        session.event, {name: getattr(session, name) for name in SESSION_FIELDS} | values
    )
    return model_update(instance=session, actor=actor, data=values)[0]


def session_delete(*, actor: Any, session: Session) -> None:
    _require_secretariat(actor)
    model_delete(instance=session, actor=actor)


def field_visit_create(*, actor: Any, event: Event, data: dict[str, Any]) -> FieldVisit:
    """Add a field visit to a mining site to an event."""
    _require_secretariat(actor)
    return model_create(
        model=FieldVisit, actor=actor, data={"event": event, **_pick(data, FIELD_VISIT_FIELDS)}
    )


def field_visit_update(*, actor: Any, visit: FieldVisit, data: dict[str, Any]) -> FieldVisit:
    _require_secretariat(actor)
    return model_update(instance=visit, actor=actor, data=_pick(data, FIELD_VISIT_FIELDS))[0]


def field_visit_delete(*, actor: Any, visit: FieldVisit) -> None:
    _require_secretariat(actor)
    model_delete(instance=visit, actor=actor)


# --- Registration -----------------------------------------------------------------------


def registration_message(registration: Registration) -> str:
    if registration.status == Status.CONFIRMED:
        return _("Your seat at %(event)s is confirmed.") % {"event": registration.event.title}
    if registration.status == Status.WAITING:
        return _(
            "The event is full; you are number %(position)d on the waiting list. "
            "We will write to you if a seat frees up."
        ) % {"position": registration.waiting_position or 0}
    return _("This registration is cancelled.")


def _is_first_time(user_id: int, event: Event) -> bool:
    return not Registration.objects.filter(
        user_id=user_id, status=Status.CONFIRMED, event__starts_on__lt=event.starts_on
    ).exists()


def registration_create(
    *, actor: Any, event: Event, data: dict[str, Any], today: datetime.date | None = None
) -> Registration:
    """Register ``actor`` for ``event``: a confirmed seat while seats are left, otherwise a place
    on the waiting list (the message says which number).

    Refused after the registration deadline, once the event has started, and when the person
    already holds a registration that is not cancelled.
    """
    _require_member(actor)
    today = today or timezone.localdate()
    if event.registration_deadline and today > event.registration_deadline:
        raise ValidationError(
            _("Registration closed on %(date)s.")
            % {"date": date_format(event.registration_deadline, "DATE_FORMAT")}
        )
    if today > event.ends_on:
        raise ValidationError(_("This event is over; registration is closed."))
    values = _pick(data, REGISTRATION_FIELDS)
    visit = values.get("field_visit")
    if visit is not None and visit.event_id != event.pk:
        raise ValidationError({"field_visit": _("This field visit belongs to another event.")})
    if not values.get("full_name"):
        values["full_name"] = actor.get_full_name() or actor.get_username()
    organisation = values.get("organisation")
    if organisation is not None:
        values.setdefault("organisation_name", organisation.name)
        if not values.get("organisation_kind"):
            values["organisation_kind"] = organisation.kind
    try:
        with transaction.atomic():
            # The lock serialises registrations for this event (PostgreSQL); on SQLite the
            # transaction already holds the database's write lock from its first statement.
            locked = Event.objects.select_for_update().get(pk=event.pk)
            if (
                Registration.objects.filter(event=locked, user=actor)
                .exclude(status=Status.CANCELLED)
                .exists()
            ):
                raise ValidationError(_("You are already registered for this event."))
            confirmed = Registration.objects.filter(event=locked, status=Status.CONFIRMED).count()
            if confirmed < locked.capacity:
                values["status"] = Status.CONFIRMED
                values["waiting_position"] = None
                if visit is not None and _field_visit_full(visit):
                    raise ValidationError({"field_visit": _("This field visit is full.")})
            else:
                values["status"] = Status.WAITING
                last = Registration.objects.filter(event=locked, status=Status.WAITING).aggregate(
                    last=Max("waiting_position")
                )["last"]
                values["waiting_position"] = (last or 0) + 1
            values["first_time"] = _is_first_time(actor.pk, locked)
            registration = model_create(
                model=Registration, actor=actor, data={"event": locked, "user": actor, **values}
            )
            transaction.on_commit(lambda: _mail_registration(registration))
    except IntegrityError as exc:
        # Two requests of the same person at once: the constraint lets only one through.
        raise ValidationError(_("You are already registered for this event.")) from exc
    return registration


def _field_visit_full(visit: FieldVisit) -> bool:
    taken = visit.registrations.filter(status=Status.CONFIRMED).count()
    return taken >= visit.capacity


def can_manage_registration(user: Any, registration: Registration) -> bool:
    return is_secretariat(user) or (
        getattr(user, "is_authenticated", False) and registration.user_id == user.pk
    )


def registration_cancel(*, actor: Any, registration: Registration) -> Registration | None:
    """Cancel a registration; a freed seat goes to the first person on the waiting list, who is
    told by e-mail. Returns the promoted registration, if any."""
    if not can_manage_registration(actor, registration):
        raise PermissionDenied(_("You may only cancel your own registrations."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise ValidationError(_("This registration is already cancelled."))
        old_position = registration.waiting_position
        model_update(
            instance=registration,
            actor=actor,
            data={"status": Status.CANCELLED, "waiting_position": None},
        )
        if old_position is not None:
            Registration.objects.filter(
                event=event, status=Status.WAITING, waiting_position__gt=old_position
            ).update(waiting_position=F("waiting_position") - 1)
        promoted = _promote_waiting(event, actor=actor)
    return promoted[0] if promoted else None


def _promote_waiting(event: Event, *, actor: Any) -> list[Registration]:
    """Give free seats to the waiting list in order; the caller holds the event's lock."""
    promoted: list[Registration] = []
    free = event.capacity - event.registrations.filter(status=Status.CONFIRMED).count()
    if free <= 0:
        return promoted
    waiting = list(
        event.registrations.filter(status=Status.WAITING)
        .select_related("field_visit")
        .order_by("waiting_position", "pk")[:free]
    )
    for registration in waiting:
        data: dict[str, Any] = {"status": Status.CONFIRMED, "waiting_position": None}
        visit = registration.field_visit
        # A seat at the event is not a place on its field visit: that one is checked again.
        lost_visit = visit is not None and _field_visit_full(visit)
        if lost_visit:
            data["field_visit"] = None
        model_update(instance=registration, actor=actor, data=data)
        registration.lost_field_visit = visit if lost_visit else None  # type: ignore[attr-defined]
        promoted.append(registration)
    if waiting:
        Registration.objects.filter(event=event, status=Status.WAITING).update(
            waiting_position=F("waiting_position") - len(waiting)
        )
        for registration in waiting:
            transaction.on_commit(lambda r=registration: _mail_promotion(r))  # type: ignore[misc]
    return promoted


def registration_check_in(*, actor: Any, registration: Registration) -> Registration:
    """Mark a confirmed attendee as arrived, at the door."""
    _require_secretariat(actor)
    if registration.status != Status.CONFIRMED:
        raise ValidationError(_("Only confirmed attendees can be checked in."))
    if registration.checked_in_at is not None:
        raise ValidationError(
            _("%(name)s was already checked in.") % {"name": registration.full_name}
        )
    return model_update(instance=registration, actor=actor, data={"checked_in_at": timezone.now()})[
        0
    ]


# --- E-mail -----------------------------------------------------------------------------


def _event_line(event: Event) -> str:
    """The event's title, dates and place, in the active language."""
    place = ", ".join(part for part in (event.city, str(event.host_country or "")) if part)
    starts, ends = (date_format(day, "DATE_FORMAT") for day in (event.starts_on, event.ends_on))
    return f"{event.title}\n{starts} – {ends}\n{place}"


def _mail_registration(registration: Registration) -> bool:
    def write() -> tuple[str, str]:
        subject = (
            _("Registration confirmed: %(event)s")
            if registration.status == Status.CONFIRMED
            else _("Waiting list: %(event)s")
        ) % {"event": registration.event.title}
        return subject, (
            f"{registration.full_name},\n\n{registration_message(registration)}\n\n"
            f"{_event_line(registration.event)}\n"
        )

    return mail_to(registration.user, write)


def _mail_promotion(registration: Registration) -> bool:
    lost = getattr(registration, "lost_field_visit", None)

    def write() -> tuple[str, str]:
        full = (
            "\n\n"
            + _("The field visit you chose, %(visit)s, is full: your seat is for the event only.")
            % {"visit": lost.title}
            if lost is not None
            else ""
        )
        return (
            _("A seat is yours: %(event)s") % {"event": registration.event.title},
            f"{registration.full_name},\n\n"
            + _("A seat has freed up and your registration is now confirmed.")
            + full
            + f"\n\n{_event_line(registration.event)}\n",
        )

    return mail_to(registration.user, write)


def registrations_remind(
    *, days: int = 7, today: datetime.date | None = None, actor: Any = None
) -> int:
    """E-mail a reminder to each confirmed attendee of the events starting within ``days``
    days, once. Returns how many reminders were sent."""
    today = today or timezone.localdate()
    pending = Registration.objects.filter(
        status=Status.CONFIRMED,
        reminded_at__isnull=True,
        event__starts_on__gte=today,
        event__starts_on__lte=today + datetime.timedelta(days=days),
    ).select_related("event", "event__host_country", "user")
    sent = 0
    for registration in pending:

        def write(registration: Registration = registration) -> tuple[str, str]:
            return (
                _("Reminder: %(event)s") % {"event": registration.event.title},
                f"{registration.full_name},\n\n"
                + _("A reminder: you have a confirmed seat at this event.")
                + f"\n\n{_event_line(registration.event)}\n",
            )

        if mail_to(registration.user, write):
            sent += 1
            Registration.objects.filter(pk=registration.pk).update(reminded_at=timezone.now())
            audit_record(
                actor=actor,
                action="update",
                instance=registration,
                changes={"reminded": [None, True]},
            )
    return sent
