"""Incidents: anyone reports one (anonymously too) and follows it with a key shown once; the
country's handlers triage, reassign and resolve it; the daily round escalates the overdue;
the public reads counts only. Bad input, duplicates, robots, rates and scope."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from casm.accounts.models import User
from casm.core.models import AuditEvent
from casm.incidents import selectors, services
from casm.incidents.models import Incident

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LEVY = "Des hommes armés prélèvent 2 g d'or par semaine à l'entrée du puits."


@pytest.fixture
def congo(country):
    return country("CD")


@pytest.fixture
def handler(make_user):
    return make_user("mbala", role=User.Role.INSPECTOR, countries=["CD"], first_name="Jeanne",
                     last_name="Mbala")  # fmt: skip


@pytest.fixture
def kamituga(make_site):
    return make_site("Kamituga Mobale", "CD", admin1="Sud-Kivu")


def _report(congo, **given):
    data = {"actor": None, "country": congo, "kind": "extortion", "occurred_on": TODAY,
            "description": LEVY, "location": "Kamituga, entrée du puits Mobale"}  # fmt: skip
    data.update(given)
    return services.incident_report(**data)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**given):
    data = {"country": "CD", "kind": "armed_group", "occurred_on": TODAY.isoformat(),
            "description": LEVY, "location": "Route Kamituga–Bukavu", "site": "",
            "latitude": "", "longitude": "", "reporter_name": "",
            "reporter_contact": ""}  # fmt: skip
    data.update(given)
    return data


# --- Reporting -------------------------------------------------------------------------------


def test_an_anonymous_report_gets_a_reference_and_a_key_shown_once(congo, kamituga):
    client = Client()
    sent = client.post("/incidents/report/", _form(site=kamituga.code), follow=True)
    assert sent.status_code == 200
    text = sent.content.decode()
    incident = Incident.objects.get()
    assert incident.reference == f"INC-CD-{timezone.localdate().year}-00001"
    assert incident.reference in text
    key = re.search(r'class="follow-key">([A-Z2-7-]+)<', text).group(1)
    assert len(key) == 19 and incident.follow_key_hash != key
    assert incident.anonymous and incident.site == kamituga and incident.province == "Sud-Kivu"
    again = client.get("/incidents/report/sent/").content.decode()
    assert key not in again  # shown once
    # The audit trail keeps no address and no key for an anonymous report.
    event = AuditEvent.objects.get(model="incidents.incident", action="create")
    assert event.actor is None and event.ip_address is None
    assert key not in str(event.changes) and incident.follow_key_hash not in str(event.changes)

    followed = client.post("/incidents/follow/", {"key": key.lower().replace("-", " ")})
    assert followed.status_code == 200
    assert "reported, awaiting triage" in followed.content.decode()
    assert LEVY not in followed.content.decode()
    wrong = client.post("/incidents/follow/", {"key": "AAAA-BBBB-CCCC-DDDD"})
    assert wrong.status_code == 422 and "No report has this key" in wrong.content.decode()


def test_a_signed_in_reporter_is_recorded_with_their_account(congo, member):
    incident, _key = _report(congo, actor=member, reporter_contact="+243 990 000 000")
    assert incident.reporter == member and not incident.anonymous
    assert incident.reporter_label == member.username


def test_the_report_form_refuses_bad_input_naming_the_field_and_writes_nothing(congo, kamituga):
    client = Client()
    cases = [
        (_form(occurred_on=(TODAY + datetime.timedelta(days=1)).isoformat()), "occurred_on",
         "still to come"),
        (_form(occurred_on="1985-01-01"), "occurred_on", "1990"),
        (_form(description="rien"), "description", "what happened"),
        (_form(description="x" * 5001), "description", "5000"),
        (_form(location=""), "location", "Say where"),
        (_form(site="CD-NO-SUCH-SITE"), "site", "No site with this code"),
        (_form(latitude="5.6", longitude="-0.2"), "latitude", "outside"),
        (_form(latitude="-3.0"), "longitude", "both"),
        (_form(latitude="95", longitude="28"), "latitude", ""),
        (_form(kind="witchcraft"), "kind", ""),
    ]  # fmt: skip
    for data, field, words in cases:
        response = client.post("/incidents/report/", data)
        assert response.status_code == 422, (field, words)
        errors = response.context["form"].errors
        assert field in errors, (field, errors)
        assert words.lower() in " ".join(errors[field]).lower(), (field, errors)
    assert not Incident.objects.exists()


def test_the_report_form_speaks_french(congo):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    response = client.post("/incidents/report/", _form(location=""))
    assert response.status_code == 422
    assert "Dites où" in response.content.decode()
    assert "Signaler un incident" in response.content.decode()


def test_the_same_report_sent_twice_is_refused_with_its_reference(congo):
    first, _key = _report(congo)
    with pytest.raises(ValidationError) as twice:
        _report(congo)
    assert first.reference in str(twice.value.error_dict["description"])
    second, _key = _report(congo, kind="child_labour")  # another kind is another report
    assert second.reference.endswith("-00002")
    assert Incident.objects.count() == 2


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_kept(congo):
    response = Client().post("/incidents/report/", _form(website="http://spam.example"))
    assert response.status_code == 302 and not Incident.objects.exists()


def test_reports_past_the_rate_are_refused_with_the_wait(congo, settings):
    settings.API_RATES = {**settings.API_RATES, "report": "2/hour"}
    client = Client()
    for number in range(2):
        client.post("/incidents/report/", _form(description=f"{LEVY} ({number})"))
    refused = client.post("/incidents/report/", _form(description=f"{LEVY} (3)"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Incident.objects.count() == 2
    assert client.get("/incidents/report/").status_code == 200  # reading the form is free


def test_a_point_gives_the_province_from_the_areas(congo, kamituga):
    incident, _key = _report(congo, location="", latitude=-2.5, longitude=28.8)
    # No areas are loaded for DR Congo in the tests: the point is kept, the province unknown.
    assert (incident.latitude, incident.longitude, incident.province) == (-2.5, 28.8, "")
    on_site, _key = _report(congo, site=kamituga, description=f"{LEVY} Encore.")
    assert on_site.province == "Sud-Kivu"


# --- Handling --------------------------------------------------------------------------------


def test_triage_sets_severity_handler_and_the_deadline_by_severity(congo, handler):
    incident, _key = _report(congo)
    triaged = services.incident_triage(
        actor=handler, incident=incident, accept=True, severity="high", handler=handler,
        public_note="Une mission est prévue.",
    )  # fmt: skip
    assert triaged.status == "investigating" and triaged.triaged_by == handler
    assert triaged.due_on == timezone.localdate() + datetime.timedelta(days=30)
    with pytest.raises(ValidationError) as again:
        services.incident_triage(actor=handler, incident=triaged, accept=False, note="Doublon")
    assert "status" in again.value.error_dict
    resolved = services.incident_resolve(
        actor=handler, incident=triaged, outcome="confirmed",
        resolution="Barrière démantelée par la police des mines.",
    )  # fmt: skip
    assert (resolved.status, resolved.outcome, resolved.resolved_by) == (
        "resolved", "confirmed", handler)  # fmt: skip
    assert resolved.public_note == "Une mission est prévue."


def test_triage_refuses_what_is_missing_and_whom_it_may_not_be_given_to(
    congo, handler, make_user, member
):
    incident, _key = _report(congo)
    rwanda = make_user("rw", role=User.Role.INSPECTOR, countries=["RW"])
    for given, field in [
        ({"accept": False, "note": ""}, "note"),
        ({"accept": True, "severity": "", "handler": handler}, "severity"),
        ({"accept": True, "severity": "low", "handler": rwanda}, "handler"),
        ({"accept": True, "severity": "low", "handler": member}, "handler"),
        ({"accept": True, "severity": "low", "handler": handler,
          "due_on": TODAY - datetime.timedelta(days=1)}, "due_on"),
    ]:  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            services.incident_triage(actor=handler, incident=incident, **given)
        assert field in refused.value.error_dict, given
    incident.refresh_from_db()
    assert incident.status == "reported" and incident.triaged_at is None
    with pytest.raises(PermissionDenied):
        services.incident_triage(actor=member, incident=incident, accept=False, note="Non")
    with pytest.raises(PermissionDenied):
        services.incident_triage(actor=rwanda, incident=incident, accept=False, note="Non")
    dismissed = services.incident_triage(
        actor=handler, incident=incident, accept=False, note="Aucun puits à cet endroit."
    )
    assert dismissed.status == "dismissed"
    with pytest.raises(ValidationError):
        services.incident_resolve(actor=handler, incident=dismissed, outcome="confirmed",
                                  resolution="-")  # fmt: skip


def test_the_daily_round_escalates_late_triage_and_investigations_past_their_deadline(
    congo, handler
):
    late, _k = _report(congo)
    fresh, _k = _report(congo, kind="bribery")
    investigated, _k = _report(congo, kind="smuggling")
    Incident.objects.filter(pk=late.pk).update(
        reported_at=timezone.now() - datetime.timedelta(days=8)
    )
    Incident.objects.filter(pk=fresh.pk).update(
        reported_at=timezone.now() - datetime.timedelta(days=6)
    )
    services.incident_triage(actor=handler, incident=investigated, accept=True, severity="low",
                             handler=handler)  # fmt: skip
    later = timezone.localdate() + datetime.timedelta(days=91)
    assert services.incidents_escalate() == 1
    assert services.incidents_escalate() == 0  # once each
    assert services.incidents_escalate(today=later) == 2  # the fresh one and the investigation
    late.refresh_from_db()
    assert late.escalated_on == timezone.localdate()
    out = io.StringIO()
    call_command("incidents", "daily", stdout=out)
    assert "0 incidents escalated" in out.getvalue()


def test_the_handlers_list_shows_their_countries_only_and_marks_the_overdue(
    congo, handler, country, ghana_officer
):
    congo_report, _k = _report(congo)
    ghana_report, _k = _report(country("GH"), location="Prestea", description=f"{LEVY} GH")
    Incident.objects.filter(pk=congo_report.pk).update(
        reported_at=timezone.now() - datetime.timedelta(days=9)
    )
    page = _as(handler).get("/incidents/")
    text = page.content.decode()
    assert congo_report.reference in text and ghana_report.reference not in text
    assert "overdue" in text
    overdue = _as(handler).get("/incidents/?status=overdue").content.decode()
    assert congo_report.reference in overdue
    assert _as(handler).get(f"/incidents/{ghana_report.pk}/").status_code == 404
    assert _as(ghana_officer).get(f"/incidents/{congo_report.pk}/").status_code == 404
    detail = _as(handler).get(f"/incidents/{congo_report.pk}/").content.decode()
    assert LEVY.replace("'", "&#x27;") in detail and "anonymous" in detail


def test_a_member_is_refused_the_handlers_pages(congo, member):
    incident, _k = _report(congo)
    assert _as(member).get("/incidents/").status_code == 403
    assert _as(member).get(f"/incidents/{incident.pk}/").status_code == 403
    assert Client().get("/incidents/").status_code == 302  # to sign in


def test_the_web_triage_and_resolution(congo, handler):
    incident, _k = _report(congo)
    client = _as(handler)
    bad = client.post(f"/incidents/{incident.pk}/triage/", {"decision": "dismiss", "note": ""})
    assert bad.status_code == 422 and "Say why" in bad.content.decode()
    done = client.post(f"/incidents/{incident.pk}/triage/", {
        "decision": "accept", "severity": "medium", "handler": handler.pk, "due_on": "",
        "note": "Témoin fiable.", "public_note": "",
    })  # fmt: skip
    assert done.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "investigating" and incident.handler == handler
    assert incident.due_on == timezone.localdate() + datetime.timedelta(days=60)
    resolved = client.post(f"/incidents/{incident.pk}/resolve/", {
        "outcome": "not_confirmed", "resolution": "Aucune barrière trouvée le 3 décembre.",
        "public_note": "Merci : la mission n'a rien trouvé.",
    })  # fmt: skip
    assert resolved.status_code == 302
    incident.refresh_from_db()
    assert (incident.status, incident.outcome) == ("resolved", "not_confirmed")
    assert client.post(f"/incidents/{incident.pk}/explode/", {}).status_code == 404


# --- Public statistics -----------------------------------------------------------------------


def test_statistics_count_reports_and_confirmations_without_text_or_people(
    congo, handler, kamituga
):
    confirmed, _k = _report(congo, site=kamituga, reporter_name="Furaha Witness")
    _report(congo, site=kamituga, description=f"{LEVY} Deuxième.")
    dismissed, _k = _report(congo, kind="bribery")
    services.incident_triage(actor=handler, incident=confirmed, accept=True, severity="high",
                             handler=handler)  # fmt: skip
    services.incident_resolve(actor=handler, incident=confirmed, outcome="confirmed",
                              resolution="Vu.")  # fmt: skip
    services.incident_triage(actor=handler, incident=dismissed, accept=False, note="Faux.")
    rows = list(selectors.incident_statistics())
    assert [(r["province"], r["kind"], r["reported"], r["confirmed"]) for r in rows] == [
        ("Sud-Kivu", "extortion", 2, 1)]  # fmt: skip
    page = Client().get("/incidents/statistics/").content.decode()
    assert "Sud-Kivu" in page and "Furaha" not in page and "prélèvent" not in page
    download = Client().get("/incidents/statistics/export.csv")
    table = list(csv.DictReader(io.StringIO(b"".join(download.streaming_content)
                                            .decode("utf-8-sig"))))  # fmt: skip
    assert table == [{
        "country": "CD", "country_name": "Congo (the Democratic Republic of the)"
        if table[0]["country_name"].startswith("Congo (") else table[0]["country_name"],
        "year": str(TODAY.year), "province": "Sud-Kivu", "family": "supply chain and security",
        "kind": "extortion", "kind_label": "illegal taxation or extortion", "reported": "2",
        "confirmed": "1",
    }]  # fmt: skip
    assert Client().get("/incidents/statistics/export.geojson").status_code == 404
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/incidents/statistics/").content.decode()
    assert "Statistiques des incidents" in french


# --- API -------------------------------------------------------------------------------------


def test_the_api_reports_follows_handles_and_counts(congo, handler, token_for, member):
    anonymous = Client()
    sent = anonymous.post("/api/v1/incidents", {
        "country": "CD", "kind": "tag_misuse", "occurred_on": TODAY.isoformat(),
        "description": "Des étiquettes de Kamituga vendues à Bukavu.", "location": "Bukavu",
    }, content_type="application/json")  # fmt: skip
    assert sent.status_code == 201, sent.content
    receipt = sent.json()
    followed = anonymous.post("/api/v1/incidents/follow", {"key": receipt["follow_key"]},
                              content_type="application/json")  # fmt: skip
    assert followed.status_code == 200 and followed.json()["reference"] == receipt["reference"]
    assert "description" not in followed.json() and "reporter_contact" not in followed.json()
    wrong = anonymous.post("/api/v1/incidents/follow", {"key": "nope"},
                           content_type="application/json")  # fmt: skip
    assert wrong.status_code == 422
    assert [d["field"] for d in wrong.json()["error"]["details"]] == ["key"]
    bad = anonymous.post("/api/v1/incidents", {
        "country": "CD", "kind": "tag_misuse", "occurred_on": TODAY.isoformat(),
        "description": "Trop court", "site": "CD-NONE",
    }, content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and "site" in bad.content.decode()

    listed = anonymous.get("/api/v1/incidents", **token_for(handler)).json()
    assert [item["reference"] for item in listed["items"]] == [receipt["reference"]]
    assert anonymous.get("/api/v1/incidents", **token_for(member)).status_code == 403
    incident_id = listed["items"][0]["id"]
    triaged = anonymous.post(f"/api/v1/incidents/{incident_id}/triage", {
        "accept": True, "severity": "medium", "handler": member.pk,
    }, content_type="application/json", **token_for(handler))  # fmt: skip
    assert triaged.status_code == 422 and "handler" in triaged.content.decode()
    triaged = anonymous.post(f"/api/v1/incidents/{incident_id}/triage", {
        "accept": True, "severity": "medium", "handler": handler.pk,
    }, content_type="application/json", **token_for(handler))  # fmt: skip
    assert triaged.status_code == 200 and triaged.json()["handler"] == "Jeanne Mbala"
    resolved = anonymous.post(f"/api/v1/incidents/{incident_id}/resolve", {
        "outcome": "confirmed", "resolution": "Étiquettes saisies.",
    }, content_type="application/json", **token_for(handler))  # fmt: skip
    assert resolved.json()["status"] == "resolved"
    counts = anonymous.get("/api/v1/incidents/statistics?country=CD").json()
    assert counts["count"] == 1
    assert counts["items"][0]["reported"] == 1 and counts["items"][0]["confirmed"] == 1
    assert "Bukavu" not in str(counts)


# --- Demo and command ------------------------------------------------------------------------


def test_the_demo_incidents_and_their_statistics_as_csv(country, tmp_path):
    import random

    from casm.accounts import demo as accounts_demo
    from casm.incidents import demo
    from casm.licensing import demo as licensing_demo
    from casm.registry import demo as registry_demo
    from casm.traceability import demo as chain_demo

    said: list[str] = []
    for module in (accounts_demo, registry_demo, licensing_demo, chain_demo, demo):
        module.build(random.Random(2001), said.append)
    statuses = sorted(Incident.objects.values_list("status", flat=True))
    assert statuses == ["dismissed", "investigating", "reported", "resolved"]
    assert "4 incidents" in said[-1]
    target = tmp_path / "counts.csv"
    call_command("incidents", "statistics", "--country", "CD", "--output", str(target),
                 stdout=io.StringIO())  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert sum(int(row["reported"]) for row in rows) == 3  # the dismissed one aside
    assert sum(int(row["confirmed"]) for row in rows) == 1
    assert "Demo reporter" not in target.read_text(encoding="utf-8-sig")
