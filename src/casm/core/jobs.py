"""Background jobs: handlers by kind, and the loop `casm worker` runs.

A handler is a function ``handler(job, progress)``; it calls ``progress(done, total, message)``
as it goes and returns a JSON-friendly result. Long work of every app (imports, text
extraction, exports) registers a handler here with :func:`job_handler`. In the result,
``_file`` is a (name, path) to keep as the job's file, and ``_failed: True`` marks a job that
ran to its end without doing what was asked (an import refused for its problems): it is failed,
with its result and file kept.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.core.files.base import File
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core.models import Job

logger = logging.getLogger(__name__)

Progress = Callable[..., None]
Handler = Callable[[Job, Progress], dict[str, Any] | None]

HANDLERS: dict[str, Handler] = {}


class JobCancelled(Exception):
    """Raised inside a handler when somebody cancelled its job."""


class JobFailed(Exception):
    """A handler raises this with a message meant for the person who started the job."""


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_claim_next(*, worker: str) -> Job | None:
    """Take the oldest queued job; safe with several workers on SQLite and PostgreSQL."""
    for job_id in (
        Job.objects.filter(status=Job.Status.QUEUED).order_by("id").values_list("id", flat=True)[:5]
    ):
        now = timezone.now()
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            worker=worker,
            attempts=F("attempts") + 1,
        )
        if claimed:
            return Job.objects.get(pk=job_id)
    return None


def _progress_reporter(job: Job, echo: Callable[[str], None] | None) -> Progress:
    last = {"at": 0.0}

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        now = time.monotonic()
        finished = total is not None and done >= total
        # Writing progress for every row would slow the work down; twice a second is enough.
        if now - last["at"] < 0.5 and not finished:
            return
        last["at"] = now
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            progress=done, total=total, message=message[:500], heartbeat_at=timezone.now()
        )
        if not updated:
            raise JobCancelled
        job.progress, job.total, job.message = done, total, message
        if echo:
            share = f"{100 * done // total:3d}% " if total else ""
            echo(f"job {job.pk} {job.kind}: {share}{done}/{total or '?'} {message}".rstrip())

    return progress


def job_run(job: Job, *, echo: Callable[[str], None] | None = None) -> Job:
    """Run a claimed job to its end, recording the result or the failure."""
    from casm.core.audit import audit_source
    from casm.core.models import AuditEvent

    handler = HANDLERS.get(job.kind)
    fields: dict[str, Any] = {"finished_at": timezone.now()}
    try:
        if handler is None:
            raise JobFailed(f"No handler for jobs of kind {job.kind!r}.")
        with audit_source(AuditEvent.Source.JOB):
            result = handler(job, _progress_reporter(job, echo)) or {}
        output = result.pop("_file", None)
        if output is not None:
            name, path = output
            with open(path, "rb") as handle:
                job.result_file.save(name, File(handle), save=False)
            os.unlink(path)
            fields["result_file"] = job.result_file.name
        # A handler that ran to its end but did not do what was asked (an import refused for
        # its problems) says "_failed": the job is failed, its result and report are kept.
        status = Job.Status.FAILED if result.pop("_failed", False) else Job.Status.DONE
        fields.update(status=status, result=result, message=result.get("message", ""))
        if job.total is not None:
            fields["progress"] = job.total
    except JobCancelled:
        fields.update(status=Job.Status.CANCELLED)
    except JobFailed as exc:
        fields.update(status=Job.Status.FAILED, message=str(exc)[:500])
    except Exception as exc:
        logger.error("job %s (%s) failed:\n%s", job.pk, job.kind, traceback.format_exc())
        fields.update(
            status=Job.Status.FAILED, message=f"Unexpected error: {type(exc).__name__}: {exc}"[:500]
        )
    fields["finished_at"] = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).exclude(status=Job.Status.CANCELLED).update(**fields)
    job.refresh_from_db()
    if echo:
        echo(f"job {job.pk} {job.kind}: {job.status} {job.message}".rstrip())
    return job


def _worker_is_gone(worker: str) -> bool:
    """True when ``worker`` (``host:pid``) ran on this machine and its process has ended."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def jobs_reap(*, now: Any = None) -> list[Job]:
    """Find running jobs whose worker died; queue each again once, then mark it failed.

    A worker is dead when its process on this machine is gone, or when it has given no news
    (no progress report) for ``settings.JOB_STALE_AFTER`` seconds. The reason is the job's
    message, shown on its page. Returns the jobs changed.
    """
    from django.conf import settings

    now = now or timezone.now()
    stale_before = now - datetime.timedelta(seconds=settings.JOB_STALE_AFTER)
    changed = []
    for job in Job.objects.filter(status=Job.Status.RUNNING).order_by("pk"):
        last_news = job.heartbeat_at or job.started_at or job.created_at
        if _worker_is_gone(job.worker):
            reason = _("The worker running this job (%(worker)s) stopped.") % {"worker": job.worker}
        elif last_news < stale_before:
            minutes = settings.JOB_STALE_AFTER // 60
            reason = _(
                "The worker running this job (%(worker)s) gave no news for %(minutes)s minutes."
            ) % {"worker": job.worker, "minutes": minutes}
        else:
            continue
        if job.attempts < 2:
            fields = {"status": Job.Status.QUEUED, "worker": "", "started_at": None}
            message = reason + " " + _("It was queued again.")
        else:
            fields = {"status": Job.Status.FAILED, "finished_at": now}
            message = reason + " " + _("It had been tried twice, so it is marked failed.")
        updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker)
        if updated.update(message=message[:500], **fields):
            logger.warning("job %s (%s): %s", job.pk, job.kind, message)
            job.refresh_from_db()
            changed.append(job)
    return changed


def worker_loop(
    *,
    once: bool = False,
    poll_interval: float = 2.0,
    echo: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Run queued jobs until stopped (or, with ``once``, until the queue is empty)."""
    name = worker_name()
    ran = 0
    reaped_at = 0.0
    while not should_stop():
        if not connection.in_atomic_block:
            # Drop a connection the database closed while the worker slept.
            close_old_connections()
        if time.monotonic() - reaped_at > 60:
            for reaped in jobs_reap():
                if echo:
                    echo(f"job {reaped.pk} {reaped.kind}: {reaped.status} {reaped.message}")
            reaped_at = time.monotonic()
        job = job_claim_next(worker=name)
        if job is None:
            if once:
                break
            time.sleep(poll_interval)
            continue
        if echo:
            echo(f"job {job.pk} {job.kind}: started ({job.title})")
        job_run(job, echo=echo)
        ran += 1
    return ran
