"""Job handlers of the imports app."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from casm.core.audit import audit_source
from casm.core.jobs import JobFailed, Progress, job_handler
from casm.core.models import AuditEvent, Country, Job

from .census import census_import
from .mapping import Mapping, mapping_from_dict
from .readers import ImportFileError

KEPT_PROBLEMS = 500


@job_handler("imports.census")
def census_import_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Import (or check) an uploaded census file; the problems go to a CSV report."""
    params = job.params
    if job.created_by is None:
        raise JobFailed("The person who queued this import no longer exists.")
    country = Country.objects.filter(alpha2=params.get("country") or "-").first()
    try:
        mapping = (
            mapping_from_dict(params["mapping"], params.get("mapping_name") or "mapping.json")
            if params.get("mapping")
            else Mapping()
        )
    except ImportFileError as exc:
        raise JobFailed(str(exc)) from exc
    path = Path(settings.MEDIA_ROOT) / params["path"]
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as report:
        report_path = report.name
    # The report file and the job's message in the language of the person who queued it; the
    # problems and the summary are kept as codes, said again in each reader's language.
    language = params.get("language") or settings.LANGUAGE_CODE
    try:
        with translation.override(language), audit_source(AuditEvent.Source.IMPORT):
            result = census_import(
                actor=job.created_by, path=path, mapping=mapping, country=country,
                dry_run=bool(params.get("dry_run")), skip_invalid=bool(params.get("skip_invalid")),
                report_path=report_path, progress=progress, update=bool(params.get("update")),
            )  # fmt: skip
    except PermissionDenied as exc:
        Path(report_path).unlink(missing_ok=True)
        raise JobFailed(str(exc)) from exc
    data = result.as_dict()
    data["problems"] = data["problems"][:KEPT_PROBLEMS]
    with translation.override(language):
        data["message"] = str(result.summary)
    data["report_url"] = reverse("imports:census_report", args=[job.pk])
    if not result.dry_run and not result.committed:
        data["_failed"] = True  # nothing was imported: the job says so, with its problems
    if result.problem_count:
        data["_file"] = (f"problems-{Path(params.get('file', 'census')).stem}.csv", report_path)
    else:
        Path(report_path).unlink(missing_ok=True)
    return data
