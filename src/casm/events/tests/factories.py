"""Small factories for the events tests."""

from __future__ import annotations

import datetime
from typing import Any

from casm.core.models import Country
from casm.events.models import Event

TODAY = datetime.date(2026, 11, 22)


def make_event(**extra: Any) -> Event:
    values: dict[str, Any] = {
        "kind": Event.Kind.CONFERENCE,
        "title": "CASM Annual Conference",
        "year": 2027,
        "host_country": Country.objects.get(alpha2="GH"),
        "city": "Accra",
        "starts_on": datetime.date(2027, 3, 10),
        "ends_on": datetime.date(2027, 3, 12),
        "registration_deadline": datetime.date(2027, 2, 28),
        "capacity": 2,
    }
    values.update(extra)
    return Event.objects.create(**values)


def registration_data(code: str = "GH", **extra: Any) -> dict[str, Any]:
    return {"country": Country.objects.get(alpha2=code), "gender": "woman", **extra}
