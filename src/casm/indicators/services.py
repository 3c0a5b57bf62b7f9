"""Writes of the indicators app: the ASM workforce estimates shown on the country profiles."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import model_create, model_delete, model_update
from casm.core.models import Country
from casm.indicators.models import WorkforceEstimate

ESTIMATE_FIELDS = [
    "country",
    "year",
    "value",
    "low",
    "high",
    "is_best",
    "source",
    "source_url",
    "note",
]


def check_can_edit_estimates(actor: Any, country: Country | None) -> None:
    """Administrators edit every estimate; data officers those of their countries, not the world.

    ``actor`` None is the system (migrations, commands).
    """
    permissions.require(actor, "estimates.edit", country=country)
    if country is None and not permissions.is_administrator(actor) and actor is not None:
        raise PermissionDenied(_("Only administrators edit the world estimates."))


def _check_estimate(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    value, low, high = data.get("value"), data.get("low"), data.get("high")
    if value is None and (low is None or high is None):
        errors.setdefault("value", []).append(_("Give the number of people, or a low and a high."))
    if low is not None and high is not None and low > high:
        errors.setdefault("high", []).append(_("The high end is below the low end."))
    if value is not None and low is not None and value < low:
        errors.setdefault("value", []).append(_("The figure is below the low end of the range."))
    if value is not None and high is not None and value > high:
        errors.setdefault("value", []).append(_("The figure is above the high end of the range."))
    if not str(data.get("source") or "").strip():
        errors.setdefault("source", []).append(_("Every figure needs its source."))
    if errors:
        raise ValidationError(errors)


def _unflag_others(estimate: WorkforceEstimate, actor: Any) -> None:
    """One best estimate per country (and one for the world): the others lose the flag."""
    others = WorkforceEstimate.objects.filter(is_best=True).exclude(pk=estimate.pk)
    if estimate.country_id is None:
        others = others.filter(country__isnull=True)
    else:
        others = others.filter(country_id=estimate.country_id)
    for other in others:
        model_update(instance=other, actor=actor, data={"is_best": False})


def workforce_estimate_create(*, actor: Any, **data: Any) -> WorkforceEstimate:
    """Add an estimate; flagged best, it takes the flag from the country's previous best."""
    data = {name: data[name] for name in ESTIMATE_FIELDS if name in data}
    check_can_edit_estimates(actor, data.get("country"))
    _check_estimate(data)
    with transaction.atomic():
        estimate = model_create(model=WorkforceEstimate, actor=actor, data=data)
        if estimate.is_best:
            _unflag_others(estimate, actor)
    return estimate


def workforce_estimate_update(
    *, actor: Any, estimate: WorkforceEstimate, **data: Any
) -> WorkforceEstimate:
    """Change an estimate; moving it to another country needs the right to edit both."""
    check_can_edit_estimates(actor, estimate.country)
    data = {name: data[name] for name in ESTIMATE_FIELDS if name in data}
    if "country" in data:
        check_can_edit_estimates(actor, data["country"])
    merged = {name: getattr(estimate, name) for name in ESTIMATE_FIELDS}
    merged.update(data)
    _check_estimate(merged)
    with transaction.atomic():
        estimate, _changes = model_update(
            instance=estimate, actor=actor, data=data, fields=ESTIMATE_FIELDS
        )
        if estimate.is_best:
            _unflag_others(estimate, actor)
    return estimate


def workforce_estimate_mark_best(*, actor: Any, estimate: WorkforceEstimate) -> WorkforceEstimate:
    """Flag this estimate as its country's best one, and no other."""
    return workforce_estimate_update(actor=actor, estimate=estimate, is_best=True)


def workforce_estimate_delete(*, actor: Any, estimate: WorkforceEstimate) -> None:
    check_can_edit_estimates(actor, estimate.country)
    model_delete(instance=estimate, actor=actor)
