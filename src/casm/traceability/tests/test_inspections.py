"""Site inspections and the ICGLR statuses: the findings set the status, a red site stays red
six months, statuses that run out change by themselves, the history is public without
people or notes; the web page, the API and the daily round; bad input and scope."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client

from casm.accounts.models import User
from casm.registry import services as registry
from casm.registry.models import CertificationRecord
from casm.registry.validation import months_later
from casm.traceability import services
from casm.traceability.models import Criterion, Inspection, RedFlag

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
ALL_MET = dict.fromkeys(Criterion.values, "met")


def _inspect(chain, site=None, on=None, actor=None, **breached):
    findings = {**ALL_MET, **{name: "breached" for name in breached}}
    return services.inspection_record(
        actor=actor or chain.inspector, site=site or chain.site_a, inspected_on=on or TODAY,
        authority="Division provinciale des mines du Sud-Kivu", findings=findings,
        note="Le chef de chantier a montré le registre.",
    )  # fmt: skip


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_criterion_met_certifies_the_site_green_for_a_year(chain):
    inspection = _inspect(chain)
    chain.site_a.refresh_from_db()
    assert inspection.status == "green" and inspection.valid_until == months_later(TODAY, 12)
    assert (chain.site_a.certification_status, chain.site_a.certification_valid_until) == (
        "green", months_later(TODAY, 12))  # fmt: skip
    assert inspection.record.cause == "inspection"
    assert not RedFlag.objects.exists()
    assert chain.produce("CD-A-0001").site == chain.site_a


def test_an_important_criterion_breached_makes_it_yellow_and_production_goes_on(chain):
    inspection = _inspect(chain, health_safety=True, traceability=True)
    assert inspection.status == "yellow" and inspection.valid_until == months_later(TODAY, 3)
    assert inspection.breached() == ["traceability", "health_safety"]
    chain.produce("CD-A-0001")  # yellow: production continues


def test_a_critical_breach_makes_it_red_refuses_production_and_raises_its_flag(chain):
    inspection = _inspect(chain, armed_groups=True, child_labour=True)
    assert inspection.status == "red" and inspection.valid_until is None
    with pytest.raises(ValidationError) as refused:
        chain.produce("CD-A-0001")
    assert "site" in refused.value.error_dict
    flags = {f.kind: f for f in RedFlag.objects.filter(site=chain.site_a)}
    assert set(flags) == {"armed_groups", "serious_abuse"}
    assert flags["serious_abuse"].severity == "suspend"
    assert flags["armed_groups"].evidence["inspection"] == inspection.pk
    assert "armed_groups" in flags["armed_groups"].evidence["criterion"]


def test_taxes_unpaid_is_yellow_with_a_flag(chain):
    inspection = _inspect(chain, taxes=True)
    assert inspection.status == "yellow"
    assert list(RedFlag.objects.values_list("kind", flat=True)) == ["taxes"]


def test_a_red_site_is_not_cleared_before_six_months_even_by_a_held_inspection(chain):
    red_on = TODAY - datetime.timedelta(days=400)
    held = months_later(red_on, 6)
    _inspect(chain, on=red_on, security_forces=True)
    # The day before the six months end: all met, still red, held until the day they end.
    early = _inspect(chain, on=held - datetime.timedelta(days=1))
    assert (early.status, early.red_held_until) == ("red", held)
    # The held inspection did not restart the six months: on their last day it clears.
    cleared = _inspect(chain, on=held)
    assert (cleared.status, cleared.red_held_until) == ("green", None)


def test_a_critical_breach_found_again_starts_the_six_months_anew(chain):
    first = TODAY - datetime.timedelta(days=400)
    again = first + datetime.timedelta(days=100)
    _inspect(chain, on=first, armed_groups=True)
    _inspect(chain, on=again, armed_groups=True)
    later = _inspect(chain, on=months_later(first, 6))
    assert (later.status, later.red_held_until) == ("red", months_later(again, 6))


def test_statuses_that_ran_out_change_by_themselves_and_the_round_writes_them(chain):
    long_ago = TODAY - datetime.timedelta(days=500)
    _inspect(chain, on=long_ago)  # green for a year: ran out about 135 days ago
    _inspect(chain, site=chain.site_b, on=TODAY - datetime.timedelta(days=120), environment=True)
    chain.site_a.refresh_from_db()
    chain.site_b.refresh_from_db()
    # Before the round: read as what they became.
    assert services.site_status_now(chain.site_a)[0::3] == ("blue", True)
    assert services.site_status_now(chain.site_b)[0::3] == ("red", True)
    with pytest.raises(ValidationError):
        chain.produce("CD-B-0001", site=chain.site_b)
    lot = chain.produce("CD-A-0001")
    assert [f.evidence["code"] for f in RedFlag.objects.filter(lot=lot)] == ["lapsed"]

    assert services.round_daily()["lapsed"] == 2
    assert services.round_daily()["lapsed"] == 0  # once
    chain.site_a.refresh_from_db()
    green_until = months_later(long_ago, 12)
    assert chain.site_a.certification_status == "blue"
    assert chain.site_a.certification_valid_from == green_until + datetime.timedelta(days=1)
    assert chain.site_a.certification_lapsed is True
    latest = CertificationRecord.objects.filter(site=chain.site_b).first()
    assert (latest.status, latest.cause, latest.recorded_by) == ("red", "lapsed", None)
    # A new inspection ends the lapse.
    _inspect(chain)
    chain.site_a.refresh_from_db()
    assert chain.site_a.certification_lapsed is False


def test_blue_for_three_years_becomes_red(chain):
    start = TODAY - datetime.timedelta(days=3 * 366 + 5)
    registry.site_certify(actor=None, site=chain.site_a, status="blue", valid_from=start)
    chain.site_a.refresh_from_db()
    assert services.site_status_now(chain.site_a)[0] == "red"


def test_bad_findings_are_refused_naming_the_field_and_nothing_is_written(chain):
    cases = [
        ({k: v for k, v in ALL_MET.items() if k != "taxes"}, "findings", "taxes, fees"),
        ({**ALL_MET, "bribes": "met"}, "findings", "bribes"),
        ({**ALL_MET, "taxes": "maybe"}, "findings", "taxes"),
        ("all met", "findings", "every criterion"),
    ]
    for findings, field, said in cases:
        with pytest.raises(ValidationError) as refused:
            services.inspection_record(
                actor=chain.inspector, site=chain.site_a, inspected_on=TODAY,
                authority="Mines", findings=findings,
            )  # fmt: skip
        assert said in str(refused.value.error_dict[field]), findings
    for on, authority, field in [
        (TODAY + datetime.timedelta(days=1), "Mines", "inspected_on"),
        (None, "Mines", "inspected_on"),
        (TODAY, "   ", "authority"),
    ]:
        with pytest.raises(ValidationError) as refused:
            services.inspection_record(
                actor=chain.inspector, site=chain.site_a, inspected_on=on,
                authority=authority, findings=ALL_MET,
            )  # fmt: skip
        assert field in refused.value.error_dict
    assert not Inspection.objects.exists() and not CertificationRecord.objects.exists()


def test_only_an_inspector_of_the_site_country_inspects(chain, make_user, make_site):
    rwanda = make_user("uwase", role=User.Role.INSPECTOR, countries=["RW"])
    with pytest.raises(PermissionDenied):
        _inspect(chain, actor=rwanda)
    with pytest.raises(PermissionDenied):
        _inspect(chain, actor=chain.trader_user)
    assert _as(rwanda).get(f"/traceability/sites/{chain.site_a.pk}/inspect/").status_code == 404
    assert _as(chain.trader_user).get(
        f"/traceability/sites/{chain.site_a.pk}/inspect/").status_code == 403  # fmt: skip
    _inspect(chain)
    assert _as(rwanda).get("/traceability/inspections/").content.decode().count(
        "Kamituga Mobale") == 0  # fmt: skip
    pk = Inspection.objects.get().pk
    assert _as(rwanda).get(f"/traceability/inspections/{pk}/").status_code == 404


def test_the_inspection_form_sets_the_status_and_shows_bad_input(chain):
    inspector = _as(chain.inspector)
    url = f"/traceability/sites/{chain.site_a.pk}/inspect/"
    page = inspector.get(url).content.decode()
    assert "no child under 18 working at the site" in page and 'type="radio"' in page
    # The date picker holds today in ISO form in French too (else it shows empty).
    french = inspector.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'type="date" name="inspected_on" value="{TODAY.isoformat()}"' in french
    data = {"inspected_on": TODAY.isoformat(), "authority": "Division des mines",
            **{f"c_{c}": "met" for c in Criterion.values}}  # fmt: skip
    missing = inspector.post(url, {**data, "c_taxes": ""})
    assert missing.status_code == 422 and 'class="errorlist' in missing.content.decode()
    future = inspector.post(url, {**data, "inspected_on": "2999-01-01"})
    assert future.status_code == 422
    assert not Inspection.objects.exists()
    answer = inspector.post(url, {**data, "c_child_labour": "breached"})
    inspection = Inspection.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(
        f"/traceability/inspections/{inspection.pk}/")  # fmt: skip
    detail = inspector.get(answer["Location"]).content.decode()
    assert "red (no production or not compliant)" in detail
    assert re.search(r"no child under 18 working at the site.*?<strong>breached</strong>",
                     detail, re.S)  # fmt: skip
    listing = inspector.get("/traceability/inspections/?status=red").content.decode()
    assert "Kamituga Mobale" in listing
    assert "Kamituga Mobale" not in inspector.get(
        "/traceability/inspections/?status=green").content.decode()  # fmt: skip


def test_the_public_status_page_has_the_history_without_people_or_notes(chain, client):
    _inspect(chain, on=TODAY - datetime.timedelta(days=30), taxes=True)
    chain.inspector.first_name, chain.inspector.last_name = "Mbala", "Kitenge"
    chain.inspector.save()
    page = client.get(f"/traceability/sites/{chain.site_a.pk}/status/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "yellow (problems to fix)" in text and "taxes, fees and royalties paid" in text
    assert "Division provinciale des mines du Sud-Kivu" in text
    assert "Kitenge" not in text and "registre" not in text and "mbala" not in text
    assert "Record an inspection" not in text
    french = client.get(f"/traceability/sites/{chain.site_a.pk}/status/",
                        HTTP_ACCEPT_LANGUAGE="fr").content.decode()  # fmt: skip
    assert "jaune (problèmes à corriger)" in french and "impôts" in french
    assert client.get("/traceability/sites/999999/status/").status_code == 404


def test_a_site_never_inspected_is_blue(chain, client):
    text = client.get(f"/traceability/sites/{chain.site_b.pk}/status/").content.decode()
    assert "has not been inspected" in text


def test_the_api_records_an_inspection_and_reads_a_status(chain, client, token_for):
    headers = token_for(chain.inspector)
    body = {"site": chain.site_a.pk, "inspected_on": TODAY.isoformat(), "authority": "Mines",
            "findings": {**ALL_MET, "legal_status": "breached"}}  # fmt: skip
    answer = client.post("/api/v1/traceability/inspections", body,
                         content_type="application/json", **headers)  # fmt: skip
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert (made["status"], made["breached"], made["site_code"]) == (
        "yellow", ["legal_status"], chain.site_a.code)  # fmt: skip
    listed = client.get("/api/v1/traceability/inspections", {"status": "yellow"}, **headers)
    assert [row["id"] for row in listed.json()["items"]] == [made["id"]]
    status = client.get(f"/api/v1/traceability/sites/{chain.site_a.pk}/status").json()
    assert status["status"] == "yellow" and status["history"][0]["breached"] == [
        "worked under a valid licence or inside an ASM zone"]  # fmt: skip
    assert "note" not in status["history"][0]

    short = {**body, "findings": {k: v for k, v in ALL_MET.items() if k != "taxes"}}
    refused = client.post("/api/v1/traceability/inspections", short,
                          content_type="application/json", **headers)  # fmt: skip
    assert refused.status_code == 422 and "taxes" in refused.content.decode()
    as_trader = token_for(chain.trader_user)
    trader = client.post("/api/v1/traceability/inspections", body,
                         content_type="application/json", **as_trader)  # fmt: skip
    assert trader.status_code == 403
    assert Inspection.objects.count() == 1


def test_the_api_names_the_site_an_inspector_may_not_inspect(chain, client, token_for, make_site):
    ghana_site = make_site("Tarkwa", "GH", latitude=5.3, longitude=-2.0)
    answer = client.post(
        "/api/v1/traceability/inspections",
        {"site": ghana_site.pk, "inspected_on": TODAY.isoformat(), "authority": "Mines",
         "findings": ALL_MET},
        content_type="application/json", **token_for(chain.inspector),
    )  # fmt: skip
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["error"]["details"]] == ["site"]


def test_the_daily_round_command(chain, capsys):
    _inspect(chain, on=TODAY - datetime.timedelta(days=400))
    call_command("traceability", "daily")
    assert "1 site statuses ran out" in capsys.readouterr().out
    chain.site_a.refresh_from_db()
    assert chain.site_a.certification_status == "blue"
