"""The demo grants round builds through the services and leaves a consistent fund."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from casm.grants import services
from casm.grants.models import Award, Donor, Fund, Proposal

pytestmark = pytest.mark.django_db


def test_the_demo_round_builds():
    from casm.accounts import demo as accounts_demo
    from casm.grants import demo

    said: list[str] = []
    accounts_demo.build(random.Random(1), said.append)
    demo.build(random.Random(1), said.append)
    assert Donor.objects.filter(name="World Bank Development Grant Facility").exists()
    assert Donor.objects.get(name__startswith="UK Department").organisation is not None
    fund = Fund.objects.get(name="CASM Multi-Donor Trust Fund")
    assert services.fund_paid_in(fund) == Decimal("2550000.00")
    assert 0 <= services.fund_balance(fund) < services.fund_paid_in(fund)
    assert Award.objects.filter(closed_at__isnull=False).count() == 1
    assert Proposal.objects.filter(status="ineligible").exists()
    assert Proposal.objects.filter(status="declined").exists()
    assert "grants:" in said[-1]
