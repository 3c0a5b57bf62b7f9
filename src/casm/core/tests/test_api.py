import pytest

from casm.accounts.models import ApiToken


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def test_reference_lists_are_public_and_paginated_with_a_total(client, db):
    page = client.get("/api/v1/countries", {"limit": 10, "offset": 40}).json()
    assert (page["count"], page["limit"], page["offset"]) == (249, 10, 40)
    assert len(page["items"]) == 10
    africa = client.get("/api/v1/countries", {"region": "002", "limit": 500}).json()
    assert "CD" in {c["alpha2"] for c in africa["items"]}
    assert "FR" not in {c["alpha2"] for c in africa["items"]}
    assert client.get("/api/v1/commodities").json()["count"] >= 20


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"limit": "ten"}])
def test_bad_pagination_gets_the_error_shape(client, db, params):
    response = client.get("/api/v1/countries", params)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["details"][0]["field"] in {"limit", "offset"}


def test_unknown_paths_and_wrong_methods_get_the_error_shape(client, db):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    wrong = client.put("/api/v1/countries")
    assert wrong.status_code == 405
    assert error_of(wrong)["code"] == "method_not_allowed"


def test_validation_errors_name_the_field(client, ghana_officer, token_for):
    response = client.post(
        "/api/v1/organisations",
        {"name": "", "kind": "smugglers", "country": "GH"},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 422
    fields = {detail["field"] for detail in error_of(response)["details"]}
    assert {"name", "kind"} <= fields
    unknown = client.post(
        "/api/v1/organisations",
        {"name": "X", "kind": "miners", "country": "ZZ"},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert unknown.status_code == 422
    assert error_of(unknown)["details"][0]["field"] == "country"


def test_a_duplicate_organisation_is_refused_clearly(
    client, ghana_officer, ghana_cooperative, token_for
):
    response = client.post(
        "/api/v1/organisations",
        {"name": ghana_cooperative.name, "kind": "miners", "country": "GH"},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 422
    assert "already exists" in str(error_of(response)["details"])


def test_unexpected_errors_get_the_error_shape_and_no_trace(
    client, ghana_officer, token_for, monkeypatch
):
    from casm.accounts import selectors

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "organisation_list_for_user", explode)
    response = client.get("/api/v1/organisations", **token_for(ghana_officer))
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "secret" not in response.content.decode()


def test_tokens_are_made_used_and_revoked(client, member):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    made = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert made.status_code == 403  # a session write needs the CSRF token
    assert error_of(made)["code"] == "forbidden"

    from casm.accounts.services import api_token_create

    _token, raw = api_token_create(actor=member, name="bootstrap")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    made = client.post(
        "/api/v1/tokens", {"name": "census script"}, content_type="application/json", **headers
    )
    assert made.status_code == 201
    new = made.json()
    assert new["token"].startswith("casm_")
    assert not ApiToken.objects.filter(key_hash=new["token"]).exists()  # only the hash is kept
    new_headers = {"HTTP_AUTHORIZATION": f"Bearer {new['token']}"}
    assert client.get("/api/v1/me", **new_headers).json()["username"] == "mary"
    assert client.post(f"/api/v1/tokens/{new['id']}/revoke", **new_headers).status_code == 200
    refused = client.get("/api/v1/me", **new_headers)
    assert refused.status_code == 401
    assert error_of(refused)["code"] == "unauthenticated"


def test_a_user_cannot_revoke_somebody_elses_token(client, member, ghana_officer, token_for):
    from casm.accounts.services import api_token_create

    theirs, _raw = api_token_create(actor=ghana_officer, name="theirs")
    response = client.post(f"/api/v1/tokens/{theirs.pk}/revoke", **token_for(member))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_interactive_docs_and_schema_are_served_without_a_cdn(client, db):
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    assert b"/static/ninja/swagger-ui-bundle.js" in docs.content
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/organisations" in schema["paths"]


def test_me_tells_each_role_with_its_scope(client, ghana_officer, token_for, country):
    from casm.accounts.services import role_assign

    role_assign(actor=None, user=ghana_officer, role="licensing_officer", countries=[country("TZ")])
    me = client.get("/api/v1/me", **token_for(ghana_officer)).json()
    assert [(r["role"], r["countries"]) for r in me["roles"]] == [
        ("data_officer", ["GH"]),
        ("licensing_officer", ["TZ"]),
    ]


ANONYMOUS_API = [
    ("get", "/api/v1/me"),
    ("get", "/api/v1/organisations"),
    ("get", "/api/v1/organisations/1"),
    ("post", "/api/v1/organisations"),
    ("patch", "/api/v1/organisations/1"),
    ("delete", "/api/v1/organisations/1"),
    ("get", "/api/v1/tokens"),
    ("post", "/api/v1/tokens"),
    ("post", "/api/v1/tokens/1/revoke"),
    ("get", "/api/v1/jobs"),
    ("get", "/api/v1/jobs/1"),
    ("post", "/api/v1/jobs/1/cancel"),
    ("get", "/api/v1/audit"),
]


@pytest.mark.parametrize(("method", "url"), ANONYMOUS_API)
def test_the_api_refuses_anonymous_users(client, db, method, url):
    response = getattr(client, method)(url, content_type="application/json")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
