"""Who may call each grants endpoint: the public, a member, a reviewer, the secretariat."""

from __future__ import annotations

import json

import pytest

from casm.grants import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_(admin_user, member, reviewer_a, open_call, make_proposal):
    """One proposal under review by reviewer A, and one awarded grant."""
    proposal = make_proposal(member, open_call)
    services.proposal_submit(actor=member, proposal=proposal)
    assignment = services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_a)
    awarded = make_proposal(member, open_call, amount="10000", title="Awarded one")
    services.proposal_submit(actor=member, proposal=awarded)
    services.review_assign(actor=admin_user, proposal=awarded, reviewer=reviewer_a)
    award = services.proposal_award(
        actor=admin_user, proposal=awarded, amount="10000", reasons="ok"
    )
    return {"proposal": proposal, "assignment": assignment, "award": award, "call": open_call}


def _post(client, url, body, headers):
    return client.post(
        f"/api/v1/grants/{url}", data=json.dumps(body), content_type="application/json", **headers
    )


def test_the_public_sees_open_calls_and_awards_without_private_data(client, round_):
    calls = client.get("/api/v1/grants/calls").json()
    assert calls["count"] == 1
    awards = client.get("/api/v1/grants/awards").json()["items"]
    assert awards[0]["title"] == "Awarded one"
    assert "budget_lines" not in awards[0] and "reviewers" not in json.dumps(awards)
    for url in ("proposals", "assignments", "funds", f"awards/{round_['award'].pk}",
                f"calls/{round_['call'].pk}/ranking"):  # fmt: skip
        assert client.get(f"/api/v1/grants/{url}").status_code == 401


def test_a_member_sees_only_their_own_proposals(make_user, member, round_, token_for):
    other = make_user("stranger")
    mine = token_for(member)
    theirs = token_for(other)
    from django.test import Client

    client = Client()
    assert client.get("/api/v1/grants/proposals", **mine).json()["count"] == 2
    assert client.get("/api/v1/grants/proposals", **theirs).json()["count"] == 0
    pk = round_["proposal"].pk
    assert client.get(f"/api/v1/grants/proposals/{pk}", **theirs).status_code == 404
    assert client.get(f"/api/v1/grants/awards/{round_['award'].pk}", **theirs).status_code == 404
    assert client.get(f"/api/v1/grants/awards/{round_['award'].pk}", **mine).status_code == 200
    assert _post(client, f"proposals/{pk}/submit", {}, theirs).status_code == 404


def test_a_member_cannot_do_the_secretariats_work(client, member, round_, token_for, fund):
    mine = token_for(member)
    pk, award = round_["proposal"].pk, round_["award"].pk
    call = round_["call"].pk
    refused = [
        ("calls", {"fund": fund.pk, "title": "x", "opens_on": "2026-01-01",
                   "closes_on": "2026-02-01", "budget": "1", "max_award": "1"}),
        (f"calls/{call}/criteria", {"name": "x", "weight": "1", "max_score": "5"}),
        (f"proposals/{pk}/assignments", {"reviewer": "rev_a"}),
        (f"proposals/{pk}/decision", {"decision": "decline", "reasons": "no"}),
        (f"awards/{award}/disbursements", {"amount": "1", "paid_on": "2026-03-01"}),
        (f"awards/{award}/close", {}),
    ]  # fmt: skip
    for url, body in refused:
        assert _post(client, url, body, mine).status_code == 403, url
    assert client.get(f"/api/v1/grants/calls/{call}/ranking", **mine).status_code == 403
    assert client.get("/api/v1/grants/funds", **mine).status_code == 403
    assert client.get(f"/api/v1/grants/funds/{fund.pk}", **mine).status_code == 403


