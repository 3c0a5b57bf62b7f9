import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent
from casm.events.models import Event, Registration
from casm.events.selectors import event_statistics, statistics_by_year
from casm.events.services import (
    event_create,
    event_update,
    registration_cancel,
    registration_check_in,
    registration_create,
    registrations_remind,
)
from casm.events.tests.factories import TODAY, make_event, registration_data

Status = Registration.Status


@pytest.fixture
def event(db):
    return make_event(capacity=2)


def register(user, event, **extra):
    return registration_create(
        actor=user, event=event, data=registration_data(**extra), today=TODAY
    )


def test_it_confirms_while_seats_are_left_and_mails_the_person(
    django_capture_on_commit_callbacks, event, member
):
    with django_capture_on_commit_callbacks(execute=True):
        registration = register(member, event)
    assert registration.status == Status.CONFIRMED
    assert registration.first_time
    assert mail.outbox[0].to == [member.email]
    assert "confirmed" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(object_id=str(registration.pk)).exists()


def test_it_puts_people_on_the_waiting_list_when_full(event, make_user):
    for name in ("ama", "kofi"):
        register(make_user(name), event)
    third = register(make_user("esi"), event)
    fourth = register(make_user("yaw"), event)
    assert third.status == Status.WAITING
    assert third.waiting_position == 1
    assert fourth.waiting_position == 2
    from casm.events.services import registration_message

    assert "the event is full; you are number 2 on the waiting list" in (
        registration_message(fourth).lower()
    )


def test_it_refuses_a_registration_after_the_deadline(event, member):
    with pytest.raises(ValidationError, match="Registration closed"):
        registration_create(
            actor=member,
            event=event,
            data=registration_data(),
            today=datetime.date(2027, 3, 1),
        )
    assert not Registration.objects.exists()


def test_it_refuses_a_duplicate_registration(event, member):
    register(member, event)
    with pytest.raises(ValidationError, match="already registered"):
        register(member, event)
    assert Registration.objects.count() == 1


def test_it_lets_a_person_register_again_after_cancelling(event, member):
    registration_cancel(actor=member, registration=register(member, event))
    assert register(member, event).status == Status.CONFIRMED


def test_it_refuses_anonymous_people(event):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        register(AnonymousUser(), event)


def test_cancelling_promotes_the_first_on_the_waiting_list(
    django_capture_on_commit_callbacks, event, make_user
):
    holders = [register(make_user(name), event) for name in ("ama", "kofi")]
    first = register(make_user("esi"), event)
    second = register(make_user("yaw"), event)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = registration_cancel(actor=holders[0].user, registration=holders[0])
    assert promoted is not None and promoted.pk == first.pk
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.CONFIRMED and first.waiting_position is None
    assert second.status == Status.WAITING and second.waiting_position == 1
    assert [message.to for message in mail.outbox] == [[first.user.email]]
    assert "seat" in mail.outbox[0].subject.lower()


def test_cancelling_a_waiting_place_moves_the_others_up(event, make_user):
    for name in ("ama", "kofi"):
        register(make_user(name), event)
    first = register(make_user("esi"), event)
    second = register(make_user("yaw"), event)
    registration_cancel(actor=first.user, registration=first)
    second.refresh_from_db()
    assert second.waiting_position == 1


def test_a_member_cannot_cancel_someone_elses_registration(event, member, make_user):
    registration = register(make_user("ama"), event)
    with pytest.raises(PermissionDenied):
        registration_cancel(actor=member, registration=registration)


def test_more_seats_promote_the_waiting_list(event, make_user, admin_user):
    for name in ("ama", "kofi", "esi"):
        register(make_user(name), event)
    event_update(actor=admin_user, event=event, data={"capacity": 3})
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 3


def test_only_the_secretariat_creates_events(member, admin_user, country):
    data = {
        "kind": Event.Kind.WORKSHOP,
        "title": "Mercury-free processing",
        "year": 2027,
        "starts_on": datetime.date(2027, 5, 1),
        "ends_on": datetime.date(2027, 5, 2),
        "capacity": 30,
    }
    with pytest.raises(PermissionDenied):
        event_create(actor=member, data=data)
    with pytest.raises(ValidationError) as error:
        event_create(actor=admin_user, data={**data, "ends_on": datetime.date(2027, 4, 1)})
    assert "ends_on" in error.value.message_dict
    assert event_create(actor=admin_user, data=data).title == "Mercury-free processing"


