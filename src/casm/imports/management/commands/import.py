"""`casm import census FILE`: import a field census into the registry."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casm.core.audit import audit_source
from casm.core.models import AuditEvent, Country
from casm.imports.census import census_import
from casm.imports.mapping import mapping_load
from casm.imports.readers import ImportFileError

BAR_WIDTH = 30


def terminal_progress(stream: Any = None) -> Any:
    """A progress bar on stderr, redrawn at most ten times a second (plain text, no library)."""
    stream = stream or sys.stderr
    last = {"at": 0.0}

    def show(done: int, total: int | None, message: str = "") -> None:
        now = time.monotonic()
        if now - last["at"] < 0.1 and not (total and done >= total):
            return
        last["at"] = now
        share = min(done / total, 1.0) if total else 0.0
        filled = int(BAR_WIDTH * share)
        stream.write(f"\r[{'#' * filled}{' ' * (BAR_WIDTH - filled)}] {share:4.0%} {message}")
        stream.flush()

    return show


class Command(BaseCommand):
    help = (
        "Import field data or boundaries: casm import census FILE [--country CC] [--mapping M] "
        "[--dry-run]; casm import admin-areas FILE --country CC --level N --code-field F "
        "--name-field F [--parent-code-field F] [--repair] [--dry-run]"
    )

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["census", "admin-areas"], help="what the file holds")
        parser.add_argument(
            "file",
            help="census: .csv, .xlsx, .zip (ODK Central) or .geojson; admin-areas: a Shapefile "
            "(.shp with its .dbf, .shx and .prj, or all of them zipped) or GeoJSON",
        )
        parser.add_argument("--level", type=int, choices=[1, 2, 3], help="admin-areas: level")
        parser.add_argument("--code-field", help="admin-areas: the field with the official code")
        parser.add_argument("--name-field", help="admin-areas: the field with the name")
        parser.add_argument(
            "--parent-code-field", help="admin-areas: the field with the code of the area above"
        )
        parser.add_argument("--source", default="", help="admin-areas: where the file comes from")
        parser.add_argument(
            "--repair", action="store_true", help="admin-areas: mend invalid polygons"
        )
        parser.add_argument("--country", help="ISO code of the country, when the file has none")
        parser.add_argument("--mapping", help="JSON mapping of columns and values")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid rows, report the others"
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="rows imported before (same submission) replace their visits' values: "
            "import a file again with a corrected mapping",
        )
        parser.add_argument("--report", help="write the problems to this CSV file")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, what, file, country=None, mapping=None, dry_run=False,
               skip_invalid=False, report=None, quiet=False, update=False,
               **options):  # fmt: skip
        chosen = None
        if country:
            chosen = Country.objects.filter(alpha2=country.upper()).first() or (
                Country.objects.filter(alpha3=country.upper()).first()
            )
            if chosen is None:
                raise CommandError(f"unknown country code {country!r}")
        if what == "admin-areas":
            return self._admin_areas(file, chosen, dry_run=dry_run, **options)
        try:
            loaded = mapping_load(mapping)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        progress = None if quiet or options.get("verbosity", 1) == 0 else terminal_progress()
        try:
            with audit_source(AuditEvent.Source.IMPORT):
                result = census_import(
                    actor=None, path=file, mapping=loaded, country=chosen, dry_run=dry_run,
                    skip_invalid=skip_invalid, report_path=report, progress=progress,
                    update=update,
                )  # fmt: skip
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if progress is not None:
            sys.stderr.write("\n")
        for problem in result.problems[:50]:
            text = problem.text
            shown = problem.value and problem.value not in text
            value = f" “{problem.value}”" if shown else ""
            self.stderr.write(f"{problem.where()}:{value} {text}")
        if result.problem_count > 50:
            self.stderr.write(f"... and {result.problem_count - 50} more problems")
        for note in result.notes:
            self.stderr.write(str(note))
        self.stdout.write(str(result.summary))
        if result.problem_count and not (skip_invalid and result.committed):
            raise CommandError(
                f"problems found: {result.problem_count}"
                + (f"; see {report}" if report else "; --report FILE writes them all")
            )

    def _admin_areas(self, file: str, country: Any, *, dry_run: bool, **options: Any) -> None:
        from casm.core.geometry import problem_text
        from casm.imports.areas import admin_areas_import
        from casm.lib.geometry import GeometryFileError
        from casm.registry.services import sites_assign_areas

        missing = [f"--{name.replace('_', '-')}" for name in ("level", "code_field", "name_field")
                   if not options.get(name)]  # fmt: skip
        if country is None:
            missing.insert(0, "--country")
        if missing:
            raise CommandError("admin-areas needs " + ", ".join(missing))
        try:
            with audit_source(AuditEvent.Source.IMPORT):
                result = admin_areas_import(
                    actor=None, path=file, country=country, level=options["level"],
                    code_field=options["code_field"], name_field=options["name_field"],
                    parent_code_field=options.get("parent_code_field"),
                    source=options.get("source") or "", repair=options.get("repair", False),
                    dry_run=dry_run,
                )  # fmt: skip
                if result.written:
                    result.sites_placed = sites_assign_areas(country_id=country.pk)
        except GeometryFileError as exc:
            raise CommandError(f"{file}: {problem_text(exc)}") from exc
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        for problem in result.problems[:50]:
            self.stderr.write(f"{problem.where()}: {problem.text}")
        if result.problem_count > 50:
            self.stderr.write(f"... and {result.problem_count - 50} more problems")
        for row in result.repaired:
            self.stderr.write(
                _("%(file)s, row %(row)s: the polygon was invalid and was repaired.")
                % {"file": result.file, "row": row}
            )
        if result.problem_count:
            raise CommandError(str(result.summary))
        self.stdout.write(str(result.summary))
