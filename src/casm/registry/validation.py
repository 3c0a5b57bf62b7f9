"""The registry's rules as plain functions, shared by the services and the bulk importer.

Each check returns its problems as (field, message), the message a code with parameters
(``casm.core.messages``, said in ``problems.py``), so the importer can keep every problem of a
row at once and show it later in the reader's language, while the services raise them.
:func:`visit_problems` is the one set of rules of a visit: the services and the census importer
both ask it.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from casm.core.maps import OUTLINES_PATH
from casm.core.messages import Message
from casm.registry.models import (
    ActivityStatus,
    ArmedActivity,
    CertificationStatus,
    LegalStatus,
    MiningMethod,
    NotReachedReason,
    ProcessingMethod,
    StateService,
    WorkRole,
)

DUPLICATE_DISTANCE_M = 500
DUPLICATE_NAME_SIMILARITY = 0.85
# The shipped outlines are simplified (1:110m); a point this close to a border is accepted.
OUTLINE_TOLERANCE_DEGREES = 0.25

# Conversion of each unit to grams; carats only make sense for stones.
GRAMS = {"g": 1.0, "kg": 1000.0, "t": 1_000_000.0, "ct": 0.2}
MASS_UNITS = {"g", "kg", "t"}

CHILD_FIELDS = ("boys_under_15", "girls_under_15", "boys_15_17", "girls_15_17")
COUNT_FIELDS = ("workers", "men", "women", *CHILD_FIELDS, "pits")

CHOICE_LISTS: dict[str, set[str]] = {
    "mining_methods": set(MiningMethod.values),
    "processing_methods": set(ProcessingMethod.values),
    "state_services": set(StateService.values),
    "armed_activities": set(ArmedActivity.values),
    "women_work": set(WorkRole.values),
    "children_work": set(WorkRole.values),
    "roles": set(WorkRole.values),
}
CHOICES: dict[str, set[str]] = {
    "activity_status": set(ActivityStatus.values),
    "legal_status": set(LegalStatus.values),
    "certification_status": set(CertificationStatus.values) | {""},
    "not_reached_reason": set(NotReachedReason.values) | {""},
}


def site_code_format(alpha2: str, latitude: float, longitude: float, number: int) -> str:
    """The regional mine ID, ``CC-lat+long-NNNNN``: e.g. ``RW-1.9641+30.0619-00001``.

    Each coordinate carries its sign, so a site north of the equator reads ``GH+6.2001-1.7001-…``.
    """
    return f"{alpha2.upper()}{latitude:+.4f}{longitude:+.4f}-{number:05d}"


def coordinates_problems(latitude: Any, longitude: Any) -> list[tuple[str, Message]]:
    """Out-of-range or missing coordinates, as (field, message)."""
    problems = []
    for field, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is None:
            problems.append((field, Message("registry.coordinate_missing", field=field)))
        elif not isinstance(value, int | float) or math.isnan(value):
            problems.append((field, Message("registry.not_a_number", value=str(value))))
        elif not -limit <= value <= limit:
            problems.append((field, Message("registry.coordinate_range", value=value, limit=limit)))
    return problems


@functools.cache
def _outline_shapes() -> dict[str, Any]:
    from shapely.geometry import shape

    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    return {
        feature["properties"]["alpha3"]: shape(feature["geometry"]).buffer(
            OUTLINE_TOLERANCE_DEGREES
        )
        for feature in data["features"]
    }


@functools.cache
def _outlines() -> dict[str, Any]:
    from shapely.prepared import prep

    return {alpha3: prep(outline) for alpha3, outline in _outline_shapes().items()}


def country_outline_prepared(alpha3: str) -> Any:
    """The same outline prepared for fast tests (``covers``); None without an outline."""
    return _outlines().get(alpha3)


def country_outline(alpha3: str) -> Any:
    """The country's shipped outline (widened by the tolerance) as a shape, to measure how
    much of an area lies outside it; None when no outline is shipped for the country."""
    return _outline_shapes().get(alpha3)


def point_in_country(alpha3: str, latitude: float, longitude: float) -> bool | None:
    """Whether the point lies in the country's outline; None when no outline is shipped."""
    from shapely.geometry import Point

    outline = _outlines().get(alpha3)
    if outline is None:
        return None
    return bool(outline.contains(Point(longitude, latitude)))


def points_in_country(alpha3: str, latitudes: Any, longitudes: Any) -> Any:
    """For many points at once (sequences of floats), whether each lies in the country's
    outline, as a NumPy array of booleans: the same test as :func:`point_in_country`, in one
    call to GEOS. None when no outline is shipped."""
    import numpy
    import shapely

    outline = _outline_shapes().get(alpha3)
    if outline is None:
        return None
    shapely.prepare(outline)  # once: a prepared geometry stays prepared
    return shapely.contains_xy(
        outline, numpy.asarray(longitudes, dtype=float), numpy.asarray(latitudes, dtype=float)
    )


