from django.core.management.base import BaseCommand

from casm.core.models import Job


class Command(BaseCommand):
    help = "List background jobs, newest first, with their progress."

    def add_arguments(self, parser):
        parser.add_argument("--status", choices=[s for s, _ in Job.Status.choices])
        parser.add_argument("--limit", type=int, default=20)

    def handle(self, *args, status=None, limit=20, **options):
        jobs = Job.objects.all()
        if status:
            jobs = jobs.filter(status=status)
        rows = list(jobs[: max(1, limit)])
        if not rows:
            self.stdout.write("no jobs")
            return
        for job in rows:
            share = f"{job.percent}%" if job.percent is not None else "-"
            self.stdout.write(
                f"{job.pk:>6}  {job.status:<9} {share:>5}  {job.kind:<24} {job.title}"
                + (f"  ({job.message})" if job.message else "")
            )
