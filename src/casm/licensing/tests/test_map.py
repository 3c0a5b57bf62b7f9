"""The cadastre's map: the shapes in view, light enough for a slow link."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Point, mapping, shape

from casm.licensing import selectors

from .factories import PARK, ZONE, collection, load_cadastre, title

pytestmark = pytest.mark.django_db
URL = "/licensing/map/shapes.json"


@pytest.fixture
def cadastre(tmp_path, country):
    load_cadastre(tmp_path, country("CD"))
    return country("CD")


def test_the_map_page_speaks_french(client):
    page = client.get("/licensing/map/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Carte du cadastre minier" in page and 'data-shapes="/licensing/map/shapes.json"' in page


def test_the_shapes_in_view_come_with_what_a_visitor_may_read(client, cadastre):
    west, south, east, north = ZONE
    data = client.get(URL, {"bbox": f"{west},{south},{east},{north}"}).json()
    assert [f["properties"]["code"] for f in data["features"]] == ["ZEA-001"]
    assert data["features"][0]["properties"]["kind"] == "asm_zone"
    assert (data["matched"], data["truncated"]) == (1, False)
    parks = client.get(URL, {"bbox": "10,-10,30,5", "kind": "protected"}).json()
    assert [f["properties"]["code"] for f in parks["features"]] == ["Parc test"]
    assert shape(parks["features"][0]["geometry"]).bounds == pytest.approx(PARK)


def test_a_detailed_shape_is_simplified_for_a_national_view(client, tmp_path, country):
    from casm.licensing.layers import layer_import

    circle = Point(20.0, -3.0).buffer(0.2, quad_segs=256)  # 1,025 vertices
    path = collection(tmp_path / "round.geojson", [
        {"type": "Feature", "geometry": mapping(circle), "properties": {"name": "R", "type": "PE",
         "parties": "", "statut": "", "date_de1": ""}},
    ])  # fmt: skip
    mapping_ = {"code": "name", "title_type": "type"}
    layer_import(actor=None, path=path, country=country("CD"), kind="title", mapping=mapping_)
    national = client.get(URL, {"bbox": "12,-13,31,5"}).json()["features"][0]["geometry"]
    close = client.get(URL, {"bbox": "19.7,-3.3,20.3,-2.7"}).json()["features"][0]["geometry"]
    kept_national = shapely.get_num_coordinates(shape(national))
    kept_close = shapely.get_num_coordinates(shape(close))
    assert kept_national < 40 < kept_close < 1025
    # Closer in, the drawn outline stays within about a pixel (0.6° / 1,000) of the true one.
    assert shape(close).hausdorff_distance(circle) < 0.0012


def test_past_the_limit_the_largest_come_and_the_visitor_is_told(
    client, tmp_path, country, monkeypatch
):
    from casm.licensing.layers import layer_import

    rows = [title((15.0 + i / 10, -4.0, 15.0 + i / 10 + 0.01 * (i + 1), -3.99), f"T{i}")
            for i in range(5)]  # fmt: skip
    layer_import(actor=None, path=collection(tmp_path / "t.geojson", rows), country=country("CD"),
                 kind="title", mapping={"code": "name"})  # fmt: skip
    monkeypatch.setattr(selectors, "MAP_LIMIT", 2)
    data = client.get(URL, {"bbox": "14,-5,17,-3"}).json()
    assert (data["matched"], data["truncated"]) == (5, True)
    assert [f["properties"]["code"] for f in data["features"]] == ["T4", "T3"]


@pytest.mark.parametrize("params", [{"bbox": ""}, {"bbox": "1,2,3"}, {"bbox": "0,10,1,5"},
                                    {"bbox": "0,0,1,1", "kind": "mines"}])  # fmt: skip
def test_a_bad_box_or_layer_is_a_400(client, params):
    assert client.get(URL, params).status_code == 400


def test_without_a_box_the_map_gets_the_world(client, cadastre):
    assert client.get(URL).json()["matched"] == 4


def test_a_site_page_shows_where_the_site_lies_in_the_cadastre(
    client, login, congo_officer, cadastre, make_site
):
    login(congo_officer)
    west, south, east, north = ZONE
    inside = make_site("Chantier de la zone", "CD", latitude=south + 0.01, longitude=west + 0.01)
    outside = make_site("Chantier isolé", "CD", latitude=-4.0, longitude=16.5)
    answer = client.get(f"/registry/sites/{inside.pk}/")
    assert answer.status_code == 200, answer
    page = answer.content.decode()
    assert "In the cadastre" in page and "ASM zones: ZEA-001" in page
    french = client.get(f"/registry/sites/{outside.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content
    assert "hors de tout titre et de toute zone du cadastre" in french.decode()


def test_a_site_page_says_nothing_of_a_cadastre_its_country_has_not(
    client, login, ghana_officer, make_site
):
    login(ghana_officer)
    site = make_site("Tarkwa pit", "GH")
    page = client.get(f"/registry/sites/{site.pk}/")
    assert page.status_code == 200
    assert "Tarkwa pit" in page.content.decode()
    assert "In the cadastre" not in page.content.decode()
