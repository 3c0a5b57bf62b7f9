"""Pages of the events app. Public: the event list and an event's page with its agenda, field
visits, seats left and iCalendar file. Members: register, their registrations, cancel.
Secretariat: events, agenda and field visits, attendees (CSV), badges (PDF), check-in and
statistics. A page of the secretariat refuses (403) anyone else.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casm.accounts.models import Organisation
from casm.core.forms import form_errors_from
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.events import forms, selectors, services
from casm.events.exports import attendees_csv, badges_pdf
from casm.events.ical import event_ical
from casm.events.models import Event, FieldVisit, Registration, Session

PAGE_SIZE = 30
Status = Registration.Status


def _require_secretariat(request: HttpRequest) -> None:
    if not services.is_secretariat(request.user):
        raise PermissionDenied(_("Only the secretariat may do this."))


# --- Public -------------------------------------------------------------------------------


@endpoint(PUBLIC)
def event_list(request: HttpRequest) -> HttpResponse:
    """Coming events first, soonest first, with their seats; past events apart, latest first."""
    events = selectors.event_list()
    kind = request.GET.get("kind", "")
    if kind in Event.Kind.values:
        events = events.filter(kind=kind)
    today = datetime.date.today()
    upcoming = list(events.filter(ends_on__gte=today).order_by("starts_on", "title"))
    for event in upcoming:
        event.seats_left = selectors.seats_left(event)  # type: ignore[attr-defined]
    page = Paginator(events.filter(ends_on__lt=today), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {
            "upcoming": upcoming,
            "page": page,
            "kind": kind,
            "kinds": Event.Kind.choices,
            "query": f"kind={kind}" if kind else "",
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


@endpoint(PUBLIC)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(pk)
    registration = selectors.user_registration_for_event(request.user, event)
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "seats_left": selectors.seats_left(event),
            "is_past": event.ends_on < datetime.date.today(),
            "sessions": event.sessions.select_related("presentation"),
            "field_visits": event.field_visits.select_related("site"),
            "registration": registration,
            "registration_message": (
                services.registration_message(registration) if registration else ""
            ),
            "is_open": _is_open(event),
            "is_secretariat": services.is_secretariat(request.user),
        },
    )


def _is_open(event: Event) -> bool:
    today = datetime.date.today()
    if event.registration_deadline and today > event.registration_deadline:
        return False
    return today <= event.ends_on


@endpoint(PUBLIC)
def event_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(pk)
    response = HttpResponse(
        event_ical(event, request.build_absolute_uri("/")), content_type="text/calendar"
    )
    response["Content-Disposition"] = f'attachment; filename="casm-event-{event.pk}.ics"'
    return response


# --- Members ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@endpoint(SIGNED_IN)
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(pk)
    existing = selectors.user_registration_for_event(request.user, event)
    if existing is not None:
        messages.info(request, services.registration_message(existing))
        return redirect("events:event_detail", pk=event.pk)
    user: Any = request.user
    initial: dict[str, Any] = {"full_name": user.get_full_name()}
    organisation: Organisation | None = user.organisation
    if organisation is not None:
        initial |= {
            "organisation_name": organisation.name,
            "organisation_kind": organisation.kind,
            "country": organisation.country_id,
        }
    form = forms.RegistrationForm(request.POST or None, event=event, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_create(
                actor=user,
                event=event,
                data={**form.cleaned_data, "organisation": organisation},
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            level = messages.SUCCESS if registration.status == Status.CONFIRMED else messages.INFO
            messages.add_message(request, level, services.registration_message(registration))
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/register.html", {"event": event, "form": form})


@login_required
@endpoint(SIGNED_IN)
def my_registrations(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    registrations = (
        selectors.registrations_for_user(user)
        .filter(user=user)
        .order_by("-event__starts_on", "-pk")
    )
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/my_registrations.html", {"page": page})


@login_required
@require_POST
@endpoint(SIGNED_IN)
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get_for_user(request.user, pk)
    try:
        services.registration_cancel(actor=request.user, registration=registration)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your registration is cancelled."))
    if services.is_secretariat(request.user) and registration.user_id != request.user.pk:
        return redirect("events:attendees", pk=registration.event_id)
    return redirect("events:my_registrations")


# --- Secretariat: events, agenda, field visits ----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("events.manage")
def event_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_secretariat(request)
    event = get_object_or_404(Event, pk=pk) if pk else None
    form = forms.EventForm(request.POST or None, instance=event)
    if request.method == "POST" and form.is_valid():
        try:
            if event is None:
                event = services.event_create(actor=request.user, data=form.cleaned_data)
            else:
                event = services.event_update(
                    actor=request.user, event=event, data=form.cleaned_data
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/event_form.html", {"event": event, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("events.manage")
def agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's page for an event's sessions and field visits."""
    _require_secretariat(request)
    event = get_object_or_404(Event, pk=pk)
    session_form = forms.SessionForm(prefix="session")
    visit_form = forms.FieldVisitForm(prefix="visit")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add_session":
                session_form = forms.SessionForm(request.POST, prefix="session")
                if session_form.is_valid():
                    services.session_create(
                        actor=request.user, event=event, data=session_form.cleaned_data
                    )
                    messages.success(request, _("The session is added."))
                    return redirect("events:agenda", pk=event.pk)
            elif action == "add_visit":
                visit_form = forms.FieldVisitForm(request.POST, prefix="visit")
                if visit_form.is_valid():
                    services.field_visit_create(
                        actor=request.user, event=event, data=visit_form.cleaned_data
                    )
                    messages.success(request, _("The field visit is added."))
                    return redirect("events:agenda", pk=event.pk)
            elif action == "delete_session":
                session = get_object_or_404(Session, pk=request.POST.get("id"), event=event)
                services.session_delete(actor=request.user, session=session)
                return redirect("events:agenda", pk=event.pk)
            elif action == "delete_visit":
                visit = get_object_or_404(FieldVisit, pk=request.POST.get("id"), event=event)
                services.field_visit_delete(actor=request.user, visit=visit)
                return redirect("events:agenda", pk=event.pk)
        except ValidationError as exc:
            form_errors_from(session_form if action == "add_session" else visit_form, exc)
    return render(
        request,
        "events/agenda.html",
        {
            "event": event,
            "sessions": event.sessions.all(),
            "field_visits": event.field_visits.all(),
            "session_form": session_form,
            "visit_form": visit_form,
        },
    )