def test_a_reviewer_sees_and_scores_only_their_assignments(
    client, reviewer_a, reviewer_b, round_, token_for
):
    a, b = token_for(reviewer_a), token_for(reviewer_b)
    assignment = round_["assignment"]
    criterion = round_["call"].criteria.first()
    assert client.get("/api/v1/grants/assignments", **a).json()["count"] == 2
    assert client.get("/api/v1/grants/assignments", **b).json()["count"] == 0
    body = {"criterion": criterion.pk, "score": "4"}
    assert _post(client, f"assignments/{assignment.pk}/scores", body, b).status_code == 404
    assert (
        _post(client, f"assignments/{assignment.pk}/conflict", {"note": "x"}, b).status_code == 404
    )
    assert _post(client, f"assignments/{assignment.pk}/scores", body, a).status_code == 201
    over = {"criterion": criterion.pk, "score": "7"}
    response = _post(client, f"assignments/{assignment.pk}/scores", over, a)
    assert response.status_code == 422 and "between 0 and 5" in response.content.decode()
    pk = round_["proposal"].pk
    assert client.get(f"/api/v1/grants/proposals/{pk}", **a).status_code == 200
    assert client.get(f"/api/v1/grants/proposals/{pk}", **b).status_code == 404


def test_bad_money_is_refused_with_a_clear_message(client, member, open_call, token_for):
    body = {
        "call": open_call.pk, "title": "t", "summary": "s", "country": "GH",
        "amount_requested": "lots", "themes": ["mercury"], "budget_lines": [],
    }  # fmt: skip
    response = _post(client, "proposals", body, token_for(member))
    assert response.status_code == 422
    assert "as a number" in response.content.decode()
    body["amount_requested"] = "-100"
    assert "negative" in _post(client, "proposals", body, token_for(member)).content.decode()


def test_only_the_grantee_reports(client, make_user, round_, token_for, admin_user):
    award = round_["award"]
    stranger = token_for(make_user("stranger"))
    body = {"kind": "progress", "narrative": "Half done."}
    assert _post(client, f"awards/{award.pk}/reports", body, stranger).status_code == 404
    grantee = token_for(award.proposal.applicant)
    assert _post(client, f"awards/{award.pk}/reports", body, grantee).status_code == 201


def test_the_secretariat_declines_with_reasons(client, admin_user, round_, token_for):
    pk = round_["proposal"].pk
    body = {"decision": "decline", "reasons": "Weak."}
    response = _post(client, f"proposals/{pk}/decision", body, token_for(admin_user))
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_only_the_applicant_changes_a_draft(
    client, member, reviewer_a, open_call, make_proposal, token_for
):
    proposal = make_proposal(member, open_call, amount="20000", lines=[("Retorts", "5000")])
    url = f"/api/v1/grants/proposals/{proposal.pk}"
    body = json.dumps({"budget_lines": [{"label": "Retorts", "amount": "20000"}]})
    refused = client.patch(url, data=body, content_type="application/json", **token_for(reviewer_a))
    assert refused.status_code == 404
    response = client.patch(url, data=body, content_type="application/json", **token_for(member))
    assert response.status_code == 200
    assert response.json()["budget_lines"] == [{"label": "Retorts", "amount": "20000.00"}]
    assert (
        _post(client, f"proposals/{proposal.pk}/submit", {}, token_for(member)).json()["status"]
        == "eligible"
    )
    again = client.patch(url, data=body, content_type="application/json", **token_for(member))
    assert again.status_code == 422 and "can no longer be changed" in again.content.decode()


