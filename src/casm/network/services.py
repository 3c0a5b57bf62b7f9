"""Writes of the network directory: organisations' directory details, people, experts,
regional networks and memberships, partnerships and projects.

The secretariat (administrators) keeps the directory; every write is validated here and
audited, so the web forms, the API and ``casm network import-organisations`` agree.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casm.accounts.models import Organisation
from casm.core import permissions
from casm.core.audit import model_create, model_update
from casm.library.models import Language, Theme
from casm.network.models import (
    ExpertProfile,
    NetworkMembership,
    Partnership,
    Person,
    Project,
    RegionalNetwork,
)

ORGANISATION_FIELDS = [
    "name",
    "acronym",
    "kind",
    "country",
    "website",
    "contact_email",
    "countries_of_work",
    "description",
    "is_network_member",
]
PERSON_FIELDS = ["name", "organisation", "email", "phone", "public_profile", "bio", "countries"]
EXPERT_FIELDS = ["themes", "languages", "countries", "availability"]
NETWORK_FIELDS = ["name", "description", "founded"]
MEMBERSHIP_FIELDS = ["network", "organisation", "joined", "left"]
PARTNERSHIP_FIELDS = ["name", "programme", "description", "organisations", "start", "end"]
PROJECT_FIELDS = [
    "title",
    "lead_organisation",
    "partners",
    "donors",
    "countries",
    "sites",
    "themes",
    "budget",
    "currency",
    "start",
    "end",
    "status",
    "outputs",
    "documents",
]
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def is_secretariat(user: Any) -> bool:
    """The secretariat keeps the directory: administrators (``None`` is the platform itself)."""
    return permissions.can(user, "network.manage")


def _require_secretariat(actor: Any) -> None:
    permissions.require(actor, "network.manage")


def _pick(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {name: data[name] for name in fields if name in data}


def _check_dates(
    values: dict[str, Any], start: str, end: str, errors: dict[str, list[str]]
) -> None:
    if values.get(start) and values.get(end) and values[end] < values[start]:
        errors.setdefault(end, []).append(_("The end cannot be before the start."))


def _check_codes(
    values: dict[str, Any], name: str, allowed: list[str], errors: dict[str, list[str]]
) -> None:
    if name not in values:
        return
    codes = list(values[name] or [])
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        errors.setdefault(name, []).append(
            _("Unknown: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
        )
    values[name] = sorted(set(codes))


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


# --- Organisations ------------------------------------------------------------------------


def _with_base_country(values: dict[str, Any], organisation: Organisation | None) -> None:
    """An organisation works where it is based: its country is one of its countries of work
    (the directory's country filter reads only the countries of work)."""
    base = values.get("country") or (organisation.country if organisation else None)
    if base is None:
        return
    if "countries_of_work" in values:
        work = list(values["countries_of_work"] or [])
    elif organisation is not None:
        work = list(organisation.countries_of_work.all())
    else:
        work = []
    if base.pk not in {getattr(c, "pk", c) for c in work}:
        work.append(base)
    values["countries_of_work"] = work


def network_organisation_create(*, actor: Any, data: dict[str, Any]) -> Organisation:
    """Add an organisation to the directory (with its countries of work and description)."""
    _require_secretariat(actor)
    values = _pick(data, ORGANISATION_FIELDS)
    _with_base_country(values, None)
    return model_create(model=Organisation, actor=actor, data=values)


def network_organisation_update(
    *, actor: Any, organisation: Organisation, data: dict[str, Any]
) -> Organisation:
    """Change an organisation's directory details."""
    _require_secretariat(actor)
    values = _pick(data, ORGANISATION_FIELDS)
    _with_base_country(values, organisation)
    organisation, _changes = model_update(
        instance=organisation, actor=actor, data=values, fields=ORGANISATION_FIELDS
    )
    return organisation


# --- People and experts -------------------------------------------------------------------


def person_create(*, actor: Any, data: dict[str, Any]) -> Person:
    """Add a person; their contact details stay private whatever ``public_profile`` says."""
    _require_secretariat(actor)
    return model_create(model=Person, actor=actor, data=_pick(data, PERSON_FIELDS))


def person_update(*, actor: Any, person: Person, data: dict[str, Any]) -> Person:
    _require_secretariat(actor)
    person, _changes = model_update(instance=person, actor=actor, data=data, fields=PERSON_FIELDS)
    return person


def expert_profile_save(*, actor: Any, person: Person, data: dict[str, Any]) -> ExpertProfile:
    """Put a person on the expert roster, or change their roster entry."""
    _require_secretariat(actor)
    values = _pick(data, EXPERT_FIELDS)
    errors: dict[str, list[str]] = {}
    _check_codes(values, "themes", list(Theme.values), errors)
    _check_codes(values, "languages", list(Language.values), errors)
    _raise(errors)
    profile = ExpertProfile.objects.filter(person=person).first()
    if profile is None:
        return model_create(model=ExpertProfile, actor=actor, data={"person": person, **values})
    profile, _changes = model_update(instance=profile, actor=actor, data=values)
    return profile


# --- Regional networks --------------------------------------------------------------------


def regional_network_create(*, actor: Any, data: dict[str, Any]) -> RegionalNetwork:
    _require_secretariat(actor)
    return model_create(model=RegionalNetwork, actor=actor, data=_pick(data, NETWORK_FIELDS))


def membership_create(*, actor: Any, data: dict[str, Any]) -> NetworkMembership:
    """An organisation joins a regional network; it cannot be a member twice at once."""
    _require_secretariat(actor)
    values = _pick(data, MEMBERSHIP_FIELDS)
    errors: dict[str, list[str]] = {}
    _check_dates(values, "joined", "left", errors)
    _raise(errors)
    overlapping = NetworkMembership.objects.filter(
        network=values.get("network"), organisation=values.get("organisation")
    )
    if values.get("left"):
        overlapping = overlapping.filter(joined__lte=values["left"])
    for other in overlapping:
        if other.left is None or other.left >= values["joined"]:
            raise ValidationError(
                {"joined": [_("This organisation is already a member at that time.")]}
            )
    return model_create(model=NetworkMembership, actor=actor, data=values)


def membership_end(*, actor: Any, membership: NetworkMembership, left: Any) -> NetworkMembership:
    _require_secretariat(actor)
    if left < membership.joined:
        raise ValidationError({"left": [_("The end cannot be before the start.")]})
    membership, _changes = model_update(instance=membership, actor=actor, data={"left": left})
    return membership


# --- Partnerships -------------------------------------------------------------------------


def _clean_partnership(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    _check_dates(values, "start", "end", errors)
    _raise(errors)
    return values


def partnership_create(*, actor: Any, data: dict[str, Any]) -> Partnership:
    _require_secretariat(actor)
    values = _clean_partnership(_pick(data, PARTNERSHIP_FIELDS))
    return model_create(model=Partnership, actor=actor, data=values)


def partnership_update(
    *, actor: Any, partnership: Partnership, data: dict[str, Any]
) -> Partnership:
    _require_secretariat(actor)
    merged = {"start": partnership.start, "end": partnership.end, **_pick(data, PARTNERSHIP_FIELDS)}
    _clean_partnership(merged)
    partnership, _changes = model_update(
        instance=partnership, actor=actor, data=data, fields=PARTNERSHIP_FIELDS
    )
    return partnership


# --- Projects -----------------------------------------------------------------------------


def _clean_project(values: dict[str, Any], current: Project | None = None) -> dict[str, Any]:
    """Dates in order, a budget that is a non-negative amount with its currency, known themes,
    donors that are donor organisations."""
    errors: dict[str, list[str]] = {}
    merged = dict(values)
    if current is not None:
        for name in ("start", "end", "budget", "currency"):
            merged.setdefault(name, getattr(current, name))
    _check_dates(merged, "start", "end", errors)
    budget = merged.get("budget")
    if budget is not None and budget != "":
        if isinstance(budget, float) or not isinstance(budget, (Decimal, int, str)):
            errors.setdefault("budget", []).append(_("Enter the budget as a number."))
        else:
            try:
                amount = Decimal(str(budget))
            except ArithmeticError:
                errors.setdefault("budget", []).append(_("Enter the budget as a number."))
            else:
                if not amount.is_finite():
                    errors.setdefault("budget", []).append(_("Enter the budget as a number."))
                elif amount < 0:
                    errors.setdefault("budget", []).append(_("A budget cannot be negative."))
                elif "budget" in values:
                    values["budget"] = amount
        if not merged.get("currency"):
            errors.setdefault("currency", []).append(_("Give the currency of the budget."))
    if "currency" in values:
        values["currency"] = (values["currency"] or "").strip().upper()
        if values["currency"] and not _CURRENCY.match(values["currency"]):
            errors.setdefault("currency", []).append(
                _("Give the currency as a three-letter ISO 4217 code, such as USD.")
            )
    _check_codes(values, "themes", list(Theme.values), errors)
    donors = values.get("donors") or []
    not_donors = [str(org) for org in donors if getattr(org, "kind", None) != "donor"]
    if not_donors:
        errors.setdefault("donors", []).append(
            _("Not a donor organisation: %(names)s.") % {"names": ", ".join(not_donors)}
        )
    _raise(errors)
    return values


def project_create(*, actor: Any, data: dict[str, Any]) -> Project:
    """Record a project of the network."""
    _require_secretariat(actor)
    values = _clean_project(_pick(data, PROJECT_FIELDS))
    with transaction.atomic():
        return model_create(model=Project, actor=actor, data=values)


def project_update(*, actor: Any, project: Project, data: dict[str, Any]) -> Project:
    _require_secretariat(actor)
    values = _clean_project(_pick(data, PROJECT_FIELDS), current=project)
    project, _changes = model_update(instance=project, actor=actor, data=values)
    return project
