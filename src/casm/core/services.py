"""Writes of the core app: background jobs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core.audit import model_create, model_update
from casm.core.jobs import HANDLERS
from casm.core.models import Job


def job_enqueue(*, kind: str, title: str, actor: Any, params: dict[str, Any] | None = None) -> Job:
    """Queue a job of a known kind for `casm worker`."""
    if kind not in HANDLERS:
        raise ValidationError({"kind": _("Unknown job kind: %(kind)s") % {"kind": kind}})
    creator = actor if getattr(actor, "is_authenticated", False) else None
    return model_create(
        model=Job,
        actor=actor,
        data={"kind": kind, "title": title, "params": params or {}, "created_by": creator},
    )


def job_cancel(*, job: Job, actor: Any) -> Job:
    """Cancel a queued or running job; a running handler stops at its next progress report."""
    if job.is_finished:
        raise ValidationError(_("This job has already finished."))
    job, _changes = model_update(
        instance=job,
        actor=actor,
        data={"status": Job.Status.CANCELLED, "finished_at": timezone.now()},
    )
    return job
