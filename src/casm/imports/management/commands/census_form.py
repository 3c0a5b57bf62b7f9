"""`casm census-form OUT.xlsx`: write the platform's standard census form (XLSForm)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from casm.imports.census_form import census_form_write


class Command(BaseCommand):
    help = "Write the standard census form (XLSForm for KoBoToolbox or ODK Central) to OUT.xlsx."

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .xlsx file to write")

    def handle(self, *args, out: str, **options):
        if not out.lower().endswith(".xlsx"):
            raise CommandError("the form is an .xlsx file: give a name ending in .xlsx")
        try:
            path = census_form_write(out)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from None
        self.stdout.write(f"census form written to {path}")
