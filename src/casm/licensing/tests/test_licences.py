"""A licence's life: renewal filed in time keeps it valid, transfer, surrender of part or all,
suspension, revocation, automatic expiry, reminders, and the annual rent."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import box, shape

from casm.accounts.models import User
from casm.core.models import Commodity
from casm.lib.geometry import area_hectares
from casm.licensing import services
from casm.licensing.models import (
    LayerFeature,
    Licence,
    LicenceStatus,
    RentInvoice,
    SiteStanding,
)
from casm.licensing.screening import area_screen
from casm.licensing.services import licences as life
from casm.licensing.services.applications import Upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n"
FREE = (15.80, -4.32, 15.81, -4.31)


@pytest.fixture
def licence(small_scale, applicant, officer):
    small_scale.notice_days = None
    small_scale.term_years = 5
    small_scale.renewals = 1
    small_scale.renewal_years = 3
    small_scale.currency = "USD"
    small_scale.rent_per_ha = ["1.00", "2.50"]
    small_scale.save()
    application = services.application_file(
        actor=applicant, country=small_scale.country, licence_type=small_scale,
        holder_kind="cooperative", organisation=applicant.organisation,
        commodities=[Commodity.objects.get(code="gold")], geometry=box(*FREE),
        documents=[Upload(n, SimpleUploadedFile(f"{n}.pdf", PDF)) for n in ("Statutes",
                                                                             "Site plan")],
    )  # fmt: skip
    services.application_complete(actor=officer, application=application, complete=True)
    services.application_decide(actor=officer, application=application, grant=True)
    return Licence.objects.get(application=application)


def _later(monkeypatch, days):
    day = datetime.date.today() + datetime.timedelta(days=days)
    monkeypatch.setattr(life, "_today", lambda: day)
    return day


def test_a_licence_runs_its_term_and_expires_by_itself_leaving_its_ground_open(
    licence, make_site, monkeypatch
):
    west, south, east, north = FREE
    site = make_site("Puits", "CD", latitude=(south + north) / 2, longitude=(west + east) / 2)
    assert SiteStanding.objects.get(site=site).status == "licensed"
    assert licence.expires_on == life._years_later(licence.granted_on, 5)
    assert life.licences_expire(today=licence.expires_on) == []  # the last day is still valid
    expired = life.licences_expire(today=licence.expires_on + datetime.timedelta(days=1))
    assert [e.pk for e in expired] == [licence.pk]
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED and licence.feature is None
    assert [e.kind for e in licence.events.all()] == ["granted", "expired"]
    assert SiteStanding.objects.get(site=site).status == "informal"
    screening = area_screen(country=licence.country, geometry=box(*FREE))
    assert not [f for f in screening.findings if f.rule == "titles"]


def test_a_renewal_filed_in_time_keeps_the_licence_valid_until_it_is_decided(
    licence, applicant, officer, monkeypatch
):
    _later(monkeypatch, 365 * 5 - 10)
    services.licence_renewal_file(actor=applicant, licence=licence)
    with pytest.raises(ValidationError, match="already pending"):
        services.licence_renewal_file(actor=applicant, licence=licence)
    after_expiry = licence.expires_on + datetime.timedelta(days=30)
    assert life.licences_expire(today=after_expiry) == []
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.VALID
    services.licence_renewal_decide(actor=officer, licence=licence, grant=True)
    licence.refresh_from_db()
    assert licence.expires_on == life._years_later(licence.granted_on, 8)
    assert licence.renewals_used == 1 and licence.renewal_filed_on is None
    # The type allows one renewal only.
    with pytest.raises(ValidationError, match="used all its renewals"):
        services.licence_renewal_file(actor=applicant, licence=licence)


def test_a_renewal_filed_late_is_refused_and_a_refused_renewal_past_expiry_expires_it(
    licence, applicant, officer, monkeypatch
):
    day = _later(monkeypatch, 365 * 5 + 5)
    with pytest.raises(ValidationError, match="expired on"):
        services.licence_renewal_file(actor=applicant, licence=licence)
    monkeypatch.setattr(life, "_today", lambda: licence.expires_on)
    services.licence_renewal_file(actor=applicant, licence=licence)
    monkeypatch.setattr(life, "_today", lambda: day)
    with pytest.raises(ValidationError, match="Say why"):
        services.licence_renewal_decide(actor=officer, licence=licence, grant=False)
    services.licence_renewal_decide(
        actor=officer, licence=licence, grant=False, reason="Rent unpaid"
    )
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED
    # Dated as they happened: the expiry on its day, the refusal on the day it was decided.
    assert [e.kind for e in licence.events.all()] == [
        "granted", "renewal_filed", "expired", "renewal_refused",
    ]  # fmt: skip


def test_a_share_transferred_makes_a_co_holder_and_the_holders_whole_part_its_place(
    licence, officer, make_organisation
):
    first = licence.organisation
    ilunga = make_organisation("Coopérative Ilunga", "CD")
    kasai = make_organisation("Kasaï Mining SARL", "CD")
    services.licence_transfer(actor=officer, licence=licence, organisation=ilunga, share=30)
    services.licence_transfer(actor=officer, licence=licence, organisation=ilunga, share=10)
    services.licence_transfer(actor=officer, licence=licence, organisation=kasai, share=20)
    licence = Licence.objects.get(pk=licence.pk)
    assert licence.public_holders() == [(first.name, 40), (ilunga.name, 40), (kasai.name, 20)]
    shown = LayerFeature.objects.get(pk=licence.feature_id).holder
    assert shown == f"{first.name} (40 %), {ilunga.name} (40 %), {kasai.name} (20 %)"
    # The holder has 40 %: 41 is refused and nothing changes; 40 (exactly its part) moves it.
    with pytest.raises(ValidationError) as refused:
        services.licence_transfer(actor=officer, licence=licence, organisation=kasai, share=41)
    assert "40 %" in str(refused.value.message_dict["share"])
    assert Licence.objects.get(pk=licence.pk).holder_percent == 40
    services.licence_transfer(actor=officer, licence=licence, organisation=ilunga, share=40)
    licence = Licence.objects.get(pk=licence.pk)
    # Ilunga takes the holder's place with its own share: 80 %; the first holder is gone.
    assert licence.organisation == ilunga
    assert licence.public_holders() == [(ilunga.name, 80), (kasai.name, 20)]
    event = licence.events.filter(kind="transferred").last()
    assert event.details["holder_after"] == f"{ilunga.name} (80 %), {kasai.name} (20 %)"


def test_transfer_surrender_of_part_suspension_and_revocation_are_dated_events(
    licence, officer, make_organisation, make_site
):
    west, south, east, north = FREE
    inside_east = make_site("Est", "CD", latitude=(south + north) / 2, longitude=east - 0.001)
    other = make_organisation("Coopérative Ilunga", "CD")
    services.licence_transfer(actor=officer, licence=licence, organisation=other, share=40,
                              reason="Partnership")  # fmt: skip
    licence.refresh_from_db()
    assert licence.organisation != other  # a share: the holder stays
    services.licence_transfer(actor=officer, licence=licence, organisation=other, share=60,
                              reason="Sale")  # fmt: skip
    licence.refresh_from_db()
    assert licence.organisation == other
    assert licence.public_holders() == [(other.name, 100)]
    assert LayerFeature.objects.get(pk=licence.feature_id).holder == other.name
    # The eastern half is given up: the site there is no longer licensed.
    half = box((west + east) / 2, south, east, north)
    services.licence_surrender(actor=officer, licence=licence, part=half, reason="Not needed")
    licence.refresh_from_db()
    assert licence.area_ha == pytest.approx(
        area_hectares(box(west, south, (west + east) / 2, north)), rel=0.001
    )
    assert shape(licence.feature.geometry).equals(box(west, south, (west + east) / 2, north))
    assert SiteStanding.objects.get(site=inside_east).status == "informal"
    with pytest.raises(ValidationError, match="Say why"):
        services.licence_suspend(actor=officer, licence=licence, reason=" ")
    services.licence_suspend(actor=officer, licence=licence, reason="Mercury in the river")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.SUSPENDED and licence.feature is not None
    services.licence_reinstate(actor=officer, licence=licence, reason="Retorts installed")
    services.licence_revoke(actor=officer, licence=licence, reason="Child labour")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.REVOKED and licence.feature is None
    assert [e.kind for e in licence.events.all()] == [
        "granted", "transferred", "transferred", "surrendered", "suspended", "reinstated",
        "revoked",
    ]  # fmt: skip
    with pytest.raises(ValidationError, match="not open"):
        services.licence_suspend(actor=officer, licence=licence, reason="again")


def test_only_an_officer_of_the_country_or_the_holder_acts_on_a_licence(
    licence, make_user, applicant
):
    rwanda = make_user("uwase", role=User.Role.LICENSING_OFFICER, countries=["RW"])
    stranger = make_user("someone")
    for actor in (rwanda, stranger):
        for act in (
            lambda a: services.licence_suspend(actor=a, licence=licence, reason="x"),
            lambda a: services.licence_revoke(actor=a, licence=licence, reason="x"),
            lambda a: services.licence_renewal_file(actor=a, licence=licence),
            lambda a: services.licence_surrender(actor=a, licence=licence),
            lambda a: services.rent_invoices_issue(actor=a, country=licence.country),
        ):
            with pytest.raises(PermissionDenied):
                act(actor)
    # The holder may surrender it, not suspend it.
    with pytest.raises(PermissionDenied):
        services.licence_suspend(actor=applicant, licence=licence, reason="x")
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.VALID


def test_reminders_go_once_to_licences_expiring_within_ninety_days(licence):
    early = licence.expires_on - datetime.timedelta(days=91)
    assert list(life.licences_to_remind(today=early)) == []
    due = licence.expires_on - datetime.timedelta(days=90)
    assert list(life.licences_to_remind(today=due)) == [licence]
    life.licence_reminded(licence=licence, today=due)
    assert list(life.licences_to_remind(today=due)) == []


def test_the_rent_is_issued_once_a_year_at_that_year_s_rate_and_late_unpaid_is_flagged(
    licence, officer
):
    first_year = licence.granted_on
    made = services.rent_invoices_issue(actor=officer, country=licence.country, today=first_year)
    assert [(i.year, i.rate) for i in made] == [(1, Decimal("1.00"))]
    assert made[0].amount == (Decimal("1.00") * Decimal(str(licence.area_ha))).quantize(
        Decimal("0.01")
    )
    assert services.rent_invoices_issue(actor=officer, country=licence.country,
                                        today=first_year) == []  # fmt: skip
    third = life._years_later(first_year, 2)
    later = services.rent_invoices_issue(actor=officer, country=licence.country, today=third)
    assert [(i.year, i.rate) for i in later] == [(2, Decimal("2.50")), (3, Decimal("2.50"))]
    assert made[0].is_unpaid_late is False  # due 30 days after the year began
    RentInvoice.objects.filter(pk=made[0].pk).update(
        due_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    made[0].refresh_from_db()
    assert made[0].is_unpaid_late is True
    services.rent_invoice_pay(actor=officer, invoice=made[0], reference="BCC-1")
    made[0].refresh_from_db()
    assert made[0].is_unpaid_late is False and made[0].payment_reference == "BCC-1"
    with pytest.raises(ValidationError, match="already paid"):
        services.rent_invoice_pay(actor=officer, invoice=made[0])


def test_the_daily_round_expires_reminds_and_tells_officers_of_late_steps(
    licence, officer, applicant, small_scale, mailoutbox, monkeypatch
):
    from django.core.management import call_command

    from casm.licensing.models import Application

    officer.email, applicant.email = "lukusa@example.org", "kasongo@example.org"
    officer.save()
    applicant.save()
    Application.objects.filter(pk=licence.application_id).update(status="decision")
    Application.objects.filter(pk=licence.application_id).update(
        due_on=datetime.date.today() - datetime.timedelta(days=3)
    )
    Licence.objects.filter(pk=licence.pk).update(
        expires_on=datetime.date.today() + datetime.timedelta(days=30)
    )
    out = io.StringIO()
    call_command("licensing", "remind", stdout=out)
    assert (
        "licences expired: 0; expiry reminders sent: 1; officers told of overdue steps: 1"
        in out.getvalue()
    )
    subjects = sorted((m.to[0], m.subject) for m in mailoutbox)
    assert subjects == [
        ("kasongo@example.org", f"Licence {licence.number} expires on "
         f"{datetime.date.today() + datetime.timedelta(days=30):%Y-%m-%d}"),
        ("lukusa@example.org", "1 application past a step's deadline"),
        ("lukusa@example.org", f"Licence {licence.number} expires on "
         f"{datetime.date.today() + datetime.timedelta(days=30):%Y-%m-%d}"),
    ]  # fmt: skip
    out = io.StringIO()
    call_command("licensing", "remind", stdout=out)
    assert "expiry reminders sent: 0;" in out.getvalue()  # once each
    Licence.objects.filter(pk=licence.pk).update(
        expires_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    out = io.StringIO()
    call_command("licensing", "remind", stdout=out)
    assert out.getvalue().startswith("licences expired: 1;")
