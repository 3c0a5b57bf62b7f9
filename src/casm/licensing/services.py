"""Writes of the cadastre: licence types (administrators), and the layers' import
(``layers.layer_import``, licensing officers within their countries)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import model_create, model_update

from .models import HolderKind, LicenceType

LICENCE_TYPE_FIELDS = (
    "country", "code", "name_en", "name_fr", "category", "holders", "nationality_rule",
    "min_area_ha", "max_area_ha", "asm_zone", "overlap_rule", "commodities", "term_years",
    "renewals", "renewal_years", "notice_days", "documents", "source", "is_example",
)  # fmt: skip


def _checked(values: dict[str, Any], current: LicenceType | None) -> dict[str, Any]:
    """The rules a licence type keeps beyond its fields' own."""
    errors: dict[str, list[str]] = {}
    smallest = values.get("min_area_ha", current.min_area_ha if current else None)
    largest = values.get("max_area_ha", current.max_area_ha if current else None)
    for field, value in (("min_area_ha", smallest), ("max_area_ha", largest)):
        if value is not None and value <= 0:
            errors.setdefault(field, []).append(_("An area must be more than 0 ha."))
    if smallest is not None and largest is not None and smallest > largest:
        errors.setdefault("max_area_ha", []).append(
            _("The largest area is smaller than the smallest.")
        )
    if "holders" in values:
        unknown = [h for h in values["holders"] or [] if h not in HolderKind.values]
        if unknown:
            errors["holders"] = [
                _("Unknown holders: %(values)s (one of: %(allowed)s).")
                % {"values": ", ".join(map(str, unknown)), "allowed": ", ".join(HolderKind.values)}
            ]
    if "documents" in values:
        values["documents"] = [str(d).strip() for d in values["documents"] or [] if str(d).strip()]
    if errors:
        raise ValidationError(errors)
    return values


def licence_type_create(*, actor: Any, data: dict[str, Any]) -> LicenceType:
    """Add a licence type to a country (administrators: it is the country's law)."""
    permissions.require(actor, "reference.manage")
    values = _checked({k: v for k, v in data.items() if k in LICENCE_TYPE_FIELDS}, None)
    if LicenceType.objects.filter(country=values.get("country"), code=values.get("code")).exists():
        raise ValidationError(
            {"code": [_("This country already has a licence type with this code.")]}
        )
    return model_create(model=LicenceType, actor=actor, data=values)


def licence_type_update(
    *, actor: Any, licence_type: LicenceType, data: dict[str, Any]
) -> LicenceType:
    """Change a licence type; its country and code stay (applications will refer to them)."""
    permissions.require(actor, "reference.manage")
    fields = [f for f in LICENCE_TYPE_FIELDS if f not in ("country", "code")]
    values = _checked({k: v for k, v in data.items() if k in fields}, licence_type)
    licence_type, _changes = model_update(
        instance=licence_type, actor=actor, data=values, fields=fields
    )
    return licence_type
