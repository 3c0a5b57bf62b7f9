"""Screening an area: each rule's verdict, and overlaps measured as an independent
computation measures them."""

from __future__ import annotations

import pytest
from django.utils import translation
from pyproj import Geod
from shapely.geometry import box

from casm.licensing.areas import AreaError, area_from_corners, area_from_geojson
from casm.licensing.models import LicenceType
from casm.licensing.screening import area_screen

from .factories import PARK, RESTRICTED, TITLE_PE, ZONE, load_cadastre

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadastre(tmp_path, country):
    load_cadastre(tmp_path, country("CD"))
    return country("CD")


def _hectares(bounds):
    west, south, east, north = bounds
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter(
        [west, east, east, west], [south, south, north, north]
    )
    return abs(area) / 10_000


def _verdicts(screening):
    return [(f.rule, f.verdict) for f in screening.findings]


def test_an_area_over_an_exploitation_permit_is_blocked_by_its_measured_overlap(cadastre):
    west, south, east, north = TITLE_PE
    area = box(west + 0.01, south + 0.01, east + 0.01, north + 0.01)
    screening = area_screen(country=cadastre, geometry=area)
    assert screening.verdict == "blocks"
    (finding,) = [f for f in screening.findings if f.rule == "titles"]
    expected = _hectares((west + 0.01, south + 0.01, east, north))
    assert finding.overlap_ha == pytest.approx(expected, rel=0.005)
    assert finding.share == pytest.approx(0.25, rel=0.01)
    assert finding.feature.code == "101"
    assert "It overlaps title 101 (PE, SOCIETE MINIERE TEST (100%))" in finding.text


def test_an_artisanal_card_inside_a_zea_passes_and_one_outside_is_refused(cadastre):
    card = LicenceType.objects.get(country=cadastre, code="CEA")
    west, south, east, north = ZONE
    inside = box(west + 0.005, south + 0.005, west + 0.006, south + 0.006)
    screening = area_screen(country=cadastre, geometry=inside, licence_type=card)
    assert screening.verdict == "clear"
    assert _verdicts(screening) == [("asm_zones", "info")]
    half_out = box(east - 0.005, south + 0.005, east + 0.005, south + 0.006)
    refused = area_screen(country=cadastre, geometry=half_out, licence_type=card)
    assert refused.verdict == "blocks"
    (outside,) = [f for f in refused.findings if f.verdict == "blocks"]
    assert outside.code == "zone_required_outside"
    assert outside.share == pytest.approx(0.5, rel=0.01)


def test_a_protected_area_blocks_and_a_consultation_zone_needs_a_decision(cadastre):
    park = area_screen(country=cadastre, geometry=box(15.55, -4.35, 15.56, -4.34))
    assert _verdicts(park) == [("protected", "blocks")]
    assert "Parc test" in park.findings[0].text
    west, south, east, north = RESTRICTED
    zone = area_screen(country=cadastre, geometry=box(west, south, west + 0.001, south + 0.001))
    assert zone.verdict == "decision"
    with translation.override("fr"):
        assert "consultation requise" in zone.findings[0].text
    assert PARK


@pytest.mark.parametrize("side_m,verdict", [(310, "clear"), (325, "blocks")])
def test_the_largest_area_of_a_primary_mining_licence_is_10_ha(country, side_m, verdict):
    tanzania = country("TZ")
    licence = LicenceType.objects.get(country=tanzania, code="PML")
    degrees = side_m / 111_320  # near the equator a degree is about 111 km both ways
    area = box(33.0, -3.0, 33.0 + degrees, -3.0 + degrees)
    screening = area_screen(country=tanzania, geometry=area, licence_type=licence)
    blocking = [f.code for f in screening.findings if f.verdict == "blocks"]
    assert blocking == ([] if verdict == "clear" else ["too_large"])


