"""Money in the reader's language on the grants pages, and every problem of an application at
once (web form and API)."""

from __future__ import annotations

import json

import pytest
from babel.numbers import format_currency
from django.urls import reverse
from django.utils import timezone

from casm.grants import services
from casm.grants.models import Proposal


@pytest.fixture
def pound_call(admin_user, country):
    import datetime

    fund = services.fund_create(actor=admin_user, name="Fund GBP", currency="GBP")
    today = timezone.localdate()
    return services.call_create(
        actor=admin_user,
        fund=fund,
        title="Cooperatives 2026",
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
        budget="200000",
        max_award="100000",
        eligible_countries=[country("GH")],
    )


def test_a_call_shows_its_money_in_french(client, pound_call):
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("grants:call_detail", args=[pound_call.pk])).content.decode()

    assert format_currency(200000, "GBP", locale="fr") in page
    assert format_currency(100000, "GBP", locale="fr") in page
    assert "200\u202f000,00\xa0£GB" in page  # narrow no-break space between thousands
    assert "200000,00" not in page and "100000.00" not in page


def test_a_call_shows_its_money_in_english(client, pound_call):
    page = client.get(reverse("grants:call_detail", args=[pound_call.pk])).content.decode()

    assert format_currency(200000, "GBP", locale="en") in page
    assert "£200,000.00" in page


def test_the_dashboard_shows_money_in_french(login, admin_user, fund):
    client = login(admin_user)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("grants:dashboard")).content.decode()

    assert format_currency(100000, "USD", locale="fr") in page
    assert "100000.00" not in page


def _application(pound_call, ghana_site, **extra):
    data = {
        "title": "Retorts",
        "summary": "Retorts for two cooperatives.",
        "country": pound_call.eligible_countries.get().pk,
        "sites": f"{ghana_site.code}, GH-NOPE",
        "amount_requested": "10000000000000",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-label": "Retorts",
        "lines-0-amount": "500",
        "lines-1-label": "Training",
        "lines-1-amount": "abc",
    }
    data.update(extra)
    return data


@pytest.fixture
def ghana_site(make_site):
    return make_site("Tarkwa", "GH")


def test_an_application_shows_every_problem_at_once(login, member, pound_call, ghana_site):
    client = login(member)
    response = client.post(
        reverse("grants:proposal_create", args=[pound_call.pk]),
        _application(pound_call, ghana_site),
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Unknown site code: GH-NOPE." in page
    assert "An amount must be less than 1,000,000,000,000." in page
    assert "Enter an amount as a number, e.g. 1250.00." in page
    # The budget line's message sits in its row, beside the value that was refused.
    row = page[page.index('name="lines-1-label"') - 400 : page.index('name="lines-1-amount"')]
    assert "Enter an amount as a number" in row
    assert not Proposal.objects.exists()


def test_the_api_lists_every_problem_of_an_application(
    client, member, token_for, pound_call, ghana_site
):
    body = {
        "call": pound_call.pk,
        "title": "Retorts",
        "summary": "Retorts for two cooperatives.",
        "country": "GH",
        "sites": [ghana_site.code, "GH-NOPE"],
        "amount_requested": "10000000000000",
        "budget_lines": [
            {"label": "Retorts", "amount": "500"},
            {"label": "Training", "amount": "abc"},
        ],
    }
    response = client.post(
        "/api/v1/grants/proposals",
        json.dumps(body),
        content_type="application/json",
        **token_for(member),
    )

    assert response.status_code == 422
    fields = {item["field"] for item in response.json()["error"]["details"]}
    assert {"sites", "amount_requested", "budget_lines.1.amount"} <= fields
    assert not Proposal.objects.exists()
