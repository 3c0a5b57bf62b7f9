import datetime

import pytest
from django.urls import reverse

from casm.events.models import Registration
from casm.events.services import registration_create
from casm.events.tests.factories import make_event, registration_data

Status = Registration.Status


@pytest.fixture
def event(db):
    today = datetime.date.today()
    return make_event(
        capacity=1,
        starts_on=today + datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=32),
        registration_deadline=today + datetime.timedelta(days=20),
    )


def form_data(**extra):
    from casm.core.models import Country

    return {
        "full_name": "Ama Mensah",
        "organisation_name": "Tarkwa Miners",
        "organisation_kind": "miners",
        "country": Country.objects.get(alpha2="GH").pk,
        "gender": "woman",
        **extra,
    }


def test_it_shows_events_to_everyone_with_seats_left(client, event):
    response = client.get(reverse("events:event_list"))
    assert event.title in response.content.decode()
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "1 seats left of 1" in page
    assert "Sign in to register" in page


def _section(page, heading):
    """The text of the page's section under a heading, up to the next section."""
    start = page.index(f">{heading}</h2>")
    end = page.find("</section>", start)
    return page[start:end]


def test_past_events_are_listed_apart_without_seats(client, event):
    past = make_event(
        title="Atelier de Bukavu 2019", year=2019,
        starts_on=datetime.date(2019, 5, 6), ends_on=datetime.date(2019, 5, 8),
        registration_deadline=None,
    )  # fmt: skip
    page = client.get(reverse("events:event_list")).content.decode()
    coming, gone = _section(page, "Coming events"), _section(page, "Past events")
    assert event.title in coming and past.title not in coming
    assert "Seats left" in coming and "1 of 1" in coming
    assert past.title in gone and event.title not in gone
    assert "Seats left" not in gone and "Participants" in gone
    detail = client.get(reverse("events:event_detail", args=[past.pk])).content.decode()
    assert "seats left" not in detail
    assert "Registration is closed" in detail


def test_the_event_list_says_when_nothing_is_coming(client, db):
    make_event(starts_on=datetime.date(2019, 5, 6), ends_on=datetime.date(2019, 5, 8))
    page = client.get(reverse("events:event_list")).content.decode()
    assert "No event is coming up." in page


def test_a_member_registers_and_sees_the_confirmation(client, login, member, event):
    login(member)
    response = client.post(reverse("events:register", args=[event.pk]), form_data(), follow=True)
    page = response.content.decode()
    assert "is confirmed" in page
    assert Registration.objects.get(user=member).status == Status.CONFIRMED


def test_a_member_is_told_the_event_is_full(client, login, member, make_user, event):
    registration_create(actor=make_user("holder"), event=event, data=registration_data())
    login(member)
    page = client.post(
        reverse("events:register", args=[event.pk]), form_data(), follow=True
    ).content.decode()
    assert "The event is full; you are number 1 on the waiting list" in page