# --- Secretariat: attendees, badges, check-in, statistics -----------------------------------


@login_required
@endpoint("events.manage")
def attendees(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    event = selectors.event_get(pk)
    rows = selectors.attendees(event, include_waiting=True)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "events/attendees.html",
        {"event": event, "page": page, "seats_left": selectors.seats_left(event)},
    )


@login_required
@endpoint("events.manage")
def attendees_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    event = selectors.event_get(pk)
    response = HttpResponse(
        attendees_csv(event, include_waiting=True), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="attendees-{event.pk}.csv"'
    return response


@login_required
@endpoint("events.manage")
def badges(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    event = selectors.event_get(pk)
    response = HttpResponse(badges_pdf(event), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="badges-{event.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("events.manage")
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    event = selectors.event_get(pk)
    query = request.GET.get("q", "").strip()
    if request.method == "POST":
        registration = get_object_or_404(
            Registration, pk=request.POST.get("registration"), event=event
        )
        try:
            services.registration_check_in(actor=request.user, registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(name)s is checked in.") % {"name": registration.full_name}
            )
        query = request.POST.get("q", "")
        return redirect(f"{request.path}?q={query}" if query else request.path)
    found = selectors.attendees(event)
    if query:
        found = found.filter(Q(full_name__icontains=query) | Q(organisation_name__icontains=query))
    rows = list(found[:50])
    stats = selectors.event_statistics(event)
    return render(
        request,
        "events/check_in.html",
        {"event": event, "rows": rows, "q": query, "stats": stats},
    )


@login_required
@endpoint("events.manage")
def statistics(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Figures of one event, or of the annual conferences year by year."""
    _require_secretariat(request)
    if pk is None:
        return render(
            request,
            "events/statistics_years.html",
            {
                "tables": [
                    (_("Annual conferences"), selectors.statistics_by_year()),
                    (_("All events"), selectors.statistics_by_year(None)),
                ],
                "is_secretariat": True,
            },
        )
    event = selectors.event_get(pk)
    stats = selectors.event_statistics(event)
    kinds = dict(Organisation.Kind.choices)
    genders = dict(Registration.Gender.choices)
    return render(
        request,
        "events/statistics.html",
        {
            "event": event,
            "stats": stats,
            "by_kind": [
                (kinds.get(key, key or "—"), n) for key, n in stats["by_organisation_kind"].items()
            ],
            "by_gender": [
                (genders.get(key, key or "—"), n) for key, n in stats["by_gender"].items()
            ],
        },
    )
