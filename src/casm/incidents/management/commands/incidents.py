"""``casm incidents daily``: the daily round (reports waiting more than seven days for their
triage and investigations past their deadline are escalated; run it from cron).

``casm incidents statistics [--country CD] [--year 2026] [--output F.csv]``: the public counts
by country, year, province and kind, as CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from casm.core.audit import audit_source
from casm.core.models import AuditEvent
from casm.core.tables import csv_chunks
from casm.incidents import exports, selectors, services
from casm.registry.selectors import country_by_code


class Command(BaseCommand):
    help = (
        "daily (escalate the reports not triaged within seven days and the investigations past "
        "their deadline) | statistics (the public counts as CSV)"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["daily", "statistics"])
        parser.add_argument("--country", help="statistics: ISO code of the country")
        parser.add_argument("--year", type=int, help="statistics: the year of the incidents")
        parser.add_argument("--output", help="statistics: the CSV file (default: standard output)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "daily":
            with audit_source(AuditEvent.Source.CLI):
                count = services.incidents_escalate()
            self.stdout.write(self.style.SUCCESS(f"{count} incidents escalated as overdue."))
            return
        filters: dict[str, Any] = {"year": options.get("year")}
        if options.get("country"):
            filters["country"] = country_by_code(options["country"])
            if filters["country"] is None:
                raise CommandError(f"unknown country {options['country']!r}")
        table = exports.statistics_table(selectors.incident_statistics(filters))
        output = options.get("output")
        if output:
            with Path(output).open("wb") as handle:
                for chunk in csv_chunks(table):
                    handle.write(chunk)
            self.stdout.write(self.style.SUCCESS(f"Wrote {output}."))
        else:
            for chunk in csv_chunks(table):
                sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
