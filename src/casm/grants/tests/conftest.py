"""Factories for the grants tests: a fund with money in it, an open call with criteria."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone


@pytest.fixture
def reviewer_a(make_user):
    return make_user("rev_a", role="grants_reviewer")


@pytest.fixture
def reviewer_b(make_user):
    return make_user("rev_b", role="grants_reviewer")


@pytest.fixture
def fund(admin_user):
    from casm.grants import services

    fund = services.fund_create(actor=admin_user, name="Small Grants Fund", currency="USD")
    donor = services.donor_create(actor=admin_user, name="World Bank Development Grant Facility")
    services.contribution_create(
        actor=admin_user,
        donor=donor,
        fund=fund,
        amount="100000.00",
        currency="USD",
        date=datetime.date(2026, 1, 15),
    )
    return fund


@pytest.fixture
def open_call(admin_user, fund, country):
    from casm.grants import services

    today = timezone.localdate()
    call = services.call_create(
        actor=admin_user,
        fund=fund,
        title="Mercury-free gold 2026",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        budget="60000",
        max_award="30000",
        eligible_countries=[country("GH"), country("CD")],
        eligible_themes=["mercury", "gender"],
    )
    services.criterion_create(actor=admin_user, call=call, name="Impact", weight="2", max_score="5")
    services.criterion_create(
        actor=admin_user, call=call, name="Feasibility", weight="1", max_score="5"
    )
    return call


@pytest.fixture
def make_proposal(country):
    from casm.grants import services

    def make(user, call, amount="20000", code="GH", themes=("mercury",), lines=None, **extra):
        amount = Decimal(amount)
        if lines is None:
            lines = [("Retorts", amount / 2), ("Training", amount - amount / 2)]
        return services.proposal_create(
            actor=user,
            call=call,
            title=extra.pop("title", "Retorts for Tarkwa"),
            summary="Mercury retorts and training for two cooperatives.",
            country=country(code),
            amount_requested=amount,
            budget_lines=lines,
            themes=list(themes),
            **extra,
        )

    return make
