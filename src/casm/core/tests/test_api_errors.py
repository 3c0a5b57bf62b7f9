"""Requests the API must refuse with a declared error, never a server error: what the
contract test (``scripts/api_contract.py``) found, kept as plain tests."""

from __future__ import annotations

import pytest

from casm.core.pagination import MAX_OFFSET


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


@pytest.fixture
def operator(ghana_officer, make_site, country):
    from casm.registry.services import operator_create

    site = make_site("Prestea Gold Pit", "GH")
    return operator_create(
        actor=None, country=country("GH"), kind="cooperative", name="Prestea Diggers", sites=[site]
    )


def test_it_refuses_a_body_that_is_not_json(client, ghana_officer, token_for, operator):
    response = client.patch(
        f"/api/v1/operators/{operator.pk}",
        b"\x8f{not json",
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert error_of(response, 400)["code"] == "bad_request"


def test_it_refuses_text_that_is_not_unicode(client, ghana_officer, token_for, operator):
    response = client.patch(
        f"/api/v1/operators/{operator.pk}",
        '{"name": "Prestea \\ud800"}',
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert error_of(response, 400)["code"] == "bad_request"


def test_it_refuses_null_for_a_field_that_cannot_be_empty_of_value(
    client, ghana_officer, token_for, operator
):
    response = client.patch(
        f"/api/v1/operators/{operator.pk}",
        {"contact_name": None},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert [d["field"] for d in error_of(response, 422)["details"]] == ["contact_name"]


@pytest.fixture
def registry_records(ghana_officer, operator):
    """One record of each kind the registry updates, by the path that updates it."""
    from casm.registry.tests import factories

    site = operator.sites.get()
    return {
        "sites": site,
        "visits": factories.make_visit(site),
        "operators": operator,
        "miners": factories.make_miner(),
        "production": factories.make_production(site=site),
    }


# Every field of a registry update that cannot be empty of value: left out, it stays as it is;
# given as null, it is refused, not stored (nor a server error, as a null country or commodity
# once was).
REGISTRY_NOT_NULL = {
    "sites": ["country", "code", "name", "other_names", "admin1", "admin2", "admin3", "admin4",
              "latitude", "longitude", "location_note", "commodities", "mining_methods",
              "processing_methods", "activity_status", "legal_status", "source"],
    "visits": ["date", "team", "reached", "not_reached_reason", "commodities", "state_services",
               "armed_activities", "traceability_scheme", "women_work", "children_work",
               "notes"],
    "operators": ["country", "kind", "name", "registration_number", "sites", "contact_name",
                  "contact_phone", "contact_email"],
    "miners": ["country", "name", "sex", "id_number", "roles", "sites"],
    "production": ["commodity", "period", "year", "quantity", "unit", "currency", "source"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("resource", "field"),
    [(resource, field) for resource, fields in REGISTRY_NOT_NULL.items() for field in fields],
)
def test_a_registry_update_refuses_null_for_a_field_that_cannot_be_empty_of_value(
    client, ghana_officer, token_for, registry_records, resource, field
):
    record = registry_records[resource]
    response = client.patch(
        f"/api/v1/{resource}/{record.pk}",
        {field: None},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    details = error_of(response, 422)["details"]
    assert [(d["field"], d["message"]) for d in details] == [(field, "This field cannot be null.")]


def test_a_registry_update_still_takes_null_where_it_means_unknown_or_none(
    client, ghana_officer, token_for, registry_records
):
    site = registry_records["sites"]
    for resource, body in [
        ("visits", {"workers": None, "mercury_use": None, "footprint": None}),
        ("operators", {"member_count": None}),
        ("miners", {"year_of_birth": None, "operator": None}),
        ("production", {"period_number": None, "value": None, "operator": None}),
        ("sites", {"footprint": None}),
    ]:
        record = registry_records[resource]
        response = client.patch(
            f"/api/v1/{resource}/{record.pk}",
            body,
            content_type="application/json",
            **token_for(ghana_officer),
        )
        assert response.status_code == 200, (resource, response.content)
    assert client.get(f"/api/v1/sites/{site.pk}", **token_for(ghana_officer)).json()["name"]


def test_a_wrong_value_for_a_field_that_cannot_be_null_is_named_once(
    client, ghana_officer, token_for, registry_records
):
    site = registry_records["sites"]
    response = client.patch(
        f"/api/v1/sites/{site.pk}",
        {"name": "", "latitude": 91, "commodities": ["gold", 7]},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    fields = [d["field"] for d in error_of(response, 422)["details"]]
    assert fields == ["name", "latitude", "commodities.1"]


def test_it_refuses_an_offset_beyond_any_list(client, db):
    response = client.get("/api/v1/countries", {"offset": MAX_OFFSET + 1})
    assert error_of(response, 422)["details"][0]["field"] == "offset"
    assert client.get("/api/v1/countries", {"offset": MAX_OFFSET}).json()["items"] == []


def test_it_will_not_delete_what_others_refer_to(client, admin_user, token_for):
    from casm.network.tests import factories

    arm = factories.organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    factories.project("Fairmined", arm)
    response = client.delete(f"/api/v1/organisations/{arm.pk}", **token_for(admin_user))
    assert error_of(response, 409)["code"] == "conflict"


def test_it_refuses_a_broken_form_to_the_harvester(client, db):
    response = client.post(
        "/api/v1/library/oai", b"verb=Identify", content_type="multipart/form-data"
    )
    assert error_of(response, 400)["code"] == "bad_request"


def test_it_names_the_field_of_a_record_a_body_names_that_does_not_exist(
    client, admin_user, token_for
):
    body = {"fund": 999999, "title": "Mercury-free gold", "opens_on": "2026-01-01",
            "closes_on": "2026-02-01", "budget": "1000", "max_award": "100"}  # fmt: skip
    response = client.post(
        "/api/v1/grants/calls", body, content_type="application/json", **token_for(admin_user)
    )
    assert [d["field"] for d in error_of(response, 422)["details"]] == ["fund"]


@pytest.mark.parametrize(
    "url", ["/api/v1/library/oai", "/api/v1/imports/census", "/api/v1/library/documents/1/files"]
)
@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_it_refuses_a_multipart_form_without_a_boundary(
    client, admin_user, token_for, url, content_type
):
    response = client.generic(
        "POST", url, b"--x\r\nfile\r\n--x--", content_type=content_type, **token_for(admin_user)
    )
    error = error_of(response, 400)
    assert error["code"] == "bad_request"
    assert "boundary" in error["message"]


def test_the_census_upload_page_refuses_a_form_without_a_boundary(login, admin_user):
    response = login(admin_user).generic(
        "POST", "/imports/", b"--x\r\nfile\r\n--x--", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "needs a boundary" in response.content.decode()


def test_a_form_with_its_boundary_still_reaches_the_upload(client, admin_user, token_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/v1/imports/census",
        {"file": SimpleUploadedFile("sites.csv", b"name\\n"), "dry_run": "true"},
        **token_for(admin_user),
    )
    assert response.status_code == 202, response.content


def test_a_wrong_item_in_a_list_that_cannot_be_null_is_named_by_its_place(
    client, admin_user, token_for
):
    from casm.network.tests import factories

    arm = factories.organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    response = client.patch(
        f"/api/v1/network/organisations/{arm.pk}",
        {"countries_of_work": ["CO", "Atlantis"]},
        content_type="application/json",
        **token_for(admin_user),
    )
    assert [d["field"] for d in error_of(response, 422)["details"]] == ["countries_of_work.1"]
