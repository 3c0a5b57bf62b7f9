"""A whole grants round, once through the services and once through the API: call, proposal,
eligibility, review (one reviewer declares a conflict), ranking, award, two payments, the
final report and closure, with the fund's balance checked at every step."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from casm.grants import selectors, services
from casm.grants.models import Fund, Proposal

pytestmark = pytest.mark.django_db


def _balance(fund: Fund) -> Decimal:
    return services.fund_balance(fund)


def test_a_grant_cycle_through_the_services(
    admin_user, member, reviewer_a, reviewer_b, fund, open_call, make_proposal
):
    assert _balance(fund) == Decimal("100000.00")
    proposal = make_proposal(member, open_call, amount="24000")
    services.proposal_submit(actor=member, proposal=proposal)
    assert proposal.status == Proposal.Status.ELIGIBLE
    first = services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_a)
    second = services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_b)
    services.review_declare_conflict(actor=reviewer_b, assignment=second, note="Former employer.")
    impact, feasibility = open_call.criteria.all()
    with pytest.raises(services.ValidationError):
        services.score_record(actor=reviewer_b, assignment=second, criterion=impact, score=5)
    services.score_record(actor=reviewer_a, assignment=first, criterion=impact, score=4)
    services.score_record(actor=reviewer_a, assignment=first, criterion=feasibility, score=3)
    ranking = selectors.call_ranking(open_call)
    assert ranking.rows[0].score == Decimal("11.00") and ranking.rows[0].within_budget
    assert _balance(fund) == Decimal("100000.00")
    award = services.proposal_award(
        actor=admin_user, proposal=proposal, amount="24000", reasons="Strong and feasible.",
        conditions="Quarterly site visits.",
        tranches=[(datetime.date(2026, 3, 1), "14000"), (datetime.date(2026, 9, 1), "10000")],
    )  # fmt: skip
    assert _balance(fund) == Decimal("76000.00")
    first_tranche, second_tranche = award.tranches.all()
    services.disbursement_record(
        actor=admin_user, award=award, amount="14000", paid_on=datetime.date(2026, 3, 3),
        tranche=first_tranche,
    )  # fmt: skip
    assert _balance(fund) == Decimal("76000.00")  # paid out of what was already committed
    services.disbursement_record(
        actor=admin_user, award=award, amount="10000", paid_on=datetime.date(2026, 9, 3),
        tranche=second_tranche,
    )  # fmt: skip
    assert services.fund_disbursed(fund) == Decimal("24000.00")
    services.report_submit(
        actor=member, award=award, kind="final", narrative="Forty retorts in use.",
        women=120, men=200, girls=0, boys=0, indicators={"retorts": 40},
    )  # fmt: skip
    services.award_close(actor=admin_user, award=award)
    assert award.closed_at is not None
    assert _balance(fund) == Decimal("76000.00")


def test_a_grant_cycle_through_the_api(
    client, admin_user, member, reviewer_a, reviewer_b, fund, token_for
):
    secretariat, applicant = token_for(admin_user), token_for(member)
    first_reviewer, second_reviewer = token_for(reviewer_a), token_for(reviewer_b)

    def call(method, url, headers, body=None):
        send = getattr(client, method)
        if body is None:
            return send(f"/api/v1/grants/{url}", **headers)
        return send(
            f"/api/v1/grants/{url}", data=json.dumps(body), content_type="application/json",
            **headers,
        )  # fmt: skip

    def balance():
        return call("get", f"funds/{fund.pk}", secretariat).json()["balance"]

    today = timezone.localdate()
    response = call("post", "calls", secretariat, {
        "fund": fund.pk, "title": "Women in ASM 2026",
        "opens_on": str(today - datetime.timedelta(days=1)),
        "closes_on": str(today + datetime.timedelta(days=30)),
        "budget": "50000", "max_award": "25000",
        "eligible_countries": ["GH"], "eligible_themes": ["gender"],
        "reviewers": ["rev_a", "rev_b"],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    call_id = response.json()["id"]
    for name, weight in (("Impact", "3"), ("Cost", "1")):
        body = {"name": name, "weight": weight, "max_score": "10"}
        assert call("post", f"calls/{call_id}/criteria", secretariat, body).status_code == 201
    criteria = [c["id"] for c in call("get", f"calls/{call_id}", {}).json()["criteria"]]
    assert balance() == "100000.00"

    response = call("post", "proposals", applicant, {
        "call": call_id, "title": "Savings groups for women miners", "summary": "Savings.",
        "country": "GH", "amount_requested": "20000", "themes": ["gender"],
        "budget_lines": [{"label": "Training", "amount": "12000"},
                         {"label": "Materials", "amount": "8000"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    proposal_id = response.json()["id"]
    response = call("post", f"proposals/{proposal_id}/submit", applicant)
    assert response.json()["status"] == "eligible"

    assignments = {}
    for username in ("rev_a", "rev_b"):
        body = {"reviewer": username}
        response = call("post", f"proposals/{proposal_id}/assignments", secretariat, body)
        assert response.status_code == 201
        assignments[username] = response.json()["id"]
    conflict = {"note": "I advised this association last year."}
    declared = call(
        "post", f"assignments/{assignments['rev_b']}/conflict", second_reviewer, conflict
    )
    assert declared.status_code == 200
    refused = call(
        "post", f"assignments/{assignments['rev_b']}/scores", second_reviewer,
        {"criterion": criteria[0], "score": "9"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "conflict of interest" in refused.json()["error"]["details"][0]["message"]
    for criterion, score in zip(criteria, ("8", "6"), strict=True):
        body = {"criterion": criterion, "score": score, "comment": "Clear plan."}
        response = call("post", f"assignments/{assignments['rev_a']}/scores", first_reviewer, body)
        assert response.status_code == 201

    ranking = call("get", f"calls/{call_id}/ranking", secretariat).json()
    assert ranking["rows"][0]["score"] == "30.00" and ranking["rows"][0]["within_budget"]
    assert balance() == "100000.00"

    response = call("post", f"proposals/{proposal_id}/decision", secretariat, {
        "decision": "award", "reasons": "Ranked first.", "amount": "20000",
        "conditions": "A progress report after six months.",
        "tranches": [{"planned_on": "2026-03-01", "amount": "12000"},
                     {"planned_on": "2026-09-01", "amount": "8000"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    award_id = response.json()["id"]
    assert balance() == "80000.00"

    for amount, day in (("12000", "2026-03-02"), ("8000", "2026-09-02")):
        body = {"amount": amount, "paid_on": day}
        response = call("post", f"awards/{award_id}/disbursements", secretariat, body)
        assert response.status_code == 201
        assert balance() == "80000.00"
    too_much = call("post", f"awards/{award_id}/disbursements", secretariat,
                    {"amount": "1", "paid_on": "2026-10-01"})  # fmt: skip
    assert too_much.status_code == 422
    assert call("post", f"awards/{award_id}/close", secretariat, {}).status_code == 422

    report = {"kind": "final", "narrative": "Thirty groups saving.", "women": 300, "men": 20}
    assert call("post", f"awards/{award_id}/reports", applicant, report).status_code == 201
    response = call("post", f"awards/{award_id}/close", secretariat, {})
    assert response.status_code == 200 and response.json()["closed"] is True
    assert balance() == "80000.00"
    funds = call("get", "funds", secretariat).json()[0]
    assert (funds["paid_in"], funds["committed"], funds["disbursed"]) == (
        "100000.00", "20000.00", "20000.00",
    )  # fmt: skip