def test_a_member_cancels_from_my_registrations(client, login, member, event):
    registration = registration_create(actor=member, event=event, data=registration_data())
    login(member)
    page = client.get(reverse("events:my_registrations")).content.decode()
    assert event.title in page
    client.post(reverse("events:registration_cancel", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_a_member_cannot_cancel_someone_elses_registration(client, login, member, make_user, event):
    registration = registration_create(
        actor=make_user("other"), event=event, data=registration_data()
    )
    login(member)
    response = client.post(reverse("events:registration_cancel", args=[registration.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["event_edit", "agenda", "attendees", "attendees_csv", "badges", "check_in", "statistics"],
)
def test_secretariat_pages_refuse_members(client, login, member, event, name):
    login(member)
    assert client.get(reverse(f"events:{name}", args=[event.pk])).status_code == 403


def test_secretariat_pages_need_a_signed_in_user(client, event):
    response = client.get(reverse("events:attendees", args=[event.pk]))
    assert response.status_code == 302


def test_the_secretariat_creates_an_event_and_adds_a_session(client, login, admin_user):
    login(admin_user)
    response = client.post(
        reverse("events:event_create"),
        {
            "kind": "workshop",
            "title": "Mercury-free gold processing",
            "year": 2027,
            "starts_on": "2027-05-01",
            "ends_on": "2027-05-02",
            "capacity": 40,
        },
        follow=True,
    )
    assert "Mercury-free gold processing" in response.content.decode()
    event = response.context["event"]
    client.post(
        reverse("events:agenda", args=[event.pk]),
        {
            "action": "add_session",
            "session-title": "Retorts in practice",
            "session-starts_at": "2027-05-01T09:00",
            "session-ends_at": "2027-05-01T10:30",
        },
    )
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "Retorts in practice" in page


def test_the_secretariat_downloads_attendees_badges_and_checks_people_in(
    client, login, admin_user, member, event
):
    registration = registration_create(
        actor=member, event=event, data=registration_data(full_name="Ama Mensah")
    )
    login(admin_user)
    csv_text = client.get(reverse("events:attendees_csv", args=[event.pk])).content.decode()
    assert "Ama Mensah" in csv_text
    pdf = client.get(reverse("events:badges", args=[event.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    page = client.get(reverse("events:check_in", args=[event.pk]), {"q": "ama"}).content.decode()
    assert "Ama Mensah" in page
    client.post(reverse("events:check_in", args=[event.pk]), {"registration": registration.pk})
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    stats = client.get(reverse("events:statistics", args=[event.pk])).content.decode()
    assert "Countries represented" in stats
    years = client.get(reverse("events:statistics_years")).content.decode()
    assert "Annual conferences" in years


def test_the_calendar_file_describes_the_event(client, event):
    response = client.get(reverse("events:event_calendar", args=[event.pk]))
    assert response["Content-Type"] == "text/calendar"
    text = response.content.decode()
    assert "BEGIN:VEVENT" in text
    assert "SUMMARY:CASM Annual Conference" in text


def test_list_pages_read_a_fixed_number_of_queries(
    client, login, admin_user, make_user, django_assert_max_num_queries
):
    for number in range(5):
        event = make_event(title=f"Workshop {number}", capacity=3)
        for person in range(3):
            registration_create(
                actor=make_user(f"p{number}-{person}"),
                event=event,
                data=registration_data(),
                today=datetime.date(2026, 11, 22),
            )
    with django_assert_max_num_queries(4):
        client.get(reverse("events:event_list"))
    login(admin_user)
    with django_assert_max_num_queries(12):
        client.get(reverse("events:attendees", args=[event.pk]))


def test_the_network_pillar_links_to_the_events(client, db):
    page = client.get(reverse("core:pillar", args=["network"])).content.decode()
    assert reverse("events:event_list") in page


def test_the_secretariat_adds_and_removes_a_field_visit(client, login, admin_user, event):
    login(admin_user)
    url = reverse("events:agenda", args=[event.pk])
    client.post(
        url,
        {
            "action": "add_visit",
            "visit-title": "Tarkwa small-scale gold mines",
            "visit-date": str(event.starts_on),
            "visit-capacity": 30,
            "visit-transport": "Bus",
        },
    )
    visit = event.field_visits.get()
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "Tarkwa small-scale gold mines" in page
    register_page = client.get(reverse("events:register", args=[event.pk])).content.decode()
    assert "Tarkwa small-scale gold mines" in register_page
    client.post(url, {"action": "delete_visit", "id": visit.pk})
    assert not event.field_visits.exists()


def test_a_late_registration_is_refused_on_the_page(client, login, member, db):
    past = make_event(
        starts_on=datetime.date.today() + datetime.timedelta(days=5),
        ends_on=datetime.date.today() + datetime.timedelta(days=6),
        registration_deadline=datetime.date.today() - datetime.timedelta(days=1),
    )
    page = client.get(reverse("events:event_detail", args=[past.pk])).content.decode()
    assert "Registration is closed" in page
    login(member)
    response = client.post(reverse("events:register", args=[past.pk]), form_data())
    assert "Registration closed on" in response.content.decode()
    assert not Registration.objects.exists()
