"""What a client of /api/v1 sees when it is not, or not properly, authenticated.

Every operation, whatever its method, answers a missing credential (where one is needed) and a
wrong, revoked or deactivated token with a 401 in the API's error shape: never a CSRF 403,
never a validation error about a body nobody was allowed to send.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from casm.core import permissions
from casm.core.permissions import PUBLIC


def _operations() -> list[tuple[str, str, bool]]:
    """(method, URL, public) of every API operation, path parameters filled with 1."""
    from casm.api import api

    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                public = permissions.endpoint_access(operation.view_func) == PUBLIC
                url = "/api/v1" + re.sub(r"\{(?:\w+:)?\w+\}", "1", path)
                found += [(method, url, public) for method in operation.methods]
    return found


def _send(client: Client, method: str, url: str, **headers: str):
    if method == "GET":
        return client.get(url, **headers)
    return getattr(client, method.lower())(url, {}, content_type="application/json", **headers)


def _assert_unauthenticated(response, label: str, report: list[str]) -> None:
    if response.status_code != 401:
        report.append(f"{label}: {response.status_code}")
    elif response.json()["error"]["code"] != "unauthenticated":
        report.append(f"{label}: {response.json()}")


@pytest.fixture
def browser() -> Client:
    """A client that is checked for CSRF like a real browser or script."""
    return Client(enforce_csrf_checks=True)


def test_it_refuses_every_private_operation_without_credentials(browser, db):
    report: list[str] = []
    for method, url, public in _operations():
        if not public:
            _assert_unauthenticated(_send(browser, method, url), f"{method} {url}", report)
    assert report == [], "\n".join(report)


@pytest.mark.parametrize("kind", ["unknown", "revoked", "deactivated", "not bearer"])
def test_it_refuses_a_bad_token_on_every_operation(browser, member, kind):
    from casm.accounts.services import api_token_create, api_token_revoke, user_update

    token, raw = api_token_create(actor=member, name="script")
    header = f"Bearer {raw}"
    if kind == "unknown":
        header = "Bearer casm_" + "x" * 40
    elif kind == "revoked":
        api_token_revoke(actor=member, token=token)
    elif kind == "deactivated":
        user_update(actor=None, user=member, is_active=False)
    else:
        header = f"Basic {raw}"
    report: list[str] = []
    for method, url, _public in _operations():
        response = _send(browser, method, url, HTTP_AUTHORIZATION=header)
        _assert_unauthenticated(response, f"{method} {url}", report)
    assert report == [], "\n".join(report)


def test_a_token_of_an_account_switched_off_outside_the_services_is_refused(browser, member):
    """An account deactivated in the database itself (a restore, a script, Django's admin)
    keeps its tokens unrevoked: the token check itself refuses them."""
    from casm.accounts.models import User
    from casm.accounts.services import api_token_create

    _token, raw = api_token_create(actor=member, name="script")
    header = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert browser.get("/api/v1/me", **header).status_code == 200
    User.objects.filter(pk=member.pk).update(is_active=False)
    refused = browser.get("/api/v1/me", **header)
    assert refused.status_code == 401
    # Even where visitors are answered: the token is wrong, not missing.
    assert browser.get("/api/v1/countries", **header).status_code == 401


def test_it_judges_a_request_by_its_token_even_with_a_session(browser, member):
    browser.force_login(member)
    assert browser.get("/api/v1/me").status_code == 200
    refused = browser.post(
        "/api/v1/tokens",
        {"name": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer casm_nonsense",
    )
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_it_still_asks_a_signed_in_browser_for_the_csrf_token(browser, member):
    browser.force_login(member)
    refused = browser.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert refused.json()["error"]["message"] == (
        "CSRF check failed: send the CSRF token with a browser session."
    )
    browser.get("/accounts/profile/")
    csrf = browser.cookies["csrftoken"].value
    made = browser.post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert made.status_code == 201


def test_public_reads_answer_visitors_and_good_tokens(browser, member, token_for):
    assert browser.get("/api/v1/countries").status_code == 200
    assert browser.get("/api/v1/countries", **token_for(member)).status_code == 200
    harvest = browser.post("/api/v1/library/oai", {"verb": "Identify"})
    assert harvest.status_code == 200


def test_a_signed_in_browser_harvests_without_a_csrf_token(browser, member):
    """The harvesting endpoint takes forms from any client; a session changes nothing."""
    browser.force_login(member)
    harvest = browser.post("/api/v1/library/oai", {"verb": "Identify"})
    assert harvest.status_code == 200


def test_it_takes_a_token_after_more_than_one_space(browser, member):
    from casm.accounts.services import api_token_create

    _token, raw = api_token_create(actor=member, name="script")
    assert browser.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer  {raw}").status_code == 200
    assert browser.get("/api/v1/me", HTTP_AUTHORIZATION=f"bearer {raw} ").status_code == 200
