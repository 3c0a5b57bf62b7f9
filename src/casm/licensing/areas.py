"""An application's area as the applicant gives it: a GeoJSON shape, or its corners typed as
latitude and longitude (decimal degrees, or degrees, minutes and seconds with N/S/E/W).

Both end as one checked polygon in WGS 84, or an :class:`AreaError` naming what is wrong in
the reader's language (never a library's wording).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.conf import settings
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from casm.core.geometry import problem_message
from casm.core.messages import Message
from casm.lib.geometry import geometry_check

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


def area_from_corners(text: str) -> BaseGeometry:
    """The polygon of the corners typed one per line (the ring closes by itself)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(lines) > MAX_CORNERS:
        raise AreaError(Message("geometry.too_many_vertices", count=len(lines), limit=MAX_CORNERS))
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


def _checked(geometry: BaseGeometry) -> BaseGeometry:
    checked, problems, _repaired = geometry_check(
        geometry, max_vertices=settings.GEOMETRY_MAX_VERTICES
    )
    if problems or checked is None:
        raise AreaError(problem_message(problems[0]))
    return checked
