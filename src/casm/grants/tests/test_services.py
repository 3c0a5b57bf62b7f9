"""The rules of the grants cycle, through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent
from casm.grants import selectors, services
from casm.grants.models import Contribution, Disbursement, Proposal, Score
from casm.grants.money import money_parse, money_sum

pytestmark = pytest.mark.django_db


def _messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_it_refuses_negative_non_numeric_and_float_money():
    for bad in ("-5", "abc", "", None, 1.5, "NaN", "Infinity", "1.234", "1e400", "1e12"):
        with pytest.raises(ValidationError):
            money_parse(bad)
    assert money_parse("12.5") == Decimal("12.50")


def test_it_names_the_currencies_it_will_not_add():
    with pytest.raises(ValidationError) as error:
        money_sum([(Decimal(1), "USD"), (Decimal(2), "GBP")])
    assert "GBP, USD" in _messages(error.value)


def test_it_refuses_a_contribution_in_another_currency(admin_user, fund):
    donor = services.donor_create(actor=admin_user, name="DFID")
    with pytest.raises(ValidationError) as error:
        services.contribution_create(
            actor=admin_user, donor=donor, fund=fund, amount="10", currency="GBP",
            date=datetime.date(2026, 2, 1),
        )  # fmt: skip
    assert "USD" in _messages(error.value) and "GBP" in _messages(error.value)
    assert Contribution.objects.count() == 1


def test_it_lets_only_the_secretariat_manage_funds(member):
    with pytest.raises(PermissionDenied):
        services.fund_create(actor=member, name="Mine", currency="USD")


def test_it_marks_a_proposal_above_the_maximum_ineligible(member, open_call, make_proposal):
    proposal = make_proposal(member, open_call, amount="35000")
    services.proposal_submit(actor=member, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.INELIGIBLE
    assert "maximum award" in proposal.eligibility_messages[0]


def test_it_marks_a_proposal_outside_the_countries_and_themes_ineligible(
    member, open_call, make_proposal
):
    proposal = make_proposal(member, open_call, code="TZ", themes=["water"])
    services.proposal_submit(actor=member, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.INELIGIBLE
    text = " ".join(proposal.eligibility_messages)
    assert "Tanzania" in text and "themes" in text


def test_it_finds_an_eligible_proposal_eligible(member, open_call, make_proposal):
    proposal = make_proposal(member, open_call)
    services.proposal_submit(actor=member, proposal=proposal)
    assert proposal.status == Proposal.Status.ELIGIBLE
    assert proposal.eligibility_messages == []


def test_it_refuses_budget_lines_that_do_not_add_up(member, open_call, make_proposal):
    proposal = make_proposal(member, open_call, amount="20000", lines=[("Retorts", "5000")])
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(actor=member, proposal=proposal)
    assert "5000.00 USD, not the 20000.00 USD" in _messages(error.value)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.DRAFT


def test_it_refuses_a_submission_after_the_window(member, open_call, make_proposal):
    proposal = make_proposal(member, open_call)
    late = open_call.closes_on + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(actor=member, proposal=proposal, today=late)
    assert "closed" in _messages(error.value)


def test_it_refuses_a_proposal_in_another_currency(member, open_call, make_proposal):
    with pytest.raises(ValidationError):
        make_proposal(member, open_call, currency="EUR")


def _under_review(admin_user, member, call, make_proposal, reviewers, **extra):
    proposal = make_proposal(member, call, **extra)
    services.proposal_submit(actor=member, proposal=proposal)
    assignments = [
        services.review_assign(actor=admin_user, proposal=proposal, reviewer=r) for r in reviewers
    ]
    return proposal, assignments


def test_a_reviewer_with_a_conflict_cannot_score(
    admin_user, member, open_call, make_proposal, reviewer_a
):
    _proposal, (assignment,) = _under_review(
        admin_user, member, open_call, make_proposal, [reviewer_a]
    )
    services.review_declare_conflict(
        actor=reviewer_a, assignment=assignment, note="My sister runs the cooperative."
    )
    with pytest.raises(ValidationError) as error:
        services.score_record(
            actor=reviewer_a, assignment=assignment, criterion=open_call.criteria.first(), score=3
        )
    assert "conflict of interest" in _messages(error.value)
    assert Score.objects.count() == 0


def test_scores_stay_within_zero_and_the_maximum(
    admin_user, member, open_call, make_proposal, reviewer_a, reviewer_b
):
    _proposal, (assignment, _other) = _under_review(
        admin_user, member, open_call, make_proposal, [reviewer_a, reviewer_b]
    )
    impact = open_call.criteria.get(name="Impact")
    for bad in ("6", "-1", "x"):
        with pytest.raises(ValidationError):
            services.score_record(
                actor=reviewer_a, assignment=assignment, criterion=impact, score=bad
            )
    with pytest.raises(PermissionDenied):
        services.score_record(actor=reviewer_b, assignment=assignment, criterion=impact, score=3)
    services.score_record(actor=reviewer_a, assignment=assignment, criterion=impact, score="4.5")
    assert Score.objects.get().score == Decimal("4.50")


def test_ranking_draws_the_budget_line_and_skips_what_does_not_fit(
    admin_user, make_user, open_call, make_proposal, reviewer_a, reviewer_b
):
    impact, feasibility = open_call.criteria.all()
    # Budget 60,000: A (25k, best), B (30k), C (20k, worst but fits), D (10k, no scores).
    plan = [("A", "25000", 5, 5), ("B", "30000", 4, 4), ("C", "20000", 2, 1)]
    ids = {}
    for title, amount, s_impact, s_feas in plan:
        applicant = make_user(f"app_{title}")
        proposal, assignments = _under_review(
            admin_user, applicant, open_call, make_proposal, [reviewer_a, reviewer_b],
            amount=amount, title=title,
        )  # fmt: skip
        ids[title] = proposal.pk
        for assignment in assignments:
            reviewer = assignment.reviewer
            services.score_record(
                actor=reviewer, assignment=assignment, criterion=impact, score=s_impact
            )
            services.score_record(
                actor=reviewer, assignment=assignment, criterion=feasibility, score=s_feas
            )
    ranking = selectors.call_ranking(open_call)
    titles = [row.title for row in ranking.rows]
    assert titles == ["A", "B", "C"]
    assert [row.score for row in ranking.rows] == [
        Decimal("15.00"),
        Decimal("12.00"),
        Decimal("5.00"),
    ]
    # A + B = 55k fits; C (20k) would pass 60k and is skipped.
    assert [row.within_budget for row in ranking.rows] == [True, True, False]
    assert ranking.proposed_total == Decimal("55000.00")


def test_the_fund_balance_never_goes_negative(
    admin_user, member, make_user, fund, open_call, make_proposal, reviewer_a
):
    proposal, _ = _under_review(admin_user, member, open_call, make_proposal, [reviewer_a],
                                amount="30000")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.proposal_award(actor=admin_user, proposal=proposal, amount="30001", reasons="Good")
    assert "amount requested" in _messages(error.value)
    services.proposal_award(actor=admin_user, proposal=proposal, amount="30000", reasons="Good")
    assert services.fund_balance(fund) == Decimal("70000.00")
    # Two more calls drain the fund: the third award would overdraw it.
    for index in range(2):
        other = make_user(f"other{index}")
        p, _ = _under_review(admin_user, other, open_call, make_proposal, [reviewer_a],
                             amount="30000")  # fmt: skip
        services.proposal_award(actor=admin_user, proposal=p, amount="30000", reasons="Good")
    assert services.fund_balance(fund) == Decimal("10000.00")
    last, _ = _under_review(admin_user, make_user("late"), open_call, make_proposal, [reviewer_a],
                            amount="20000")  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.proposal_award(actor=admin_user, proposal=last, amount="20000", reasons="Good")
    assert "10000.00 USD" in _messages(error.value)
    last.refresh_from_db()
    assert last.status == Proposal.Status.UNDER_REVIEW
    assert services.fund_balance(fund) == Decimal("10000.00")


def test_disbursements_stay_within_the_award_and_closure_needs_a_final_report(
    admin_user, member, fund, open_call, make_proposal, reviewer_a
):
    proposal, _ = _under_review(admin_user, member, open_call, make_proposal, [reviewer_a])
    award = services.proposal_award(
        actor=admin_user, proposal=proposal, amount="20000", reasons="Good",
        tranches=[(datetime.date(2026, 3, 1), "12000"), (datetime.date(2026, 9, 1), "8000")],
    )  # fmt: skip
    with pytest.raises(ValidationError):
        services.disbursement_record(
            actor=admin_user, award=award, amount="-1", paid_on=datetime.date(2026, 3, 2)
        )
    services.disbursement_record(
        actor=admin_user, award=award, amount="12000", paid_on=datetime.date(2026, 3, 2)
    )
    with pytest.raises(ValidationError) as error:
        services.disbursement_record(
            actor=admin_user, award=award, amount="8000.01", paid_on=datetime.date(2026, 9, 2)
        )
    assert "8000.00 USD" in _messages(error.value)
    with pytest.raises(ValidationError):
        services.award_close(actor=admin_user, award=award)
    services.report_submit(
        actor=member, award=award, kind="final", narrative="Done.", women=40, men=60
    )
    with pytest.raises(ValidationError) as error:
        services.award_close(actor=admin_user, award=award)
    assert "not paid in full" in _messages(error.value)
    # The secretariat ends the payments: the unpaid 8,000 returns to the fund on closure.
    services.disbursements_close(actor=admin_user, award=award)
    services.award_close(actor=admin_user, award=award)
    assert services.fund_balance(fund) == Decimal("88000.00")
    assert Disbursement.objects.count() == 1


def test_a_disbursement_never_exceeds_what_donors_paid_in(
    admin_user, member, open_call, make_proposal, reviewer_a, fund
):
    """An award is committed against contributions, so payments cannot outrun them either."""
    proposal, _ = _under_review(admin_user, member, open_call, make_proposal, [reviewer_a])
    award = services.proposal_award(
        actor=admin_user, proposal=proposal, amount="20000", reasons="ok"
    )
    assert services.fund_paid_in(fund) - services.fund_disbursed(fund) == Decimal("100000.00")
    services.disbursement_record(
        actor=admin_user, award=award, amount="20000", paid_on=datetime.date(2026, 4, 1)
    )
    assert services.fund_disbursed(fund) == Decimal("20000.00")


def test_every_write_is_audited(admin_user, member, open_call, make_proposal):
    before = AuditEvent.objects.count()
    proposal = make_proposal(member, open_call)
    services.proposal_submit(actor=member, proposal=proposal)
    models = set(AuditEvent.objects.order_by("pk").values_list("model", flat=True)[before:])
    assert {"grants.proposal", "grants.budgetline"} <= models


def test_money_by_dimension(admin_user, member, open_call, make_proposal, reviewer_a):
    proposal, _ = _under_review(admin_user, member, open_call, make_proposal, [reviewer_a])
    services.proposal_award(actor=admin_user, proposal=proposal, amount="20000", reasons="ok")
    assert selectors.money_by("donor")[0]["total"] == Decimal("100000.00")
    assert selectors.money_by("country") == [
        {"label": "Ghana", "currency": "USD", "total": Decimal("20000.00")}
    ]
    assert selectors.money_by("theme")[0]["label"] == "mercury"
    assert len(selectors.money_by("year")) == 1
