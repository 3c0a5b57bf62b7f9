"""Writes of the cadastre: licence types (administrators), and the layers' import
(``layers.layer_import``, licensing officers within their countries)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import model_create, model_update
from casm.registry.models import LegalStatus

from ..models import HolderKind, LayerFeature, LayerKind, LicenceType, SiteStanding, StandingReason

LICENCE_TYPE_FIELDS = (
    "country", "code", "name_en", "name_fr", "category", "holders", "nationality_rule",
    "min_area_ha", "max_area_ha", "asm_zone", "overlap_rule", "commodities", "term_years",
    "renewals", "renewal_years", "notice_days", "documents", "currency", "application_fee",
    "rent_per_ha", "completeness_days", "decision_days", "second_approval", "source",
    "is_example",
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
    if "currency" in values:
        values["currency"] = str(values["currency"] or "").strip().upper()
        if values["currency"] and not re.fullmatch(r"[A-Z]{3}", values["currency"]):
            errors["currency"] = [_("Give the currency as its three-letter ISO code, e.g. CDF.")]
    if "rent_per_ha" in values:
        try:
            rates = [Decimal(str(rate)) for rate in values["rent_per_ha"] or []]
        except (InvalidOperation, ValueError):
            rates = None
        if rates is None or any(not rate.is_finite() or rate < 0 for rate in rates):
            errors["rent_per_ha"] = [_("Each year's rent is a number of 0 or more.")]
        else:
            values["rent_per_ha"] = [str(rate) for rate in rates]
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


# --- The registry's sites in the cadastre ------------------------------------------------


def _standing_of(zone: Any, title: Any, licensed: set[int]) -> tuple[str, str, Any]:
    """The rule, in one place: a site inside a valid licence of the register (``licensed``:
    the ids of those licences' shapes) is licensed; else inside an ASM zone, it is in a zone;
    inside another title only, it is informal (the titles of a cadastre are mostly
    exploration and large-scale rights, not artisanal licences); elsewhere it is informal."""
    if title is not None and title.pk in licensed:
        return LegalStatus.LICENSED, StandingReason.IN_LICENCE, title
    if zone is not None:
        return LegalStatus.ASM_ZONE, StandingReason.IN_ZONE, zone
    if title is not None:
        return LegalStatus.INFORMAL, StandingReason.IN_TITLE, title
    return LegalStatus.INFORMAL, StandingReason.OUTSIDE, None


def _licensed_shapes(country_id: int) -> set[int]:
    """The shapes (title features) of the country's valid licences of the register."""
    from ..models import Licence, LicenceStatus

    return set(
        Licence.objects.filter(country_id=country_id, status=LicenceStatus.VALID)
        .exclude(feature__isnull=True)
        .values_list("feature_id", flat=True)
    )


def site_standings_update(*, country_id: int) -> int:
    """Place every site of the country in the cadastre's ASM zones and titles, all at once,
    and keep each site's derived standing; nothing when the country has neither layer.
    Returns the number of sites placed."""
    import numpy
    from shapely.geometry import shape

    from casm.lib.geometry import point_polygon_pairs
    from casm.registry.models import Site
    from casm.registry.services import registry_version_bump

    kinds = (LayerKind.ASM_ZONE, LayerKind.TITLE)
    features = list(
        LayerFeature.objects.filter(layer__country_id=country_id, layer__kind__in=kinds)
        .select_related("layer")
        .order_by("pk")
    )
    sites = list(
        Site.objects.filter(country_id=country_id).values_list("pk", "longitude", "latitude")
    )
    licensed = _licensed_shapes(country_id)
    with transaction.atomic():
        SiteStanding.objects.filter(site__country_id=country_id).delete()
        if not features:
            return 0
        found: dict[str, dict[int, Any]] = {kind: {} for kind in kinds}
        if sites:
            ids, xs, ys = (numpy.array(column) for column in zip(*sites, strict=True))
            point_index, feature_index = point_polygon_pairs(
                xs, ys, [shape(f.geometry) for f in features]
            )
            # The smallest zone or title holding a site is the one that names it, a licence
            # of the register before any other title (written last, it stays).
            order = sorted(zip(point_index, feature_index, strict=True),
                           key=lambda pair: (features[pair[1]].pk in licensed,
                                             -features[pair[1]].area_ha))  # fmt: skip
            for point, index in order:
                feature = features[index]
                found[feature.layer.kind][int(ids[point])] = feature
        standings = []
        for site_id, _x, _y in sites:
            status, reason, feature = _standing_of(
                found[LayerKind.ASM_ZONE].get(site_id),
                found[LayerKind.TITLE].get(site_id),
                licensed,
            )
            standings.append(
                SiteStanding(site_id=site_id, status=status, reason=reason, feature=feature)
            )
        SiteStanding.objects.bulk_create(standings, batch_size=1000)
    registry_version_bump([country_id])
    return len(standings)


def site_standing_update(*, site: Any) -> None:
    """Place one site (after it was registered or moved), when its country has a cadastre."""
    from casm.licensing.selectors import features_at_point

    has_layers = LayerFeature.objects.filter(
        layer__country_id=site.country_id, layer__kind__in=(LayerKind.ASM_ZONE, LayerKind.TITLE)
    ).exists()
    SiteStanding.objects.filter(site=site).delete()
    if not has_layers:
        return
    found = features_at_point(
        country=site.country, longitude=site.longitude, latitude=site.latitude
    )
    licensed = _licensed_shapes(site.country_id)
    smallest = sorted(found, key=lambda f: (f.pk not in licensed, f.area_ha))
    zone = next((f for f in smallest if f.layer.kind == LayerKind.ASM_ZONE), None)
    title = next((f for f in smallest if f.layer.kind == LayerKind.TITLE), None)
    status, reason, feature = _standing_of(zone, title, licensed)
    SiteStanding.objects.create(site=site, status=status, reason=reason, feature=feature)
