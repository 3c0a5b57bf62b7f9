"""Administrative areas from a government's boundary files, through the import pipeline.

``admin_areas_import`` reads a Shapefile or GeoJSON (any projection) through the geometry
layer and writes one level of a country's areas, idempotent by official code. It is an import
like the others: its problems are :class:`~casm.imports.pipeline.Problem` with message codes
(said in the reader's language), its run is all or nothing (a dry run checks and counts, then
writes nothing), and one audit event sums it up beside the event of each area it creates or
changes. Finding the areas of a point is :mod:`casm.core.areas`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from casm.core import permissions
from casm.core.areas import clear_prepared
from casm.core.audit import model_create, model_update
from casm.core.geometry import problem_message
from casm.core.messages import Message
from casm.core.models import AdminArea, Country
from casm.lib.geometry import area_hectares, as_geojson, geometry_check, read_features

from . import pipeline

LEVELS = (1, 2, 3)


@dataclass
class AreaImportResult(pipeline.ImportResult):
    """What an import of areas did (or would do, on a dry run)."""

    country: str = ""
    level: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The features (numbered from 1 in the file) whose polygon was mended on request.
    repaired: list[int] = field(default_factory=list)
    # Set by the caller that places the registry's sites in the new areas.
    sites_placed: int = 0

    @property
    def written(self) -> bool:
        return self.committed

    def rolled_back(self) -> None:
        # A dry run says what it would have done; a refused run did nothing.
        if not self.dry_run:
            self.created = self.updated = self.unchanged = 0

    @property
    def summary(self) -> Message:
        if self.dry_run and not self.problem_count:
            return Message(
                "imports.areas_dry_run_summary", file=self.file, level=self.level,
                country=self.country, created=self.created, updated=self.updated,
                unchanged=self.unchanged,
            )  # fmt: skip
        return super().summary

    def done_summary(self) -> Message:
        return Message(
            "imports.areas_summary", file=self.file, level=self.level, country=self.country,
            created=self.created, updated=self.updated, unchanged=self.unchanged,
            placed=pipeline.count("sites_placed", self.sites_placed),
        )  # fmt: skip


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
    result = AreaImportResult(
        file=path.name, format=path.suffix.lstrip(".").lower(), dry_run=dry_run,
        country=country.alpha2, level=level,
    )  # fmt: skip
    log = pipeline.ProblemLog()

    def problem(row: int | str, column: str, message: Message, value: str = "") -> None:
        log.add(pipeline.Problem(path.name, message, row=row, column=column, value=value))

    if level not in LEVELS:
        problem("", "level", Message("imports.area_level", level=level))
        result.adopt(log)
        return result
    _crs, features = read_features(path)
    parents: dict[str, AdminArea] = {}
    if parent_code_field:
        parents = {a.code: a for a in AdminArea.objects.filter(country=country, level=level - 1)}
    rows: dict[str, dict[str, Any]] = {}
    for feature in features:
        number, properties = feature.number, feature.properties
        result.rows += 1
        before = log.count
        for found in feature.problems:
            problem(number, "geometry", problem_message(found))
        code, name = _text(properties.get(code_field)), _text(properties.get(name_field))
        for column, value in ((code_field, code), (name_field, name)):
            if column not in properties:
                problem(number, column, Message("imports.area_field_missing", field=column))
            elif not value:
                problem(number, column, Message("imports.area_field_empty"))
        if code in rows:
            problem(number, code_field, Message("imports.area_code_twice", code=code), code)
        parent = None
        if parent_code_field:
            parent_code = _text(properties.get(parent_code_field))
            parent = parents.get(parent_code)
            if parent is None:
                problem(
                    number, parent_code_field,
                    Message("imports.area_parent_unknown", level=level - 1, code=parent_code),
                    parent_code,
                )  # fmt: skip
        geometry, problems, repaired = geometry_check(
            feature.geometry, repair=repair, max_vertices=settings.GEOMETRY_MAX_VERTICES
        )
        for found in problems:
            problem(number, "geometry", problem_message(found))
        if repaired:
            result.repaired.append(number)
        if log.count > before:
            result.invalid_rows += 1
        else:
            result.valid_rows += 1
        if geometry is not None and code:
            min_x, min_y, max_x, max_y = geometry.bounds
            rows[code] = {
                "country": country, "level": level, "code": code, "name": name,
                "parent": parent, "geometry": as_geojson(geometry), "min_x": min_x,
                "min_y": min_y, "max_x": max_x, "max_y": max_y,
                "area_ha": round(area_hectares(geometry), 2), "source": source,
            }  # fmt: skip
    if not rows and not log.count:
        problem("", "file", Message("imports.area_no_shapes"))
    result.adopt(log)

    def write() -> None:
        if result.problem_count:
            return
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

    def finish() -> None:
        pipeline.audit_summary(
            actor=actor,
            model="core.adminarea",
            title=str(Message("imports.areas_audit_title", file=path.name[:150])),
            changes={
                "file": path.name, "country": country.alpha2, "level": level,
                "created": result.created, "updated": result.updated,
                "unchanged": result.unchanged, "repaired": len(result.repaired),
            },
        )  # fmt: skip

    pipeline.run(result=result, work=write, finish=finish)
    if result.committed:
        clear_prepared()
    return result
