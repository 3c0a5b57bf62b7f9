"""`casm events remind [--days N]` and `casm events export-attendees EVENT_ID [--output F]`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casm.events.exports import attendees_csv
from casm.events.models import Event
from casm.events.services import registrations_remind


class Command(BaseCommand):
    help = (
        "Events. `remind` e-mails each confirmed attendee of the events starting within --days "
        "days (default 7), once. `export-attendees EVENT_ID` writes the event's attendee list "
        "as CSV to --output (default: the standard output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["remind", "export-attendees"], help="what to do")
        parser.add_argument("event_id", nargs="?", type=int, help="the event (export-attendees)")
        parser.add_argument("--days", type=int, default=7, help="remind: events within N days")
        parser.add_argument("--output", help="export-attendees: the CSV file to write")
        parser.add_argument(
            "--waiting", action="store_true", help="export-attendees: include the waiting list"
        )

    def handle(self, *args, **options):
        if options["action"] == "remind":
            if options["days"] < 0:
                raise CommandError("--days cannot be negative")
            sent = registrations_remind(days=options["days"])
            self.stdout.write(f"{sent} reminder(s) sent")
            return
        if options["event_id"] is None:
            raise CommandError("export-attendees needs an EVENT_ID")
        event = Event.objects.filter(pk=options["event_id"]).first()
        if event is None:
            raise CommandError(f"no event {options['event_id']}")
        text = attendees_csv(event, include_waiting=options["waiting"])
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(
                f"{text.count(chr(10)) - 1} attendee(s) written to {options['output']}"
            )
        else:
            sys.stdout.write(text)
