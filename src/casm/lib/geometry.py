"""The geometry layer: shapes read, reprojected, checked and measured, without GDAL.

- **Reading**: :func:`read_features` takes GeoJSON (a FeatureCollection, a Feature or a bare
  geometry) or a Shapefile, loose (``.shp`` beside its ``.dbf``, ``.shx`` and ``.prj``) or
  zipped, and yields :class:`Feature` rows numbered from 1 with their attributes.
- **Projections**: a Shapefile's ``.prj`` or a GeoJSON ``crs`` member names the projection;
  coordinates are turned into WGS 84 longitude/latitude with pyproj. Without either, WGS 84
  is assumed, and coordinates that cannot be degrees are a problem.
- **Checking**: :func:`geometry_check` finds unclosed rings, self-intersections, empty or
  degenerate shapes, coordinates out of range and shapes with too many vertices. Problems are
  :class:`GeometryProblem` codes with parameters, never library text, so the caller says them
  in the reader's language; with ``repair=True`` an invalid shape is mended (``make_valid``)
  and reported as repaired.
- **Measuring**: :func:`area_hectares` is the geodesic area on the WGS 84 ellipsoid.

Shapely 2 (its wheels carry GEOS), pyproj (its wheels carry PROJ) and pyshp (pure Python) are
all this needs.
"""

from __future__ import annotations

import io
import json
import math
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
POLYGONAL = ("Polygon", "MultiPolygon")
MAX_ZIP_MEMBER_BYTES = 512 * 1024 * 1024


class GeometryFileError(ValueError):
    """A file that cannot be read as shapes at all; ``code`` and ``params`` say why."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class GeometryProblem:
    """What is wrong with one shape: a code (see ``MESSAGES`` where it is shown) and values."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Feature:
    """One shape of a file: its number (from 1), attributes, shape in WGS 84, problems."""

    number: int
    properties: dict[str, Any]
    geometry: BaseGeometry | None
    problems: list[GeometryProblem] = field(default_factory=list)
    repaired: bool = False


# --- Projections -------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _transformer(crs_text: str) -> Any:
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs_text)
    if source.equals(CRS.from_user_input(WGS84), ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, WGS84, always_xy=True)


def crs_check(crs_text: str) -> None:
    """Raise :class:`GeometryFileError` ``unknown_crs`` unless pyproj knows ``crs_text``."""
    from pyproj.exceptions import CRSError

    try:
        _transformer(crs_text)
    except CRSError:
        raise GeometryFileError("unknown_crs", crs=crs_text[:80]) from None


