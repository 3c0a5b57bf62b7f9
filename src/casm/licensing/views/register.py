"""Pages of the register: the public list of applications, filing one, an application's page
with its screening and steps, the officers' steps, the work past its deadline, and licences.

What the public reads of an application is what a cadastre publishes (number, receipt, type,
the organisation that applies, area, commodities, status, screening); a person's name and
contact, the documents, objections and step notes are read by the filer and the country's
officers only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casm.core.forms import form_errors_from
from casm.core.permissions import PUBLIC, SIGNED_IN, can, endpoint

from .. import forms, selectors, services
from ..models import (
    ApplicationStatus,
    Channel,
    LayerFeature,
    LicenceStatus,
    LicenceType,
    Objection,
    RentInvoice,
)
from ..screening import Finding
from ..services.applications import Upload
from .cadastre import _page


@require_safe
@endpoint(PUBLIC)
def application_list(request: HttpRequest) -> HttpResponse:
    """The register, in its order of priority, filtered and paged."""
    form = forms.ApplicationFilterForm(request.GET or None)
    applications = selectors.application_list(**form.filters())
    query = urlencode(sorted((k, v) for k, v in request.GET.items() if k != "page" and v))
    user = request.user
    return render(
        request,
        "licensing/applications.html",
        {
            "form": form, "page": _page(request, applications), "query": query,
            "mine": selectors.my_applications(user)[:20] if user.is_authenticated else [],
            "is_officer": can(user, "licensing.view"),
        },
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@endpoint(SIGNED_IN)
def application_new(request: HttpRequest) -> HttpResponse:
    """File an application: first its licence type (whose documents the form asks for), then
    the applicant, the area, the commodities and the documents."""
    chosen = request.GET.get("type") or request.POST.get("type")
    if not chosen:
        return render(
            request,
            "licensing/application_type.html",
            {"types": selectors.licence_type_list()},
        )
    try:
        licence_type = LicenceType.objects.select_related("country").get(pk=int(chosen))
    except (LicenceType.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    officer = can(request.user, "licensing.decide", country=licence_type.country)
    form = forms.ApplicationForm(
        request.POST or None, request.FILES or None, licence_type=licence_type,
        user=request.user, officer=officer,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        paper = bool(data.get("paper"))
        try:
            application = services.application_file(
                actor=request.user, country=licence_type.country, licence_type=licence_type,
                holder_kind=data["holder_kind"], organisation=data.get("organisation"),
                applicant_name=data.get("applicant_name") or "",
                applicant_contact=data.get("applicant_contact") or "",
                nationality=data.get("nationality"), commodities=data["commodities"],
                geometry=data["geometry"], area_given_as=data.get("area_given_as", ""),
                fee_paid=data.get("fee_paid"), fee_reference=data.get("fee_reference") or "",
                channel=Channel.OFFICER if paper else Channel.ONLINE,
                paper_dated=data.get("paper_dated") if paper else None,
                documents=[Upload(name, file) for name, file in data["documents"]],
            )  # fmt: skip
        except ValidationError as exc:
            if "documents" in getattr(exc, "error_dict", {}):
                exc.error_dict.setdefault(
                    form.document_fields[0][0] if form.document_fields else "documents", []
                ).extend(exc.error_dict.pop("documents"))
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                _("Application %(number)s received at %(time)s (UTC).")
                % {"number": application.number,
                   "time": f"{application.received_at:%Y-%m-%d %H:%M:%S}"},
            )  # fmt: skip
            return redirect("licensing:application", pk=application.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "licensing/application_form.html",
        {
            "form": form, "licence_type": licence_type, "officer": officer,
            "outlines_url": reverse("registry:outlines"),
        },
        status=status,
    )  # fmt: skip


def _map_of(application: Any, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The area and the shapes its screening found, for the page's map."""
    shapes = [{"type": "Feature", "geometry": application.geometry,
               "properties": {"role": "area", "label": application.number}}]  # fmt: skip
    ids = {f["feature"]: f["verdict"] for f in findings if f.get("feature")}
    for feature in LayerFeature.objects.filter(pk__in=ids).only("pk", "code", "geometry"):
        shapes.append({"type": "Feature", "geometry": feature.geometry,
                       "properties": {"role": ids[feature.pk], "label": feature.code}})  # fmt: skip
    return {"type": "FeatureCollection", "features": shapes}


