"""API tokens as their owner sees them: made, listed with their last use, revoked, audited."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.utils import timezone

from casm.accounts.models import ApiToken
from casm.core.models import AuditEvent


def _api_token_list(client: Client, headers: dict[str, str]) -> list[dict]:
    response = client.get("/api/v1/tokens", **headers)
    assert response.status_code == 200
    return response.json()["items"]


def test_it_explains_a_blank_token_name(client, member, token_for):
    response = client.post(
        "/api/v1/tokens", {"name": "   "}, content_type="application/json", **token_for(member)
    )
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [detail["field"] for detail in details] == ["name"]
    assert details[0]["message"] == "Give the token a name, e.g. the script that uses it."


def test_a_new_token_is_long_random_and_shown_once(client, member, token_for):
    from casm.accounts.services import api_token_create

    _first, raw = api_token_create(actor=member, name="laptop")
    _second, other = api_token_create(actor=member, name="server")
    # 32 random bytes (256 bits), URL-safe: 43 characters after the prefix.
    assert re.fullmatch(r"casm_[A-Za-z0-9_-]{43}", raw)
    assert raw != other
    listed = _api_token_list(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
    assert {token["prefix"] for token in listed} == {raw[:12], other[:12]}
    assert all("token" not in token for token in listed)


def test_the_audit_trail_names_who_made_and_revoked_a_token(member):
    from casm.accounts.services import api_token_create, api_token_revoke

    token, _raw = api_token_create(actor=member, name="laptop")
    api_token_revoke(actor=member, token=token)
    events = AuditEvent.objects.filter(model__iendswith="apitoken", object_id=str(token.pk))
    assert sorted((event.action, event.actor) for event in events) == [
        ("create", member),
        ("update", member),
    ]


def test_a_token_list_shows_when_each_token_was_last_used(client, member):
    from casm.accounts.services import api_token_create

    token, raw = api_token_create(actor=member, name="script")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    before = timezone.now()
    listed = _api_token_list(client, headers)
    last_used = datetime.datetime.fromisoformat(listed[0]["last_used_at"])
    assert before <= last_used <= timezone.now()
    # Used again within the minute: the same time, and the request is answered.
    again = _api_token_list(client, headers)
    assert again[0]["last_used_at"] == listed[0]["last_used_at"]
    # Used again once more than a minute has gone by: the new time.
    long_ago = timezone.now() - datetime.timedelta(seconds=60.5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=long_ago)
    later = _api_token_list(client, headers)
    assert datetime.datetime.fromisoformat(later[0]["last_used_at"]) > long_ago
