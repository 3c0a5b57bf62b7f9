"""Who may open each grants page."""

from __future__ import annotations

import pytest
from babel.numbers import format_currency
from django.urls import reverse

from casm.grants import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(admin_user, member, reviewer_a, open_call, make_proposal):
    proposal = make_proposal(member, open_call)
    services.proposal_submit(actor=member, proposal=proposal)
    assignment = services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_a)
    declined = make_proposal(member, open_call, title="Declined one")
    services.proposal_submit(actor=member, proposal=declined)
    services.review_assign(actor=admin_user, proposal=declined, reviewer=reviewer_a)
    services.proposal_decline(actor=admin_user, proposal=declined, reasons="Weak plan.")
    return proposal, assignment


def test_public_pages_open_to_anyone(client, open_call):
    for url in (
        reverse("grants:call_list"),
        reverse("grants:call_detail", args=[open_call.pk]),
        reverse("grants:award_list"),
    ):
        assert client.get(url).status_code == 200


def test_member_and_secretariat_pages_need_a_sign_in(client, open_call):
    for url in (
        reverse("grants:proposal_create", args=[open_call.pk]),
        reverse("grants:my_proposals"),
        reverse("grants:my_assignments"),
        reverse("grants:dashboard"),
    ):
        assert client.get(url).status_code == 302