def _context(request: HttpRequest, application: Any, **extra: Any) -> dict[str, Any]:
    user = request.user
    screening = selectors.latest_screening(application)
    findings = screening.findings if screening is not None else []
    private = selectors.application_is_private_to(user, application)
    officer = can(user, "licensing.decide", country=application.country_id)
    status = application.status
    steps_open = {
        "complete": status in (ApplicationStatus.RECEIVED, ApplicationStatus.INCOMPLETE),
        "notice": status == ApplicationStatus.COMPLETE,
        "objection": status == ApplicationStatus.NOTICE,
        "close": status == ApplicationStatus.NOTICE,
        "decide": application.is_pending,
    }
    return {
        "application": application,
        "screening": screening,
        "findings": [(f["verdict"], Finding.from_dict(f).text) for f in findings],
        "map_data": _map_of(application, findings),
        "outlines_url": reverse("registry:outlines"),
        "steps": application.steps.select_related("actor"),
        "sites": selectors.sites_in_area(application),
        "private": private,
        "documents": application.documents.all() if private else [],
        "objections": application.objections.all() if private else [],
        "officer": officer,
        "is_filer": user.is_authenticated and user.pk == application.filed_by_id,
        "open": steps_open,
        "licence": getattr(application, "licence", None),
        "forms": {
            "complete": forms.CompletenessForm(),
            "objection": forms.ObjectionForm(),
            "answer": forms.AnswerForm(),
            "decide": forms.DecisionForm(),
            "withdraw": forms.WithdrawForm(),
            "document": forms.DocumentForm(),
        },  # fmt: skip
        **extra,
    }


@require_safe
@endpoint(PUBLIC)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get(pk)
    return render(request, "licensing/application.html", _context(request, application))


OFFICER_STEPS = ("screen", "complete", "notice", "objection", "answer", "close", "decide")
PARTY_STEPS = ("withdraw", "document")
STEP_FORMS = {
    "complete": forms.CompletenessForm, "objection": forms.ObjectionForm,
    "answer": forms.AnswerForm, "decide": forms.DecisionForm, "withdraw": forms.WithdrawForm,
    "document": forms.DocumentForm,
}  # fmt: skip


def _run_step(step: str, actor: Any, application: Any, data: dict[str, Any], request: Any) -> str:
    """Take one step through its service; returns what to tell the user."""
    if step == "screen":
        services.application_screen(actor=actor, application=application)
        return _("The application was screened again.")
    if step == "complete":
        services.application_complete(
            actor=actor, application=application, complete=data["complete"],
            note=data.get("note") or "",
        )  # fmt: skip
        return _("The completeness check is recorded.")
    if step == "notice":
        services.application_notice_publish(actor=actor, application=application)
        return _("The public notice is published.")
    if step == "objection":
        services.objection_record(
            actor=actor, application=application, objector=data["objector"], text=data["text"],
            received_on=data.get("received_on"),
        )  # fmt: skip
        return _("The objection is recorded.")
    if step == "answer":
        try:
            objection = application.objections.get(pk=int(request.POST.get("objection", "")))
        except (Objection.DoesNotExist, ValueError, OverflowError):
            raise Http404 from None
        services.objection_answer(actor=actor, objection=objection, answer=data["answer"])
        return _("The answer is recorded.")
    if step == "close":
        services.application_notice_close(actor=actor, application=application)
        return _("The public notice is closed: the application waits for its decision.")
    if step == "decide":
        decided = services.application_decide(
            actor=actor, application=application, grant=data["grant"],
            reasons=data.get("reasons") or "",
        )  # fmt: skip
        if decided.status == ApplicationStatus.APPROVAL:
            return _("The grant is proposed: another officer approves it.")
        return _("The decision is recorded.")
    if step == "withdraw":
        services.application_withdraw(
            actor=actor, application=application, reason=data.get("reason") or ""
        )
        return _("The application is withdrawn.")
    services.document_add(
        actor=actor, application=application, upload=Upload(data["name"], data["file"])
    )
    return _("The document is added.")


