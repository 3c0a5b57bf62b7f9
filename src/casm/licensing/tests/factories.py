"""A small cadastre near Kinshasa written by the tests: titles, an ASM zone, a protected area
and a restriction zone, as a GeoJSON file and loaded through the layer import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping

TITLES_MAPPING = {
    "code": "name", "name": "name", "title_type": "type", "holder": "parties",
    "status": "statut", "granted_on": "date_de1",
    "kinds": {"field": "type", "values": {"ZEA": "asm_zone"}}, "source": "test cadastre",
    "holders_public": True,
}  # fmt: skip
PROTECTED_MAPPING = {"code": "name", "name": "name"}
RESTRICTION_MAPPING = {"code": "code", "name": "name", "rule": "rule", "reason": "reason"}

# Boxes as (west, south, east, north), all inside DR Congo.
TITLE_PE = (15.30, -4.32, 15.32, -4.30)
ZONE = (15.40, -4.32, 15.42, -4.30)
PARK = (15.50, -4.40, 15.60, -4.30)
RESTRICTED = (15.70, -4.32, 15.72, -4.30)


def feature(bounds: tuple[float, float, float, float], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": mapping(box(*bounds))}


def title(bounds: tuple[float, float, float, float], name: str, kind: str = "PE",
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    properties = {"name": name, "type": kind, "parties": "SOCIETE MINIERE TEST (100%)",
                  "statut": "Actif", "date_de1": "2016-07-04", **extra}  # fmt: skip
    return feature(bounds, **properties)


def collection(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def load_cadastre(folder: Path, country: Any) -> None:
    """The test cadastre of DR Congo, loaded by the system."""
    from casm.licensing.layers import layer_import

    titles = collection(folder / "titles.geojson", [
        title(TITLE_PE, "101"), title(ZONE, "ZEA-001", "ZEA", parties=" "),
    ])  # fmt: skip
    parks = collection(folder / "parks.geojson", [feature(PARK, name="Parc test")])
    restricted = collection(folder / "restricted.geojson", [
        feature(RESTRICTED, code="R1", name="Captage test", rule="consultation", reason="water"),
    ])  # fmt: skip
    for path, kind, mapping_ in (
        (titles, "title", TITLES_MAPPING), (parks, "protected", PROTECTED_MAPPING),
        (restricted, "restriction", RESTRICTION_MAPPING),
    ):  # fmt: skip
        result = layer_import(actor=None, path=path, country=country, kind=kind, mapping=mapping_)
        assert result.committed, [p.text for p in result.problems]
