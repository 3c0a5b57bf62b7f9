"""The geometry layer: Shapefiles and GeoJSON in any projection, checked, measured."""

import json
import zipfile

import pytest
import shapefile
from django.utils import translation
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon, shape
from shapely.ops import transform

from casm.core.geometry import problem_text
from casm.core.maps import OUTLINES_PATH
from casm.lib.geometry import (
    GeometryFileError,
    area_hectares,
    geometry_check,
    read_features,
)

MERCATOR = "EPSG:3395"  # World Mercator


def _outline(alpha3):
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    for feature in data["features"]:
        if alpha3 in feature["properties"].values():
            return shape(feature["geometry"])
    raise LookupError(alpha3)


def _write_shapefile(base, shapes_and_records, crs=MERCATOR):
    """A Shapefile of polygons (given in WGS 84) written in ``crs``, with its .prj."""
    to_crs = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON) as writer:
        writer.field("PCODE", "C", size=10)
        writer.field("NAME", "C", size=50)
        for geometry, record in shapes_and_records:
            projected = transform(to_crs.transform, geometry)
            polygons = getattr(projected, "geoms", [projected])
            rings = []
            for polygon in polygons:
                rings.append(list(polygon.exterior.coords)[::-1])  # clockwise outer rings
            writer.poly(rings)
            writer.record(*record)
    base.with_suffix(".prj").write_text(CRS.from_user_input(crs).to_wkt("WKT1_ESRI"))
    return base.with_suffix(".shp")


def test_a_world_mercator_shapefile_reads_in_wgs84_with_its_geodesic_area(tmp_path):
    ghana = _outline("GHA")
    path = _write_shapefile(tmp_path / "regions", [(ghana, ("GH01", "Ghana"))])
    crs, features = read_features(path)
    (feature,) = list(features)
    assert "Mercator" in crs
    assert feature.properties == {"PCODE": "GH01", "NAME": "Ghana"}
    minx, miny, maxx, maxy = feature.geometry.bounds
    assert -3.5 < minx < maxx < 1.5 and 4.5 < miny < maxy < 11.5  # degrees, not metres
    expected = abs(Geod(ellps="WGS84").geometry_area_perimeter(ghana)[0]) / 10_000
    assert area_hectares(feature.geometry) == pytest.approx(expected, rel=0.005)
    assert 22_000_000 < expected < 25_000_000  # Ghana is about 238,500 km²


def test_a_zipped_shapefile_and_a_geojson_with_a_crs_read_the_same(tmp_path):
    square = Polygon([(30, -2), (30.1, -2), (30.1, -1.9), (30, -1.9)])
    path = _write_shapefile(tmp_path / "one", [(square, ("RW01", "Square"))])
    archive = tmp_path / "one.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for suffix in (".shp", ".shx", ".dbf", ".prj"):
            zipped.write(path.with_suffix(suffix), f"folder/one{suffix}")
    _crs, zipped_features = read_features(archive)
    to_web = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": [{"type": "Feature", "properties": {"code": "RW01"},
                      "geometry": json.loads(json.dumps(
                          transform(to_web.transform, square).__geo_interface__))}],
    }  # fmt: skip
    (tmp_path / "one.geojson").write_text(json.dumps(document))
    _crs, json_features = read_features(tmp_path / "one.geojson")
    for feature in [*zipped_features, *json_features]:
        assert feature.geometry.symmetric_difference(square).area < 1e-9


@pytest.mark.parametrize(
    ("coordinates", "code"),
    [
        ([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]], "self_intersection"),
        ([[0, 0], [1, 0], [2, 0], [0, 0]], "degenerate"),
        ([[0, 0], [1, 0], [1, 1], [0, 1]], "unclosed_ring"),
        ([[0, 0], [400, 0], [400, 1], [0, 0]], "out_of_range"),
    ],
)
def test_bad_polygons_are_named_row_by_row(tmp_path, coordinates, code):
    good = [[[10, 10], [10.1, 10], [10.1, 10.1], [10, 10]]]
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"n": 1},
         "geometry": {"type": "Polygon", "coordinates": good}},
        {"type": "Feature", "properties": {"n": 2},
         "geometry": {"type": "Polygon", "coordinates": [coordinates]}},
    ]}  # fmt: skip
    (tmp_path / "bad.geojson").write_text(json.dumps(document))
    _crs, features = read_features(tmp_path / "bad.geojson")
    results = []
    for feature in features:
        geometry, problems, _repaired = geometry_check(feature.geometry)
        results.append((feature.number, [p.code for p in feature.problems + problems]))
    assert results[0] == (1, [])
    assert results[1][0] == 2 and code in results[1][1]


def test_a_self_intersection_says_where_in_french_and_is_repaired_when_asked():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    geometry, problems, repaired = geometry_check(bowtie)
    assert geometry is None and not repaired
    with translation.override("fr"):
        text = problem_text(problems[0])
    assert "0.5" in text and "gufunc" not in text and "np." not in text
    assert text != problem_text(problems[0])  # the French sentence differs from the English
    mended, problems, repaired = geometry_check(bowtie, repair=True)
    assert repaired and mended.is_valid and problems == []
    assert mended.area == pytest.approx(0.5)


def test_limits_on_vertices_and_on_area():
    circle = shape({"type": "Point", "coordinates": [28.8, -2.5]}).buffer(0.5, quad_segs=64)
    _g, problems, _r = geometry_check(circle, max_vertices=100)
    assert [p.code for p in problems] == ["too_many_vertices"]
    assert "257" in problem_text(problems[0])
    geometry, problems, _r = geometry_check(circle, max_hectares=1000)
    assert geometry is not None and [p.code for p in problems] == ["too_large_area"]
    _g, problems, _r = geometry_check(shape({"type": "Point", "coordinates": [1, 1]}))
    assert [p.code for p in problems] == ["not_polygon"]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("x.geojson", b"\xff\xfe not json", "not_geojson"),
        ("x.geojson", b'{"type": "Topology"}', "not_geojson"),
        ("x.zip", b"PK not really", "not_a_zip"),
    ],
)
def test_unreadable_files_say_why(tmp_path, name, content, code):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(GeometryFileError) as error:
        read_features(tmp_path / name)
    assert error.value.code == code
    assert name in problem_text(error.value)


def test_a_shapefile_without_its_dbf_or_with_an_unknown_projection_is_refused(tmp_path):
    square = Polygon([(30, -2), (30.1, -2), (30.1, -1.9), (30, -1.9)])
    path = _write_shapefile(tmp_path / "two", [(square, ("A", "B"))])
    path.with_suffix(".prj").write_text('PROJCS["nonsense",GEOGCS["x"]]')
    with pytest.raises(GeometryFileError) as error:
        read_features(path)
    assert error.value.code == "unknown_crs"
    path.with_suffix(".dbf").unlink()
    with pytest.raises(GeometryFileError) as error:
        read_features(path)
    assert error.value.code == "missing_sidecar" and "two.dbf" in problem_text(error.value)