def test_the_secretariat_records_donors_funds_and_contributions(
    client, admin_user, member, token_for
):
    secretariat = token_for(admin_user)
    donor = _post(client, "donors", {"name": "Switzerland trust fund"}, secretariat)
    assert donor.status_code == 201
    fund = _post(client, "funds", {"name": "Swiss window", "currency": "chf"}, secretariat)
    assert fund.status_code == 201 and fund.json()["currency"] == "CHF"
    url = f"funds/{fund.json()['id']}/contributions"
    body = {"donor": donor.json()["id"], "amount": "50000", "currency": "CHF", "date": "2009-06-30"}
    assert _post(client, url, body, secretariat).json()["balance"] == "50000.00"
    mixed = _post(client, url, {**body, "currency": "USD"}, secretariat)
    assert mixed.status_code == 422 and "CHF and USD" in mixed.content.decode()
    for bad in ("-5", "ten", "1e400"):
        assert _post(client, url, {**body, "amount": bad}, secretariat).status_code == 422
    assert _post(client, url, body, token_for(member)).status_code == 403
    assert _post(client, "donors", {"name": "x"}, token_for(member)).status_code == 403
    assert (
        _post(client, "funds", {"name": "x", "currency": "USD"}, token_for(member)).status_code
        == 403
    )


def test_a_proposal_names_sites_of_its_country(client, member, open_call, make_site, token_for):
    ghana, congo = make_site("Tarkwa pit", "GH"), make_site("Kamituga pit", "CD")
    body = {
        "call": open_call.pk, "title": "t", "summary": "s", "country": "GH",
        "amount_requested": "1000", "themes": ["mercury"], "sites": [ghana.code],
        "budget_lines": [{"label": "Retorts", "amount": "1000"}],
    }  # fmt: skip
    response = _post(client, "proposals", body, token_for(member))
    assert response.status_code == 201 and response.json()["sites"] == [ghana.code]
    outside = _post(client, "proposals", {**body, "sites": [congo.code]}, token_for(member))
    assert outside.status_code == 422 and congo.code in outside.content.decode()
    unknown = _post(client, "proposals", {**body, "sites": ["XX-404"]}, token_for(member))
    assert unknown.status_code == 422 and "XX-404" in unknown.content.decode()


@pytest.mark.parametrize("field", ["themes", "budget_lines"])
def test_a_null_list_is_refused_with_the_field_named(
    client, member, open_call, make_proposal, token_for, field
):
    proposal = make_proposal(member, open_call, amount="20000", lines=[("Retorts", "5000")])
    url = f"/api/v1/grants/proposals/{proposal.pk}"
    response = client.patch(
        url, {field: None}, content_type="application/json", **token_for(member)
    )
    assert response.status_code == 422, response.content
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]
    assert client.get(url, **token_for(member)).json()[field]


def test_an_organisation_a_proposal_names_is_not_deleted(
    client, admin_user, member, open_call, make_proposal, make_organisation, token_for
):
    applicant = make_organisation("Tarkwa Women Miners", "GH")
    make_proposal(member, open_call, organisation=applicant)
    response = client.delete(f"/api/v1/organisations/{applicant.pk}", **token_for(admin_user))
    assert response.status_code == 409, response.content
    assert "1 grant proposal: Retorts for Tarkwa" in response.json()["error"]["message"]


def test_the_lists_cost_the_same_queries_for_many_records_as_for_one(
    client, admin_user, member, reviewer_a, open_call, make_proposal, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_proposal(number):
        proposal = make_proposal(member, open_call, amount="1000", title=f"Proposal {number}")
        services.proposal_submit(actor=member, proposal=proposal)
        services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_a)
        services.proposal_award(actor=admin_user, proposal=proposal, amount="1000", reasons="ok")

    urls = ["/api/v1/grants/proposals", "/api/v1/grants/awards"]
    client.force_login(admin_user)
    add_proposal(0)
    costs = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).json()["count"] == 1
        costs[url] = len(queries)
    for number in range(1, 6):
        add_proposal(number)
    for url in urls:
        with django_assert_max_num_queries(costs[url]):
            assert client.get(url).json()["count"] == 6
    client.force_login(reviewer_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/grants/assignments?limit=1").json()["count"] == 6
    with django_assert_max_num_queries(len(queries)):
        assert len(client.get("/api/v1/grants/assignments").json()["items"]) == 6
