"""Country maps and production charts drawn on the server as SVG: no tiles, no script.

The map of a country is its shipped outline with the registry's sites on it, one dot per site
when they are few, or a grid of shaded cells when they are many, so the page stays small
whatever the number of sites.
"""

from __future__ import annotations

import functools
import json
import math
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from casm.core.maps import OUTLINES_PATH
from casm.core.numbers import number_compact, quantity_show

MAP_WIDTH = 560
CHART_WIDTH, CHART_HEIGHT = 560, 220
CHART_MARGIN = {"left": 64, "right": 12, "top": 12, "bottom": 28}


@functools.cache
def _outlines() -> dict[str, list[list[list[float]]]]:
    """alpha3 → the rings of its outline (outer rings and holes alike)."""
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    outlines: dict[str, list[list[list[float]]]] = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        outlines[feature["properties"]["alpha3"]] = [
            ring for polygon in polygons for ring in polygon
        ]
    return outlines


def country_bbox(alpha3: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of the country's outline, or None when none is shipped."""
    rings = _outlines().get(alpha3)
    if not rings:
        return None
    lons = [point[0] for ring in rings for point in ring]
    lats = [point[1] for ring in rings for point in ring]
    return min(lons), min(lats), max(lons), max(lats)


class _Projection:
    """Equirectangular, scaled by the cosine of the middle latitude, fitted to MAP_WIDTH."""

    def __init__(self, bbox: tuple[float, float, float, float]) -> None:
        west, south, east, north = bbox
        pad = max(east - west, north - south, 0.1) * 0.03
        self.west, self.south, self.east, self.north = (
            west - pad,
            south - pad,
            east + pad,
            north + pad,
        )
        self.xscale = math.cos(math.radians((self.north + self.south) / 2))
        span_x = (self.east - self.west) * self.xscale
        self.scale = MAP_WIDTH / max(span_x, 1e-6)
        self.height = max(40, round((self.north - self.south) * self.scale))

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = (lon - self.west) * self.xscale * self.scale
        y = (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)


def _outline_path(alpha3: str, projection: _Projection) -> str:
    parts = []
    for ring in _outlines().get(alpha3, []):
        points = [projection.xy(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x} {y}" for x, y in points) + "Z")
    return "".join(parts)


def country_map_svg(alpha3: str, site_map: dict[str, Any], *, label_id: str) -> SafeString:
    """The country's outline with its sites (or the grid of site counts), as SVG markup."""
    bbox = site_map.get("bbox")
    if not bbox:
        return mark_safe("")
    projection = _Projection(tuple(bbox))  # type: ignore[arg-type]
    shapes = [f'<path class="outline" d="{_outline_path(alpha3, projection)}"/>']
    if site_map["mode"] == "points":
        shapes.append('<g class="sites">')
        shapes.extend(
            f'<circle cx="{x}" cy="{y}" r="2.5"/>'
            for x, y in (projection.xy(lon, lat) for lon, lat in site_map["points"])
        )
        shapes.append("</g>")
    else:
        cell = site_map["cell"]
        west, south = bbox[0], bbox[1]
        most = max((n for _gx, _gy, n in site_map["cells"]), default=1)
        shapes.append('<g class="grid">')
        for gx, gy, n in site_map["cells"]:
            x0, y0 = projection.xy(west + gx * cell, south + (gy + 1) * cell)
            x1, y1 = projection.xy(west + (gx + 1) * cell, south + gy * cell)
            # Square root: a cell with 100 times more sites looks 10 times darker, not 100.
            opacity = 0.15 + 0.85 * math.sqrt(n / most)
            shapes.append(
                f'<rect x="{x0}" y="{y0}" width="{round(x1 - x0, 1)}" height="{round(y1 - y0, 1)}"'
                f' fill-opacity="{opacity:.2f}"><title>{n}</title></rect>'
            )
        shapes.append("</g>")
    svg = (
        f'<svg viewBox="0 0 {MAP_WIDTH} {projection.height}" role="img" '
        f'aria-labelledby="{escape(label_id)}" focusable="false" class="country-map">'
        + "".join(shapes)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 (built from numbers and escaped text only)


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at least ``value``: a readable top for an axis."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        top = step * 10**exponent
        if top >= value:
            return float(top)
    return float(10 ** (exponent + 1))


def _short(value: float) -> str:
    """An axis label in the reader's language: "40,5 M" in French, "40.5M" in English."""
    return number_compact(value)


def production_chart_svg(series: dict[str, Any], *, label_id: str) -> SafeString:
    """A bar chart of one commodity's production by year, in the commodity's unit."""
    years = series["years"]
    if not years:
        return mark_safe("")
    left, right = CHART_MARGIN["left"], CHART_MARGIN["right"]
    top, bottom = CHART_MARGIN["top"], CHART_MARGIN["bottom"]
    plot_w = CHART_WIDTH - left - right
    plot_h = CHART_HEIGHT - top - bottom
    highest = _nice_ceiling(max(item["quantity"] for item in years))
    slot = plot_w / len(years)
    bar = max(2.0, slot * 0.7)
    parts = [
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
        f'y2="{top + plot_h}"/>'
    ]
    for fraction in (0.0, 0.5, 1.0):
        y = round(top + plot_h * (1 - fraction), 1)
        tick = _short(highest * fraction)
        parts.append(
            f'<line class="tick" x1="{left}" y1="{y}" x2="{left + plot_w}" y2="{y}"/>'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{tick}</text>'
        )
    label_every = max(1, math.ceil(len(years) / 12))
    for index, item in enumerate(years):
        height = plot_h * item["quantity"] / highest
        x = round(left + index * slot + (slot - bar) / 2, 1)
        y = round(top + plot_h - height, 1)
        value = quantity_show(round(item["quantity"], 2), series["unit"])
        parts.append(
            f'<rect x="{x}" y="{y}" width="{round(bar, 1)}" height="{round(height, 1)}">'
            f"<title>{item['year']}: {escape(value)}</title></rect>"
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{round(x + bar / 2, 1)}" y="{CHART_HEIGHT - 8}" '
                f'text-anchor="middle">{item["year"]}</text>'
            )
    title = _("%(commodity)s production by year, in %(unit)s") % {
        "commodity": series["name"],
        "unit": series["unit"],
    }
    svg = (
        f'<svg viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" class="chart" '
        f'aria-labelledby="{escape(label_id)}" focusable="false"><title>{escape(title)}</title>'
        + "".join(parts)
        + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 (built from numbers and escaped text only)
