"""Red flags through their life: raised by an inspector or by the checks with a mitigation
deadline six months on, a serious abuse suspending its supplier at once, an owner and a plan,
overdue flags marked by the daily round; the web page and the API; bad input and scope."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from casm.accounts.models import User
from casm.registry.validation import months_later
from casm.traceability import services
from casm.traceability.models import Actor, Criterion, RedFlag

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _raise(chain, kind="bribery", **about):
    return services.flag_raise(
        actor=chain.inspector, country=chain.country, kind=kind,
        text="Le négociant déclare une origine qui n'est pas celle des colis.",
        **(about or {"supplier": chain.trader}),
    )  # fmt: skip


def test_a_raised_flag_is_owned_by_its_inspector_and_due_within_six_months(chain):
    flag = _raise(chain)
    assert (flag.severity, flag.status, flag.owner) == ("high", "open", chain.inspector)
    assert flag.mitigation_due == months_later(TODAY, 6)
    chain.trader.refresh_from_db()
    assert not chain.trader.is_suspended  # a risk that allows mitigation


def test_a_serious_abuse_suspends_the_supplier_at_once_and_it_cannot_sell(chain):
    lot = chain.produce("CD-A-0001")
    flag = _raise(chain, "serious_abuse", supplier=chain.cooperative)
    assert flag.severity == "suspend" and flag.mitigation_due is None
    chain.cooperative.refresh_from_db()
    assert chain.cooperative.is_suspended
    assert f"red flag {flag.pk}" in chain.cooperative.suspension_reason
    with pytest.raises(ValidationError):
        services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    with pytest.raises(ValidationError) as refused:
        services.flag_plan(actor=chain.inspector, flag=flag, owner=chain.inspector,
                           plan="Talk to them", due=None)  # fmt: skip
    assert "serious abuse allows no mitigation" in str(refused.value)


def test_child_labour_found_at_a_site_suspends_every_supplier_that_produced_there(chain):
    chain.produce("CD-A-0001")  # the cooperative produced at site A; nobody at site B
    services.inspection_record(
        actor=chain.inspector, site=chain.site_b, inspected_on=TODAY, authority="Mines",
        findings={**dict.fromkeys(Criterion.values, "met"), "child_labour": "breached"},
    )  # fmt: skip
    chain.cooperative.refresh_from_db()
    assert not chain.cooperative.is_suspended
    services.inspection_record(
        actor=chain.inspector, site=chain.site_a, inspected_on=TODAY, authority="Mines",
        findings={**dict.fromkeys(Criterion.values, "met"), "child_labour": "breached"},
    )  # fmt: skip
    chain.cooperative.refresh_from_db()
    assert chain.cooperative.is_suspended
    assert Actor.objects.filter(suspended_on__isnull=False).count() == 1


def test_the_checks_flags_get_their_deadline_too(chain):
    site = chain.site_a
    site.armed_presence = True
    site.save()
    lot = chain.produce("CD-A-0001")
    flag = RedFlag.objects.get(lot=lot)
    assert flag.owner is None and flag.mitigation_due == months_later(TODAY, 6)


def test_a_plan_names_an_inspector_of_the_country_and_a_deadline_within_six_months(
    chain, make_user
):
    flag = _raise(chain)
    colleague = make_user("kasongo", role=User.Role.INSPECTOR, countries=["CD"])
    rwanda = make_user("uwase", role=User.Role.INSPECTOR, countries=["RW"])
    latest = months_later(TODAY, 6)
    for owner, due, field in [
        (rwanda, None, "owner"),
        (chain.trader_user, None, "owner"),
        (None, None, "owner"),
        (colleague, TODAY - datetime.timedelta(days=1), "due"),
        (colleague, latest + datetime.timedelta(days=1), "due"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.flag_plan(actor=chain.inspector, flag=flag, owner=owner,
                               plan="Audit the purchase records", due=due)  # fmt: skip
        assert field in refused.value.error_dict, (owner, due)
    with pytest.raises(ValidationError) as refused:
        services.flag_plan(actor=chain.inspector, flag=flag, owner=colleague, plan="  ", due=None)
    assert "plan" in refused.value.error_dict
    planned = services.flag_plan(actor=chain.inspector, flag=flag, owner=colleague,
                                 plan="Audit the purchase records", due=latest)  # fmt: skip
    assert (planned.status, planned.owner, planned.mitigation_due) == (
        "mitigating", colleague, latest)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.flag_plan(actor=rwanda, flag=flag, owner=colleague, plan="x", due=None)


def test_the_daily_round_marks_overdue_flags_once(chain):
    late = _raise(chain)
    on_time = _raise(chain, "taxes")
    closed = _raise(chain, "laundering")
    services.flag_close(actor=chain.inspector, flag=closed, closure="Unfounded")
    long_ago = timezone.now() - datetime.timedelta(days=200)
    RedFlag.objects.filter(pk__in=[late.pk, closed.pk]).update(
        raised_at=long_ago, mitigation_due=TODAY - datetime.timedelta(days=1)
    )
    assert services.round_daily()["overdue"] == 1
    assert services.round_daily()["overdue"] == 0
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.escalated_on == TODAY and on_time.escalated_on is None
    page = _as(chain.inspector).get("/traceability/flags/?status=overdue").content.decode()
    assert "unfounded" not in page.lower()
    assert page.count("overdue</strong>") == 1


def test_bad_flags_are_refused_naming_the_field(chain, make_site):
    ghana_site = make_site("Tarkwa", "GH", latitude=5.3, longitude=-2.0)
    for kwargs, field in [
        ({"kind": "mass_balance", "supplier": chain.trader}, "kind"),
        ({"kind": "bribery", "text": "   ", "supplier": chain.trader}, "text"),
        ({"kind": "bribery"}, "site"),
        ({"kind": "bribery", "site": ghana_site}, "site"),
    ]:
        data = {"text": "Reported by a buyer.", **kwargs}
        with pytest.raises(ValidationError) as refused:
            services.flag_raise(actor=chain.inspector, country=chain.country, **data)
        assert field in refused.value.error_dict, kwargs
    with pytest.raises(PermissionDenied):
        services.flag_raise(actor=chain.trader_user, country=chain.country, kind="bribery",
                            text="x", supplier=chain.trader)  # fmt: skip
    assert not RedFlag.objects.exists()


def test_the_flags_pages_raise_plan_and_show_bad_input(chain):
    inspector = _as(chain.inspector)
    assert inspector.get("/traceability/flags/new/").status_code == 200
    missing = inspector.post("/traceability/flags/new/", {"country": "CD", "kind": "bribery",
                                                          "text": "Reported."})  # fmt: skip
    assert missing.status_code == 422 and not RedFlag.objects.exists()
    unknown = inspector.post("/traceability/flags/new/", {"country": "CD", "kind": "bribery",
                             "text": "Reported.", "site": "NO-SUCH-SITE"})  # fmt: skip
    assert unknown.status_code == 422 and "No site with this code" in unknown.content.decode()
    answer = inspector.post("/traceability/flags/new/", {
        "country": "CD", "kind": "serious_abuse", "text": "Forced labour reported at the pit.",
        "supplier": chain.cooperative.registration or "", "site": chain.site_a.code,
    })  # fmt: skip
    assert answer.status_code == 302
    flag = RedFlag.objects.get()
    assert flag.severity == "suspend"
    page = inspector.get("/traceability/flags/").content.decode()
    assert "no mitigation: the supplier is suspended" in page

    other = _raise(chain)
    prefix = f"p{other.pk}-"
    bad = inspector.post(f"/traceability/flags/{other.pk}/plan/",
                         {prefix + "owner": chain.inspector.pk, prefix + "plan": ""})  # fmt: skip
    assert bad.status_code == 422 and "<details open>" in bad.content.decode()
    done = inspector.post(f"/traceability/flags/{other.pk}/plan/", {
        f"p{other.pk}-owner": chain.inspector.pk, f"p{other.pk}-plan": "Audit the records",
    })  # fmt: skip
    assert done.status_code == 302
    other.refresh_from_db()
    assert other.status == "mitigating" and other.mitigation_plan == "Audit the records"
    assert _as(chain.trader_user).get("/traceability/flags/new/").status_code == 403


def test_the_api_raises_and_plans_a_flag(chain, client, token_for, make_user):
    headers = token_for(chain.inspector)
    raised = client.post("/api/v1/traceability/flags", {
        "country": "CD", "kind": "security_forces", "site": chain.site_a.pk,
        "text": "Soldiers tax the bags at the pit.",
    }, content_type="application/json", **headers)  # fmt: skip
    assert raised.status_code == 201, raised.content
    body = raised.json()
    assert body["mitigation_due"] == months_later(TODAY, 6).isoformat() and body["owner"]
    wrong = client.post("/api/v1/traceability/flags", {
        "country": "CD", "kind": "mass_balance", "site": chain.site_a.pk, "text": "x",
    }, content_type="application/json", **headers)  # fmt: skip
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["error"]["details"]] == ["kind"]
    rwanda = make_user("uwase", role=User.Role.INSPECTOR, countries=["RW"])
    foreign = client.post(f"/api/v1/traceability/flags/{body['id']}/plan",
                          {"owner": rwanda.pk, "plan": "Audit"},
                          content_type="application/json", **headers)  # fmt: skip
    assert foreign.status_code == 422
    planned = client.post(f"/api/v1/traceability/flags/{body['id']}/plan",
                          {"owner": chain.inspector.pk, "plan": "Audit"},
                          content_type="application/json", **headers)  # fmt: skip
    assert planned.status_code == 200 and planned.json()["status"] == "mitigating"
    outsider = client.post(f"/api/v1/traceability/flags/{body['id']}/plan",
                           {"owner": rwanda.pk, "plan": "Audit"},
                           content_type="application/json", **token_for(rwanda))  # fmt: skip
    assert outsider.status_code == 404
