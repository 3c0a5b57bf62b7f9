"""The cadastre as a zipped Shapefile, for the GIS tools that still want one (the CSV and
GeoJSON downloads go through ``casm.core.tables``)."""

from __future__ import annotations

import datetime
import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from .models import LayerFeature
from .selectors import feature_row

# WGS 84 in the .prj's own words (ESRI WKT), so that every GIS tool reads the coordinates.
WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
# DBF names are at most 10 characters: (field, column of feature_row, width).
FIELDS = [
    ("KIND", "kind", 12), ("CODE", "code", 80), ("NAME", "name", 120), ("TYPE", "type", 40),
    ("HOLDER", "holder", 200), ("STATUS", "status", 120), ("COMMODITY", "commodities", 120),
    ("GRANTED", "granted_on", 10), ("EXPIRES", "expires_on", 10), ("RULE", "rule", 20),
    ("REASON", "reason", 20), ("COUNTRY", "country", 2),
]  # fmt: skip


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """Every ring of a Polygon or MultiPolygon, as pyshp's polygon parts."""
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [ring for polygon in polygons for ring in polygon]


def shapefile_zip(features: QuerySet[LayerFeature]) -> tuple[str, bytes]:
    """The features (with their shapes) as one zipped Shapefile: its name and its bytes."""
    import shapefile

    stamp = datetime.date.today().isoformat()
    name = f"casm-cadastre-{stamp}"
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / name
        with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="utf-8") as writer:
            for field, _column, width in FIELDS:
                writer.field(field, "C", size=width)
            writer.field("AREA_HA", "N", size=18, decimal=2)
            for feature in features.defer(None).iterator(chunk_size=500):
                row = feature_row(feature)
                writer.poly(_rings(feature.geometry))
                values = []
                for _field, column, width in FIELDS:
                    value = row.get(column)
                    values.append(("" if value is None else str(value))[:width])
                writer.record(*values, round(feature.area_ha, 2))
        base.with_suffix(".prj").write_text(WGS84_PRJ)
        base.with_suffix(".cpg").write_text("UTF-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
            for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                zipped.write(base.with_suffix(suffix), f"{name}{suffix}")
    return f"{name}.zip", buffer.getvalue()
