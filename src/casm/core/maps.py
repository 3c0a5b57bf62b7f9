"""World map drawn on the server as SVG from the shipped country outlines: no tiles, no script."""

from __future__ import annotations

import functools
import json
from html import escape
from pathlib import Path

from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

OUTLINES_PATH = Path(__file__).resolve().parent / "data" / "outlines.geojson"
# Equirectangular projection, cropped to the inhabited latitudes.
WIDTH, HEIGHT = 720, 330
NORTH, SOUTH = 84.0, -58.0
MAP_VIEWBOX = f"0 0 {WIDTH} {HEIGHT}"


def _xy(lon: float, lat: float) -> tuple[int, int]:
    x = (lon + 180.0) * WIDTH / 360.0
    y = (NORTH - max(SOUTH, min(NORTH, lat))) * HEIGHT / (NORTH - SOUTH)
    return round(x), round(y)


def _ring_path(ring: list[list[float]]) -> str:
    """Whole pixels are enough at this scale; dropping repeated points and writing each point
    as its step from the last (``l``, one or two digits) keeps the page light: the map is most
    of the home page, sent and compressed for every visitor."""
    points: list[tuple[int, int]] = []
    for lon, lat in ring:
        point = _xy(lon, lat)
        if not points or points[-1] != point:
            points.append(point)
    if len(points) < 3:
        return ""
    steps = [f"{x - px} {y - py}" for (px, py), (x, y) in zip(points, points[1:], strict=False)]
    x, y = points[0]
    # Negative steps need no separator: "1-2" reads as 1 then -2.
    return f"M{x} {y}l" + " ".join(steps).replace(" -", "-") + "z"


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


@functools.cache
def _outlines_file_source() -> str:
    return str(json.loads(OUTLINES_PATH.read_text(encoding="utf-8")).get("source", "Natural Earth"))


def outlines_source() -> str:
    """The credit for the country outlines, in the reader's language when it is Natural Earth's
    (the data file names it in English). The file is read once; the words are translated for
    each reader, never kept in the language of the first."""
    source = _outlines_file_source()
    if source.startswith("Natural Earth"):
        return str(_("Natural Earth 1:110m country outlines (public domain), simplified"))
    return source


@functools.cache
def country_names_in(language: str) -> dict[str, str]:
    """alpha3 → the country's name in ``language`` from pycountry's ISO 3166 translations;
    empty for English, where the outlines' own short names are used."""
    if language == "en":
        return {}
    import gettext

    import pycountry

    names = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    return {entry.alpha_3: names.gettext(entry.name) for entry in pycountry.countries}


@functools.lru_cache(maxsize=64)
def _world_svg(highlight: tuple[tuple[str, str], ...], label_id: str, language: str) -> str:
    classes = dict(highlight)
    names = country_names_in(language)
    paths = "".join(
        f'<path d="{item["d"]}" class="{escape(classes.get(code, ""))}">'
        f"<title>{escape(names.get(code, item['name']))}</title></path>"
        for code, item in world_paths().items()
        if item["d"]
    )
    return (
        f'<svg viewBox="{MAP_VIEWBOX}" role="img" aria-labelledby="{escape(label_id)}" '
        f'focusable="false">{paths}</svg>'
    )


def world_map_svg(highlight: dict[str, str] | None = None, *, label_id: str = "map-caption") -> str:
    """The world map as SVG markup, countries in ``highlight`` (alpha3 → CSS class) marked.

    Built once per set of highlights: drawing 175 countries in a template on every request
    costs more than the rest of the page.
    """
    language = (get_language() or "en").split("-")[0]
    return mark_safe(  # noqa: S308 (escaped where built)
        _world_svg(tuple(sorted((highlight or {}).items())), label_id, language)
    )
