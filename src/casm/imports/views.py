"""Web pages of the imports app: upload a census file, follow past imports and their problems."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from casm.core import tables
from casm.core.permissions import endpoint

from . import selectors, services
from .census_form import census_form_write, census_template_columns
from .forms import CensusUploadForm

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.import")
def census_upload(request: HttpRequest) -> HttpResponse:
    services.check_can_import(request.user, None)
    countries = selectors.import_countries_for_user(request.user)
    # An officer of one country imports into it by default.
    initial = {"country": countries.first()} if countries.count() == 1 else {}
    form = CensusUploadForm(
        request.POST or None, request.FILES or None, countries=countries, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        mapping = form.cleaned_data.get("mapping")
        try:
            job = services.census_import_enqueue(
                actor=request.user,
                upload=upload,
                filename=upload.name,
                size=upload.size,
                country=form.cleaned_data.get("country"),
                mapping_text=mapping.read().decode("utf-8-sig", errors="replace")
                if mapping
                else "",
                mapping_name=mapping.name if mapping else "mapping.json",
                dry_run=form.cleaned_data["dry_run"],
                skip_invalid=form.cleaned_data["skip_invalid"],
                update=form.cleaned_data["update"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error("country", str(exc))
        else:
            return redirect("core:job_detail", job_id=job.pk)
    imports = selectors.census_import_list_for_user(request.user)
    return render(
        request,
        "imports/census_upload.html",
        {
            "form": form,
            "page": Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page")),
            "max_mb": services.max_upload_bytes() // 1024**2,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
@endpoint("registry.import")
def census_report(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.census_import_get_for_user(request.user, job_id)
    result = job.said_result
    return render(
        request,
        "imports/census_report.html",
        {"job": job, "result": result, "problems": result.get("problems", [])},
    )


@login_required
@require_GET
@endpoint("registry.import")
def census_form_download(request: HttpRequest) -> HttpResponse:
    """The platform's census form (XLSForm, English and French) for KoBoToolbox or ODK."""
    services.check_can_import(request.user, None)
    with tempfile.TemporaryDirectory() as folder:
        path = census_form_write(Path(folder) / "casm-census-form.xlsx")
        content = path.read_bytes()
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="casm-census-form.xlsx"'
    return response


@login_required
@require_GET
@endpoint("registry.import")
def census_template_download(request: HttpRequest) -> HttpResponse:
    """An empty CSV with the columns the importer reads without a mapping."""
    services.check_can_import(request.user, None)
    response = HttpResponse(
        tables.csv_text([census_template_columns()]), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="casm-census-template.csv"'
    return response