@require_POST
@endpoint(SIGNED_IN)
def application_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the workflow, by an officer of the country (or, to withdraw or add a
    document, by the filer); outside one's scope the application is not found."""
    if step in OFFICER_STEPS:
        application = selectors.application_for_officer(request.user, pk)
    elif step in PARTY_STEPS:
        application = selectors.application_for_party(request.user, pk)
    else:
        raise Http404
    form_class = STEP_FORMS.get(step)
    form = form_class(request.POST, request.FILES) if form_class else None
    if form is not None and not form.is_valid():
        context = _context(request, application, failed=step)
        context["forms"][step] = form
        return render(request, "licensing/application.html", context, status=422)
    try:
        said = _run_step(step, request.user, application, form.cleaned_data if form else {},
                         request)  # fmt: skip
    except ValidationError as exc:
        context = _context(request, application, failed=step)
        if form is not None:
            form_errors_from(form, exc)
            context["forms"][step] = form
        else:
            context["step_errors"] = exc.messages
        return render(request, "licensing/application.html", context, status=422)
    messages.success(request, said)
    return redirect("licensing:application", pk=application.pk)


@require_safe
@endpoint(SIGNED_IN)
def application_document(request: HttpRequest, pk: int, document: int) -> FileResponse:
    """A filed document, for the filer and the country's officers only."""
    application = selectors.application_for_party(request.user, pk)
    found = get_object_or_404(application.documents, pk=document)
    return FileResponse(found.file.open("rb"), as_attachment=True,
                        filename=found.file.name.rsplit("/", 1)[-1])  # fmt: skip


@require_safe
@endpoint("licensing.view")
def officer_work(request: HttpRequest) -> HttpResponse:
    """An officer's work: the steps past their legal deadline, then every pending application
    of their countries by step."""
    from casm.core.permissions import require

    require(request.user, "licensing.view")
    pending = selectors.pending_for_officer(request.user)
    return render(
        request,
        "licensing/work.html",
        {"overdue": selectors.overdue_list(request.user), "page": _page(request, pending)},
    )


@require_safe
@endpoint(PUBLIC)
def licence_list(request: HttpRequest) -> HttpResponse:
    licences = selectors.licence_list()
    from casm.core.models import Country
    from casm.core.permissions import country_ids_for

    officer_countries: Any = []
    if can(request.user, "licensing.decide"):
        ids = country_ids_for(request.user, "licensing.decide")
        officer_countries = Country.objects.filter(licences__isnull=False).distinct()
        if ids is not None:
            officer_countries = officer_countries.filter(pk__in=ids)
    return render(
        request,
        "licensing/licences.html",
        {"page": _page(request, licences), "officer_countries": officer_countries},
    )


def _licence_context(request: HttpRequest, licence: Any, **extra: Any) -> dict[str, Any]:
    from ..services.licences import is_holder

    user = request.user
    geometry = licence.feature.geometry if licence.feature else (
        licence.application.geometry if licence.application else None
    )  # fmt: skip
    shape = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"role": "area", "label": licence.number},
        "geometry": geometry}] if geometry else []}  # fmt: skip
    officer = can(user, "licensing.decide", country=licence.country_id)
    holder = is_holder(user, licence)
    open_ = licence.status in (LicenceStatus.VALID, LicenceStatus.SUSPENDED)
    return {
        "licence": licence,
        "events": licence.events.all(),
        "map_data": shape,
        "outlines_url": reverse("registry:outlines"),
        "officer": officer,
        "holder": holder,
        "is_open": open_,
        "invoices": licence.invoices.all() if officer or holder else [],
        "forms": {
            "renewal": forms.RenewalDecisionForm(),
            "renew": forms.ReasonForm(),
            "transfer": forms.TransferForm(
                country=licence.country, initial={"share": licence.holder_percent}
            ),
            "surrender": forms.SurrenderForm(),
            "suspend": forms.ReasonForm(),
            "reinstate": forms.ReasonForm(),
            "revoke": forms.ReasonForm(),
            "pay": forms.PaymentForm(),
        },  # fmt: skip
        **extra,
    }


def _licence(pk: int) -> Any:
    return selectors.licence_get(pk)


@require_safe
@endpoint(PUBLIC)
def licence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    licence = _licence(pk)
    return render(request, "licensing/licence.html", _licence_context(request, licence))