def area_problem(stated: str, area_name: str, area_code: str) -> Message | None:
    """A stated province (district, ...) that is not the area the point lies in."""
    if not stated.strip() or name_key(stated) == name_key(area_name):
        return None
    return Message("registry.area_contradicts", area=area_name, code=area_code, stated=stated)


def location_unchecked(alpha3: str, name: str) -> Message | None:
    """What to say when a country has no outline to check points against (never silence)."""
    if alpha3 in _outlines():
        return None
    return Message("registry.no_outline", country=name)


def location_problem(alpha3: str, latitude: float, longitude: float) -> Message | None:
    """A warning when the point is not in the country (and a hint when it looks swapped)."""
    if point_in_country(alpha3, latitude, longitude) is not False:
        return None
    if -90 <= longitude <= 90 and point_in_country(alpha3, longitude, latitude):
        return Message("registry.location_swapped")
    return Message("registry.location_outside", lat=latitude, lon=longitude)


@dataclass(frozen=True)
class Footprint:
    """A checked footprint: the GeoJSON to keep, its area and its bounding box."""

    geometry: dict[str, Any]
    hectares: float
    bbox: tuple[float, float, float, float]


def _footprint_shape(value: Any) -> Any:
    """The shape of a GeoJSON geometry, Feature or JSON text; None when it is not one."""
    from shapely.geometry import shape

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, dict) and value.get("type") == "FeatureCollection":
        features = value.get("features") or []
        value = (
            features[0].get("geometry")
            if len(features) == 1 and isinstance(features[0], dict)
            else None
        )
    if not isinstance(value, dict) or not isinstance(value.get("coordinates"), list):
        return None
    try:
        return shape(value)
    except Exception:  # shapely raises several kinds on malformed coordinates
        return None


def footprint_check(
    value: Any, latitude: Any, longitude: Any
) -> tuple[Footprint | None, list[Message]]:
    """A site's footprint checked: a polygon of plausible size and shape near the site's point.
    An empty value is no footprint and no problem."""
    from django.conf import settings
    from shapely.geometry import Point
    from shapely.ops import nearest_points

    from casm.core.geometry import problem_message
    from casm.lib.geometry import as_geojson, geometry_check

    if value in (None, "", {}):
        return None, []
    shaped = _footprint_shape(value)
    if shaped is None:
        return None, [Message("geometry.footprint_unreadable")]
    checked, problems, _repaired = geometry_check(
        shaped,
        max_vertices=settings.FOOTPRINT_MAX_VERTICES,
        max_hectares=settings.FOOTPRINT_MAX_HECTARES,
    )
    found = [problem_message(problem) for problem in problems]
    if checked is None or found:
        return None, found
    if isinstance(latitude, int | float) and isinstance(longitude, int | float):
        near, _point = nearest_points(checked, Point(longitude, latitude))
        metres = distance_m(latitude, longitude, near.y, near.x)
        if metres > settings.FOOTPRINT_MAX_DISTANCE_M:
            return None, [Message("geometry.footprint_far", km=f"{metres / 1000:.1f}")]
    from casm.lib.geometry import area_hectares

    return Footprint(as_geojson(checked), area_hectares(checked), checked.bounds), []


def date_problem(
    value: datetime.date | None, *, today: datetime.date | None = None
) -> Message | None:
    if value is None:
        return None
    today = today or datetime.date.today()
    if value > today:
        return Message("registry.date_future", date=value.isoformat())
    if value.year < 1900:
        return Message("registry.date_too_old", date=value.isoformat())
    return None


def visit_count_problems(counts: Mapping[str, Any]) -> list[tuple[str, Message]]:
    """Negative counts, and groups that do not add up to the total, as (field, message)."""
    problems = []
    for field in COUNT_FIELDS:
        value = counts.get(field)
        if value is not None and value < 0:
            problems.append((field, Message("registry.count_negative")))
    if problems:
        return problems
    total = counts.get("workers")
    groups = [counts.get(field) for field in ("men", "women", *CHILD_FIELDS)]
    given = [value for value in groups if value is not None]
    if total is None or not given:
        return problems
    if len(given) == len(groups) and sum(given) != total:
        problems.append(
            ("workers", Message("registry.groups_not_total", sum=sum(given), total=total))
        )
    elif sum(given) > total:
        problems.append(
            ("workers", Message("registry.groups_over_total", sum=sum(given), total=total))
        )
    return problems


