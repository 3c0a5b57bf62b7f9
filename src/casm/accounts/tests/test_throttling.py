"""Sign-in throttling: per account and address, and per address at a much higher limit."""

import re

import pytest
from django.core import mail

from conftest import PASSWORD

OFFICE = "10.20.30.40"  # a field office's router: everyone behind it has this address


@pytest.fixture
def low_limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 7


def sign_in(client, username, password, address=OFFICE, **headers):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def fail(client, username, times, address=OFFICE):
    for _attempt in range(times):
        sign_in(client, username, "wrong", address)


def test_failures_for_one_account_never_refuse_another_behind_the_same_address(
    client, make_user, low_limits
):
    make_user("alice")
    make_user("bruno")
    fail(client, "alice", 10)
    assert sign_in(client, "bruno", PASSWORD).status_code == 302


def test_a_paused_account_gets_429_with_the_wait_even_with_the_right_password(
    client, member, low_limits
):
    fail(client, "mary", 2)
    third = sign_in(client, "mary", "wrong")
    assert third.status_code == 429
    refused = sign_in(client, "mary", PASSWORD)
    assert refused.status_code == 429
    assert 840 < int(refused["Retry-After"]) <= 900
    assert "Too many failed attempts. Try again in 15 minutes" in refused.content.decode()
    assert 'name="username"' in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_wait_is_said_in_french(client, member, low_limits):
    fail(client, "mary", 3)
    refused = sign_in(client, "mary", PASSWORD, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 429
    assert "Trop de tentatives échouées. Réessayez dans 15\xa0minutes" in refused.content.decode()


def test_the_same_account_from_elsewhere_is_not_paused(client, member, low_limits):
    fail(client, "mary", 3)
    assert sign_in(client, "mary", PASSWORD, address="10.0.0.2").status_code == 302


def test_changing_the_case_of_the_name_does_not_start_a_new_count(client, member, low_limits):
    fail(client, "mary", 2)
    assert sign_in(client, "MARY ", "wrong").status_code == 429


def test_a_success_clears_the_count(client, member, low_limits):
    fail(client, "mary", 2)
    assert sign_in(client, "mary", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    fail(client, "mary", 2)
    assert sign_in(client, "mary", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_paused(client, make_user, low_limits):
    make_user("bruno")
    for name in ["a1", "a2", "a3"]:
        fail(client, name, 3)  # 9 failures, past the address's limit of 7
    refused = sign_in(client, "bruno", PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert sign_in(client, "bruno", PASSWORD, address="10.0.0.9").status_code == 302


def test_a_paused_owner_gets_back_in_through_a_password_reset(client, member, low_limits):
    fail(client, "mary", 3)
    assert sign_in(client, "mary", PASSWORD).status_code == 429
    client.post("/accounts/password/reset/", {"email": "mary@example.org"}, REMOTE_ADDR=OFFICE)
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True, REMOTE_ADDR=OFFICE)
    new = "a-much-better-passphrase"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, REMOTE_ADDR=OFFICE
    )
    assert done.status_code == 302
    assert sign_in(client, "mary", new).status_code == 302


def test_the_proxy_header_is_ignored_unless_configured(client, member, low_limits):
    # Without CASM_TRUSTED_PROXY_COUNT a client cannot escape its count by inventing addresses.
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3"]:
        sign_in(client, "mary", "wrong", HTTP_X_FORWARDED_FOR=forged)
    refused = sign_in(client, "mary", PASSWORD, HTTP_X_FORWARDED_FOR="4.4.4.4")
    assert refused.status_code == 429


def test_behind_a_trusted_proxy_each_client_is_counted_apart(client, member, low_limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"  # every request reaches the site from the proxy
    for _attempt in range(3):
        sign_in(client, "mary", "wrong", proxy, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    # The entry the proxy wrote (rightmost) is the client; what it sent before is ignored.
    assert (
        sign_in(client, "mary", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code
        == 429
    )
    assert (
        sign_in(client, "mary", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.6").status_code
        == 302
    )


def test_another_header_can_be_named(client, member, low_limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.CLIENT_ADDRESS_HEADER = "X-Real-IP"
    fail_with = {"HTTP_X_REAL_IP": "198.51.100.7"}
    for _attempt in range(3):
        sign_in(client, "mary", "wrong", "127.0.0.1", **fail_with)
    assert sign_in(client, "mary", PASSWORD, "127.0.0.1", **fail_with).status_code == 429
    other = {"HTTP_X_REAL_IP": "198.51.100.8"}
    assert sign_in(client, "mary", PASSWORD, "127.0.0.1", **other).status_code == 302
