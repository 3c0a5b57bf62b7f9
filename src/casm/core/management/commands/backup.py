from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casm.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = "Write the database and uploaded files into one archive (safe while the site runs)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to write, e.g. casm-2026-11-22.tar.gz")

    def handle(self, *args, file: str, **options):
        try:
            manifest = backup_write(Path(file))
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"backup written to {file} ({manifest['database']} database)")
