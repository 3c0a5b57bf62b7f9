"""An application's area as the applicant gives it: a GeoJSON, KML or zipped Shapefile file, a
shape drawn on the map, or its corners typed as latitude and longitude (decimal degrees, or
degrees, minutes and seconds with N/S/E/W) or as easting and northing in a national grid.

Both end as one checked polygon in WGS 84, or an :class:`AreaError` naming what is wrong in
the reader's language (never a library's wording).
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from casm.core.geometry import problem_message
from casm.core.messages import Message
from casm.lib.geometry import (
    GeometryFileError,
    as_geojson,
    crs_check,
    geometry_check,
    read_features,
    to_wgs84,
)

# Generous for a hand-typed area; an uploaded one is bounded by GEOMETRY_MAX_VERTICES.
MAX_CORNERS = 500
_DMS = re.compile(
    r"(?P<deg>[-+]?\d+(?:[.,]\d+)?)\s*[°º]\s*"
    r"(?:(?P<min>\d+(?:[.,]\d+)?)\s*['′’]\s*)?"
    r"(?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:[\"″”]|'')\s*)?"
    r"(?P<hem>[NSEWOnsewo])?"
)
_DECIMAL = re.compile(r"^(?P<value>[-+]?\d+(?:\.\d+)?)\s*(?P<hem>[NSEWOnsewo])?$")


class AreaError(ValueError):
    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _signed(value: float, hemisphere: str | None) -> tuple[float, str | None]:
    """The value with its sign from the hemisphere letter; the axis the letter names."""
    if not hemisphere:
        return value, None
    letter = hemisphere.upper()
    axis = "lat" if letter in "NS" else "lon"
    return (-abs(value) if letter in "SWO" else abs(value)), axis


def _corner(line: str, number: int) -> tuple[float, float]:
    """(longitude, latitude) of one typed line ``latitude, longitude``."""
    parts: list[tuple[float, str | None]] = []
    if "°" in line or "º" in line:
        for found in _DMS.finditer(line):
            degrees = _number(found["deg"])
            minutes = _number(found["min"]) if found["min"] else 0.0
            seconds = _number(found["sec"]) if found["sec"] else 0.0
            if minutes >= 60 or seconds >= 60:
                raise AreaError(Message("licensing.corner_bad", line=number, value=line))
            value = abs(degrees) + minutes / 60 + seconds / 3600
            value = -value if degrees < 0 else value
            parts.append(_signed(value, found["hem"]))
    else:
        tokens = [t for t in re.split(r"[;\s]+", line.strip()) if t]
        if len(tokens) != 2:
            tokens = [t.strip() for t in line.split(",") if t.strip()]
        elif all("," in t for t in tokens):  # "−3,5 28,1": decimal commas
            tokens = [t.replace(",", ".") for t in tokens]
        else:
            tokens = [t.rstrip(",") for t in tokens]
        for token in tokens:
            matched = _DECIMAL.match(token)
            if not matched:
                raise AreaError(Message("licensing.corner_bad", line=number, value=line))
            parts.append(_signed(float(matched["value"]), matched["hem"]))
    if len(parts) != 2:
        raise AreaError(Message("licensing.corner_bad", line=number, value=line))
    (first, first_axis), (second, second_axis) = parts
    latitude, longitude = first, second
    if first_axis == "lon" or second_axis == "lat":
        latitude, longitude = second, first
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise AreaError(Message("licensing.corner_range", line=number))
    return longitude, latitude


def _grid_corner(line: str, number: int) -> tuple[float, float]:
    """(easting, northing) of one typed line in metres."""
    tokens = [t for t in re.split(r"[;,\s]+", line.strip()) if t]
    try:
        easting, northing = (float(t) for t in tokens)
    except ValueError:
        raise AreaError(Message("licensing.grid_corner_bad", line=number, value=line)) from None
    if not all(math.isfinite(v) and abs(v) < 1e8 for v in (easting, northing)):
        raise AreaError(Message("licensing.grid_corner_bad", line=number, value=line))
    return easting, northing


def area_from_corners(text: str, grid: str = "") -> BaseGeometry:
    """The polygon of the corners typed one per line (the ring closes by itself): latitude and
    longitude, or with ``grid`` (a projection pyproj knows, e.g. ``EPSG:32735``) easting and
    northing in metres."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_CORNERS:
        raise AreaError(Message("geometry.too_many_vertices", count=len(lines), limit=MAX_CORNERS))
    if grid:
        try:
            crs_check(grid)
        except GeometryFileError:
            raise AreaError(Message("licensing.grid_unknown", grid=grid[:80])) from None
        points = [_grid_corner(line, n) for n, line in lines]
        if len(points) < 3:
            raise AreaError(Message("licensing.corners_few"))
        try:
            polygon = to_wgs84(Polygon(points), grid)
        except Exception:  # a point the projection cannot take
            raise AreaError(Message("licensing.grid_unknown", grid=grid[:80])) from None
        lons, lats = zip(*polygon.exterior.coords, strict=True)
        if not all(math.isfinite(v) for v in (*lons, *lats)) or not (
            all(-180 <= v <= 180 for v in lons) and all(-90 <= v <= 90 for v in lats)
        ):
            raise AreaError(Message("licensing.grid_range", grid=grid[:80]))
        return _checked(polygon)
    corners = [_corner(line, n) for n, line in lines]
    if len(corners) > 1 and corners[0] == corners[-1]:
        corners.pop()
    if len(corners) < 3:
        raise AreaError(Message("licensing.corners_few"))
    return _checked(Polygon(corners))