def test_ghana_weighs_only_titles_for_the_same_commodity(make_user, tmp_path, country):
    from casm.licensing.layers import layer_import

    from .factories import collection, title

    ghana = country("GH")
    path = collection(tmp_path / "gh.geojson", [
        title((-2.0, 5.3, -1.98, 5.32), "G1", commodities="gold"),
        title((-1.98, 5.3, -1.96, 5.32), "G2", commodities="manganese"),
    ])  # fmt: skip
    mapping = {"code": "name", "title_type": "type", "commodities": "commodities"}
    layer_import(actor=None, path=path, country=ghana, kind="title", mapping=mapping)
    licence = LicenceType.objects.get(country=ghana, code="SSML")
    from casm.core.models import Commodity

    gold = Commodity.objects.get(code="gold")
    both = box(-1.99, 5.305, -1.97, 5.315)
    screening = area_screen(country=ghana, geometry=both, licence_type=licence, commodity=gold)
    assert sorted((f.feature.code, f.verdict) for f in screening.findings if f.feature) == [
        ("G1", "blocks"), ("G2", "info"),
    ]  # fmt: skip


def test_an_area_outside_the_country_is_refused(cadastre):
    screening = area_screen(country=cadastre, geometry=box(30.0, 10.0, 30.01, 10.01))
    assert [f.code for f in screening.findings][0] == "outside"
    assert screening.verdict == "blocks"


def test_a_country_without_layers_says_nothing_was_checked(country):
    screening = area_screen(country=country("GH"), geometry=box(-2.0, 5.3, -1.99, 5.31))
    assert screening.verdict == "decision"
    assert [f.code for f in screening.findings] == ["no_layers"]


def test_the_sites_already_mined_inside_are_listed(cadastre, make_site):
    west, south, east, north = PARK
    site = make_site("Chantier du parc", "CD", latitude=-4.35, longitude=15.55)
    screening = area_screen(country=cadastre, geometry=box(15.54, -4.36, 15.56, -4.34))
    (sites,) = [f for f in screening.findings if f.rule == "sites"]
    assert site.code in sites.text and "Chantier du parc" in sites.text
    assert sites.text.startswith("1 site of the registry lies inside")


@pytest.mark.parametrize(
    "text",
    [
        "-4.30, 15.30\n-4.30, 15.31\n-4.31, 15.31",
        "-4,30 15,30\n-4,30 15,31\n-4,31 15,31",
        "4°18'0\"S 15°18'0\"E\n4°18'0\"S 15°18'36\"E\n4°18'36\"S 15°18'36\"E\n4°18'0\"S 15°18'0\"E",
        "15°18'0\"E 4°18'0\"S\n15°18'36\"E 4°18'0\"S\n15°18'36\"E 4°18'36\"S",
    ],
)
def test_corners_are_read_in_decimal_or_in_degrees_minutes_seconds(text):
    area = area_from_corners(text)
    assert area.bounds == pytest.approx((15.30, -4.31, 15.31, -4.30), abs=1e-6)


@pytest.mark.parametrize(
    "text,message",
    [
        ("-4.30, 15.30\n-4.31, 15.31", "at least three corners"),
        ("-4.30, 15.30\nabc\n-4.31, 15.31", "Line 2: “abc” is not a corner"),
        ("500000, 9520000\n500100, 9520000\n500100, 9520100", "Line 1: latitude must lie"),
        ("0, 0\n1, 1\n0, 1\n1, 0", "crosses itself"),
    ],
)
def test_bad_corners_say_what_and_where(text, message):
    with pytest.raises(AreaError) as refused:
        area_from_corners(text)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "value,message",
    [
        ("{", "not JSON"),
        ('{"type": "Point", "coordinates": [1, 2]}', "not a Polygon"),
        ('{"type": "Polygon", "coordinates": [[1, 2]]}', "coordinates are broken"),
        ('{"type": "FeatureCollection", "features": []}', "give one feature"),
    ],
)
def test_bad_geojson_says_why_without_library_words(value, message):
    with pytest.raises(AreaError) as refused:
        area_from_geojson(value)
    assert message in str(refused.value)
