"""Site footprints: checked like every shape, replaced by later visits, kept in a history."""

from __future__ import annotations

import datetime
import json
import math

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from casm.core.spatial import bbox_filter
from casm.imports.census import census_import
from casm.imports.mapping import mapping_from_dict
from casm.registry import selectors, services, validation
from casm.registry.models import Site, SiteFootprint
from casm.registry.tests.factories import INSIDE, make_site, make_visit

LAT, LON = INSIDE["CD"]


def square(lon: float = LON, lat: float = LAT, half: float = 0.001) -> dict:
    """A square of side 2 × ``half`` degrees around a point (0.001: about 4.9 ha at 2.5° S)."""
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def footprint_errors(**data) -> list[str]:
    with pytest.raises(ValidationError) as error:
        make_site("Kamituga", code="CD", **data)
    return error.value.message_dict["footprint"]


def test_a_site_keeps_its_footprint_with_area_and_box(db):
    site = make_site("Kamituga", code="CD", footprint=square())
    assert site.footprint["type"] == "Polygon"
    (entry,) = SiteFootprint.objects.filter(site=site)
    assert entry.current and entry.visit is None
    assert 4.5 < entry.hectares < 5.2
    assert entry.min_x == pytest.approx(LON - 0.001) and entry.max_y == pytest.approx(LAT + 0.001)
    # The box is in the spatial index: a box around it finds it, one beside it does not.
    assert list(bbox_filter(SiteFootprint.objects.all(), (LON, LAT, LON + 1, LAT + 1))) == [entry]
    assert not bbox_filter(SiteFootprint.objects.all(), (LON + 1, LAT, LON + 2, LAT + 1)).exists()


def test_a_footprint_given_as_a_feature_or_as_text_is_kept_as_its_geometry(db):
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": square()}
    assert make_site("A", code="CD", footprint=feature).footprint["type"] == "Polygon"
    as_text = json.dumps(square(LON + 0.01))
    site = make_site("B", code="CD", longitude=LON + 0.01, footprint=as_text)
    assert site.footprint["coordinates"][0][0][0] == pytest.approx(LON + 0.01 - 0.001)


@pytest.mark.parametrize(
    ("footprint", "said"),
    [
        ({"type": "Point", "coordinates": [LON, LAT]}, "A polygon is needed here, not a Point"),
        ("not json", "The footprint is not GeoJSON"),
        ({"type": "Polygon", "coordinates": "x"}, "The footprint is not GeoJSON"),
        (
            {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 0.002, LAT + 0.002],
                                                 [LON + 0.002, LAT], [LON, LAT + 0.002],
                                                 [LON, LAT]]]},
            "The outline crosses itself",
        ),
        (square(half=0.1), "more than the 1000 ha allowed"),
        (square(lon=LON + 0.05), "The footprint lies 5.4 km from the site's point"),
    ],
)  # fmt: skip
def test_a_bad_footprint_is_refused_saying_why_and_nothing_is_written(db, footprint, said):
    (error,) = footprint_errors(footprint=footprint)
    assert said in error
    assert not Site.objects.exists() and not SiteFootprint.objects.exists()


def test_a_footprint_problem_is_said_in_french(db):
    with translation.override("fr"):
        (error,) = footprint_errors(footprint=square(half=0.1))
    assert "ha" in error and "autorisés" in error


def test_a_footprint_just_within_the_distance_is_kept_and_just_beyond_is_not(db, settings):
    # The square's nearest edge lies 0.009° east of the point, about 1 km.
    metres = validation.distance_m(LAT, LON, LAT, LON + 0.009)
    settings.FOOTPRINT_MAX_DISTANCE_M = math.floor(metres)
    (error,) = footprint_errors(footprint=square(lon=LON + 0.01))
    assert "lies 1.0 km from the site's point" in error
    settings.FOOTPRINT_MAX_DISTANCE_M = math.ceil(metres)
    assert make_site("Kamituga", code="CD", footprint=square(lon=LON + 0.01)).footprint


def test_a_later_visit_replaces_the_footprint_and_the_earlier_stays_in_history(db):
    site = make_site("Kamituga", code="CD")
    first = make_visit(site, datetime.date(2024, 3, 1), footprint=square(half=0.001))
    site.refresh_from_db()
    assert site.footprint == first.footprint
    later = make_visit(site, datetime.date(2025, 3, 1), footprint=square(half=0.002))
    older = make_visit(site, datetime.date(2023, 3, 1), footprint=square(half=0.0005))
    site.refresh_from_db()
    assert site.footprint == later.footprint
    history = list(selectors.site_footprints(site=site))
    assert [entry.visit for entry in history] == [later, first, older]
    assert [entry.current for entry in history] == [True, False, False]
    # The latest visit deleted: the one before it gives the footprint again.
    services.site_visit_delete(actor=None, visit=later)
    site.refresh_from_db()
    assert site.footprint == first.footprint
    assert SiteFootprint.objects.get(current=True).visit == first


