import datetime

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from casm.events.services import registration_create
from casm.events.tests.factories import TODAY, make_event, registration_data


def test_export_attendees_writes_a_csv_file(db, member, tmp_path):
    event = make_event()
    registration_create(
        actor=member, event=event, data=registration_data(full_name="Ama Mensah"), today=TODAY
    )
    output = tmp_path / "attendees.csv"
    call_command("events", "export-attendees", str(event.pk), "--output", str(output))
    lines = output.read_text().splitlines()
    assert lines[0].startswith("full_name,organisation")
    assert lines[1].startswith("Ama Mensah,")
    assert ",GH," in lines[1]


def test_remind_mails_attendees_of_events_starting_soon(db, member, capsys):
    today = timezone.localdate()
    event = make_event(
        starts_on=today + datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=4),
        registration_deadline=None,
    )
    registration_create(actor=member, event=event, data=registration_data())
    mail.outbox.clear()
    call_command("events", "remind", "--days", "5")
    assert "1 reminder(s) sent" in capsys.readouterr().out
    assert mail.outbox[0].to == [member.email]
