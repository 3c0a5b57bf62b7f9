"""World map drawn on the server as SVG from the shipped country outlines: no tiles, no script."""

from __future__ import annotations

import functools
import json
from pathlib import Path

OUTLINES_PATH = Path(__file__).resolve().parent / "data" / "outlines.geojson"
# Equirectangular projection, cropped to the inhabited latitudes.
WIDTH, HEIGHT = 720, 330
NORTH, SOUTH = 84.0, -58.0


def _xy(lon: float, lat: float) -> tuple[int, int]:
    x = (lon + 180.0) * WIDTH / 360.0
    y = (NORTH - max(SOUTH, min(NORTH, lat))) * HEIGHT / (NORTH - SOUTH)
    return round(x), round(y)


def _ring_path(ring: list[list[float]]) -> str:
    """Whole pixels are enough at this scale; dropping repeated points keeps the page light."""
    points: list[tuple[int, int]] = []
    for lon, lat in ring:
        point = _xy(lon, lat)
        if not points or points[-1] != point:
            points.append(point)
    if len(points) < 3:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in points) + "Z"


@functools.cache
def world_paths() -> dict[str, dict[str, str]]:
    """alpha3 → {"name", "d"}: one SVG path per country, computed once per process."""
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    paths: dict[str, dict[str, str]] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        d = "".join(_ring_path(ring) for polygon in polygons for ring in polygon)
        props = feature["properties"]
        paths[props["alpha3"]] = {"name": props["name"], "d": d}
    return paths


def outlines_source() -> str:
    return json.loads(OUTLINES_PATH.read_text(encoding="utf-8")).get("source", "Natural Earth")


def world_map(highlight: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The countries to draw, each with a CSS class: highlighted ones get theirs."""
    highlight = highlight or {}
    return [
        {"alpha3": code, "name": item["name"], "d": item["d"], "css": highlight.get(code, "")}
        for code, item in world_paths().items()
    ]


MAP_VIEWBOX = f"0 0 {WIDTH} {HEIGHT}"
