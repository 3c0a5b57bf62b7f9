from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Form, Status
from ninja.files import UploadedFile

from casm.core.api import JobOut
from casm.core.api_router import Router
from casm.core.api_types import CountryCode
from casm.core.models import Country
from casm.core.permissions import endpoint

from . import services

router = Router(tags=["imports"])


@router.post("/imports/census", response={202: JobOut})
@endpoint("registry.import")
def census_import(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 (ninja's way of declaring an upload)
    mapping: UploadedFile | None = File(None),  # noqa: B008
    country: CountryCode = Form(""),  # noqa: B008
    dry_run: bool = Form(False),
    skip_invalid: bool = Form(False),
    update: bool = Form(False, description="Rows imported before replace their visits' values"),
):
    """Queue the import (or, with dry_run, the check) of a census file; follow it with
    GET /api/v1/jobs/{id}. The result lists the problems; the job's file holds all of them."""
    chosen = None
    if country:
        chosen = Country.objects.filter(alpha2=country.upper()).first()
        if chosen is None:
            raise ValidationError({"country": f"Unknown country code {country!r}."})
    job = services.census_import_enqueue(
        actor=request.user,
        upload=file,
        filename=file.name or "census.csv",
        size=file.size or 0,
        country=chosen,
        mapping_text=mapping.read().decode("utf-8-sig", errors="replace") if mapping else "",
        mapping_name=(mapping.name if mapping else "") or "mapping.json",
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        update=update,
    )
    return Status(202, job)