def test_a_member_cannot_open_the_secretariats_pages(login, member, reviewed, open_call):
    proposal, _ = reviewed
    client = login(member)
    for url in (
        reverse("grants:dashboard"),
        reverse("grants:call_create"),
        reverse("grants:call_manage", args=[open_call.pk]),
        reverse("grants:call_ranking", args=[open_call.pk]),
        reverse("grants:proposal_decide", args=[proposal.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_a_stranger_does_not_find_someone_elses_proposal(login, make_user, reviewed):
    proposal, assignment = reviewed
    client = login(make_user("stranger"))
    assert client.get(reverse("grants:proposal_detail", args=[proposal.pk])).status_code == 404
    assert client.get(reverse("grants:review", args=[assignment.pk])).status_code == 404


def test_the_reviewer_sees_their_assignment(login, reviewer_a, reviewed):
    proposal, assignment = reviewed
    client = login(reviewer_a)
    page = client.get(reverse("grants:my_assignments")).content.decode()
    assert proposal.title in page
    assert client.get(reverse("grants:review", args=[assignment.pk])).status_code == 200


def test_a_proposal_above_the_maximum_is_told_why(login, member, open_call, make_proposal):
    proposal = make_proposal(member, open_call, amount="45000")
    client = login(member)
    response = client.post(reverse("grants:proposal_submit", args=[proposal.pk]), follow=True)
    page = response.content.decode()
    assert "not eligible" in page and "maximum award" in page


def test_the_dashboard_shows_money_by_donor(login, admin_user, reviewed):
    page = login(admin_user).get(reverse("grants:dashboard")).content.decode()
    assert "World Bank Development Grant Facility" in page
    assert format_currency(100000, "USD", locale="en") in page
    assert "<svg" in page


def test_the_dashboard_draws_each_currency_on_its_own_scale(login, admin_user):
    import datetime
    import re

    for donor_name, currency, amount in (("Tshopo Foundation", "GBP", "200000"),
                                         ("Ituri Bank", "USD", "1050000")):  # fmt: skip
        fund = services.fund_create(actor=admin_user, name=f"Fund {currency}", currency=currency)
        donor = services.donor_create(actor=admin_user, name=donor_name)
        services.contribution_create(
            actor=admin_user, donor=donor, fund=fund, amount=amount, currency=currency,
            date=datetime.date(2026, 1, 15),
        )  # fmt: skip
    page = login(admin_user).get(reverse("grants:dashboard")).content.decode()
    donors = page[page.index("Contributions by donor") :]
    tables = re.findall(r'<table class="bars" data-currency="(\w+)">(.*?)</table>', donors, re.S)
    charts = {currency: body for currency, body in tables[:2]}
    # One chart per currency, each captioned with its currency and its own longest bar.
    assert set(charts) == {"GBP", "USD"}
    assert "Tshopo Foundation" in charts["GBP"] and "Ituri Bank" not in charts["GBP"]
    assert "Ituri Bank" in charts["USD"] and "Tshopo Foundation" not in charts["USD"]
    assert f"the longest bar is {format_currency(200000, 'GBP', locale='en')}" in charts["GBP"]
    assert f"the longest bar is {format_currency(1050000, 'USD', locale='en')}" in charts["USD"]


def test_declined_proposals_stay_private(client, reviewed):
    page = client.get(reverse("grants:award_list")).content.decode()
    assert "Declined one" not in page and "Retorts" not in page


def test_list_pages_read_a_fixed_number_of_queries(
    client, login, admin_user, member, reviewer_a, open_call, make_proposal,
    django_assert_max_num_queries,
):  # fmt: skip
    for number in range(6):
        proposal = make_proposal(member, open_call, amount="5000", title=f"Grant {number}")
        services.proposal_submit(actor=member, proposal=proposal)
        services.review_assign(actor=admin_user, proposal=proposal, reviewer=reviewer_a)
        services.proposal_award(actor=admin_user, proposal=proposal, amount="5000", reasons="ok")
    with django_assert_max_num_queries(4):
        assert "Grant 5" in client.get(reverse("grants:award_list")).content.decode()
    client = login(member)
    with django_assert_max_num_queries(10):
        assert "Grant 5" in client.get(reverse("grants:my_proposals")).content.decode()
    client = login(reviewer_a)
    with django_assert_max_num_queries(10):
        assert "Grant 5" in client.get(reverse("grants:my_assignments")).content.decode()


def test_the_attachment_goes_only_to_those_who_see_the_proposal(
    login, member, make_user, open_call, make_proposal
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.txt", b"Work plan in detail.")
    proposal = make_proposal(member, open_call, attachment=upload)
    url = reverse("grants:proposal_attachment", args=[proposal.pk])
    assert b"".join(login(member).get(url).streaming_content) == b"Work plan in detail."
    assert login(make_user("stranger")).get(url).status_code == 404


def test_the_call_page_names_its_themes(client, open_call):
    page = client.get(reverse("grants:call_detail", args=[open_call.pk])).content.decode()
    assert "mercury" in page and "gender" in page and "Impact" in page


def test_a_member_fixes_a_budget_that_does_not_add_up_and_submits(
    login, member, make_user, open_call, make_proposal, country
):
    proposal = make_proposal(member, open_call, amount="20000", lines=[("Retorts", "5000")])
    client = login(member)
    response = client.post(reverse("grants:proposal_submit", args=[proposal.pk]), follow=True)
    assert "not the 20000.00 USD requested" in response.content.decode()
    edit = reverse("grants:proposal_edit", args=[proposal.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {
        "title": proposal.title, "summary": proposal.summary, "country": country("GH").pk,
        "themes": ["mercury"], "amount_requested": "20000", "work_plan": "",
        "lines-TOTAL_FORMS": "5", "lines-INITIAL_FORMS": "1",
        "lines-0-label": "Retorts", "lines-0-amount": "5000",
        "lines-1-label": "Training", "lines-1-amount": "15000",
    })  # fmt: skip
    assert response.status_code == 302
    response = client.post(reverse("grants:proposal_submit", args=[proposal.pk]), follow=True)
    assert "is eligible" in response.content.decode()
    assert client.get(edit).status_code == 403  # submitted: no more changes
    assert login(make_user("stranger")).get(edit).status_code == 404


def test_the_secretariat_records_a_contribution_and_mixed_currencies_are_refused(
    login, admin_user, member, fund
):
    from casm.grants.models import Donor

    client = login(admin_user)
    url = reverse("grants:money")
    client.post(url, {"form": "donor", "donor-name": "Denmark trust fund"})
    donor = Donor.objects.get(name="Denmark trust fund")
    body = {
        "form": "contribution", "contribution-donor": donor.pk, "contribution-fund": fund.pk,
        "contribution-amount": "20000", "contribution-currency": "USD",
        "contribution-date": "2007-06-30",
    }  # fmt: skip
    assert client.post(url, body).status_code == 302
    assert services.fund_balance(fund) == 120000
    page = client.post(url, {**body, "contribution-currency": "DKK"}).content.decode()
    assert "USD and DKK" in page
    assert services.fund_balance(fund) == 120000
    assert login(member).get(url).status_code == 403


def test_the_secretariat_closes_a_call(login, admin_user, member, open_call, country):
    client = login(admin_user)
    url = reverse("grants:call_edit", args=[open_call.pk])
    assert client.get(url).status_code == 200
    body = {
        "title": open_call.title, "opens_on": open_call.opens_on, "closes_on": open_call.closes_on,
        "budget": "60000", "max_award": "70000", "status": "closed",
        "eligible_countries": [country("GH").pk],
    }  # fmt: skip
    assert "exceeds the call" in client.post(url, body).content.decode()
    assert client.post(url, {**body, "max_award": "30000"}).status_code == 302
    open_call.refresh_from_db()
    assert open_call.status == "closed"
    assert open_call.title not in client.get(reverse("grants:call_list")).content.decode()
    assert login(member).get(url).status_code == 403
