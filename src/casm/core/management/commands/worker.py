import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from casm.core.jobs import worker_loop


class Command(BaseCommand):
    help = "Run queued background jobs until stopped (Ctrl-C); progress is printed as it goes."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run the queued jobs, then stop")

    def handle(self, *args, once: bool = False, **options):
        stop = {"now": False}

        def request_stop(signum, frame):
            # Finish the job in hand, then leave.
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        if not once:
            self.stdout.write("worker: waiting for jobs (Ctrl-C to stop)")
        ran = worker_loop(
            once=once,
            poll_interval=settings.JOB_POLL_INTERVAL,
            echo=lambda line: self.stdout.write(line),
            should_stop=lambda: stop["now"],
        )
        self.stdout.write(f"worker: {ran} job(s) run")
