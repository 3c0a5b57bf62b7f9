"""Registering for a conference in a real browser: a member joins the waiting list of a full
conference, is promoted when the seat holder cancels, and the secretariat prints the badges."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from casm.core.models import Country
from casm.events.models import Event, Registration
from casm.events.services import registration_create
from tests.browser.pages import sign_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back the countries.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_member_waits_is_promoted_and_the_secretariat_prints_badges(
    new_page, live_server, make_user, member, admin_user, tmp_path
):
    ghana = Country.objects.get(alpha2="GH")
    today = datetime.date.today()
    event = Event.objects.create(
        kind=Event.Kind.CONFERENCE,
        title="CASM Annual Conference",
        year=today.year,
        host_country=ghana,
        city="Accra",
        starts_on=today + datetime.timedelta(days=40),
        ends_on=today + datetime.timedelta(days=42),
        registration_deadline=today + datetime.timedelta(days=20),
        capacity=1,
    )
    holder = make_user("holder")
    registration_create(
        actor=holder, event=event, data={"country": ghana, "full_name": "Kofi Owusu"}
    )

    # The member registers for the full conference and is put on the waiting list.
    page = new_page()
    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/events/{event.pk}/")
    expect(page.locator("#seats")).to_contain_text("0 seats left of 1")
    page.get_by_role("link", name="Join the waiting list").click()
    form = page.locator("main form")
    form.locator("[name=full_name]").fill("Ama Mensah")
    form.locator("[name=organisation_name]").fill("Tarkwa Small-Scale Miners")
    form.locator("[name=country]").select_option(str(ghana.pk))
    form.locator("[name=gender]").select_option("woman")
    form.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(
        "The event is full; you are number 1 on the waiting list"
    )
    expect(page.locator("#my-registration")).to_contain_text("on the waiting list")

    # The seat holder cancels from their registrations page.
    other = new_page()
    sign_in(other, live_server, holder)
    other.goto(f"{live_server.url}/events/mine/")
    other.get_by_role("button", name="Cancel").click()
    expect(other.locator("body")).to_contain_text("Your registration is cancelled")

    # The member's page now shows a confirmed seat.
    page.reload()
    expect(page.locator("#my-registration")).to_contain_text("confirmed")
    assert Registration.objects.get(user=member).status == Registration.Status.CONFIRMED

    # The secretariat downloads the badges.
    office = new_page()
    sign_in(office, live_server, admin_user)
    office.goto(f"{live_server.url}/events/{event.pk}/attendees/")
    expect(office.locator("main")).to_contain_text("Ama Mensah")
    with office.expect_download() as download_info:
        office.locator("#badges").click()
    path = tmp_path / "badges.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    office.goto(f"{live_server.url}/events/{event.pk}/")
