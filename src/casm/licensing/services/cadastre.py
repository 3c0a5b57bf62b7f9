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
from casm.core.bulk import copy_rows
from casm.registry.models import LegalStatus

from ..models import (
    HolderKind,
    Layer,
    LayerFeature,
    LayerKind,
    LicenceType,
    SiteStanding,
    StandingReason,
)

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


def _standings_of(zone: Any, title: Any, licensed: set[int]) -> list[tuple[str, str, int | None]]:
    """The rule, in one place, for many sites at once: ``zone`` and ``title`` are arrays of the
    ids of the zone and the title each site lies in (-1: none). Inside a valid licence of the
    register (``licensed``: the ids of those licences' shapes) a site is licensed; else inside
    an ASM zone, it is in a zone; inside another title only, it is informal (the titles of a
    cadastre are mostly exploration and large-scale rights, not artisanal licences); elsewhere
    it is informal. Returns each site's status, why, and the shape that says so."""
    import numpy

    zone, title = numpy.asarray(zone, dtype=numpy.int64), numpy.asarray(title, dtype=numpy.int64)
    in_licence = (title >= 0) & numpy.isin(title, list(licensed))
    in_zone = ~in_licence & (zone >= 0)
    in_title = ~in_licence & ~in_zone & (title >= 0)
    status = numpy.select([in_licence, in_zone], [LegalStatus.LICENSED.value,
                          LegalStatus.ASM_ZONE.value], LegalStatus.INFORMAL.value)  # fmt: skip
    reason = numpy.select(
        [in_licence, in_zone, in_title],
        [StandingReason.IN_LICENCE.value, StandingReason.IN_ZONE.value,
         StandingReason.IN_TITLE.value],
        StandingReason.OUTSIDE.value,
    )  # fmt: skip
    feature = numpy.where(in_zone, zone, numpy.where(in_licence | in_title, title, -1))
    features = [None if pk < 0 else pk for pk in feature.tolist()]
    return list(zip(status.tolist(), reason.tolist(), features, strict=True))


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
    Returns the number of sites placed.

    At national scale (100,000 sites and shapes, ``make bench``'s ``licensing.assignment``):
    the shapes' boxes in one R-tree find the candidates, only the candidates' shapes are read
    and tested exactly (vectorised), and only the standings that change are written."""
    import numpy
    import shapely

    from casm.registry.models import Site
    from casm.registry.services import registry_version_bump

    kinds = (LayerKind.ASM_ZONE, LayerKind.TITLE)
    layers = dict(
        Layer.objects.filter(country_id=country_id, kind__in=kinds).values_list("pk", "kind")
    )
    features = [
        (pk, layers[layer], *rest)
        for pk, layer, *rest in LayerFeature.objects.filter(layer__in=list(layers))
        .order_by("pk")
        .values_list("pk", "layer_id", "area_ha", "min_x", "min_y", "max_x", "max_y")
    ]
    sites = list(
        Site.objects.filter(country_id=country_id).values_list("pk", "longitude", "latitude")
    )
    licensed = _licensed_shapes(country_id)
    with transaction.atomic():
        if not features:
            SiteStanding.objects.filter(site__country_id=country_id).delete()
            return 0
        site_ids = numpy.array([site[0] for site in sites], dtype=numpy.int64)
        # The zone and the title each site lies in (-1: none).
        best = {kind: numpy.full(len(sites), -1, dtype=numpy.int64) for kind in kinds}
        if sites:
            xs = numpy.array([site[1] for site in sites], dtype=float)
            ys = numpy.array([site[2] for site in sites], dtype=float)
            pks_, kind_of, areas, *bounds = zip(*features, strict=True)
            pks = numpy.array(pks_, dtype=numpy.int64)
            boxes = shapely.box(*(numpy.array(b, dtype=float) for b in bounds))
            # A point meets a box where it meets its envelope: no predicate to test.
            point, index = shapely.STRtree(boxes).query(shapely.points(xs, ys))
            candidates = numpy.unique(index)
            shapes = numpy.empty(len(features), dtype=object)
            shapes[candidates] = _shapes_of(pks[candidates].tolist())
            # The edge of a shape is inside it, as the map and the screening count it.
            inside = shapely.intersects_xy(shapes[index], xs[point], ys[point])
            point, index = point[inside], index[inside]
            # The smallest zone or title holding a site names it (of two as small, the one
            # recorded first), a licence of the register before any other title: sorted so,
            # the last pair of each site is the one.
            kind_index = numpy.array(kind_of, dtype=object)[index]
            feature_pk = pks[index]
            is_licence = numpy.isin(feature_pk, list(licensed))
            order = numpy.lexsort((-feature_pk, -numpy.array(areas)[index], is_licence))
            for kind in kinds:
                chosen = order[kind_index[order] == kind][::-1]
                sites_of, first = numpy.unique(point[chosen], return_index=True)
                best[kind][sites_of] = feature_pk[chosen[first]]
        wanted = dict(zip(
            site_ids.tolist(),
            _standings_of(best[LayerKind.ASM_ZONE], best[LayerKind.TITLE], licensed),
            strict=True,
        ))  # fmt: skip
        _standings_write(country_id, wanted)
    registry_version_bump([country_id])
    return len(wanted)


def _shapes_of(pks: list[int]) -> Any:
    """The shapes of these features, in their order, read as GeoJSON text in chunks the
    database can take and parsed by GEOS at once (a shape it cannot read is none)."""
    import shapely
    from django.db.models import TextField
    from django.db.models.functions import Cast

    found: dict[int, str] = {}
    for start in range(0, len(pks), 900):
        found.update(
            LayerFeature.objects.filter(pk__in=pks[start : start + 900])
            .annotate(text=Cast("geometry", TextField()))
            .values_list("pk", "text")
        )
    return shapely.from_geojson([found[pk] for pk in pks], on_invalid="ignore")


def _standings_write(country_id: int, wanted: dict[int, tuple[str, str, int | None]]) -> None:
    """Write the sites' standings that changed (inserted, updated, deleted), set-wise."""
    from django.db import connection
    from django.utils import timezone

    have = {
        site_id: (status, reason, feature_id)
        for site_id, status, reason, feature_id in SiteStanding.objects.filter(
            site__country_id=country_id
        ).values_list("site_id", "status", "reason", "feature_id")
    }
    gone = [site_id for site_id in have if site_id not in wanted]
    for start in range(0, len(gone), 900):
        SiteStanding.objects.filter(site_id__in=gone[start : start + 900]).delete()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    added = [
        (site_id, *standing, now) for site_id, standing in wanted.items() if site_id not in have
    ]
    changed = [
        (*standing, now, site_id)
        for site_id, standing in wanted.items()
        if site_id in have and have[site_id] != standing
    ]
    quote = connection.ops.quote_name
    table = quote(SiteStanding._meta.db_table)  # the model's table, never the input's
    columns = "site_id, status, reason, feature_id, updated_at"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: a national assignment writes 100,000 rows in a fraction of a second.
            copy_rows(cursor, f"{table} ({columns})", added)
            if changed:
                cursor.execute(
                    "CREATE TEMPORARY TABLE casm_standing_change (status text, reason text,"
                    " feature_id bigint, updated_at timestamptz, site_id bigint)"
                )
                copy_rows(cursor, "casm_standing_change", changed)
                cursor.execute(
                    f"UPDATE {table} t SET status = c.status, reason = c.reason,"  # noqa: S608
                    " feature_id = c.feature_id, updated_at = c.updated_at"
                    " FROM casm_standing_change c WHERE t.site_id = c.site_id"
                )
                cursor.execute("DROP TABLE casm_standing_change")
            return
        if added:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
                added,
            )
        if changed:
            cursor.executemany(
                f"UPDATE {table} SET status = %s, reason = %s, feature_id = %s,"  # noqa: S608
                " updated_at = %s WHERE site_id = %s",
                changed,
            )


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
    smallest = sorted(found, key=lambda f: (f.pk not in licensed, f.area_ha, f.pk))
    zone = next((f.pk for f in smallest if f.layer.kind == LayerKind.ASM_ZONE), -1)
    title = next((f.pk for f in smallest if f.layer.kind == LayerKind.TITLE), -1)
    ((status, reason, feature),) = _standings_of([zone], [title], licensed)
    SiteStanding.objects.create(site=site, status=status, reason=reason, feature_id=feature)
