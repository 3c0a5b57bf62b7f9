import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casm.accounts.models import User
from casm.accounts.services import user_make_administrator


class Command(BaseCommand):
    help = "Create an administrator and print its password once."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="do nothing when an administrator already exists",
        )

    def handle(self, *args, username: str, email: str, if_none: bool, **options):
        administrators = User.objects.filter(role_assignments__role=User.Role.ADMINISTRATOR)
        if if_none and administrators.exists():
            self.stdout.write("An administrator already exists; none created.")
            return
        password = secrets.token_urlsafe(12)
        try:
            user_make_administrator(username=username, email=email, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS("Administrator created — keep these, they are shown only once:")
        )
        self.stdout.write(f"  username: {username}\n  password: {password}")
