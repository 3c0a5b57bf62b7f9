"""Reads of the events app: event lists, registrations a user may see, attendee lists and the
statistics CASM reported (attendees, countries, organisation types, gender, first-timers).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from casm.events.models import Event, Registration
from casm.events.services import is_secretariat

Status = Registration.Status


def event_list() -> QuerySet[Event]:
    """Events are public; each row carries its count of confirmed seats."""
    return (
        Event.objects.select_related("host_country")
        .annotate(
            confirmed_count=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED))
        )
        .order_by("-starts_on", "title")
    )


def event_get(pk: int) -> Event:
    try:
        return event_list().get(pk=pk)
    except Event.DoesNotExist as exc:
        raise Http404 from exc


def seats_left(event: Event) -> int:
    confirmed = getattr(event, "confirmed_count", None)
    if confirmed is None:
        confirmed = event.registrations.filter(status=Status.CONFIRMED).count()
    return max(event.capacity - confirmed, 0)


def registrations_for_user(user: Any) -> QuerySet[Registration]:
    """The registrations a user may see: their own; the secretariat sees all."""
    queryset = Registration.objects.select_related(
        "event", "event__host_country", "country", "organisation", "field_visit", "user"
    )
    if is_secretariat(user):
        return queryset
    if not (user and user.is_authenticated):
        return queryset.none()
    return queryset.filter(user=user)


def registration_get_for_user(user: Any, pk: int) -> Registration:
    try:
        return registrations_for_user(user).get(pk=pk)
    except Registration.DoesNotExist as exc:
        raise Http404 from exc


def user_registration_for_event(user: Any, event: Event) -> Registration | None:
    if not (user and user.is_authenticated):
        return None
    return (
        Registration.objects.filter(event=event, user=user).exclude(status=Status.CANCELLED).first()
    )


def attendees(event: Event, *, include_waiting: bool = False) -> QuerySet[Registration]:
    statuses = [Status.CONFIRMED] + ([Status.WAITING] if include_waiting else [])
    return (
        Registration.objects.filter(event=event, status__in=statuses)
        .select_related("country", "organisation", "field_visit")
        .order_by("status", "full_name", "pk")
    )


def _counts(queryset: QuerySet[Registration], field: str) -> dict[str, int]:
    rows = queryset.values(field).annotate(n=Count("pk")).order_by("-n", field)
    return {row[field] or "": row["n"] for row in rows}


def event_statistics(event: Event) -> dict[str, Any]:
    """Figures of one event, counted on confirmed registrations."""
    confirmed = Registration.objects.filter(event=event, status=Status.CONFIRMED)
    total = confirmed.count()
    countries = _counts(confirmed, "country__name_en")
    return {
        "attendees": total,
        "waiting": Registration.objects.filter(event=event, status=Status.WAITING).count(),
        "checked_in": confirmed.filter(checked_in_at__isnull=False).count(),
        "countries": len(countries),
        "by_country": countries,
        "by_organisation_kind": _counts(confirmed, "organisation_kind"),
        "by_gender": _counts(confirmed, "gender"),
        "first_time": confirmed.filter(first_time=True).count(),
    }


def statistics_by_year(kind: str | None = Event.Kind.CONFERENCE) -> list[dict[str, Any]]:
    """One row per year: attendees, countries, women, first-timers (of events of ``kind``)."""
    confirmed = Registration.objects.filter(status=Status.CONFIRMED)
    if kind:
        confirmed = confirmed.filter(event__kind=kind)
    rows = (
        confirmed.values("event__year")
        .annotate(
            attendees=Count("pk"),
            countries=Count("country", distinct=True),
            women=Count("pk", filter=Q(gender=Registration.Gender.WOMAN)),
            first_time=Count("pk", filter=Q(first_time=True)),
            events=Count("event", distinct=True),
        )
        .order_by("event__year")
    )
    return [
        {
            "year": row["event__year"],
            "events": row["events"],
            "attendees": row["attendees"],
            "countries": row["countries"],
            "women": row["women"],
            "first_time": row["first_time"],
        }
        for row in rows
    ]
