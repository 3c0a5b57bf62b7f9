"""The cadastre as OGC API – Features, read by a real client (OWSLib) from a live server."""

from __future__ import annotations

import pytest

from .factories import PARK, TITLE_PE, ZONE, load_cadastre

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)
URL = "/licensing/ogc/"


@live
def test_owslib_lists_the_collections_and_reads_items_in_a_box(live_server, tmp_path, country):
    from owslib.ogcapi.features import Features

    load_cadastre(tmp_path, country("CD"))
    cadastre = Features(f"{live_server.url}{URL}")
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
        in (cadastre.conformance()["conformsTo"])
    )
    listed = {c["id"]: c for c in cadastre.collections()["collections"]}
    assert set(listed) == {"titles", "asm-zones", "protected-areas", "restriction-zones"}
    assert listed["titles"]["extent"]["spatial"]["bbox"] == [list(TITLE_PE)]
    west, south, east, north = ZONE
    zones = cadastre.collection_items("asm-zones", bbox=[west, south, east, north], limit=5)
    assert zones["numberMatched"] == 1
    (zone,) = zones["features"]
    assert zone["properties"]["code"] == "ZEA-001" and zone["geometry"]["type"] == "Polygon"
    elsewhere = cadastre.collection_items("titles", bbox=list(PARK))
    assert elsewhere["numberMatched"] == 0 and elsewhere["features"] == []
    title_id = cadastre.collection_items("titles")["features"][0]["id"]
    one = cadastre.collection_item("titles", title_id)
    assert one["id"] == title_id and one["properties"]["code"] == "101"


@pytest.mark.django_db
def test_items_come_in_pages_with_a_next_link_and_filter_by_date(client, tmp_path, country):
    load_cadastre(tmp_path, country("CD"))
    first = client.get(f"{URL}collections/titles/items", {"limit": 1}).json()
    assert first["numberReturned"] == 1 and first["numberMatched"] == 1
    assert [link["rel"] for link in first["links"]] == ["self"]
    zones = client.get(f"{URL}collections/asm-zones/items", {"limit": 1, "offset": 0}).json()
    assert zones["numberMatched"] == 1
    dated = client.get(f"{URL}collections/titles/items", {"datetime": "2016-01-01/.."}).json()
    assert dated["numberMatched"] == 1
    before = client.get(f"{URL}collections/titles/items", {"datetime": "../2015-12-31"}).json()
    assert before["numberMatched"] == 0
    many = client.get(f"{URL}collections/titles/items", {"limit": 100000}).json()
    assert many["numberReturned"] == 1  # the limit is capped, not refused


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params,name",
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "0,10,1,5"}, "bbox"),
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"datetime": "yesterday"}, "datetime"),
        ({"country": "XX"}, "country"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, params, name):
    answer = client.get(f"{URL}collections/titles/items", params)
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidParameterValue"
    assert answer.json()["description"].startswith(f"{name}: ")


@pytest.mark.django_db
def test_an_unknown_collection_or_item_is_a_404(client):
    assert client.get(f"{URL}collections/mines").status_code == 404
    assert client.get(f"{URL}collections/mines/items").status_code == 404
    assert client.get(f"{URL}collections/titles/items/999999").status_code == 404