def test_a_visit_footprint_moved_to_another_day_is_placed_again(db):
    site = make_site("Kamituga", code="CD")
    first = make_visit(site, datetime.date(2024, 3, 1), footprint=square(half=0.001))
    second = make_visit(site, datetime.date(2025, 3, 1), footprint=square(half=0.002))
    services.site_visit_update(actor=None, visit=second, date=datetime.date(2022, 1, 1))
    site.refresh_from_db()
    assert site.footprint == first.footprint
    assert SiteFootprint.objects.filter(site=site).count() == 2


def test_a_footprint_drawn_on_the_site_replaces_it_and_removing_it_is_recorded(db, admin_user):
    site = make_site("Kamituga", code="CD")
    make_visit(site, datetime.date(2024, 3, 1), footprint=square(half=0.001))
    drawn = services.site_update(actor=admin_user, site=site, footprint=square(half=0.0015))
    assert drawn.footprint["coordinates"][0][0][0] == pytest.approx(LON - 0.0015)
    assert SiteFootprint.objects.get(current=True).visit is None
    # Saving the site unchanged adds nothing to the history.
    services.site_update(actor=admin_user, site=drawn, name="Kamituga Centre")
    assert SiteFootprint.objects.filter(site=site).count() == 2
    removed = services.site_update(actor=admin_user, site=drawn, footprint=None)
    assert removed.footprint is None
    latest = selectors.site_footprints(site=site).first()
    assert latest.geometry is None and latest.min_x is None
    assert not SiteFootprint.objects.filter(current=True).exists()


def test_merging_sites_moves_their_footprints(db, admin_user):
    first = make_site("Kamituga", code="CD")
    second = make_site("Kamituga", code="CD", latitude=LAT + 0.003)
    make_visit(second, datetime.date(2025, 3, 1), footprint=square(lat=LAT + 0.003))
    services.site_merge(actor=admin_user, site=second, into=first)
    first.refresh_from_db()
    assert first.footprint is not None
    assert SiteFootprint.objects.get(current=True).site == first


MAPPING = {
    "columns": {"name": "site_name", "date": "date", "workers": "workers"},
    "defaults": {"country": "CD"},
}


