"""Administrative areas: imported from a government's boundary files, found for a point.

``admin_areas_import`` reads a Shapefile or GeoJSON (any projection) through the geometry
layer and writes one level of a country's areas, idempotent by official code, all or nothing.
``areas_for_point`` finds the areas that contain a point: candidates through the spatial index
(:mod:`casm.core.spatial`), then the exact test with prepared Shapely shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.prepared import prep

from casm.core import permissions
from casm.core.audit import audit_record, model_create, model_update
from casm.core.geometry import problem_text
from casm.core.models import AdminArea, AuditEvent, Country
from casm.core.spatial import bbox_filter
from casm.lib.geometry import area_hectares, as_geojson, geometry_check, read_features

LEVELS = (1, 2, 3)


@dataclass
class AreaImportResult:
    file: str
    country: str
    level: int
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    repaired: list[int] = field(default_factory=list)
    # (row, column, message): the row is the feature's number in the file, from 1.
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    # Set by the caller that places the registry's sites in the new areas.
    sites_placed: int = 0

    @property
    def written(self) -> bool:
        return not self.dry_run and not self.problems


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def admin_areas_import(
    *,
    actor: Any,
    path: Path | str,
    country: Country,
    level: int,
    code_field: str,
    name_field: str,
    parent_code_field: str | None = None,
    source: str = "",
    repair: bool = False,
    dry_run: bool = False,
) -> AreaImportResult:
    """Import one level of ``country``'s areas from a boundary file; nothing is written when
    any row has a problem, or on a dry run. Areas are matched by code: a second import of the
    same file changes nothing, a corrected one updates what changed (audited)."""
    permissions.require(actor, "reference.manage")
    path = Path(path)
    result = AreaImportResult(path.name, country.alpha2, level, dry_run)
    if level not in LEVELS:
        result.problems.append((0, "level", _("The level must be 1, 2 or 3.")))
        return result
    _crs, features = read_features(path)
    parents = {}
    if parent_code_field:
        parents = {
            area.code: area for area in AdminArea.objects.filter(country=country, level=level - 1)
        }
    rows: dict[str, dict[str, Any]] = {}
    for feature in features:
        number, properties = feature.number, feature.properties
        for problem in feature.problems:
            result.problems.append((number, "geometry", problem_text(problem)))
        code, name = _text(properties.get(code_field)), _text(properties.get(name_field))
        for column, value in ((code_field, code), (name_field, name)):
            if column not in properties:
                result.problems.append(
                    (number, column, _("The file has no field “%(field)s”.") % {"field": column})
                )
            elif not value:
                result.problems.append((number, column, _("This field is empty.")))
        if code in rows:
            result.problems.append(
                (number, code_field, _("The code %(code)s is used twice in the file.")
                 % {"code": code})
            )  # fmt: skip
        parent = None
        if parent_code_field:
            parent_code = _text(properties.get(parent_code_field))
            parent = parents.get(parent_code)
            if parent is None:
                result.problems.append(
                    (number, parent_code_field,
                     _("No area of level %(level)s has the code “%(code)s”: import it first.")
                     % {"level": level - 1, "code": parent_code})
                )  # fmt: skip
        geometry, problems, repaired = geometry_check(
            feature.geometry, repair=repair, max_vertices=settings.GEOMETRY_MAX_VERTICES
        )
        for problem in problems:
            result.problems.append((number, "geometry", problem_text(problem)))
        if repaired:
            result.repaired.append(number)
        if geometry is not None and code:
            min_x, min_y, max_x, max_y = geometry.bounds
            rows[code] = {
                "country": country, "level": level, "code": code, "name": name,
                "parent": parent, "geometry": as_geojson(geometry), "min_x": min_x,
                "min_y": min_y, "max_x": max_x, "max_y": max_y,
                "area_ha": round(area_hectares(geometry), 2), "source": source,
            }  # fmt: skip
    if not rows and not result.problems:
        result.problems.append((0, "file", _("The file holds no shapes.")))
    if result.problems or dry_run:
        return result
    with transaction.atomic():
        existing = {a.code: a for a in AdminArea.objects.filter(country=country, level=level)}
        for code, data in rows.items():
            area = existing.get(code)
            if area is None:
                model_create(model=AdminArea, actor=actor, data=data)
                result.created += 1
                continue
            if not source:
                data.pop("source")  # an import that names no source keeps the one recorded
            _area, changes = model_update(instance=area, actor=actor, data=data)
            if changes:
                result.updated += 1
            else:
                result.unchanged += 1
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            instance=country,
            changes={
                "admin_areas_import": [
                    "",
                    f"{path.name}: level {level}, {result.created} created, "
                    f"{result.updated} updated, {result.unchanged} unchanged",
                ]
            },
        )
    _prepared.cache_clear()
    return result


@lru_cache(maxsize=4096)
def _prepared(area_id: int, stamp: str) -> Any:
    """The prepared shape of an area, kept while its ``updated_at`` stays the same."""
    area = AdminArea.objects.only("geometry").get(pk=area_id)
    return prep(shape(area.geometry))


def areas_for_point(country_id: int, longitude: float, latitude: float) -> dict[int, AdminArea]:
    """The areas of each level of the country that contain the point (on their edge counts)."""
    found: dict[int, AdminArea] = {}
    point = Point(longitude, latitude)
    candidates = bbox_filter(
        AdminArea.objects.filter(country_id=country_id).defer("geometry"),
        (longitude, latitude, longitude, latitude),
    )
    for area in candidates.order_by("level", "code"):
        if area.level in found:
            continue
        if _prepared(area.pk, area.updated_at.isoformat()).covers(point):
            found[area.level] = area
    return found


def country_has_areas(country_id: int) -> bool:
    return AdminArea.objects.filter(country_id=country_id).exists()