def area_from_geojson(value: Any) -> BaseGeometry:
    """The polygon of a GeoJSON geometry, Feature or FeatureCollection (text or parsed)."""
    if isinstance(value, bytes | str):
        try:
            value = json.loads(value)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise AreaError(Message("licensing.geojson_bad", reason="not JSON")) from None
    if not isinstance(value, dict):
        raise AreaError(Message("licensing.geojson_bad", reason="not a GeoJSON object"))
    if value.get("type") == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            reason = "give one feature"
            raise AreaError(Message("licensing.geojson_bad", reason=reason))
        value = features[0]
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise AreaError(Message("licensing.geojson_bad", reason="not a Polygon or MultiPolygon"))
    try:
        geometry = shape(value)
    except Exception:  # broken coordinates raise anything from TypeError to GEOS errors
        broken = Message("licensing.geojson_bad", reason="the coordinates are broken")
        raise AreaError(broken) from None
    return _checked(geometry)


def _kml_polygons(content: bytes) -> list[Polygon]:
    """The polygons of a KML document (its coordinates are longitude,latitude[,altitude])."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        root = ElementTree.fromstring(content)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise AreaError(Message("licensing.kml_bad")) from None

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def ring(element: Any) -> list[tuple[float, float]]:
        for child in element.iter():
            if local(child.tag) == "coordinates":
                points = []
                for token in (child.text or "").split():
                    values = token.split(",")
                    try:
                        points.append((float(values[0]), float(values[1])))
                    except (IndexError, ValueError):
                        raise AreaError(Message("licensing.kml_bad")) from None
                return points
        return []

    polygons = []
    for element in root.iter():
        if local(element.tag) != "Polygon":
            continue
        outer, holes = [], []
        for child in element:
            if local(child.tag) == "outerBoundaryIs":
                outer = ring(child)
            elif local(child.tag) == "innerBoundaryIs":
                holes.append(ring(child))
        if len(outer) < 3:
            raise AreaError(Message("licensing.corners_few"))
        polygons.append(Polygon(outer, [h for h in holes if len(h) >= 3]))
    return polygons


def area_from_upload(name: str, content: bytes) -> BaseGeometry:
    """The polygon of an uploaded file: ``.kml``, a zipped Shapefile (``.zip``), or GeoJSON."""
    suffix = Path(name or "").suffix.lower()
    if suffix == ".kml":
        polygons = _kml_polygons(content)
        if not polygons:
            raise AreaError(Message("licensing.kml_bad"))
        return _checked(polygons[0] if len(polygons) == 1 else MultiPolygon(polygons))
    if suffix == ".zip":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "area.zip"
            path.write_bytes(content)
            try:
                _crs, features = read_features(path)
                shapes = [f for f in features]
            except GeometryFileError as exc:
                raise AreaError(problem_message(exc)) from None
        if len(shapes) != 1:
            reason = "give one feature"
            raise AreaError(Message("licensing.geojson_bad", reason=reason))
        (feature,) = shapes
        if feature.problems or feature.geometry is None:
            raise AreaError(problem_message(feature.problems[0]) if feature.problems
                            else Message("licensing.kml_bad"))  # fmt: skip
        return area_from_geojson(as_geojson(feature.geometry))
    return area_from_geojson(content)


def _checked(geometry: BaseGeometry) -> BaseGeometry:
    checked, problems, _repaired = geometry_check(
        geometry, max_vertices=settings.GEOMETRY_MAX_VERTICES
    )
    if problems or checked is None:
        raise AreaError(problem_message(problems[0]))
    return checked
