"""Seats are never oversold: 200 people register at once for 100 seats, each from a thread
with its own database connection."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import OperationalError, connection

from casm.accounts.models import User
from casm.events.models import Registration
from casm.events.services import registration_create
from casm.events.tests.factories import TODAY, make_event, registration_data

Status = Registration.Status


# serialized_rollback: the countries loaded by migrations come back even after another
# transactional test has flushed the tables.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_concurrent_registrations_fill_100_seats_and_the_waiting_list_exactly():
    event = make_event(capacity=100)
    users = User.objects.bulk_create(
        User(username=f"person{number}", email=f"person{number}@example.org")
        for number in range(200)
    )
    data = registration_data()

    def register(user):
        try:
            for _attempt in range(500):
                try:
                    return registration_create(
                        actor=user, event=event, data=data, today=TODAY
                    ).status
                except OperationalError as exc:
                    # The suite's SQLite database lives in memory with a shared cache, where a
                    # second writer is refused at once instead of waiting; it tries again, as a
                    # person would. A file database (the benchmark) waits for the lock instead.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
            raise AssertionError("the database stayed locked")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(register, users))

    assert statuses.count(Status.CONFIRMED) == 100
    assert statuses.count(Status.WAITING) == 100
    assert Registration.objects.filter(event=event, status=Status.CONFIRMED).count() == 100
    positions = sorted(
        Registration.objects.filter(event=event, status=Status.WAITING).values_list(
            "waiting_position", flat=True
        )
    )
    assert positions == list(range(1, 101))
