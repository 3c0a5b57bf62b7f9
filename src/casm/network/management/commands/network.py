"""`casm network import-organisations FILE.csv` and `casm network export-organisations`."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casm.accounts.models import Organisation
from casm.core.audit import audit_source
from casm.core.models import AuditEvent
from casm.network.bulk import COLUMNS, organisations_csv, organisations_import


class Command(BaseCommand):
    help = (
        "The network directory. `import-organisations FILE.csv` creates or updates "
        f"organisations from the columns {', '.join(COLUMNS)} (countries of work: alpha-2 "
        "codes separated by ';'); an organisation is the same one when its name and country "
        "are. Rows count from 2 (the header is row 1); a bad row is reported and skipped. "
        "`export-organisations` writes the directory's organisations in the same columns."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import-organisations", "export-organisations"])
        parser.add_argument("file", nargs="?", help="the CSV file to import")
        parser.add_argument("--output", help="where to write the export (default: standard output)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args, **options):
        if options["action"] == "export-organisations":
            organisations = (
                Organisation.objects.filter(is_network_member=True)
                .select_related("country")
                .prefetch_related("countries_of_work")
            )
            text = organisations_csv(organisations)
            if options["output"]:
                with open(options["output"], "w", encoding="utf-8", newline="") as out:
                    out.write(text)
            else:
                sys.stdout.write(text)
            return
        if not options["file"]:
            raise CommandError("Give the CSV file: casm network import-organisations FILE.csv")
        try:
            stream = open(options["file"], encoding="utf-8-sig", newline="")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from exc
        name = Path(options["file"]).name
        with stream, audit_source(AuditEvent.Source.CLI):
            result = organisations_import(
                actor=None, stream=stream, dry_run=options["dry_run"], name=name
            )
        for problem in result.problems:
            self.stderr.write(f"{problem.where()}: {problem.text}")
        self.stdout.write(str(result.summary))
        if result.problem_count:
            raise CommandError("Some rows were not imported.", returncode=1)