def _feature(name: str, geometry: dict, date: str = "2025-03-01") -> dict:
    properties = {"name": name, "date": date, "workers": 10}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_the_census_import_keeps_footprints_and_refuses_a_bad_one_by_row(
    db, congo_officer, tmp_path
):
    path = tmp_path / "sites.geojson"
    features = [
        _feature("Kamituga", square()),
        _feature("Lugushwa", square(lon=LON + 0.2, half=0.1)),  # about 24,000 ha
        _feature("Kamituga", square(half=0.002), date="2026-01-15"),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    mapping = mapping_from_dict(MAPPING, "census.json")
    result = census_import(actor=congo_officer, path=path, mapping=mapping, skip_invalid=True)
    (problem,) = result.problems
    assert problem.row == 2 and "more than the 1000 ha allowed" in problem.text
    assert result.visits_created == 2 and result.sites_created == 1
    site = Site.objects.get(name="Kamituga")
    history = list(selectors.site_footprints(site=site))
    assert [entry.observed_on for entry in history] == [
        datetime.date(2026, 1, 15),
        datetime.date(2025, 3, 1),
    ]
    assert site.footprint == history[0].geometry and history[0].current
    assert history[0].visit.footprint == site.footprint
    again = census_import(actor=congo_officer, path=path, mapping=mapping, skip_invalid=True)
    assert again.visits_unchanged == 2
    assert SiteFootprint.objects.count() == 2


# --- Through the API, the web and the command line --------------------------------------------


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_api_takes_a_footprint_lists_its_history_and_removes_it(
    client, token_for, congo_officer
):
    headers = token_for(congo_officer)
    site = {"country": "CD", "name": "Kamituga", "latitude": LAT, "longitude": LON}
    created = client.post(
        "/api/v1/sites", {**site, "footprint": square()}, content_type="application/json", **headers
    )
    assert created.status_code == 201 and created.json()["footprint"]["type"] == "Polygon"
    pk = created.json()["id"]
    visit = {"site": pk, "date": "2025-03-01", "footprint": square(half=0.002)}
    response = client.post("/api/v1/visits", visit, content_type="application/json", **headers)
    assert response.status_code == 201 and response.json()["footprint"]
    history = client.get(f"/api/v1/sites/{pk}/footprints", **headers).json()
    # Drawn today, it stays the current one over the visit of 2025.
    assert [item["current"] for item in history["items"]] == [True, False]
    assert history["items"][1]["visit"] == response.json()["id"]
    removed = client.patch(
        f"/api/v1/sites/{pk}", {"footprint": None}, content_type="application/json", **headers
    )
    assert removed.status_code == 200 and removed.json()["footprint"] is None


def test_the_api_says_what_is_wrong_with_a_footprint(client, token_for, congo_officer):
    site = {"country": "CD", "name": "K", "latitude": LAT, "longitude": LON,
            "footprint": square(half=0.1)}  # fmt: skip
    response = client.post(
        "/api/v1/sites", site, content_type="application/json", **token_for(congo_officer),
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert response.status_code == 422
    assert "footprint" in json.dumps(response.json()) and "autorisés" in json.dumps(
        response.json(), ensure_ascii=False
    )
    assert not Site.objects.exists()


def test_footprint_history_is_out_of_scope_for_another_country(client, token_for, ghana_officer):
    site = make_site("Kamituga", code="CD", footprint=square())
    response = client.get(f"/api/v1/sites/{site.pk}/footprints", **token_for(ghana_officer))
    assert response.status_code == 404
    assert client.get(f"/api/v1/sites/{site.pk}/footprints").status_code == 401


def test_footprints_are_exported_as_geojson_polygons_and_only_as_geojson(
    client, token_for, congo_officer, tmp_path
):
    from django.core.management import call_command

    with_one = make_site("Kamituga", code="CD", footprint=square())
    make_site("Lugushwa", code="CD", latitude=LAT + 0.1)
    for response in (
        client.get("/api/v1/public/sites/footprints.geojson"),
        client.get("/api/v1/sites/footprints.geojson", **token_for(congo_officer)),
        client.get("/registry/sites/export?format=geojson&shape=footprints"),
    ):
        assert response.status_code == 200
        (feature,) = json.loads(_body(response))["features"]
        assert feature["geometry"]["type"] == "Polygon"
        assert feature["properties"]["code"] == with_one.code
        assert feature["properties"]["latitude"] == LAT and "footprint" not in feature["properties"]
    refused = client.get("/registry/sites/export?format=csv&shape=footprints")
    assert refused.status_code == 400 and b"GeoJSON only" in refused.content
    output = tmp_path / "footprints.geojson"
    call_command("export", "sites", "--footprints", "--format", "geojson", "-o", str(output))
    assert json.loads(output.read_text())["features"][0]["geometry"]["type"] == "Polygon"


def test_the_site_page_draws_the_footprint_and_lists_its_history(client, congo_officer):
    site = make_site("Kamituga", code="CD")
    make_visit(site, datetime.date(2024, 3, 1), footprint=square(), team="Team Uvira")
    client.force_login(congo_officer)
    page = client.get(f"/registry/sites/{site.pk}/").content.decode()
    assert "data-footprint=" in page and "Footprint history" in page
    assert "Team Uvira" in page and "4.9 ha" in page


def test_the_site_form_takes_a_footprint_and_shows_its_problem(client, congo_officer):
    site = make_site("Kamituga", code="CD")
    client.force_login(congo_officer)
    form = client.get(f"/registry/sites/{site.pk}/edit/").content.decode()
    assert 'name="footprint"' in form
    data = {"country": site.country_id, "code": site.code, "name": "Kamituga", "latitude": LAT,
            "longitude": LON,
            "activity_status": "active", "legal_status": "unknown",
            "footprint": json.dumps(square(lon=LON + 0.05))}  # fmt: skip
    response = client.post(f"/registry/sites/{site.pk}/edit/", data)
    assert response.status_code == 400
    assert "The footprint lies 5.4 km from the site" in response.content.decode()
    data["footprint"] = json.dumps(square())
    assert client.post(f"/registry/sites/{site.pk}/edit/", data).status_code == 302
    site.refresh_from_db()
    assert site.footprint["type"] == "Polygon"


def test_the_map_gets_the_footprints_in_view_from_the_index(db, client):
    make_site("Kamituga", code="CD", footprint=square())
    make_site("Far away", code="CD", latitude=LAT + 1, footprint=square(lat=LAT + 1))
    box = f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"
    data = client.get(f"/registry/sites/footprints.json?bbox={box}").json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Kamituga"]
    assert data["truncated"] is False
    filtered = client.get(f"/registry/sites/footprints.json?bbox={box}&q=nothing-like-it").json()
    assert filtered["features"] == []
    assert client.get("/registry/sites/footprints.json?bbox=oops").status_code == 400
