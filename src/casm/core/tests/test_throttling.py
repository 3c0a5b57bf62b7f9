"""Request rates: the API, its exports and the web's exports answer 429 past their rate."""

import pytest

from casm.api import api


@pytest.fixture
def low_rates(db, settings):
    settings.API_RATES = {"api": "4/min", "api_anonymous": "2/min", "export": "1/hour"}


def test_a_visitor_past_the_rate_gets_429_with_retry_after_and_the_error_shape(client, low_rates):
    for _call in range(2):
        assert client.get("/api/v1/countries", REMOTE_ADDR="10.1.1.1").status_code == 200
    refused = client.get("/api/v1/countries", REMOTE_ADDR="10.1.1.1")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"].startswith("Too many requests. Try again in")
    assert error["details"] == {"retry_after": int(refused["Retry-After"])}
    # Another address is another caller.
    assert client.get("/api/v1/countries", REMOTE_ADDR="10.1.1.2").status_code == 200


def test_the_message_is_in_the_callers_language(client, low_rates):
    for _call in range(2):
        client.get("/api/v1/countries")
    refused = client.get("/api/v1/countries", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.json()["error"]["message"].startswith("Trop de requêtes")


def test_a_signed_in_account_has_its_own_rate(client, member, token_for, low_rates):
    headers = token_for(member)
    for _call in range(4):
        assert client.get("/api/v1/countries", **headers).status_code == 200
    assert client.get("/api/v1/countries", **headers).status_code == 429


def test_exports_have_a_lower_rate(client, low_rates):
    assert client.get("/api/v1/public/sites/export").status_code == 200
    refused = client.get("/api/v1/public/sites/export")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60
    assert refused.json()["error"]["code"] == "too_many_requests"


def test_web_exports_have_the_same_rate(client, low_rates):
    assert client.get("/registry/sites/export?format=csv").status_code == 200
    refused = client.get("/registry/sites/export?format=csv", HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60
    assert "Trop de requêtes" in refused.content.decode()


def test_every_operation_declares_429():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, details in methods.items():
            assert "429" in {str(status) for status in details["responses"]}, (method, path)
