"""The events API as its users meet it: public reads, members registering for themselves, the
secretariat managing everyone; each endpoint answers every persona as their rights allow."""

import datetime

import pytest

from casm.events.models import Registration
from casm.events.services import registration_create
from casm.events.tests.factories import make_event, registration_data

pytestmark = pytest.mark.django_db
Status = Registration.Status
API = "/api/v1/events"


@pytest.fixture
def event(db):
    today = datetime.date.today()
    return make_event(
        capacity=1,
        starts_on=today + datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=31),
        registration_deadline=None,
    )


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


def test_anyone_reads_events_and_their_agenda(client, event):
    body = client.get(API).json()
    assert body["count"] == 1
    assert body["items"][0]["title"] == event.title
    assert body["items"][0]["seats_left"] == 1
    assert body["items"][0]["host_country"] == "GH"
    assert client.get(f"{API}/{event.pk}").json()["id"] == event.pk
    assert client.get(f"{API}/{event.pk}/sessions").json()["items"] == []
    assert client.get(f"{API}/{event.pk}/field-visits").json()["items"] == []
    assert error_of(client.get(f"{API}/999999"))["code"] == "not_found"


def test_only_the_secretariat_creates_events(client, token_for, member, admin_user):
    payload = {
        "kind": "webinar",
        "title": "Gender in ASM",
        "year": 2027,
        "host_country": "gh",
        "starts_on": "2027-06-01",
        "ends_on": "2027-06-01",
        "capacity": 100,
    }
    assert client.post(API, payload, content_type="application/json").status_code == 401
    response = client.post(API, payload, content_type="application/json", **token_for(member))
    assert response.status_code == 403
    response = client.post(API, payload, content_type="application/json", **token_for(admin_user))
    assert response.status_code == 201
    assert response.json()["host_country"] == "GH"
    bad = client.post(
        API, {**payload, "ends_on": "2027-05-01"}, content_type="application/json",
        **token_for(admin_user),
    )  # fmt: skip
    assert bad.status_code == 422


def test_registering_needs_a_signed_in_member(client, event):
    response = client.post(
        f"{API}/{event.pk}/register", {"country": "GH"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_a_member_registers_then_waits_then_is_promoted(
    client, token_for, member, make_user, event
):
    holder = make_user("holder")
    first = client.post(
        f"{API}/{event.pk}/register", {"country": "GH", "gender": "man"},
        content_type="application/json", **token_for(holder),
    )  # fmt: skip
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    second = client.post(
        f"{API}/{event.pk}/register", {"country": "CD"},
        content_type="application/json", **token_for(member),
    )  # fmt: skip
    assert second.json()["status"] == "waiting"
    assert "you are number 1 on the waiting list" in second.json()["message"]
    again = client.post(
        f"{API}/{event.pk}/register", {"country": "CD"},
        content_type="application/json", **token_for(member),
    )  # fmt: skip
    assert again.status_code == 422
    assert "already registered" in error_of(again)["details"][0]["message"]
    cancelled = client.post(
        f"{API}/registrations/{first.json()['id']}/cancel", **token_for(holder)
    ).json()
    assert cancelled["registration"]["status"] == "cancelled"
    assert cancelled["promoted_id"] == second.json()["id"]
    mine = client.get(f"{API}/registrations", **token_for(member)).json()
    assert [item["status"] for item in mine["items"]] == ["confirmed"]


def test_a_member_sees_and_cancels_only_their_own_registrations(
    client, token_for, member, make_user, event
):
    other = registration_create(actor=make_user("other"), event=event, data=registration_data())
    assert client.get(f"{API}/registrations", **token_for(member)).json()["count"] == 0
    assert client.get(f"{API}/registrations/{other.pk}", **token_for(member)).status_code == 404
    response = client.post(f"{API}/registrations/{other.pk}/cancel", **token_for(member))
    assert response.status_code == 404
    assert client.get(f"{API}/registrations").status_code == 401


def test_the_secretariat_sees_everyone_checks_in_and_exports(
    client, token_for, member, admin_user, event
):
    registration = registration_create(
        actor=member, event=event, data=registration_data(full_name="Ama Mensah")
    )
    admin = token_for(admin_user)
    assert client.get(f"{API}/registrations?event={event.pk}", **admin).json()["count"] == 1
    response = client.post(f"{API}/registrations/{registration.pk}/check-in", **token_for(member))
    assert response.status_code == 403
    checked = client.post(f"{API}/registrations/{registration.pk}/check-in", **admin).json()
    assert checked["checked_in_at"] is not None
    assert client.get(f"{API}/{event.pk}/attendees.csv", **token_for(member)).status_code == 403
    csv_text = client.get(f"{API}/{event.pk}/attendees.csv", **admin).content.decode()
    assert "Ama Mensah" in csv_text
    assert client.get(f"{API}/{event.pk}/statistics", **token_for(member)).status_code == 403
    stats = client.get(f"{API}/{event.pk}/statistics", **admin).json()
    assert stats["attendees"] == 1 and stats["checked_in"] == 1


def test_only_the_secretariat_changes_events_and_their_agenda(
    client, token_for, member, admin_user, make_user, event
):
    waiting_for = make_user("first")
    registration_create(actor=make_user("holder"), event=event, data=registration_data())
    waiting = registration_create(actor=waiting_for, event=event, data=registration_data())
    patch = {"capacity": 2}
    url = f"{API}/{event.pk}"
    assert client.patch(url, patch, content_type="application/json").status_code == 401
    response = client.patch(url, patch, content_type="application/json", **token_for(member))
    assert response.status_code == 403
    response = client.patch(url, patch, content_type="application/json", **token_for(admin_user))
    assert response.json()["capacity"] == 2
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED

    session = {
        "title": "Opening plenary",
        "starts_at": "2030-01-01T09:00:00Z",
        "ends_at": "2030-01-01T10:00:00Z",
    }
    sessions = f"{API}/{event.pk}/sessions"
    response = client.post(sessions, session, content_type="application/json", **token_for(member))
    assert response.status_code == 403
    response = client.post(
        sessions, session, content_type="application/json", **token_for(admin_user)
    )
    assert response.status_code == 201
    assert [row["title"] for row in client.get(sessions).json()["items"]] == ["Opening plenary"]
    backwards = {**session, "ends_at": "2030-01-01T08:00:00Z"}
    response = client.post(
        sessions, backwards, content_type="application/json", **token_for(admin_user)
    )
    assert response.status_code == 422

    visit = {"title": "Tarkwa mines", "date": "2030-01-02", "capacity": 20}
    visits = f"{API}/{event.pk}/field-visits"
    assert client.post(visits, visit, content_type="application/json").status_code == 401
    response = client.post(visits, visit, content_type="application/json", **token_for(member))
    assert response.status_code == 403
    response = client.post(visits, visit, content_type="application/json", **token_for(admin_user))
    assert response.status_code == 201
    assert client.get(visits).json()["items"][0]["capacity"] == 20
