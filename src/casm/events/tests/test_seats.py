"""Seats and waiting lists as the people registering see them: each event counted apart, the
messages they read, the days registration is open, who the audit trail names."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent
from casm.events.models import Registration
from casm.events.services import field_visit_create, registration_cancel, registration_create
from casm.events.tests.factories import TODAY, make_event, registration_data

Status = Registration.Status


def register(user, event, today=TODAY, **extra):
    return registration_create(
        actor=user, event=event, data=registration_data(**extra), today=today
    )


def positions(*registrations):
    found = []
    for registration in registrations:
        registration.refresh_from_db()
        found.append((registration.status, registration.waiting_position))
    return found


def test_each_event_has_its_own_seats_and_waiting_list(make_user):
    other = make_event(title="Other", capacity=1)
    there = [register(make_user(name), other) for name in ("xo", "yo", "zo")]
    event = make_event(capacity=1)
    ama, bo, cy, di = (register(make_user(name), event) for name in ("ama", "bo", "cy", "di"))
    assert positions(ama, bo, cy, di) == [
        (Status.CONFIRMED, None),
        (Status.WAITING, 1),
        (Status.WAITING, 2),
        (Status.WAITING, 3),
    ]
    registration_cancel(actor=cy.user, registration=cy)  # the middle of the list
    assert positions(bo, di) == [(Status.WAITING, 1), (Status.WAITING, 2)]
    registration_cancel(actor=bo.user, registration=bo)  # the head of the list
    assert positions(di) == [(Status.WAITING, 1)]
    registration_cancel(actor=ama.user, registration=ama)  # a seat for the first waiting
    assert positions(di) == [(Status.CONFIRMED, None)]
    assert positions(*there) == [
        (Status.CONFIRMED, None),
        (Status.WAITING, 1),
        (Status.WAITING, 2),
    ]


def test_a_cancelled_registration_frees_its_seat(make_user):
    event = make_event(capacity=2)
    leaving = register(make_user("ama"), event)
    registration_cancel(actor=leaving.user, registration=leaving)
    seats = [register(make_user(name), event) for name in ("bo", "cy")]
    assert [registration.status for registration in seats] == [Status.CONFIRMED] * 2


def test_registration_is_open_on_the_deadline_and_on_the_last_day(make_user):
    event = make_event(capacity=5)
    on_deadline = register(make_user("ama"), event, today=event.registration_deadline)
    assert on_deadline.status == Status.CONFIRMED
    open_until_the_end = make_event(capacity=5, registration_deadline=None)
    last_day = register(make_user("bo"), open_until_the_end, today=open_until_the_end.ends_on)
    assert last_day.status == Status.CONFIRMED


def test_the_refusals_say_why(member, make_user, admin_user):
    event = make_event(capacity=5)
    with pytest.raises(ValidationError) as closed:
        register(member, event, today=datetime.date(2027, 3, 1))
    assert closed.value.messages == ["Registration closed on 28 February 2027."]
    past = make_event(
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 1, 2),
        registration_deadline=None,
    )
    with pytest.raises(ValidationError) as over:
        register(member, past)
    assert over.value.messages == ["This event is over; registration is closed."]
    elsewhere = field_visit_create(
        actor=admin_user,
        event=make_event(title="Another"),
        data={"title": "Elsewhere", "date": datetime.date(2027, 3, 12), "capacity": 5},
    )
    with pytest.raises(ValidationError) as wrong_visit:
        register(member, event, field_visit=elsewhere)
    assert wrong_visit.value.message_dict == {
        "field_visit": ["This field visit belongs to another event."]
    }
    visit = field_visit_create(
        actor=admin_user,
        event=event,
        data={"title": "Tarkwa mines", "date": datetime.date(2027, 3, 12), "capacity": 1},
    )
    register(make_user("ama"), event, field_visit=visit)
    with pytest.raises(ValidationError) as full:
        register(member, event, field_visit=visit)
    assert full.value.message_dict == {"field_visit": ["This field visit is full."]}
    mine = register(member, event)
    with pytest.raises(ValidationError) as twice:
        register(member, event)
    assert twice.value.messages == ["You are already registered for this event."]
    with pytest.raises(PermissionDenied) as not_mine:
        registration_cancel(actor=make_user("bo"), registration=mine)
    assert str(not_mine.value) == "You may only cancel your own registrations."
    registration_cancel(actor=member, registration=mine)
    with pytest.raises(ValidationError) as again:
        registration_cancel(actor=member, registration=mine)
    assert again.value.messages == ["This registration is already cancelled."]


def test_two_registrations_of_one_person_at_once_give_one_answer(member):
    """The other request's registration reaches the database between this one's checks and
    its own row: the database refuses the second, and the person reads the same message."""
    from django.db.models.signals import pre_save

    event = make_event(capacity=5)

    def other_request_first(sender, instance, **kwargs):
        if instance.pk is None and instance.user_id == member.pk:
            Registration.objects.bulk_create(
                [Registration(event=event, user=member, full_name="Mary", **registration_data())]
            )

    pre_save.connect(other_request_first, sender=Registration)
    try:
        with pytest.raises(ValidationError) as twice:
            register(member, event)
    finally:
        pre_save.disconnect(other_request_first, sender=Registration)
    assert twice.value.messages == ["You are already registered for this event."]


def test_a_registration_takes_the_organisation_s_name_and_kind(member, ghana_cooperative):
    event = make_event(capacity=5)
    registration = register(member, event, organisation=ghana_cooperative)
    registration.refresh_from_db()
    assert registration.organisation_name == "Tarkwa Small-Scale Miners Association"
    assert registration.organisation_kind == "miners"
    event_two = make_event(capacity=5, title="Roundtable")
    as_given = register(
        member,
        event_two,
        organisation=ghana_cooperative,
        organisation_name="TSSMA",
        organisation_kind="ngo",
    )
    as_given.refresh_from_db()
    assert (as_given.organisation_name, as_given.organisation_kind) == ("TSSMA", "ngo")


def test_the_audit_trail_names_who_registered_cancelled_and_freed_the_seat(make_user):
    event = make_event(capacity=1)
    holder = register(make_user("ama"), event)
    waiting = register(make_user("bo"), event)
    registration_cancel(actor=holder.user, registration=holder)

    def actors(registration):
        events = AuditEvent.objects.filter(
            model__iendswith="registration", object_id=str(registration.pk)
        )
        return sorted((event.action, event.actor.username) for event in events)

    assert actors(holder) == [("create", "ama"), ("update", "ama")]
    assert actors(waiting) == [("create", "bo"), ("update", "ama")]


def test_a_promotion_keeps_a_field_visit_with_room_and_says_nothing_of_it(
    django_capture_on_commit_callbacks, make_user, admin_user
):
    event = make_event(capacity=1)
    visit = field_visit_create(
        actor=admin_user,
        event=event,
        data={"title": "Tarkwa mines", "date": datetime.date(2027, 3, 12), "capacity": 5},
    )
    holder = register(make_user("ama"), event)
    waiting = register(make_user("bo"), event, field_visit=visit)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(actor=holder.user, registration=holder)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED and waiting.field_visit == visit
    assert "seat has freed up" in mail.outbox[0].body
    assert "is full" not in mail.outbox[0].body
