"""The register: filing, priority first come first served, the screening kept with each
application, and the workflow to a licence (notice, objections, decision, second approval)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pyproj import Geod
from shapely.geometry import box, shape

from casm.accounts.models import User
from casm.core.models import AuditEvent, Commodity
from casm.licensing import services
from casm.licensing.models import (
    Application,
    ApplicationStatus,
    Layer,
    LayerFeature,
    Licence,
    LicenceStatus,
    SiteStanding,
)
from casm.licensing.services import applications as register
from casm.licensing.services.applications import Upload

from .factories import TITLE_PE

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a test document\n"
FREE = (15.80, -4.32, 15.81, -4.31)  # inside DR Congo, outside every layer of the test cadastre


def _docs(*names):
    return [Upload(name, SimpleUploadedFile(f"{i}.pdf", PDF)) for i, name in enumerate(names)]


def _file(actor, kind, area, *, organisation=None, commodities=("gold",), **extra):
    values = {
        "actor": actor, "country": kind.country, "licence_type": kind,
        "holder_kind": "cooperative", "organisation": organisation or actor.organisation,
        "commodities": list(Commodity.objects.filter(code__in=commodities)),
        "geometry": box(*area), "documents": _docs("Statutes", "Site plan"),
    }  # fmt: skip
    values.update(extra)
    return services.application_file(**values)


def _hectares(bounds):
    west, south, east, north = bounds
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter(
        [west, east, east, west], [south, south, north, north]
    )
    return abs(area) / 10_000


def test_a_filing_gets_its_number_its_receipt_second_and_a_stored_screening(small_scale, applicant):
    before = timezone.now().replace(microsecond=0)
    application = _file(applicant, small_scale, FREE)
    assert application.number == f"CD-{application.received_at.year}-000001"
    assert application.received_at.microsecond == 0
    assert application.received_at >= before
    assert application.status == ApplicationStatus.RECEIVED
    assert application.due_on == application.received_at.date() + datetime.timedelta(days=10)
    assert application.area_ha == pytest.approx(_hectares(FREE), rel=0.001)
    screening = application.screenings.get()
    assert screening.verdict == "clear"
    assert screening.layer_versions == {"title": 1, "asm_zone": 1, "protected": 1,
                                        "restriction": 1}  # fmt: skip
    assert [s.kind for s in application.steps.all()] == ["received", "screened"]
    assert sorted(d.name for d in application.documents.all()) == ["Site plan", "Statutes"]
    assert AuditEvent.objects.filter(model="licensing.application", action="create").count() == 1


def test_an_application_over_a_known_permit_is_blocked_by_the_overlap_measured_independently(
    small_scale, applicant
):
    west, south, east, north = TITLE_PE
    area = (west + 0.01, south + 0.01, east + 0.01, north + 0.01)
    application = _file(applicant, small_scale, area)
    screening = application.screenings.get()
    assert screening.verdict == "blocks"
    (title,) = [f for f in screening.findings if f["rule"] == "titles"]
    assert title["feature_code"] == "101"
    expected = _hectares((west + 0.01, south + 0.01, east, north))
    assert title["overlap_ha"] == pytest.approx(expected, rel=0.005)


def test_an_earlier_pending_filing_holds_a_later_overlapping_one_for_a_shared_commodity(
    small_scale, applicant, make_user, make_organisation
):
    other = make_user("ilunga", organisation=make_organisation("Coopérative Ilunga", "CD"))
    first = _file(applicant, small_scale, FREE)
    west, south, east, north = FREE
    overlapping = (west + 0.005, south, east + 0.005, north)
    second = _file(other, small_scale, overlapping)
    held = [f for f in second.screenings.get().findings if f["rule"] == "applications"]
    assert [f["params"]["number"] for f in held] == [first.number]
    assert held[0]["verdict"] == "blocks"
    assert held[0]["share"] == pytest.approx(0.5, rel=0.01)
    # The first is not held by the later one, and another commodity is not held at all.
    assert not [f for f in first.screenings.get().findings if f["rule"] == "applications"]
    third = _file(other, small_scale, (west + 0.002, south, east, north), commodities=("tin",))
    assert not [f for f in third.screenings.get().findings if f["rule"] == "applications"]
    assert second.sequence == first.sequence + 1


def test_filings_in_the_same_second_are_ordered_by_their_place_in_the_register(
    small_scale, applicant, make_user, make_organisation, monkeypatch
):
    second_now = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(register, "_now", lambda: second_now)
    other = make_user("ilunga", organisation=make_organisation("Coopérative Ilunga", "CD"))
    first = _file(other, small_scale, FREE)
    later = _file(applicant, small_scale, FREE)
    assert first.received_at == later.received_at
    held = [f for f in later.screenings.get().findings if f["rule"] == "applications"]
    assert [f["params"]["number"] for f in held] == [first.number]
    assert not [f for f in first.screenings.get().findings if f["rule"] == "applications"]


def test_the_same_applicant_filing_twice_for_the_same_area_is_refused_and_nothing_is_written(
    small_scale, applicant
):
    first = _file(applicant, small_scale, FREE)
    with pytest.raises(ValidationError) as refused:
        _file(applicant, small_scale, FREE)
    assert first.number in str(refused.value.message_dict["area"])
    assert Application.objects.count() == 1


def test_an_online_filing_without_its_documents_is_refused_naming_them(small_scale, applicant):
    with pytest.raises(ValidationError) as refused:
        _file(applicant, small_scale, FREE, documents=_docs("Statutes"))
    assert "Site plan" in str(refused.value.message_dict["documents"])
    fake = [Upload("Statutes", SimpleUploadedFile("s.pdf", b"MZ\x90 not a pdf")),
            *_docs("Site plan")]  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        _file(applicant, small_scale, FREE, documents=fake)
    assert "PDF, PNG or JPEG" in str(refused.value.message_dict["documents"])
    assert Application.objects.count() == 0


def test_a_type_s_rules_refuse_a_filing_naming_the_field(small_scale, applicant, country):
    big = (15.80, -4.40, 15.90, -4.30)  # about 12,000 ha
    with pytest.raises(ValidationError) as refused:
        _file(applicant, small_scale, big, commodities=("diamond",), holder_kind="company")
    errors = refused.value.message_dict
    assert "at most 500 ha" in str(errors["area"])
    assert "diamond" in str(errors["commodities"])
    assert "held only by" in str(errors["holder_kind"])
    small_scale.nationality_rule = "Congolese citizens only"
    small_scale.save()
    with pytest.raises(ValidationError) as refused:
        _file(applicant, small_scale, FREE, holder_kind="citizen", organisation=None,
              applicant_name="Jean Kasongo", nationality=country("RW"))  # fmt: skip
    assert "citizens of" in str(refused.value.message_dict["nationality"])


def test_an_officer_enters_a_paper_filing_without_documents_and_completeness_sends_it_back(
    small_scale, officer, applicant, congo_cooperative
):
    application = _file(officer, small_scale, FREE, organisation=congo_cooperative,
                        channel="officer", documents=[],
                        paper_dated=timezone.localdate())  # fmt: skip
    assert application.channel == "officer" and application.filed_by == officer
    with pytest.raises(ValidationError):
        services.application_complete(actor=officer, application=application, complete=False)
    services.application_complete(
        actor=officer, application=application, complete=False, note="Statutes missing"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INCOMPLETE
    services.document_add(actor=officer, application=application, upload=_docs("Statutes")[0])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    # Only an officer of the country enters paper filings.
    with pytest.raises(PermissionDenied):
        _file(applicant, small_scale, (15.85, -4.32, 15.86, -4.31), channel="officer")


def _to_decision(application, officer, monkeypatch):
    services.application_complete(actor=officer, application=application, complete=True)
    services.application_notice_publish(actor=officer, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.NOTICE
    assert application.notice_until == timezone.localdate() + datetime.timedelta(days=21)
    objection = services.objection_record(
        actor=officer, application=application, objector="Chef de groupement", text="Our fields"
    )
    with pytest.raises(ValidationError, match="runs until"):
        services.application_notice_close(actor=officer, application=application)
    later = timezone.localdate() + datetime.timedelta(days=22)
    monkeypatch.setattr(register, "_today", lambda: later)
    services.application_notice_close(actor=officer, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DECISION
    assert application.due_on == later + datetime.timedelta(days=30)
    return objection


def test_the_workflow_ends_in_a_licence_whose_sites_become_licensed(
    small_scale, applicant, officer, make_site, monkeypatch
):
    west, south, east, north = FREE
    site = make_site("Site", "CD", latitude=(south + north) / 2, longitude=(west + east) / 2)
    application = _file(applicant, small_scale, FREE)
    objection = _to_decision(application, officer, monkeypatch)
    with pytest.raises(ValidationError, match="Answer every objection"):
        services.application_decide(actor=officer, application=application, grant=True)
    services.objection_answer(actor=officer, objection=objection, answer="Fields excluded")
    services.application_decide(
        actor=officer, application=application, grant=True, reasons="Complete and clear"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    licence = Licence.objects.get(application=application)
    assert licence.status == LicenceStatus.VALID
    assert licence.organisation == applicant.organisation
    assert licence.feature.layer == Layer.objects.get(country=small_scale.country, kind="title")
    assert licence.feature.layer.version == 2
    assert [e.kind for e in licence.events.all()] == ["granted"]
    standing = SiteStanding.objects.get(site=site)
    assert (standing.status, standing.reason, standing.feature) == (
        "licensed",
        "in_licence",
        licence.feature,
    )
    assert [s.kind for s in application.steps.all()] == [
        "received", "screened", "complete", "notice", "objection", "notice_closed", "answered",
        "screened", "granted",
    ]  # fmt: skip


def test_a_later_overlapping_application_cannot_be_granted_while_the_earlier_is_pending(
    small_scale, applicant, officer, make_user, make_organisation, monkeypatch
):
    other = make_user("ilunga", organisation=make_organisation("Coopérative Ilunga", "CD"))
    first = _file(applicant, small_scale, FREE)
    west, south, east, north = FREE
    second = _file(other, small_scale, (west + 0.005, south, east + 0.005, north))
    small_scale.notice_days = None
    small_scale.save()
    services.application_complete(actor=officer, application=second, complete=True)
    with pytest.raises(ValidationError, match=first.number):
        services.application_decide(actor=officer, application=second, grant=True)
    # Refused, the earlier one no longer holds it.
    services.application_decide(actor=officer, application=first, grant=False, reasons="Unpaid")
    services.application_decide(actor=officer, application=second, grant=True)
    second.refresh_from_db()
    assert second.status == ApplicationStatus.GRANTED


def test_a_grant_overlapping_a_licence_granted_a_moment_before_is_refused(
    small_scale, applicant, officer, make_user, make_organisation, monkeypatch
):
    small_scale.notice_days = None
    small_scale.save()
    other = make_user("ilunga", organisation=make_organisation("Coopérative Ilunga", "CD"))
    first = _file(applicant, small_scale, FREE)
    services.application_complete(actor=officer, application=first, complete=True)
    services.application_decide(actor=officer, application=first, grant=True)
    west, south, east, north = FREE
    later = _file(other, small_scale, (west + 0.005, south, east + 0.005, north))
    services.application_complete(actor=officer, application=later, complete=True)
    licence = Licence.objects.get()
    with pytest.raises(ValidationError, match=licence.number):
        services.application_decide(actor=officer, application=later, grant=True)
    assert Licence.objects.count() == 1


def test_a_second_approval_is_another_officer_s(
    small_scale, applicant, officer, second_officer, monkeypatch
):
    small_scale.notice_days = None
    small_scale.second_approval = True
    small_scale.save()
    application = _file(applicant, small_scale, FREE)
    services.application_complete(actor=officer, application=application, complete=True)
    services.application_decide(actor=officer, application=application, grant=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVAL
    assert not Licence.objects.exists()
    with pytest.raises(ValidationError, match="Another officer"):
        services.application_decide(actor=officer, application=application, grant=True)
    services.application_decide(actor=second_officer, application=application, grant=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert Licence.objects.filter(application=application).exists()


def test_an_officer_of_another_country_may_not_act_on_an_application(
    small_scale, applicant, make_user
):
    rwanda = make_user("uwase", role=User.Role.LICENSING_OFFICER, countries=["RW"])
    application = _file(applicant, small_scale, FREE)
    for act in (
        lambda: services.application_complete(actor=rwanda, application=application,
                                              complete=True),
        lambda: services.application_screen(actor=rwanda, application=application),
        lambda: services.application_decide(actor=rwanda, application=application,
                                            grant=False, reasons="x"),
        lambda: services.application_withdraw(actor=rwanda, application=application),
    ):  # fmt: skip
        with pytest.raises(PermissionDenied):
            act()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED


def test_the_filer_withdraws_and_the_shape_of_a_licence_is_the_application_s(
    small_scale, applicant
):
    application = _file(applicant, small_scale, FREE)
    services.application_withdraw(actor=applicant, application=application, reason="Moved")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert shape(application.geometry).equals(box(*FREE))
    assert not LayerFeature.objects.filter(code__startswith="CD-TEST").exists()


def test_the_register_s_figures_count_what_was_received_decided_and_left(
    small_scale, applicant, officer, make_user, make_organisation, client
):
    from casm.licensing.selectors import register_statistics

    small_scale.notice_days = None
    small_scale.save()
    other = make_user("ilunga", organisation=make_organisation("Coopérative Ilunga", "CD"))
    first = _file(applicant, small_scale, FREE)
    second = _file(other, small_scale, (15.85, -4.32, 15.86, -4.31))
    _file(other, small_scale, (15.90, -4.32, 15.91, -4.31))
    services.application_complete(actor=officer, application=first, complete=True)
    services.application_decide(actor=officer, application=first, grant=True)
    services.application_decide(actor=officer, application=second, grant=False,
                                reasons="Fee unpaid")  # fmt: skip
    figures = register_statistics(country=small_scale.country)
    this_month = figures["by_month"][-1]
    assert (this_month["received"], this_month["decided"]) == (3, 2)
    (row,) = figures["by_type"]
    assert (row["total"], row["granted"], row["refused"], row["pending"]) == (3, 1, 1, 1)
    assert row["success_rate"] == 0.5
    assert figures["refusals"] == [{"reasons": "Fee unpaid", "count": 1}]
    assert [(b["status"], b["count"]) for b in figures["backlog"]] == [("received", 1)]
    assert set(figures["median_days"]) >= {"received", "complete"}
    page = client.get("/licensing/statistics/", {"country": "CD"})
    assert page.status_code == 200 and "Fee unpaid" in page.content.decode()