def visit_problems(
    data: Mapping[str, Any],
    *,
    today: datetime.date | None = None,
    commodity_codes: Iterable[str] | None = None,
) -> list[tuple[str, Message]]:
    """Every problem of a visit's fields, as (field, message): the one set of visit rules.

    Only the fields present are checked (``date`` when given, ``commodities`` against
    ``commodity_codes`` when both are given), so the importer, which reads dates and
    commodity names itself, asks the same function as the services.
    """
    problems = visit_count_problems(data)
    problems += choice_problems(data)
    if "date" in data:
        if data["date"] is None:
            problems.append(("date", Message("registry.date_missing")))
        else:
            problem = date_problem(data["date"], today=today)
            if problem is not None:
                problems.append(("date", problem))
    if data.get("reached") is False and not data.get("not_reached_reason"):
        problems.append(("not_reached_reason", Message("registry.reason_needed")))
    depth = data.get("max_depth_m")
    if depth is not None and depth < 0:
        problems.append(("max_depth_m", Message("registry.depth_negative")))
    if commodity_codes is not None:
        codes = set(commodity_codes)
        for item in data.get("commodities") or []:
            if not isinstance(item, dict) or item.get("commodity") not in codes:
                shown = item.get("commodity") if isinstance(item, dict) else item
                problems.append(("commodities", Message("registry.commodity_unknown", value=shown)))
    return problems


def choice_problems(data: Mapping[str, Any]) -> list[tuple[str, Message]]:
    """Values that are not among a field's choices (single values and lists)."""
    problems = []
    for field, allowed in CHOICES.items():
        if field in data and data[field] is not None and data[field] not in allowed:
            problems.append((field, Message("registry.not_allowed", value=str(data[field]))))
    for field, allowed in CHOICE_LISTS.items():
        values = data.get(field)
        if values is None:
            continue
        if not isinstance(values, list | tuple):
            problems.append((field, Message("registry.list_expected")))
            continue
        for value in values:
            if value not in allowed:
                problems.append((field, Message("registry.not_allowed", value=str(value))))
    return problems


def unit_problem(commodity_unit: str, unit: str) -> Message | None:
    """Stones are counted in carats or grams; everything else by mass."""
    if unit not in GRAMS:
        return Message("registry.unit_unknown", unit=unit)
    if unit == "ct" and commodity_unit != "ct":
        return Message("registry.carats")
    return None


def quantity_in_commodity_unit(quantity: float, unit: str, commodity_unit: str) -> float:
    return float(quantity) * GRAMS[unit] / GRAMS[commodity_unit]


def name_key(name: str) -> str:
    """A name folded for comparison: no accents, no case, no punctuation, single spaces."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def names_similar(a: str, b: str) -> bool:
    key_a, key_b = name_key(a), name_key(b)
    if not key_a or not key_b:
        return False
    if key_a == key_b:
        return True
    return difflib.SequenceMatcher(None, key_a, key_b).ratio() >= DUPLICATE_NAME_SIMILARITY


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def bbox_around(latitude: float, longitude: float, metres: float) -> tuple[float, ...]:
    """(south, north, west, east) of a box holding every point within ``metres``."""
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def first_duplicate(
    name: str,
    latitude: float,
    longitude: float,
    candidates: Iterable[tuple[Any, str, float, float]],
) -> Any | None:
    """The first candidate (key, name, lat, lon) with a similar name within 500 m."""
    for key, other_name, other_lat, other_lon in candidates:
        if distance_m(
            latitude, longitude, other_lat, other_lon
        ) <= DUPLICATE_DISTANCE_M and names_similar(name, other_name):
            return key
    return None


def months_later(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (the 28th at most, so that every month has it)."""
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def certification_default_until(status: str, valid_from: datetime.date) -> datetime.date | None:
    """ICGLR validity: green one year, yellow three months, blue up to three years, red none."""
    months = {"green": 12, "yellow": 3, "blue": 36}.get(status)
    if months is None:
        return None
    return months_later(valid_from, months)


# What a status becomes when its time runs out with no new inspection (ICGLR data standard
# MD.01): a green site goes back to blue, a yellow one whose problems were not fixed in time
# and a blue one never inspected within its three years become red. Red does not lapse: only a
# later inspection clears it.
LAPSES_TO = {"green": "blue", "yellow": "red", "blue": "red"}


def certification_lapses(
    status: str, valid_until: datetime.date | None, today: datetime.date
) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """The statuses a site has gone through since ``valid_until`` passed, oldest first, each as
    (status, valid from, valid until); empty while the status holds."""
    steps: list[tuple[str, datetime.date, datetime.date | None]] = []
    while status in LAPSES_TO and valid_until is not None and valid_until < today:
        status = LAPSES_TO[status]
        start = valid_until + datetime.timedelta(days=1)
        valid_until = certification_default_until(status, start)
        steps.append((status, start, valid_until))
    return steps


def certification_now(
    status: str,
    valid_from: datetime.date | None,
    valid_until: datetime.date | None,
    today: datetime.date,
) -> tuple[str, datetime.date | None, datetime.date | None, bool]:
    """The status in force today: (status, from, until, lapsed), where lapsed says that the
    recorded status ran out and this one followed by itself."""
    steps = certification_lapses(status, valid_until, today)
    if not steps:
        return status, valid_from, valid_until, False
    return (*steps[-1], True)
