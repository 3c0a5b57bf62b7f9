"""Reads of the core app."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from casm.core.models import AuditEvent, Commodity, Country, Job
from casm.core.permissions import get_in_scope_or_404, scope_queryset


def country_list() -> QuerySet[Country]:
    return Country.objects.all()


def commodity_list() -> QuerySet[Commodity]:
    return Commodity.objects.all()


def audit_event_list(
    *,
    actor: Any = None,
    username: str = "",
    model: str = "",
    object_id: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    action: str = "",
) -> QuerySet[AuditEvent]:
    """The audit log, newest first, filtered; ``actor`` is the person who made the changes."""
    events = AuditEvent.objects.select_related("actor")
    if actor is not None:
        events = events.filter(actor=actor)
    if username:
        events = events.filter(actor__username=username)
    if model:
        events = events.filter(model=model)
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def audit_model_names() -> list[str]:
    return list(AuditEvent.objects.order_by("model").values_list("model", flat=True).distinct())


def job_list_for_user(user: Any) -> QuerySet[Job]:
    return scope_queryset(
        Job.objects.select_related("created_by"),
        user,
        "jobs.view_all",
        country_field=None,
        owner_field="created_by",
    )


def job_get_for_user(user: Any, pk: Any) -> Job:
    return get_in_scope_or_404(
        Job.objects.select_related("created_by"),
        user,
        pk,
        "jobs.view_all",
        country_field=None,
        owner_field="created_by",
    )


def admin_area_list(*, country: str = "", level: int | None = None, q: str = "") -> QuerySet:
    """Administrative areas (public reference data), without their boundaries."""
    from casm.core.models import AdminArea

    areas = AdminArea.objects.select_related("country", "parent").defer("geometry")
    if country:
        areas = areas.filter(country__alpha2=country.strip().upper()[:2])
    if level in (1, 2, 3):
        areas = areas.filter(level=level)
    if q:
        areas = areas.filter(name__icontains=q) | areas.filter(code__iexact=q)
    return areas.order_by("country__alpha2", "level", "name", "pk")
