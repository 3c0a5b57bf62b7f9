"""Small builders for network tests."""

from __future__ import annotations

import datetime
from typing import Any

from casm.accounts.models import Organisation
from casm.core.models import Country
from casm.network import services


def organisation(name: str, code: str = "GH", kind: str = "ngo", **extra: Any) -> Organisation:
    data = {
        "name": name,
        "kind": kind,
        "country": Country.objects.get(alpha2=code),
        "is_network_member": True,
        **extra,
    }
    return services.network_organisation_create(actor=None, data=data)


def person(name: str, public: bool = True, **extra: Any):
    return services.person_create(
        actor=None,
        data={
            "name": name,
            "public_profile": public,
            "email": f"{name.split()[0].lower()}@example.org",
            **extra,
        },
    )


def project(title: str, lead: Organisation, **extra: Any):
    return services.project_create(
        actor=None,
        data={
            "title": title,
            "lead_organisation": lead,
            "start": datetime.date(2005, 1, 1),
            **extra,
        },
    )
