from django.core.management.base import BaseCommand, CommandError

from casm.core.demoset import DEFAULT_SEED, demo_build, demo_is_loaded


class Command(BaseCommand):
    help = "Load the deterministic demo data set (people, organisations, figures)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing (and succeed) when the database already holds data",
        )

    def handle(self, *args, seed: int, if_empty: bool, **options):
        if demo_is_loaded():
            if if_empty:
                self.stdout.write("The database already holds data; no demo data loaded.")
                return
            raise CommandError("the database already holds data; demo data goes into an empty one")
        demo_build(seed=seed, say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
