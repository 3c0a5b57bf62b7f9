"""Reads of the incident workflow: the handlers' incidents within their scope, the overdue
ones, a reporter's own report by its key, and the public counts (no text, no person)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions

from .models import FAMILY_OF, TRIAGE_DAYS, Incident, IncidentStatus, Outcome

HANDLE = "incidents.handle"


def overdue_on(today: datetime.date) -> Q:
    """The incidents overdue on ``today``: a report waiting more than seven days for its triage,
    or an investigation past its deadline."""
    late = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=TRIAGE_DAYS), datetime.time())
    )
    return Q(status=IncidentStatus.REPORTED, reported_at__lt=late) | Q(
        status=IncidentStatus.INVESTIGATING, due_on__lt=today
    )


def overdue_among(ids: list[int]) -> set[int]:
    """Which of the incidents ``ids`` are overdue today (one query)."""
    overdue = Incident.objects.filter(overdue_on(timezone.localdate()), pk__in=ids)
    return set(overdue.values_list("pk", flat=True))


def incidents_visible(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Incident]:
    """The incidents of the countries where ``user`` handles them, newest first, filtered by
    country, status (or ``overdue``), kind, family, handler (``mine``) and reference."""
    incidents = permissions.scope_queryset(
        Incident.objects.select_related("country", "site", "handler"), user, HANDLE
    )
    filters = filters or {}
    if filters.get("country"):
        incidents = incidents.filter(country=filters["country"])
    status = filters.get("status") or ""
    if status == "overdue":
        incidents = incidents.filter(overdue_on(timezone.localdate()))
    elif status == "open":
        incidents = incidents.filter(
            status__in=[IncidentStatus.REPORTED, IncidentStatus.INVESTIGATING]
        )
    elif status:
        incidents = incidents.filter(status=status)
    if filters.get("kind"):
        incidents = incidents.filter(kind=filters["kind"])
    if filters.get("family"):
        kinds = [kind for kind, family in FAMILY_OF.items() if family == filters["family"]]
        incidents = incidents.filter(kind__in=kinds)
    if filters.get("mine"):
        incidents = incidents.filter(handler=user)
    if filters.get("q"):
        incidents = incidents.filter(reference__icontains=str(filters["q"]).strip())
    return incidents


def incident_get_for_user(user: Any, pk: Any) -> Incident:
    """An incident of a country where ``user`` handles incidents, else 404."""
    permissions.require(user, HANDLE)
    incidents = Incident.objects.select_related(
        "country", "site", "handler", "reporter", "triaged_by", "resolved_by", "area1"
    )
    return permissions.get_in_scope_or_404(incidents, user, pk, HANDLE)


def handlers_of(country_id: int) -> list[Any]:
    """The active users who handle incidents in the country: whom a report may be given to."""
    from casm.accounts.models import User

    roles = permissions.roles_with(HANDLE) | {permissions.Role.ADMINISTRATOR}
    users = User.objects.filter(is_active=True, role_assignments__role__in=sorted(roles)).distinct()
    return [
        user
        for user in users.order_by("username")
        if permissions.can(user, HANDLE, country=country_id)
    ]


def incident_statistics(filters: dict[str, Any] | None = None) -> QuerySet[Any]:
    """Public counts of incidents by country, year (of the incident), province and kind:
    reports not dismissed, and those an investigation confirmed. Nothing a person wrote."""
    filters = filters or {}
    incidents = Incident.objects.exclude(status=IncidentStatus.DISMISSED)
    if filters.get("country"):
        incidents = incidents.filter(country=filters["country"])
    if filters.get("year"):
        incidents = incidents.filter(occurred_on__year=filters["year"])
    if filters.get("kind"):
        incidents = incidents.filter(kind=filters["kind"])
    return (
        incidents.annotate(year=ExtractYear("occurred_on"))
        .values("country__alpha2", "year", "province", "kind")
        .annotate(
            reported=Count("pk"),
            confirmed=Count("pk", filter=Q(outcome=Outcome.CONFIRMED)),
        )
        .order_by("-year", "country__alpha2", "province", "kind")
    )


def statistics_years() -> list[int]:
    """The years that have incidents, newest first (the statistics page's choices)."""
    years = (
        Incident.objects.exclude(status=IncidentStatus.DISMISSED)
        .annotate(year=ExtractYear("occurred_on"))
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted({year for year in years if year}, reverse=True)


def countries_handled(user: Any) -> QuerySet[Any]:
    """The countries where ``user`` handles incidents (every one for administrators)."""
    from casm.core.models import Country

    ids = permissions.country_ids_for(user, HANDLE)
    return Country.objects.all() if ids is None else Country.objects.filter(pk__in=sorted(ids))


def site_reported(code: str, country: Any = None) -> Any:
    """The registry's site with this code (in ``country`` when given), or None: a reporter names
    the site they saw. Only its code, name and country are shown back to them."""
    from casm.registry.models import Site

    sites = Site.objects.select_related("country").filter(code=(code or "").strip()[:60])
    if country is not None:
        sites = sites.filter(country=country)
    return sites.first()


def site_named(code: str, country: Any) -> Any:
    """The site a report names by its code, in the report's country; a ValidationError on
    ``site`` when there is none."""
    site = site_reported(code, country)
    if site is None:
        raise ValidationError({"site": [_("No site with this code in the country.")]})
    return site
