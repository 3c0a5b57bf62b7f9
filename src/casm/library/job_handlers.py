"""Job handlers of the library: reading the text of uploaded files."""

from __future__ import annotations

from typing import Any

from casm.core.jobs import JobFailed, Progress, job_handler
from casm.core.models import Job
from casm.library.models import DocumentFile


@job_handler("library.extract")
def extract_job(job: Job, progress: Progress) -> dict[str, Any]:
    """Extract one file's text, page count and language, then update the search index."""
    from casm.library.services import document_file_extract

    file = DocumentFile.objects.select_related("document").filter(pk=job.params.get("file")).first()
    if file is None:
        raise JobFailed("The file was removed before its text could be read.")
    progress(0, 1, file.name)
    file = document_file_extract(file=file)
    progress(1, 1, file.get_extraction_display())
    return {
        "message": f"{file.name}: {file.get_extraction_display()}"
        + (f", {file.page_count} pages" if file.page_count else ""),
        "document": file.document_id,
        "pages": file.page_count,
        "status": file.extraction,
    }