def test_check_in_marks_a_confirmed_attendee_once(event, member, admin_user):
    registration = register(member, event)
    with pytest.raises(PermissionDenied):
        registration_check_in(actor=member, registration=registration)
    registration = registration_check_in(actor=admin_user, registration=registration)
    assert registration.checked_in_at is not None
    with pytest.raises(ValidationError, match="already checked in"):
        registration_check_in(actor=admin_user, registration=registration)


def test_reminders_go_once_to_confirmed_attendees_of_events_soon(event, make_user):
    for name in ("ama", "kofi", "esi"):
        register(make_user(name), event)
    mail.outbox.clear()
    assert registrations_remind(days=7, today=datetime.date(2027, 3, 1)) == 0
    assert registrations_remind(days=10, today=datetime.date(2027, 3, 1)) == 2
    assert registrations_remind(days=10, today=datetime.date(2027, 3, 1)) == 0
    assert len(mail.outbox) == 2
    assert "Reminder" in mail.outbox[0].subject


def test_statistics_count_countries_gender_and_first_timers(make_user):
    earlier = make_event(
        year=2026,
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 2),
        registration_deadline=None,
        capacity=10,
    )
    later = make_event(capacity=10)
    ama, kofi = make_user("ama"), make_user("kofi")
    register(ama, earlier)
    register(ama, later, code="CD")
    register(kofi, later, gender="man")
    figures = event_statistics(later)
    assert figures["attendees"] == 2
    assert figures["countries"] == 2
    assert figures["by_gender"] == {"man": 1, "woman": 1}
    assert figures["first_time"] == 1
    years = statistics_by_year()
    assert [(row["year"], row["attendees"], row["women"]) for row in years] == [
        (2026, 1, 1),
        (2027, 2, 1),
    ]


def test_a_full_field_visit_is_refused_with_nothing_written(event, make_user, admin_user):
    from casm.events.services import field_visit_create

    visit = field_visit_create(
        actor=admin_user,
        event=event,
        data={"title": "Tarkwa mines", "date": datetime.date(2027, 3, 12), "capacity": 1},
    )
    register(make_user("ama"), event, field_visit=visit)
    with pytest.raises(ValidationError) as error:
        register(make_user("kofi"), event, field_visit=visit)
    assert "field_visit" in error.value.message_dict
    assert Registration.objects.count() == 1


def test_a_promotion_rechecks_the_field_visit_and_never_overfills_it(
    django_capture_on_commit_callbacks, event, make_user, admin_user
):
    from casm.events.services import field_visit_create

    visit = field_visit_create(
        actor=admin_user,
        event=event,
        data={"title": "Tarkwa mines", "date": datetime.date(2027, 3, 12), "capacity": 1},
    )
    register(make_user("ama"), event, field_visit=visit)  # the visit's one place
    leaving = register(make_user("kofi"), event)  # the event is now full
    waiting = register(make_user("esi"), event, field_visit=visit)
    assert waiting.status == Status.WAITING
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = registration_cancel(actor=leaving.user, registration=leaving)
    waiting.refresh_from_db()
    assert promoted is not None and promoted.pk == waiting.pk
    assert waiting.status == Status.CONFIRMED and waiting.field_visit is None
    on_visit = visit.registrations.filter(status=Status.CONFIRMED).count()
    assert on_visit == visit.capacity == 1
    assert "Tarkwa mines, is full" in mail.outbox[0].body


def test_a_field_visit_of_another_event_is_refused(event, member, admin_user):
    from casm.events.services import field_visit_create

    other = make_event(title="Another")
    visit = field_visit_create(
        actor=admin_user,
        event=other,
        data={"title": "Elsewhere", "date": datetime.date(2027, 3, 12), "capacity": 5},
    )
    with pytest.raises(ValidationError, match="another event"):
        register(member, event, field_visit=visit)


def test_registration_is_closed_once_the_event_is_over(member):
    past = make_event(
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 1, 2),
        registration_deadline=None,
    )
    with pytest.raises(ValidationError, match="over"):
        register(member, past)
