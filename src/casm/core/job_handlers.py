"""Job handlers of the core app."""

from __future__ import annotations

import datetime
import tempfile
from typing import Any

from casm.core import tables
from casm.core.jobs import Progress, job_handler
from casm.core.models import Job

AUDIT_EXPORT_COLUMNS = [
    "at",
    "who",
    "source",
    "address",
    "action",
    "model",
    "object_id",
    "object",
    "changes",
]


@job_handler("core.audit_export")
def audit_export(job: Job, progress: Progress) -> dict[str, Any]:
    """Write the (filtered) audit log to a CSV file, for administrators only."""
    import json

    from casm.core import permissions
    from casm.core.jobs import JobFailed
    from casm.core.selectors import audit_event_list

    # Checked here, where the data is read, whatever way the job was queued.
    if not permissions.can(job.created_by, "audit.view") or job.created_by is None:
        raise JobFailed("Only administrators export the audit log.")

    params = job.params
    events = audit_event_list(
        model=params.get("model", ""),
        action=params.get("action", ""),
        date_from=datetime.date.fromisoformat(params["date_from"])
        if params.get("date_from")
        else None,
        date_to=datetime.date.fromisoformat(params["date_to"]) if params.get("date_to") else None,
    )
    total = events.count()
    progress(0, total, "")
    with tempfile.NamedTemporaryFile(
        "w", suffix=".csv", delete=False, newline="", encoding="utf-8"
    ) as handle:
        writer = tables.csv_writer(handle)
        writer.writerow(AUDIT_EXPORT_COLUMNS)
        for done, event in enumerate(events.iterator(chunk_size=2000), start=1):
            writer.writerow(
                [
                    event.at.isoformat(),
                    event.actor_repr,
                    event.source,
                    event.ip_address or "",
                    event.action,
                    event.model,
                    event.object_id,
                    event.object_repr,
                    json.dumps(event.changes, ensure_ascii=False),
                ]
            )
            progress(done, total, "")
    return {"rows": total, "message": f"{total} events", "_file": ("audit-log.csv", handle.name)}
