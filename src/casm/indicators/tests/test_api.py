import pytest

from casm.indicators.models import WorkforceEstimate
from casm.indicators.tests.factories import make_congo_registry

pytestmark = pytest.mark.django_db


def test_anyone_reads_the_ranking(client):
    response = client.get("/api/v1/profiles")
    assert response.status_code == 200
    rows = response.json()["items"]
    assert [row["alpha2"] for row in rows[:4]] == ["IN", "CN", "ID", "CD"]
    assert rows[0]["rank"] == 1 and rows[0]["value"] == 15_000_000 and rows[0]["source"]


def test_anyone_reads_a_profile_with_the_page_figures(client):
    make_congo_registry()
    response = client.get("/api/v1/profiles/cd")
    assert response.status_code == 200
    profile = response.json()
    assert profile["country"]["alpha2"] == "CD"
    assert profile["sites"]["total"] == 3
    assert profile["people"]["workers"] == {"value": 210, "suppressed": False}
    assert profile["formalization"]["rate"] == 66.7
    assert {s["code"] for s in profile["production"]} == {"gold", "tin"}
    assert profile["estimates"][0]["is_best"] and profile["estimates"][0]["source_url"]


def test_suppressed_cells_are_null_and_flagged_in_the_api(client, make_site):
    import datetime

    from casm.registry.services import site_visit_record

    site = make_site("Kalima", code="CD")
    site_visit_record(actor=None, site=site, date=datetime.date(2024, 1, 1), workers=20, women=3)
    people = client.get("/api/v1/profiles/CD").json()["people"]
    assert people["women"] == {"value": None, "suppressed": True}
    assert people["women_share"] == {"value": None, "suppressed": True}


def test_an_unknown_country_profile_is_not_found(client):
    response = client.get("/api/v1/profiles/XX")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_anyone_lists_the_estimates(client):
    response = client.get("/api/v1/workforce-estimates?world=true")
    assert response.status_code == 200
    assert {row["year"] for row in response.json()["items"]} >= {1993, 1999, 2014, 2017}
    congo = client.get("/api/v1/workforce-estimates?country=CD").json()["items"]
    assert [row["value"] for row in congo] == [2_000_000]


def test_anonymous_users_cannot_write_estimates(client):
    response = client.post(
        "/api/v1/workforce-estimates",
        {"country": "GH", "value": 5, "source": "x"},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_members_cannot_write_estimates(client, member, token_for):
    response = client.post(
        "/api/v1/workforce-estimates",
        {"country": "GH", "value": 5, "source": "x"},
        content_type="application/json",
        **token_for(member),
    )
    assert response.status_code == 403


def test_a_data_officer_writes_estimates_of_their_country_only(client, ghana_officer, token_for):
    headers = token_for(ghana_officer)
    created = client.post(
        "/api/v1/workforce-estimates",
        {"country": "GH", "year": 2020, "value": 1_100_000, "source": "Minerals Commission"},
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201
    estimate_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/workforce-estimates/{estimate_id}",
        {"low": 900_000, "high": 1_300_000},
        content_type="application/json",
        **headers,
    )
    assert patched.status_code == 200 and patched.json()["high"] == 1_300_000
    best = client.post(f"/api/v1/workforce-estimates/{estimate_id}/best", **headers)
    assert best.status_code == 200 and best.json()["is_best"] is True

    congo = WorkforceEstimate.objects.get(country__alpha2="CD")
    for response in (
        client.patch(
            f"/api/v1/workforce-estimates/{congo.pk}",
            {"value": 1},
            content_type="application/json",
            **headers,
        ),
        client.post(f"/api/v1/workforce-estimates/{congo.pk}/best", **headers),
        client.delete(f"/api/v1/workforce-estimates/{congo.pk}", **headers),
        client.post(
            "/api/v1/workforce-estimates",
            {"country": None, "value": 1, "source": "x"},
            content_type="application/json",
            **headers,
        ),
    ):
        assert response.status_code == 403
    congo.refresh_from_db()
    assert congo.value == 2_000_000

    deleted = client.delete(f"/api/v1/workforce-estimates/{estimate_id}", **headers)
    assert deleted.status_code == 204


def test_an_administrator_edits_the_world_series(client, admin_user, token_for):
    world_2017 = WorkforceEstimate.objects.get(country__isnull=True, year=2017)
    response = client.patch(
        f"/api/v1/workforce-estimates/{world_2017.pk}",
        {"note": "Directly employed."},
        content_type="application/json",
        **token_for(admin_user),
    )
    assert response.status_code == 200 and response.json()["note"] == "Directly employed."


def test_an_estimate_without_a_source_is_refused(client, admin_user, token_for):
    response = client.post(
        "/api/v1/workforce-estimates",
        {"country": "GH", "value": 10, "source": " "},
        content_type="application/json",
        **token_for(admin_user),
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "source"


def test_an_unknown_estimate_is_not_found(client, admin_user, token_for):
    assert client.get("/api/v1/workforce-estimates/999999").status_code == 404
    response = client.delete("/api/v1/workforce-estimates/999999", **token_for(admin_user))
    assert response.status_code == 404
