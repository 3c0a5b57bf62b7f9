"""Importing a cadastre layer (titles, ASM zones, protected areas, restriction zones).

``layer_import`` reads a GeoJSON or Shapefile (any projection) through the geometry layer and
a *mapping* that names the file's fields, then writes the features of one country through the
import pipeline: idempotent by code (a second import of the same file changes nothing, a
corrected one updates what changed), all or nothing unless ``skip_invalid``, one audit event
summing it up. A file may hold several kinds at once (the DRC cadastre lists its artisanal
zones, ZEA, among its titles): the mapping's ``kinds`` sends each row to its layer by the value
of one field.

The defects of real cadastres are reported without stopping the import: a code given twice
(the later row is skipped) and a shape partly outside the country.

A mapping (JSON)::

    {"code": "name", "name": "name", "title_type": "type", "holder": "parties",
     "status": "statut", "granted_on": "date_de1",
     "kinds": {"field": "type", "values": {"ZEA": "asm_zone"}},
     "defaults": {"rule": "forbidden"}, "source": "CAMI, 2016", "holders_public": false}

Holders may be people: they are published (pages, exports, API, pre-check) only when the
mapping says ``"holders_public": true``, i.e. where the country's law publishes them.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.conf import settings
from django.db.models import F
from shapely.geometry import shape

from casm.core import permissions
from casm.core.geometry import problem_message
from casm.core.messages import Message
from casm.core.models import Country
from casm.core.numbers import share_show
from casm.imports import pipeline
from casm.lib.geometry import area_hectares, as_geojson, geometry_check, read_features
from casm.registry.validation import country_outline

from .models import Layer, LayerFeature, LayerKind, RestrictionReason, RestrictionRule

MAPPINGS = Path(__file__).parent / "mappings"
# Fields of a feature that a mapping may name (the key is the feature's, the value the file's).
FIELDS = (
    "code", "name", "title_type", "holder", "status", "commodities", "granted_on",
    "expires_on", "rule", "reason",
)  # fmt: skip
DATES = ("granted_on", "expires_on")
MAPPING_KEYS = {*FIELDS, "kinds", "defaults", "source", "holders_public"}
# Below this share outside, the difference is the simplified outline's, not the shape's.
OUTSIDE_SHARE_REPORTED = 0.05


class MappingError(ValueError):
    """A mapping that cannot be used: its message names the key and the file."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def _allowed(choices: Any) -> str:
    return ", ".join(value for value, _label in choices)


def mapping_check(mapping: Any, name: str) -> dict[str, Any]:
    """The mapping, checked: unknown keys, kinds and values are refused with the key named."""
    if not isinstance(mapping, dict):
        raise MappingError(
            Message("licensing.mapping_unreadable", file=name, reason="not a JSON object")
        )
    for key in mapping:
        if key not in MAPPING_KEYS:
            allowed = ", ".join(sorted(MAPPING_KEYS))
            raise MappingError(
                Message("licensing.mapping_key_unknown", file=name, key=key, allowed=allowed)
            )
    defaults = mapping.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise MappingError(
            Message("licensing.mapping_unreadable", file=name, reason="defaults: not an object")
        )
    for key in defaults:
        if key not in FIELDS:
            allowed = ", ".join(FIELDS)
            raise MappingError(
                Message(
                    "licensing.mapping_key_unknown", file=name, key=f"defaults.{key}",
                    allowed=allowed,
                )
            )  # fmt: skip
    if not mapping.get("code") and not defaults.get("code"):
        raise MappingError(Message("licensing.mapping_code_missing", file=name))
    kinds = mapping.get("kinds") or {}
    if kinds and not (isinstance(kinds, dict) and isinstance(kinds.get("values"), dict)):
        raise MappingError(
            Message("licensing.mapping_unreadable", file=name, reason="kinds: field and values")
        )
    for value in (kinds.get("values") or {}).values():
        if value not in LayerKind.values:
            raise MappingError(
                Message(
                    "licensing.mapping_kind_unknown", file=name, value=value,
                    allowed=_allowed(LayerKind.choices),
                )
            )  # fmt: skip
    for key, choices in (("rule", RestrictionRule), ("reason", RestrictionReason)):
        value = defaults.get(key)
        if value and value not in choices.values:
            raise MappingError(
                Message(
                    "licensing.mapping_value_unknown", file=name, field=key, value=value,
                    allowed=_allowed(choices.choices),
                )
            )  # fmt: skip
    return mapping


