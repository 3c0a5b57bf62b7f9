"""A fund is never overdrawn: ten awards of 30,000 made at once from a fund of 100,000, each
from a thread with its own database connection, give exactly three grants."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from casm.grants import services
from casm.grants.models import Award, Fund, Proposal


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_concurrent_awards_never_overdraw_the_fund(
    admin_user, make_user, reviewer_a, open_call, make_proposal
):
    proposals = []
    for number in range(10):
        proposal = make_proposal(make_user(f"applicant{number}"), open_call, amount="30000")
        services.proposal_submit(actor=proposal.applicant, proposal=proposal)
        services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_a)
        proposals.append(proposal.pk)

    def award(pk: int) -> str:
        try:
            for _attempt in range(500):
                try:
                    proposal = Proposal.objects.get(pk=pk)
                    services.proposal_award(
                        actor=admin_user, proposal=proposal, amount="30000", reasons="Ranked."
                    )
                    return "awarded"
                except ValidationError:
                    return "refused"
                except OperationalError as exc:
                    # The suite's in-memory SQLite refuses a second writer at once; try again.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
            raise AssertionError("the database stayed locked")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(award, proposals))

    assert outcomes.count("awarded") == 3
    assert Award.objects.count() == 3
    fund = Fund.objects.get(pk=open_call.fund_id)
    assert services.fund_balance(fund) == Decimal("10000.00")
