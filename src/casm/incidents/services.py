"""Writes of the incident workflow: report, triage, resolve, and the daily escalation.

Every write goes through :mod:`casm.core.audit`. An anonymous report is audited without the
sender's address, so that the trail cannot name who the form kept anonymous.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import math
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.areas import areas_for_point
from casm.core.audit import audit_source, current_audit_context, model_create, model_update
from casm.core.models import Country
from casm.registry.validation import point_in_country

from .models import (
    RESOLUTION_DAYS,
    Incident,
    IncidentKind,
    IncidentStatus,
    Outcome,
    Severity,
)
from .selectors import overdue_on

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5000
# An identical report in the same country within this time is the same submission sent twice.
DUPLICATE_WINDOW = datetime.timedelta(hours=24)
# The earliest day an incident may be said to have happened (older reports are history).
EARLIEST = datetime.date(1990, 1, 1)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _today() -> datetime.date:
    return timezone.localdate()


def follow_key_new() -> str:
    """A key of 80 random bits in four groups of four letters and digits, easy to copy down."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def follow_key_hash(key: str) -> str:
    """The stored form of a follow-up key, whatever its case, spaces or dashes."""
    plain = "".join(ch for ch in (key or "").upper() if ch.isalnum())
    return hashlib.sha256(plain.encode("ascii", "ignore")).hexdigest()


