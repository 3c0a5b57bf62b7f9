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
    funds = call("get", "funds", secretariat).json()["items"][0]
    assert (funds["paid_in"], funds["committed"], funds["disbursed"]) == (
        "100000.00", "20000.00", "20000.00",
    )  # fmt: skip


def test_a_grant_cycle_through_the_web(
    client, admin_user, member, reviewer_a, reviewer_b, fund, country
):
    from django.urls import reverse

    def as_(user):
        client.force_login(user)
        return client

    def balance():
        fund.refresh_from_db()
        return services.fund_balance(fund)

    today = timezone.localdate()
    response = as_(admin_user).post(reverse("grants:call_create"), {
        "fund": fund.pk, "title": "Safer shafts 2026", "opens_on": today,
        "closes_on": today + datetime.timedelta(days=30), "budget": "40000", "max_award": "20000",
        "eligible_countries": [country("CD").pk], "eligible_themes": ["health_safety"],
        "reviewers": [reviewer_a.pk, reviewer_b.pk], "status": "open",
    })  # fmt: skip
    assert response.status_code == 302, response.content
    call = fund.calls.get()
    manage = reverse("grants:call_manage", args=[call.pk])
    client.post(manage, {"name": "Safety gain", "weight": "2", "max_score": "5"})
    client.post(manage, {"name": "Cost", "weight": "1", "max_score": "5"})
    assert call.criteria.count() == 2
    assert balance() == Decimal("100000.00")

    # The public sees the call; a member applies.
    client.logout()
    assert "Safer shafts 2026" in client.get(reverse("grants:call_list")).content.decode()
    response = as_(member).post(reverse("grants:proposal_create", args=[call.pk]), {
        "title": "Timbering in Kamituga", "summary": "Shaft timbering and training.",
        "country": country("CD").pk, "themes": ["health_safety"], "amount_requested": "15000",
        "work_plan": "Six months.",
        "lines-TOTAL_FORMS": "5", "lines-INITIAL_FORMS": "0",
        "lines-0-label": "Timber", "lines-0-amount": "9000",
        "lines-1-label": "Training", "lines-1-amount": "6000",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    proposal = Proposal.objects.get(title="Timbering in Kamituga")
    response = client.post(reverse("grants:proposal_submit", args=[proposal.pk]), follow=True)
    assert "is eligible" in response.content.decode()

    # The secretariat assigns two reviewers; one declares a conflict and cannot score.
    for reviewer in (reviewer_a, reviewer_b):
        as_(admin_user).post(
            reverse("grants:review_assign", args=[proposal.pk]), {"reviewer": reviewer.pk}
        )
    first = proposal.assignments.get(reviewer=reviewer_a)
    second = proposal.assignments.get(reviewer=reviewer_b)
    as_(reviewer_b).post(
        reverse("grants:review_conflict", args=[second.pk]), {"note": "My brother's cooperative."}
    )
    page = client.get(reverse("grants:review", args=[second.pk])).content.decode()
    assert "you cannot score it" in page
    safety, cost = call.criteria.all()
    refused = client.post(
        reverse("grants:review", args=[second.pk]),
        {f"score_{safety.pk}": "5", f"score_{cost.pk}": "5"},
    )
    assert "you cannot score it" in refused.content.decode()
    response = as_(reviewer_a).post(
        reverse("grants:review", args=[first.pk]),
        {f"score_{safety.pk}": "4", f"score_{cost.pk}": "3", f"comment_{safety.pk}": "Solid."},
    )
    assert response.status_code == 302

    ranking = as_(admin_user).get(reverse("grants:call_ranking", args=[call.pk])).content.decode()
    assert "Timbering in Kamituga" in ranking and "11.00" in ranking and "Budget line" in ranking
    assert balance() == Decimal("100000.00")

    response = client.post(reverse("grants:proposal_decide", args=[proposal.pk]), {
        "decision": "award", "reasons": "Best safety gain.", "amount": "15000",
        "conditions": "Inspection photos.",
        "first_tranche_on": "2026-03-01", "first_tranche": "10000",
        "second_tranche_on": "2026-08-01", "second_tranche": "5000",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    award = proposal.award
    assert balance() == Decimal("85000.00")
    manage_award = reverse("grants:award_manage", args=[award.pk])
    for amount, day in (("10000", "2026-03-02"), ("5000", "2026-08-02")):
        assert client.post(manage_award, {"amount": amount, "paid_on": day}).status_code == 302
        assert balance() == Decimal("85000.00")
    page = client.post(manage_award, {"amount": "1", "paid_on": "2026-09-01"}).content.decode()
    assert "Payments on this award are closed" not in page and "remains to be paid" in page

    response = client.post(reverse("grants:award_close", args=[award.pk]), follow=True)
    assert "only after its final report" in response.content.decode()
    response = as_(member).post(reverse("grants:report_create", args=[award.pk]), {
        "kind": "final", "narrative": "Twelve shafts timbered.",
        "women": "30", "men": "90", "girls": "0", "boys": "0",
    })  # fmt: skip
    assert response.status_code == 302
    response = as_(admin_user).post(reverse("grants:award_close", args=[award.pk]), follow=True)
    assert "The grant is closed" in response.content.decode()
    assert balance() == Decimal("85000.00")

    # The public sees the grant, without its budget or reviewers.
    client.logout()
    public = client.get(reverse("grants:award_list")).content.decode()
    assert "Timbering in Kamituga" in public
    assert "Timber<" not in public and "rev_a" not in public
