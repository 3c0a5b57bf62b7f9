"""A NUL character in a request is refused with the field named, never a server error
(PostgreSQL cannot store one, and answered 500 before)."""

from __future__ import annotations

import io

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_an_api_query_is_a_422_naming_the_parameter(client):
    answer = client.get("/api/v1/network/organisations", {"q": "a\x00b"})
    assert answer.status_code == 422
    (detail,) = answer.json()["error"]["details"]
    assert (detail["field"], detail["location"]) == ("q", "query")
    assert "NUL character" in detail["message"]


def test_a_nul_in_a_json_body_is_a_422(client):
    for body in ('{"country": "CD", "licence_type": "a\\u0000"}', '{"country": "C\x00D"}'):
        answer = client.post("/api/v1/licensing/precheck", body, content_type="application/json")
        assert answer.status_code == 422
        assert answer.json()["error"]["details"][0]["location"] == "body"


def test_a_nul_on_a_page_is_refused_by_the_form_not_the_server(client):
    page = client.get("/licensing/", {"q": "a\x00b"})
    assert page.status_code == 200  # the filter is refused and left out; PostgreSQL never sees it
    assert "Mining cadastre" in page.content.decode()


def test_an_uploaded_file_may_hold_nul_bytes(client):
    upload = io.BytesIO(b'{"type": "Point"}\x00')
    upload.name = "area.geojson"
    page = client.post("/licensing/precheck/", {"area_file": upload})
    assert page.status_code == 422  # the form's own answer, on the field
    assert "The area is not GeoJSON: not JSON" in page.content.decode()
