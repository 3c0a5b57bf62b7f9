"""Administrative areas: the areas of a point.

The areas come from a government's boundary files through the import pipeline
(:mod:`casm.imports.areas`). ``areas_for_point`` finds the areas that contain a point:
candidates through the spatial index (:mod:`casm.core.spatial`), then the exact test with
prepared Shapely shapes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from shapely.geometry import Point, shape
from shapely.prepared import prep

from casm.core.models import AdminArea
from casm.core.spatial import bbox_filter


def clear_prepared() -> None:
    """Forget the prepared shapes (after an import changed the areas)."""
    _prepared.cache_clear()


@lru_cache(maxsize=4096)
def _prepared(area_id: int, stamp: str) -> Any:
    """The prepared shape of an area, kept while its ``updated_at`` stays the same."""
    area = AdminArea.objects.only("geometry").get(pk=area_id)
    return prep(shape(area.geometry))


def areas_for_point(country_id: int, longitude: float, latitude: float) -> dict[int, AdminArea]:
    """The areas of each level of the country that contain the point (on their edge counts)."""
    found: dict[int, AdminArea] = {}
    point = Point(longitude, latitude)
    candidates = bbox_filter(
        AdminArea.objects.filter(country_id=country_id).defer("geometry"),
        (longitude, latitude, longitude, latitude),
    )
    for area in candidates.order_by("level", "code"):
        if area.level in found:
            continue
        if _prepared(area.pk, area.updated_at.isoformat()).covers(point):
            found[area.level] = area
    return found


def country_has_areas(country_id: int) -> bool:
    return AdminArea.objects.filter(country_id=country_id).exists()