def _next_reference(country: Country, year: int) -> str:
    prefix = f"INC-{country.alpha2}-{year}-"
    last = (
        Incident.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _place(
    *, country: Country, site: Any, latitude: Any, longitude: Any, location: str
) -> dict[str, Any]:
    """Where it happened: a site of the country, a point inside it, or a named place or route;
    with the province the site or point lies in."""
    if site is not None and site.country_id != country.pk:
        raise _invalid("site", _("This site is not in the country of the incident."))
    if (latitude is None) != (longitude is None):
        field = "longitude" if longitude is None else "latitude"
        raise _invalid(field, _("Give both the latitude and the longitude, or neither."))
    if latitude is not None:
        for field, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
            if not isinstance(value, int | float) or math.isnan(value) or abs(value) > limit:
                raise _invalid(
                    field, _("Give a number between -%(limit)s and %(limit)s.") % {"limit": limit}
                )
        if point_in_country(country.alpha3, latitude, longitude) is False:
            raise _invalid(
                "latitude",
                _("This point lies outside %(country)s: check the coordinates' order and signs.")
                % {"country": country.name},
            )
    if site is None and latitude is None and not location:
        raise _invalid(
            "location", _("Say where it happened: a mine site, a place or route, or coordinates.")
        )
    area = None
    if site is not None and site.area1_id:
        area = site.area1
    elif latitude is not None:
        area = areas_for_point(country.pk, float(longitude), float(latitude)).get(1)
    elif site is not None and site.latitude is not None:
        area = areas_for_point(country.pk, site.longitude, site.latitude).get(1)
    province = area.name if area is not None else (site.admin1 if site is not None else "")
    return {"area1": area, "province": province[:200]}


def incident_report(
    *,
    actor: Any,
    country: Country,
    kind: str,
    occurred_on: datetime.date | None,
    description: str,
    site: Any = None,
    location: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    reporter_name: str = "",
    reporter_contact: str = "",
) -> tuple[Incident, str]:
    """Record a report from anyone (``actor`` None or anonymous: a visitor of the public form).

    Returns the incident and its follow-up key, which is shown once and kept only as a hash.
    The same text reported twice in a country within a day is refused as a duplicate."""
    if kind not in IncidentKind.values:
        raise _invalid("kind", _("Choose the kind of incident from the list."))
    if occurred_on is None:
        raise _invalid("occurred_on", _("Say on which day it happened (an estimate will do)."))
    if occurred_on > _today():
        raise _invalid("occurred_on", _("This day is still to come."))
    if occurred_on < EARLIEST:
        raise _invalid("occurred_on", _("Report incidents from 1990 onwards."))
    description = (description or "").strip()
    if len(description) < DESCRIPTION_MIN:
        raise _invalid("description", _("Say in a few words what happened."))
    if len(description) > DESCRIPTION_MAX:
        raise _invalid(
            "description",
            _("Keep it under %(count)s characters; the handler will ask for more.")
            % {"count": DESCRIPTION_MAX},
        )
    location = (location or "").strip()[:300]
    place = _place(
        country=country, site=site, latitude=latitude, longitude=longitude, location=location
    )
    since = timezone.now() - DUPLICATE_WINDOW
    twice = Incident.objects.filter(
        country=country, kind=kind, description=description, reported_at__gte=since
    ).first()
    if twice is not None:
        raise _invalid(
            "description",
            _("This report was already received as %(reference)s.")
            % {"reference": twice.reference},
        )
    reporter = actor if permissions.is_signed_in(actor) else None
    key = follow_key_new()
    data = {
        "country": country, "kind": kind, "occurred_on": occurred_on, "site": site,
        "location": location, "latitude": latitude, "longitude": longitude,
        "description": description, "reporter": reporter,
        "reporter_name": (reporter_name or "").strip()[:200],
        "reporter_contact": (reporter_contact or "").strip()[:200],
        "follow_key_hash": follow_key_hash(key), **place,
    }  # fmt: skip
    context = current_audit_context()
    # An anonymous report leaves no address in the audit trail.
    with audit_source(context.source, context.ip_address if reporter else None):
        for attempt in range(5):
            data["reference"] = _next_reference(country, timezone.localdate().year)
            try:
                with transaction.atomic():
                    incident = model_create(model=Incident, actor=reporter, data=dict(data))
            except (IntegrityError, ValidationError) as exc:
                # Two reports numbered at the same moment: the later takes the next number.
                taken = Incident.objects.filter(reference=data["reference"]).exists()
                if not taken or attempt == 4:
                    raise exc
                continue
            return incident, key
    raise AssertionError("unreachable")  # pragma: no cover


def incident_by_follow_key(key: str) -> Incident | None:
    """The incident a reporter follows with their key (None for a key that matches none)."""
    return Incident.objects.filter(follow_key_hash=follow_key_hash(key)).first()


def _handler_checked(incident: Incident, handler: Any) -> Any:
    if handler is None or not permissions.can(
        handler, "incidents.handle", country=incident.country_id
    ):
        raise _invalid("handler", _("The handler handles incidents in the incident's country."))
    return handler


def incident_triage(
    *,
    actor: Any,
    incident: Incident,
    accept: bool,
    severity: str = "",
    handler: Any = None,
    due_on: datetime.date | None = None,
    note: str = "",
    public_note: str = "",
) -> Incident:
    """Accept a report for investigation (with its severity, handler and deadline: by default
    30, 60 or 90 days by severity) or dismiss it (saying why)."""
    permissions.require(actor, "incidents.handle", country=incident.country_id)
    if incident.status != IncidentStatus.REPORTED:
        raise _invalid("status", _("This incident has already been triaged."))
    note = (note or "").strip()[:4000]
    now = timezone.now()
    data: dict[str, Any] = {
        "triaged_at": now, "triaged_by": actor, "triage_note": note,
        "public_note": (public_note or "").strip()[:500], "escalated_on": None,
    }  # fmt: skip
    if not accept:
        if not note:
            raise _invalid("note", _("Say why the report is dismissed."))
        data["status"] = IncidentStatus.DISMISSED
    else:
        if severity not in Severity.values:
            raise _invalid("severity", _("Choose the severity."))
        handler = _handler_checked(incident, handler)
        today = timezone.localdate(now)
        due_on = due_on or today + datetime.timedelta(days=RESOLUTION_DAYS[severity])
        if due_on < today:
            raise _invalid("due_on", _("The deadline is already past."))
        data.update(
            status=IncidentStatus.INVESTIGATING, severity=severity, handler=handler, due_on=due_on
        )
    updated, _changes = model_update(instance=incident, actor=actor, data=data)
    return updated


def incident_reassign(
    *, actor: Any, incident: Incident, handler: Any, due_on: datetime.date | None
) -> Incident:
    """Give an incident under investigation another handler or deadline."""
    permissions.require(actor, "incidents.handle", country=incident.country_id)
    if incident.status != IncidentStatus.INVESTIGATING:
        raise _invalid("status", _("Only an incident under investigation is reassigned."))
    handler = _handler_checked(incident, handler)
    data: dict[str, Any] = {"handler": handler}
    if due_on is not None:
        if due_on < _today():
            raise _invalid("due_on", _("The deadline is already past."))
        data["due_on"] = due_on
        if incident.escalated_on and due_on >= _today():
            data["escalated_on"] = None
    updated, _changes = model_update(instance=incident, actor=actor, data=data)
    return updated


def incident_resolve(
    *, actor: Any, incident: Incident, outcome: str, resolution: str, public_note: str = ""
) -> Incident:
    """Close an investigation: whether the incident was confirmed, and what was done."""
    permissions.require(actor, "incidents.handle", country=incident.country_id)
    if incident.status != IncidentStatus.INVESTIGATING:
        raise _invalid("status", _("Only an incident under investigation is resolved."))
    if outcome not in Outcome.values:
        raise _invalid("outcome", _("Say whether the incident was confirmed."))
    resolution = (resolution or "").strip()[:4000]
    if not resolution:
        raise _invalid("resolution", _("Say what was found and what was done."))
    data = {
        "status": IncidentStatus.RESOLVED, "outcome": outcome, "resolution": resolution,
        "resolved_at": timezone.now(), "resolved_by": actor,
        "public_note": (public_note or incident.public_note).strip()[:500],
    }  # fmt: skip
    updated, _changes = model_update(instance=incident, actor=actor, data=data)
    return updated


def incidents_escalate(*, today: datetime.date | None = None) -> int:
    """The daily round: escalate (once each) the reports not triaged within seven days and the
    investigations past their deadline. The handlers' list shows them as overdue."""
    today = today or _today()
    overdue = list(Incident.objects.filter(overdue_on(today), escalated_on__isnull=True))
    for incident in overdue:
        model_update(instance=incident, actor=None, data={"escalated_on": today})
    return len(overdue)