def to_wgs84(geometry: BaseGeometry, crs_text: str | None) -> BaseGeometry:
    """``geometry`` in WGS 84 longitude/latitude, from the projection ``crs_text`` (None: as is)."""
    if not crs_text:
        return geometry
    transformer = _transformer(crs_text)
    if transformer is None:
        return geometry
    return shapely.transform(geometry, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _stack(pair: tuple[Any, Any]) -> Any:
    import numpy

    return numpy.column_stack(pair)


def _geojson_crs(document: dict[str, Any]) -> str | None:
    """The projection a GeoJSON document names (the 2008 ``crs`` member), if any."""
    crs = document.get("crs")
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name")
    if not isinstance(name, str) or "CRS84" in name.upper():
        return None
    return name


# --- Reading -------------------------------------------------------------------------------


def read_features(path: Path | str) -> tuple[str | None, Iterator[Feature]]:
    """The projection found (None for WGS 84) and the file's features, in WGS 84.

    A ``.zip`` holds one Shapefile; ``.shp`` is read with its sidecar files; anything else is
    read as GeoJSON. A file that cannot be read raises :class:`GeometryFileError`.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_zipped_shapefile(path)
    if suffix == ".shp":
        return _read_shapefile(
            shp=path.open("rb"),
            dbf=_sidecar(path, ".dbf"),
            shx=_sidecar(path, ".shx"),
            prj=_sidecar_text(path, ".prj"),
        )
    return _read_geojson(path)


def _sidecar(path: Path, suffix: str) -> Any:
    for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if candidate.exists():
            return candidate.open("rb")
    if suffix == ".dbf":
        raise GeometryFileError("missing_sidecar", file=path.with_suffix(suffix).name)
    return None


def _sidecar_text(path: Path, suffix: str) -> str | None:
    handle = _sidecar(path, suffix)
    if handle is None:
        return None
    with handle:
        return handle.read().decode("utf-8", "replace").strip() or None


def _read_zipped_shapefile(path: Path) -> tuple[str | None, Iterator[Feature]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise GeometryFileError("not_a_zip", file=path.name) from None
    members = {name.lower(): name for name in archive.namelist() if not name.endswith("/")}
    shps = sorted(name for name in members if name.endswith(".shp"))
    if len(shps) != 1:
        raise GeometryFileError("zip_shapefiles", file=path.name, count=len(shps))
    stem = shps[0][:-4]

    def member(suffix: str, required: bool = False) -> Any:
        name = members.get(stem + suffix)
        if name is None:
            if required:
                raise GeometryFileError("missing_sidecar", file=Path(stem).name + suffix)
            return None
        if archive.getinfo(name).file_size > MAX_ZIP_MEMBER_BYTES:
            raise GeometryFileError("too_large", file=name)
        return io.BytesIO(archive.read(name))

    prj = member(".prj")
    return _read_shapefile(
        shp=member(".shp", required=True),
        dbf=member(".dbf", required=True),
        shx=member(".shx"),
        prj=prj.read().decode("utf-8", "replace").strip() if prj else None,
    )


def _read_shapefile(*, shp: Any, dbf: Any, shx: Any, prj: str | None) -> Any:
    import shapefile

    if prj:
        crs_check(prj)
    try:
        reader = shapefile.Reader(shp=shp, dbf=dbf, shx=shx, encodingErrors="replace")
        names = [f[0] for f in reader.fields[1:]]
        count = len(reader)
    except (shapefile.ShapefileException, OSError, ValueError, struct.error) as exc:
        raise GeometryFileError("broken_shapefile", reason=type(exc).__name__) from None

    def features() -> Iterator[Feature]:
        for index in range(count):
            try:
                record = reader.shapeRecord(index)
                geo = record.shape.__geo_interface__
                properties = dict(zip(names, record.record, strict=False))
            except Exception:  # a broken record: pyshp raises many kinds
                yield Feature(index + 1, {}, None, [GeometryProblem("unreadable")])
                continue
            yield _feature(index + 1, properties, geo, prj)

    return prj, features()


def _read_geojson(path: Path) -> tuple[str | None, Iterator[Feature]]:
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise GeometryFileError("not_geojson", file=path.name) from None
    if not isinstance(document, dict):
        raise GeometryFileError("not_geojson", file=path.name)
    crs = _geojson_crs(document)
    if crs:
        crs_check(crs)
    kind = document.get("type")
    if kind == "FeatureCollection":
        items = document.get("features")
        if not isinstance(items, list):
            raise GeometryFileError("not_geojson", file=path.name)
    elif kind == "Feature":
        items = [document]
    elif kind in ("Point", "MultiPoint", "LineString", "Polygon", "MultiPolygon"):
        items = [{"type": "Feature", "properties": {}, "geometry": document}]
    else:
        raise GeometryFileError("not_geojson", file=path.name)

    def features() -> Iterator[Feature]:
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield Feature(number, {}, None, [GeometryProblem("unreadable")])
                continue
            properties = item.get("properties")
            yield _feature(
                number, properties if isinstance(properties, dict) else {}, item.get("geometry"),
                crs,
            )  # fmt: skip

    return crs, features()


def _feature(number: int, properties: dict[str, Any], geo: Any, crs: str | None) -> Feature:
    """One feature: its shape read from GeoJSON-like ``geo``, checked, in WGS 84."""
    if not isinstance(geo, dict) or not geo.get("type"):
        return Feature(number, properties, None, [GeometryProblem("no_geometry")])
    problems = _ring_problems(geo)
    try:
        geometry = shape(geo)
    except Exception:  # shapely raises several kinds on malformed coordinates
        return Feature(number, properties, None, [GeometryProblem("unreadable")])
    if crs:
        try:
            geometry = to_wgs84(geometry, crs)
        except Exception:
            return Feature(number, properties, None, [GeometryProblem("unprojectable")])
    return Feature(number, properties, geometry, problems)


def _ring_problems(geo: dict[str, Any]) -> list[GeometryProblem]:
    """Rings whose last point is not their first (shapely would close them silently)."""
    kind, coordinates = geo.get("type"), geo.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
    for polygon in polygons or []:
        for ring in polygon or []:
            if isinstance(ring, list) and len(ring) >= 2 and list(ring[0]) != list(ring[-1]):
                return [GeometryProblem("unclosed_ring")]
    return []


# --- Checking ------------------------------------------------------------------------------


def geometry_check(
    geometry: BaseGeometry | None,
    *,
    polygonal: bool = True,
    max_vertices: int = 100_000,
    max_hectares: float | None = None,
    repair: bool = False,
) -> tuple[BaseGeometry | None, list[GeometryProblem], bool]:
    """Check one shape in WGS 84; returns it (mended when asked), its problems, and whether it
    was repaired. A problem that cannot be repaired leaves the shape unusable."""
    if geometry is None:
        return None, [GeometryProblem("no_geometry")], False
    if geometry.is_empty:
        return None, [GeometryProblem("empty")], False
    if polygonal and geometry.geom_type not in POLYGONAL:
        return None, [GeometryProblem("not_polygon", {"kind": geometry.geom_type})], False
    vertices = int(shapely.get_num_coordinates(geometry))
    if vertices > max_vertices:
        too_many = GeometryProblem("too_many_vertices", {"count": vertices, "limit": max_vertices})
        return None, [too_many], False
    min_x, min_y, max_x, max_y = geometry.bounds
    if not all(math.isfinite(v) for v in geometry.bounds) or not (
        -180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90
    ):
        return None, [GeometryProblem("out_of_range", {"bounds": _rounded(geometry.bounds)})], False
    repaired = False
    problems: list[GeometryProblem] = []
    if polygonal and geometry.convex_hull.area == 0:  # every point on one line or one spot
        return None, [GeometryProblem("degenerate")], False
    if not geometry.is_valid:
        reason, where = _invalidity(geometry)
        if not repair:
            return None, [GeometryProblem(reason, where)], False
        mended = shapely.make_valid(geometry)
        if polygonal:
            mended = _polygonal_part(mended)
        if mended is None or mended.is_empty:
            return None, [GeometryProblem(reason, where)], False
        geometry, repaired = mended, True
    if max_hectares is not None and polygonal:
        hectares = area_hectares(geometry)
        if hectares > max_hectares:
            limits = {"hectares": round(hectares), "limit": max_hectares}
            problems.append(GeometryProblem("too_large_area", limits))
    return geometry, problems, repaired


def _rounded(values: tuple[float, ...]) -> list[float]:
    return [round(value, 4) if math.isfinite(value) else value for value in values]


def _invalidity(geometry: BaseGeometry) -> tuple[str, dict[str, Any]]:
    """Why a shape is invalid, as a code and a place (plain floats, no library wording)."""
    reason = shapely.is_valid_reason(geometry)
    where: dict[str, Any] = {}
    if "[" in reason:
        try:
            x, y = (float(v) for v in reason[reason.index("[") + 1 : reason.index("]")].split())
            where = {"longitude": round(x, 6), "latitude": round(y, 6)}
        except ValueError:
            where = {}
    text = reason.lower()
    if "self-intersection" in text or "ring self" in text:
        return "self_intersection", where
    if "too few points" in text:
        return "degenerate", where
    if "hole" in text:
        return "bad_hole", where
    return "invalid", where


def _polygonal_part(geometry: BaseGeometry) -> BaseGeometry | None:
    """The polygons of what ``make_valid`` returned (it may add lines or points)."""
    if geometry.geom_type in POLYGONAL:
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in POLYGONAL]
    if not parts:
        return None
    return shapely.union_all(parts)


# --- Many points at once -------------------------------------------------------------------


def point_polygon_pairs(
    longitudes: Any, latitudes: Any, polygons: list[BaseGeometry]
) -> tuple[Any, Any]:
    """Which points lie in which polygons (their edge included), for many points at once.

    Returns two arrays of the same length: point indexes and polygon indexes, one pair per
    point found in a polygon. One R-tree of the polygons, then one vectorised query.
    """
    import numpy

    if not polygons or len(longitudes) == 0:
        empty = numpy.array([], dtype=numpy.intp)
        return empty, empty
    tree = shapely.STRtree(polygons)
    points = shapely.points(numpy.asarray(longitudes, float), numpy.asarray(latitudes, float))
    point_index, polygon_index = tree.query(points, predicate="intersects")
    return point_index, polygon_index


# --- Measuring and writing -----------------------------------------------------------------


def area_hectares(geometry: BaseGeometry) -> float:
    """The geodesic area of a shape in WGS 84, in hectares, on the WGS 84 ellipsoid."""
    from pyproj import Geod

    area, _perimeter = Geod(ellps="WGS84").geometry_area_perimeter(geometry)
    return abs(area) / 10_000


def as_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """A shape as a GeoJSON geometry object (plain lists, ready for a JSON field)."""
    return json.loads(json.dumps(mapping(geometry)))
