from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casm.core import permissions, selectors, services
from casm.core.context_processors import PILLARS
from casm.core.facts import HEADLINE_FIGURES, PILLAR_FIGURES, PILLAR_TEXT
from casm.core.forms import AuditFilterForm
from casm.core.maps import outlines_source, world_map_svg
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint

PAGE_SIZE = 50


def _page(request: HttpRequest, items, size: int = PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


@require_GET
@endpoint(PUBLIC)
def home(request: HttpRequest) -> HttpResponse:
    from casm.accounts.models import Organisation

    countries_with_organisations = dict(
        Organisation.objects.values_list("country__alpha3").annotate(n=Count("id"))
    )
    context = {
        "figures": HEADLINE_FIGURES,
        "counts": {
            "countries": selectors.country_list().count(),
            "commodities": selectors.commodity_list().count(),
            "organisations": sum(countries_with_organisations.values()),
            "organisation_countries": len(countries_with_organisations),
        },
        "map_svg": world_map_svg({code: "has-data" for code in countries_with_organisations}),
        "map_source": outlines_source(),
    }
    return render(request, "core/home.html", context)


@require_GET
@endpoint(PUBLIC)
def pillar(request: HttpRequest, pillar: str) -> HttpResponse:
    titles = dict(PILLARS)
    if pillar not in titles:
        raise Http404
    return render(
        request,
        "core/pillar.html",
        {
            "pillar": pillar,
            "title": titles[pillar],
            "text": PILLAR_TEXT[pillar],
            "figures": PILLAR_FIGURES[pillar],
        },
    )


@require_GET
@endpoint(PUBLIC)
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "detail": type(exc).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok", "vendor": connection.vendor})


@require_GET
@endpoint(PUBLIC)
def country_list(request: HttpRequest) -> HttpResponse:
    countries = selectors.country_list()
    query = request.GET.get("q", "").strip()
    if query:
        countries = (
            countries.filter(name_en__icontains=query)
            | countries.filter(name_fr__icontains=query)
            | countries.filter(alpha2__iexact=query)
            | countries.filter(alpha3__iexact=query)
        )
    return render(
        request,
        "core/country_list.html",
        {"page": _page(request, countries, 60), "query": query},
    )


@require_GET
@endpoint(PUBLIC)
def commodity_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/commodity_list.html", {"commodities": selectors.commodity_list()})


def _level(value: str | None) -> int | None:
    return int(value) if value in ("1", "2", "3") else None


@require_GET
@endpoint(PUBLIC)
def admin_area_list(request: HttpRequest) -> HttpResponse:
    """Administrative areas by country and level, with their official codes."""
    country = request.GET.get("country", "").strip()[:2]
    level = _level(request.GET.get("level"))
    query = request.GET.get("q", "").strip()[:100]
    areas = selectors.admin_area_list(country=country, level=level, q=query)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "core/admin_area_list.html",
        {
            "page": _page(request, areas, 100),
            "country": country.upper(),
            "level": level,
            "query": query,
            "query_string": params.urlencode(),
            "countries": selectors.country_list().filter(areas__isnull=False).distinct(),
            "can_import": permissions.can(request.user, "reference.manage"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("reference.manage")
def admin_area_import(request: HttpRequest) -> HttpResponse:
    """Administrators import one level of a country's areas from a boundary file."""
    from casm.core.forms import AdminAreaImportForm
    from casm.core.geometry import problem_text
    from casm.imports.areas import admin_areas_import
    from casm.lib.geometry import GeometryFileError
    from casm.registry.services import sites_assign_areas

    permissions.require(request.user, "reference.manage")
    form = AdminAreaImportForm(request.POST or None, request.FILES or None)
    result, error = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with form.saved_upload() as path:
            try:
                result = admin_areas_import(
                    actor=request.user, path=path, country=data["country"],
                    level=int(data["level"]), code_field=data["code_field"],
                    name_field=data["name_field"],
                    parent_code_field=data["parent_code_field"] or None,
                    source=data["source"], repair=data["repair"], dry_run=data["dry_run"],
                )  # fmt: skip
                if result.written:
                    result.sites_placed = sites_assign_areas(country_id=data["country"].pk)
            except GeometryFileError as exc:
                error = problem_text(exc)
        if result is not None and result.written:
            messages.success(request, str(result.summary))
            url = reverse("core:admin_area_list")
            return redirect(f"{url}?country={data['country'].alpha2}&level={data['level']}")
    failed = error is not None or (result is not None and bool(result.problem_count))
    return render(
        request,
        "core/admin_area_import.html",
        {"form": form, "result": result, "error": error},
        status=400 if failed or form.errors else 200,
    )


@login_required
@require_GET
@endpoint(SIGNED_IN)
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.job_list_for_user(request.user)
    return render(request, "core/job_list.html", {"page": _page(request, jobs)})


@login_required
@require_GET
@endpoint(SIGNED_IN)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get_for_user(request.user, job_id)
    return render(request, "core/job_detail.html", {"job": job})


@login_required
@require_GET
@endpoint(SIGNED_IN)
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the job page polls to move its progress bar."""
    job = selectors.job_get_for_user(request.user, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "status_display": job.get_status_display(),
            "progress": job.progress,
            "total": job.total,
            "percent": job.percent,
            "message": job.said_message,
            "finished": job.is_finished,
        }
    )


@login_required
@require_POST
@endpoint(SIGNED_IN)
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.job_get_for_user(request.user, job_id)
    try:
        services.job_cancel(job=job, actor=request.user)
        messages.success(request, _("The job was cancelled."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:job_detail", job_id=job.pk)


@login_required
@require_GET
@endpoint(SIGNED_IN)
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = selectors.job_get_for_user(request.user, job_id)
    if not job.result_file:
        raise Http404
    return FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=(job.result_file.name or "result").rsplit("/", 1)[-1],
    )


def _require_administrator(request: HttpRequest) -> None:
    permissions.require(request.user, "audit.view")


@login_required
@require_GET
@endpoint("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    from casm.accounts.models import User

    form = AuditFilterForm(request.GET or None, model_names=selectors.audit_model_names())
    events = selectors.audit_event_list().none()
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        username = data.get("username", "")
        if username and not User.objects.filter(username=username).exists():
            form.add_error("username", _("No user has this username."))
        else:
            events = selectors.audit_event_list(
                username=username,
                model=data.get("model", ""),
                object_id=data.get("object_id", ""),
                action=data.get("action", ""),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": _page(request, events), "query": query.urlencode()},
    )


@login_required
@require_POST
@endpoint("audit.view")
def audit_export(request: HttpRequest) -> HttpResponse:
    """Queue a CSV export of the audit log with the filters shown."""
    _require_administrator(request)
    form = AuditFilterForm(request.POST, model_names=selectors.audit_model_names())
    if not form.is_valid():
        messages.error(request, _("The filters are not valid."))
        return redirect("core:audit_log")
    data = form.cleaned_data
    params = {
        "model": data.get("model") or "",
        "action": data.get("action") or "",
        "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
        "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
    }
    job = services.job_enqueue(
        kind="core.audit_export", title=_("Audit log export"), actor=request.user, params=params
    )
    messages.success(request, _("The export is queued; this page shows its progress."))
    return redirect("core:job_detail", job_id=job.pk)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": "Something went wrong on the server.",
                    "details": None,
                }
            },
            status=500,
        )
    return render(request, "500.html", status=500)
