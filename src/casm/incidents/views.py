"""Pages of the incident workflow: the public report form and the reporter's follow-up, the
handlers' list and each incident's page with its triage and resolution, and the public
statistics (with their CSV and XLSX downloads).

Who sees what is the selectors' business (an incident outside one's countries is not found);
who may do what is the services' (a refusal is a 403 page, bad input the form again)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casm.core import permissions
from casm.core.forms import form_errors_from
from casm.core.pagination import page_of
from casm.core.permissions import PUBLIC, endpoint
from casm.core.tables import ExportError, export_response
from casm.core.throttling import export_rate_limited, rate_limited

from . import exports, forms, selectors, services
from .models import Incident, IncidentStatus

PAGE_SIZE = 50
# The session key that carries a new report's key to the page that shows it once.
JUST_REPORTED = "incidents.just_reported"


def _query(request: HttpRequest) -> str:
    return urlencode(sorted((k, v) for k, v in request.GET.items() if k != "page" and v))


# --- Reporting and following -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@rate_limited("report")
@endpoint(PUBLIC)
def incident_report(request: HttpRequest) -> HttpResponse:
    """Anyone reports an incident at a mine site or on a route, with or without their name."""
    initial = {}
    site = None
    if request.method == "GET" and request.GET.get("site"):
        site = selectors.site_reported(request.GET["site"])
        if site is not None:
            initial = {"site": site.code, "country": site.country.alpha2}
    form = forms.ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if form.filled_by_robot():
            return redirect("incidents:reported")
        site_code = (data["site"] or "").strip()
        try:
            if site_code:
                site = selectors.site_named(site_code, data["country"])
            incident, key = services.incident_report(
                actor=request.user, country=data["country"], kind=data["kind"],
                occurred_on=data["occurred_on"], description=data["description"], site=site,
                location=data["location"], latitude=data["latitude"],
                longitude=data["longitude"], reporter_name=data["reporter_name"],
                reporter_contact=data["reporter_contact"],
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            request.session[JUST_REPORTED] = {"reference": incident.reference, "key": key}
            return redirect("incidents:reported")
    return render(
        request, "incidents/report.html", {"form": form},
        status=422 if form.errors else 200,
    )  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def incident_reported(request: HttpRequest) -> HttpResponse:
    """The reference and follow-up key of the report just sent, shown this once."""
    sent = request.session.pop(JUST_REPORTED, None)
    return render(request, "incidents/reported.html", {"sent": sent})


@require_http_methods(["GET", "POST"])
@rate_limited("report")
@endpoint(PUBLIC)
def incident_follow(request: HttpRequest) -> HttpResponse:
    """A reporter reads where their report stands, with the key they were given."""
    form = forms.FollowForm(request.POST or None)
    incident, status = None, 200
    if request.method == "POST" and form.is_valid():
        incident = services.incident_by_follow_key(form.cleaned_data["key"])
        if incident is None:
            form.add_error("key", _("No report has this key: check it letter by letter."))
            status = 422
    elif request.method == "POST":
        status = 422
    return render(
        request, "incidents/follow.html", {"form": form, "incident": incident}, status=status
    )


# --- Handling --------------------------------------------------------------------------------


@require_safe
@endpoint("incidents.handle")
def incident_list(request: HttpRequest) -> HttpResponse:
    """The incidents of the countries one handles, filtered and paged; the overdue ones marked."""
    permissions.require(request.user, "incidents.handle")
    countries = selectors.countries_handled(request.user)
    form = forms.IncidentFilterForm(request.GET or None, countries=countries)
    incidents = selectors.incidents_visible(request.user, form.filters())
    page = page_of(request, incidents, PAGE_SIZE)
    overdue = selectors.overdue_among([incident.pk for incident in page])
    return render(
        request, "incidents/list.html",
        {"form": form, "page": page, "overdue": overdue, "query": _query(request)},
    )  # fmt: skip


def _detail(request: HttpRequest, incident: Incident, **forms_given: Any) -> HttpResponse:
    handlers = selectors.handlers_of(incident.country_id)
    context: dict[str, Any] = {
        "incident": incident,
        "overdue": incident.pk in selectors.overdue_among([incident.pk]),
    }
    if incident.status == IncidentStatus.REPORTED:
        context["triage_form"] = forms_given.get("triage") or forms.TriageForm(
            handlers=handlers, initial={"handler": request.user.pk, "decision": "accept"}
        )
    if incident.status == IncidentStatus.INVESTIGATING:
        context["resolve_form"] = forms_given.get("resolve") or forms.ResolveForm(
            initial={"public_note": incident.public_note}
        )
        context["reassign_form"] = forms_given.get("reassign") or forms.ReassignForm(
            handlers=handlers, initial={"handler": incident.handler_id, "due_on": incident.due_on}
        )
    return render(request, "incidents/detail.html", context, status=422 if forms_given else 200)


@require_safe
@endpoint("incidents.handle")
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    """An incident with what was reported, by whom, and each step of its handling."""
    return _detail(request, selectors.incident_get_for_user(request.user, incident_id))


@require_POST
@endpoint("incidents.handle")
def incident_step(request: HttpRequest, incident_id: int, step: str) -> HttpResponse:
    """Triage, reassign or resolve an incident."""
    incident = selectors.incident_get_for_user(request.user, incident_id)
    handlers = selectors.handlers_of(incident.country_id)
    form: Any
    if step == "triage":
        form = forms.TriageForm(request.POST, handlers=handlers)
    elif step == "reassign":
        form = forms.ReassignForm(request.POST, handlers=handlers)
    elif step == "resolve":
        form = forms.ResolveForm(request.POST)
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "triage":
                services.incident_triage(
                    actor=request.user, incident=incident, accept=data["decision"] == "accept",
                    severity=data["severity"], handler=form.handler_user(),
                    due_on=data["due_on"], note=data["note"], public_note=data["public_note"],
                )  # fmt: skip
                done = _("The report is triaged.")
            elif step == "reassign":
                services.incident_reassign(
                    actor=request.user, incident=incident, handler=form.handler_user(),
                    due_on=data["due_on"],
                )  # fmt: skip
                done = _("The incident is given to its new handler.")
            else:
                services.incident_resolve(
                    actor=request.user, incident=incident, outcome=data["outcome"],
                    resolution=data["resolution"], public_note=data["public_note"],
                )  # fmt: skip
                done = _("The incident is resolved.")
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, done)
            return redirect("incidents:incident", incident.pk)
    incident.refresh_from_db()
    return _detail(request, incident, **{step: form})


# --- Public statistics -----------------------------------------------------------------------


def _statistics_form(request: HttpRequest) -> forms.StatisticsFilterForm:
    return forms.StatisticsFilterForm(request.GET or None, years=selectors.statistics_years())


@require_safe
@endpoint(PUBLIC)
def incident_statistics(request: HttpRequest) -> HttpResponse:
    """Counts of incidents by country, year, province and kind: no text, no person."""
    form = _statistics_form(request)
    rows = selectors.incident_statistics(form.filters())
    page = page_of(request, rows, PAGE_SIZE)
    return render(
        request, "incidents/statistics.html",
        {"form": form, "page": page, "rows": exports.labelled(page), "query": _query(request)},
    )  # fmt: skip


@require_safe
@export_rate_limited
@endpoint(PUBLIC)
def incident_statistics_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The same counts as CSV or XLSX."""
    form = _statistics_form(request)
    try:
        export = exports.statistics_export(selectors.incident_statistics(form.filters()), fmt)
    except ExportError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    return export_response(export)