def mapping_load(path: Path | str) -> dict[str, Any]:
    """A mapping file: a path, or the name of one shipped in ``licensing/mappings``."""
    path = Path(path)
    if not path.exists() and (MAPPINGS / f"{path.name}.json").exists():
        path = MAPPINGS / f"{path.name}.json"
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(
            Message("licensing.mapping_unreadable", file=path.name, reason=exc.strerror or "")
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = "not UTF-8 JSON"
        raise MappingError(
            Message("licensing.mapping_unreadable", file=path.name, reason=reason)
        ) from exc
    return mapping_check(loaded, path.name)


def shipped_mappings() -> list[str]:
    """The names of the mappings that come with the platform."""
    return sorted(p.stem for p in MAPPINGS.glob("*.json"))


@dataclass
class LayerImportResult(pipeline.ImportResult):
    country: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def rolled_back(self) -> None:
        if not self.dry_run:
            self.created = self.updated = self.unchanged = 0

    @property
    def summary(self) -> Message:
        if self.dry_run and not self.problem_count:
            return Message(
                "licensing.layer_dry_run_summary", file=self.file, created=self.created,
                updated=self.updated, unchanged=self.unchanged,
            )  # fmt: skip
        return super().summary

    def done_summary(self) -> Message:
        return Message(
            "licensing.layer_summary", file=self.file, created=self.created,
            updated=self.updated, unchanged=self.unchanged,
        )  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def layer_import(
    *,
    actor: Any,
    path: Path | str,
    country: Country,
    kind: str,
    mapping: dict[str, Any],
    dry_run: bool = False,
    skip_invalid: bool = False,
    repair: bool = False,
    name: str | None = None,
) -> LayerImportResult:
    """Import the shapes of ``path`` into ``country``'s layer ``kind`` (or the layers the
    mapping's ``kinds`` sends rows to). Nothing is written on a dry run, or when a row has a
    problem and ``skip_invalid`` is not set."""
    permissions.require(actor, "licensing.layers", country=country)
    path = Path(path)
    name = name or path.name
    mapping_check(mapping, name)
    if kind not in LayerKind.values:
        raise MappingError(
            Message(
                "licensing.mapping_kind_unknown", file=name, value=kind,
                allowed=_allowed(LayerKind.choices),
            )
        )  # fmt: skip
    result = LayerImportResult(
        file=name, format=path.suffix.lstrip(".").lower(), dry_run=dry_run,
        country=country.alpha2,
    )  # fmt: skip
    log = pipeline.ProblemLog()

    def problem(row: int | str, column: str, message: Message, value: str = "") -> None:
        log.add(pipeline.Problem(name, message, row=row, column=column, value=value))

    defaults = mapping.get("defaults") or {}
    kinds = mapping.get("kinds") or {}
    outline = country_outline(country.alpha3)
    if outline is None:
        result.notes.append(Message("licensing.no_outline", country=country.name))
    _crs, features = read_features(path)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    first_row: dict[tuple[str, str], int] = {}
    seen: set[str] = set()
    for feature in features:
        number, properties = feature.number, feature.properties
        result.rows += 1
        before = log.count
        for found in feature.problems:
            problem(number, "geometry", problem_message(found))
        values: dict[str, Any] = {}
        for key in FIELDS:
            column = mapping.get(key)
            if column:
                # A GeoJSON feature may leave a property out: it is empty there. A field that
                # no row has is the mapping's mistake, said once below.
                if column in properties:
                    seen.add(column)
                values[key] = _text(properties.get(column))
            if not values.get(key) and defaults.get(key):
                values[key] = _text(defaults[key])
        for key in DATES:
            text = values.get(key, "")
            values[key] = None
            if text:
                try:
                    values[key] = datetime.date.fromisoformat(text[:10])
                except ValueError:
                    bad = Message("licensing.date_bad", value=text)
                    problem(number, mapping.get(key, key), bad, text)
        for key, choices in (("rule", RestrictionRule), ("reason", RestrictionReason)):
            if values.get(key) and values[key] not in choices.values:
                problem(
                    number, mapping.get(key, key),
                    Message(
                        "licensing.mapping_value_unknown", file=name, field=key,
                        value=values[key], allowed=_allowed(choices.choices),
                    ),
                    values[key],
                )  # fmt: skip
        code = values.get("code", "")
        if not code:
            problem(number, mapping.get("code", "code"), Message("licensing.code_empty"))
        row_kind = kind
        if kinds:
            row_kind = kinds["values"].get(_text(properties.get(kinds.get("field", ""))), kind)
        geometry, problems, _repaired = geometry_check(
            feature.geometry, repair=repair, max_vertices=settings.GEOMETRY_MAX_VERTICES
        )
        for found in problems:
            problem(number, "geometry", problem_message(found))
        if log.count > before:
            result.invalid_rows += 1
            continue
        row_key = (row_kind, code)
        result.valid_rows += 1
        assert geometry is not None
        if row_key in rows:
            # Real cadastres repeat a title or list a park's blocks apart: the shapes of one
            # code are joined (nothing is lost), and the reader is told.
            result.notes.append(
                Message("licensing.code_repeated", code=code, first=first_row[row_key], row=number)
            )
            geometry = shapely.union_all([shape(rows[row_key]["geometry"]), geometry])
            number = first_row[row_key]
        if outline is not None:
            inside = geometry.intersection(outline).area
            share_outside = 1 - inside / geometry.area if geometry.area else 0
            if share_outside > OUTSIDE_SHARE_REPORTED:
                result.notes.append(
                    Message(
                        "licensing.outside_country", row=number, code=code,
                        share=share_show(share_outside), country=country.name,
                    )
                )  # fmt: skip
        min_x, min_y, max_x, max_y = geometry.bounds
        counted = row_key in first_row
        first_row.setdefault(row_key, number)
        rows[row_key] = {
            **{k: values.get(k) or "" for k in FIELDS if k not in DATES},
            "granted_on": values.get("granted_on"), "expires_on": values.get("expires_on"),
            "geometry": as_geojson(geometry), "min_x": min_x, "min_y": min_y,
            "max_x": max_x, "max_y": max_y, "area_ha": round(area_hectares(geometry), 2),
        }  # fmt: skip
        if not counted:
            result.by_kind[row_kind] = result.by_kind.get(row_kind, 0) + 1
    if result.rows:
        for key in FIELDS:
            column = mapping.get(key)
            if column and column not in seen:
                problem("", column, Message("licensing.field_missing", field=column))
    if not rows and not log.count:
        problem("", "file", Message("licensing.no_shapes"))
    result.adopt(log)

    def write() -> None:
        if result.problem_count and not skip_invalid:
            return
        for layer_kind in sorted({k for k, _code in rows}):
            layer, _created = Layer.objects.select_for_update().get_or_create(
                country=country, kind=layer_kind
            )
            existing = {f.code: f for f in layer.features.all()}
            new, changed = [], []
            for (row_kind, code), data in rows.items():
                if row_kind != layer_kind:
                    continue
                feature = existing.get(code)
                if feature is None:
                    new.append(LayerFeature(layer=layer, **data))
                    continue
                differs = [k for k, v in data.items() if getattr(feature, k) != v]
                if differs:
                    for k in differs:
                        setattr(feature, k, data[k])
                    changed.append(feature)
                else:
                    result.unchanged += 1
            for feature in new:
                feature.full_clean(exclude=["layer"])
            LayerFeature.objects.bulk_create(new, batch_size=500)
            if changed:
                LayerFeature.objects.bulk_update(
                    changed, [k for k in rows[next(iter(rows))] if k != "code"], batch_size=500
                )
            result.created += len(new)
            result.updated += len(changed)
            if new or changed:
                source = mapping.get("source") or layer.source
                Layer.objects.filter(pk=layer.pk).update(version=F("version") + 1, source=source)
            public = bool(mapping.get("holders_public", False))
            if layer.holders_public != public:
                Layer.objects.filter(pk=layer.pk).update(holders_public=public)

    def finish() -> None:
        if {LayerKind.TITLE, LayerKind.ASM_ZONE} & set(result.by_kind) and (
            result.created or result.updated
        ):
            from .services import site_standings_update

            site_standings_update(country_id=country.pk)
        pipeline.audit_summary(
            actor=actor,
            model="licensing.layerfeature",
            title=str(Message("licensing.layer_audit_title", file=name[:150])),
            changes={
                "file": name, "country": country.alpha2, "kinds": sorted(result.by_kind),
                "created": result.created, "updated": result.updated,
                "unchanged": result.unchanged, "skipped": result.invalid_rows,
            },
        )  # fmt: skip

    pipeline.run(result=result, work=write, skip_invalid=skip_invalid, finish=finish)
    return result