LICENCE_FORMS: dict[str, Any] = {
    "renew": forms.ReasonForm, "renewal": forms.RenewalDecisionForm,
    "transfer": forms.TransferForm, "surrender": forms.SurrenderForm,
    "suspend": forms.ReasonForm, "reinstate": forms.ReasonForm, "revoke": forms.ReasonForm,
    "pay": forms.PaymentForm,
}  # fmt: skip


def _licence_step(step: str, actor: Any, licence: Any, data: dict[str, Any], request: Any) -> str:
    reason = data.get("reason") or ""
    if step == "renew":
        services.licence_renewal_file(actor=actor, licence=licence, note=reason)
        return _("The renewal is filed: the licence stays valid until it is decided.")
    if step == "renewal":
        services.licence_renewal_decide(
            actor=actor, licence=licence, grant=data["grant"], reason=reason
        )
        return _("The renewal is decided.")
    if step == "transfer":
        services.licence_transfer(
            actor=actor, licence=licence, organisation=data["organisation"],
            share=data["share"], reason=reason,
        )  # fmt: skip
        return _("The transfer is recorded.")
    if step == "surrender":
        part = None if data.get("whole") else data.get("geometry")
        services.licence_surrender(actor=actor, licence=licence, part=part, reason=reason)
        return _("The surrender is recorded.")
    if step == "pay":
        try:
            invoice = licence.invoices.get(pk=int(request.POST.get("invoice", "")))
        except (RentInvoice.DoesNotExist, ValueError, OverflowError):
            raise Http404 from None
        services.rent_invoice_pay(
            actor=actor, invoice=invoice, paid_on=data.get("paid_on"),
            reference=data.get("reference") or "",
        )  # fmt: skip
        return _("The payment is recorded.")
    act = {"suspend": services.licence_suspend, "reinstate": services.licence_reinstate,
           "revoke": services.licence_revoke}[step]  # fmt: skip
    act(actor=actor, licence=licence, reason=reason)
    return _("The licence's status is changed.")


@require_POST
@endpoint(SIGNED_IN)
def licence_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One event of a licence's life, by an officer of its country (or, to file a renewal or
    surrender, by its holder); others are not found."""
    from ..services.licences import is_holder

    if step not in LICENCE_FORMS:
        raise Http404
    licence = _licence(pk)
    holder_steps = ("renew", "surrender")
    allowed = can(request.user, "licensing.decide", country=licence.country_id) or (
        step in holder_steps and is_holder(request.user, licence)
    )
    if not allowed:
        raise Http404
    kwargs = {"country": licence.country} if step == "transfer" else {}
    form = LICENCE_FORMS[step](request.POST, request.FILES, **kwargs)
    if form.is_valid():
        try:
            said = _licence_step(step, request.user, licence, form.cleaned_data, request)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, said)
            return redirect("licensing:licence", pk=licence.pk)
    context = _licence_context(request, licence, failed=step)
    context["forms"][step] = form
    return render(request, "licensing/licence.html", context, status=422)


@require_POST
@endpoint("licensing.decide")
def rent_issue(request: HttpRequest) -> HttpResponse:
    """Issue the annual rent fallen due in one of the officer's countries."""
    from casm.core.models import Country

    country = get_object_or_404(Country, pk=request.POST.get("country") or 0)
    try:
        made = services.rent_invoices_issue(actor=request.user, country=country)
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request,
        _("Rent invoices issued for %(country)s: %(count)s.")
        % {"country": country.name, "count": len(made)},
    )
    return redirect("licensing:licences")


@require_safe
@endpoint(PUBLIC)
def register_statistics(request: HttpRequest) -> HttpResponse:
    """The register's figures, for one country or all."""
    from casm.core.models import Country

    from ..models import StepKind

    countries = Country.objects.filter(applications__isnull=False).distinct()
    chosen = countries.filter(alpha2=request.GET.get("country", "")).first()
    figures = selectors.register_statistics(country=chosen)
    labels = dict(StepKind.choices)
    steps = [(labels.get(kind, kind), days) for kind, days in figures["median_days"].items()]
    return render(
        request,
        "licensing/statistics.html",
        {"figures": figures, "steps": steps, "countries": countries, "chosen": chosen},
    )
