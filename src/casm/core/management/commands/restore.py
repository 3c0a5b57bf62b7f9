from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casm.core.backup import BackupError, restore_read


class Command(BaseCommand):
    help = "Restore an archive made by `casm backup` into an empty installation."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--force", action="store_true", help="replace an installation that holds data"
        )

    def handle(self, *args, file: str, force: bool, **options):
        try:
            manifest = restore_read(Path(file), force=force)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored {file} (made {manifest['created']})")
