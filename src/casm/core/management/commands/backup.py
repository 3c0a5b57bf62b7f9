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
        missing = manifest.get("media_missing") or []
        for name in missing[:20]:
            self.stderr.write(f"a record names {name}, which is not in the media folder")
        if len(missing) > 20:
            self.stderr.write(f"... and {len(missing) - 20} more missing files")
        self.stdout.write(
            f"backup written to {file} ({manifest['database']} database, "
            f"{manifest.get('media_files', 0)} uploaded files)"
        )
