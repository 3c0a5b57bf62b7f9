"""`casm library import DIR --metadata FILE.csv`: import documents into the library."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from casm.core.audit import audit_source
from casm.core.models import AuditEvent
from casm.library.bulk import allowed_values_help, documents_import
from casm.library.services import is_library_editor

SHOWN_PROBLEMS = 50


def _first_administrator() -> Any:
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role_assignments__role="administrator") | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
        .first()
    )


class Command(BaseCommand):
    help = (
        "The document library. `import DIR` imports the files of DIR described by a CSV file "
        "(--metadata, default DIR/metadata.csv): one row per document with the columns file, "
        "title, subtitle, abstract, authors, publisher, date, year, type, language, pillars, "
        "themes, countries, commodities, licence, url, doi, isbn, version; lists are separated "
        "by ';'. Rows count from 2 (the header is row 1). Running it again changes only what "
        "changed in the CSV; an empty cell leaves a document's value as it is."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("epilog", allowed_values_help())
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import"], help="what to do")
        parser.add_argument("folder", help="the folder holding the documents' files")
        parser.add_argument("--metadata", help="the CSV file (default: FOLDER/metadata.csv)")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        state = parser.add_mutually_exclusive_group()
        state.add_argument(
            "--publish", dest="publish", action="store_true", default=True,
            help="publish new documents (the default)",
        )  # fmt: skip
        state.add_argument(
            "--draft", dest="publish", action="store_false", help="keep new documents as drafts"
        )
        parser.add_argument(
            "--as", dest="username",
            help="the library editor the documents come from (default: the first administrator)",
        )  # fmt: skip
        parser.add_argument("--report", help="write each row's outcome and problems to this CSV")
        parser.add_argument("--quiet", action="store_true", help="no progress line")

    def handle(self, *args, action, folder, metadata=None, dry_run=False, publish=True,
               username=None, report=None, quiet=False, **options):  # fmt: skip
        directory = Path(folder)
        if not directory.is_dir():
            raise CommandError(f"{folder} is not a folder")
        metadata_path = Path(metadata) if metadata else directory / "metadata.csv"
        if not metadata_path.is_file():
            raise CommandError(f"no metadata file {metadata_path}: give one with --metadata")
        actor = self._actor(username, publish)
        progress = None if quiet or options.get("verbosity", 1) == 0 else self._progress()
        try:
            with audit_source(AuditEvent.Source.IMPORT):
                result = documents_import(
                    actor=actor, folder=directory, metadata=metadata_path, publish=publish,
                    dry_run=dry_run, report_path=report, progress=progress,
                )  # fmt: skip
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {report}: {exc.strerror or exc}") from exc
        if progress is not None and result.rows and self.stderr.isatty():
            self.stderr.write("")
        problems = result.all_problems
        for problem in problems[:SHOWN_PROBLEMS]:
            shown = problem.value and problem.value not in problem.text
            value = f" “{problem.value}”" if shown else ""
            self.stderr.write(f"{problem.where()}:{value} {problem.text}")
        if len(problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"... and {len(problems) - SHOWN_PROBLEMS} more problems")
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(result.summary)
        if report:
            self.stdout.write(f"report written to {report}")
        if result.failed:
            raise CommandError("the metadata file could not be imported")
        skipped = result.count("skipped")
        if skipped:
            raise CommandError(
                f"{skipped} rows skipped because of problems"
                + (f"; see {report}" if report else "; --report FILE lists them all")
            )

    def _actor(self, username: str | None, publish: bool) -> Any:
        if username:
            actor = get_user_model().objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user named {username!r}")
        else:
            actor = _first_administrator()
            if actor is None:
                raise CommandError(
                    "there is no administrator to import as: create one with `casm createadmin`"
                    " or name a library editor with --as USERNAME"
                )
        if publish and not is_library_editor(actor):
            raise CommandError(
                f"{actor.get_username()} is not a library editor and cannot publish:"
                " name an editor with --as, or import drafts with --draft"
            )
        return actor

    def _progress(self) -> Any:
        """One line redrawn on a terminal; elsewhere (a log) a line every tenth of the rows."""
        redraw = self.stderr.isatty()

        def show(done: int, total: int, message: str) -> None:
            if redraw:
                self.stderr.write(f"\r[{done}/{total}] {message:<40}", ending="")
                self.stderr.flush()
            elif done == total or done % max(1, total // 10) == 0:
                self.stderr.write(f"[{done}/{total}] {message}")

        return show
