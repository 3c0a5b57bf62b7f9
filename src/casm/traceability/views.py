"""Pages of the chain of custody: the lots one may see with the transfers waiting for one's
organisation, a lot's page with its provenance and the holder's operations on it, production
and combination, tags, actors, red flags, and where a site's output went.

Who sees what is the selectors' business (a lot outside one's scope is not found); who may
do what is the services' (a refusal is a 403 page, bad input the form again with its errors).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from casm.core import permissions
from casm.core.forms import form_errors_from
from casm.core.models import Commodity, Country
from casm.core.pagination import page_of
from casm.core.permissions import PUBLIC, SIGNED_IN, can, endpoint
from casm.core.tables import ExportError, export_response, table_export
from casm.core.throttling import export_rate_limited
from casm.registry.models import CertificationStatus
from casm.registry.selectors import site_get_for_user

from . import certificates, forms, labels, open_data, selectors, services
from .models import (
    CRITICAL_CRITERIA,
    CertificateStatus,
    Criterion,
    ExportCertificate,
    Finding,
    FlagStatus,
    Lot,
    LotStatus,
    Operation,
)

PAGE_SIZE = 50
LOT_STEPS = ("transfer", "split", "process", "export")
TRANSFER_STEPS = ("accept", "refuse")
ACTOR_STEPS = ("suspend", "reinstate")
COMBINE_OFFERED = 500


def _page(request: HttpRequest, items: Any) -> Any:
    return page_of(request, items, PAGE_SIZE)


def _query(request: HttpRequest) -> str:
    return urlencode(sorted((k, v) for k, v in request.GET.items() if k != "page" and v))


def _failed(form: Form, exc: ValidationError) -> Form:
    form_errors_from(form, exc)
    return form


# --- Lots ------------------------------------------------------------------------------------


def _accept_form(operation: Operation, data: Any = None) -> forms.AcceptForm:
    lot = operation.inputs.all()[0] if operation.inputs.all() else None
    initial = {"unit": lot.unit, "mass": lot.mass, "grade": lot.grade} if lot else {}
    return forms.AcceptForm(data, initial=initial, prefix=f"t{operation.pk}")


@require_safe
@endpoint(SIGNED_IN)
def lot_list(request: HttpRequest) -> HttpResponse:
    """The lots one may see, filtered and paged, and the transfers waiting for one's
    organisation to accept or refuse them."""
    return _lot_list(request)


def _lot_list(
    request: HttpRequest, failed: Operation | None = None, failed_forms: Any = None
) -> HttpResponse:
    user = request.user
    form = forms.LotFilterForm(request.GET or None)
    pending = []
    for operation in selectors.operations_pending_for(user)[:50]:
        if failed is not None and operation.pk == failed.pk:
            pending.append((operation, *failed_forms))
        else:
            pending.append((operation, _accept_form(operation), forms.RefuseForm()))
    return render(
        request,
        "traceability/lots.html",
        {
            "form": form, "page": _page(request, selectors.lot_list(user, **form.filters())),
            "query": _query(request), "pending": pending,
            "may_trade": selectors.actors_acting_as(user).exists(),
            "may_inspect": can(user, "traceability.inspect"),
        },
        status=422 if failed is not None else 200,
    )  # fmt: skip


def _holder_forms(lot: Lot, data: Any = None, step: str = "") -> dict[str, Form]:
    def bound(name: str) -> Any:
        return data if name == step else None

    return {
        "transfer": forms.TransferForm(bound("transfer"), lot=lot),
        "split": forms.SplitForm(bound("split")),
        "process": forms.ProcessForm(bound("process")),
        "export": forms.ExportForm(bound("export")),
    }


def _lot_context(request: HttpRequest, lot: Lot, **extra: Any) -> dict[str, Any]:
    user = request.user
    acting = selectors.actors_acting_as(user)
    holder = lot.status == LotStatus.ACTIVE and acting.filter(pk=lot.holder_id).exists()
    transfer = None
    consumed_by = lot.consumed_by_id
    if lot.status == LotStatus.IN_TRANSIT and consumed_by is not None:
        transfer = Operation.objects.select_related(
            "actor__organisation", "receiver__organisation"
        ).get(pk=consumed_by)
    found = selectors.provenance(lot)
    context = {
        "lot": lot, "provenance": found, "holder": holder, "upstream": len(found.lots) - 1,
        "rows": [(depth, min(depth, 8), each) for depth, each in found.rows],
        "flags": [(flag, selectors.evidence_text(flag)) for flag in found.flags],
        "forms": _holder_forms(lot) if holder else {}, "transfer": transfer,
        "receiving": transfer is not None and acting.filter(pk=transfer.receiver_id or 0).exists(),
        "sending": transfer is not None and acting.filter(pk=transfer.actor_id).exists(),
        "outputs": list(Lot.objects.filter(made_by_id=consumed_by)) if consumed_by else [],
        "inspector": can(user, "traceability.inspect", country=lot.country_id),
    }  # fmt: skip
    if context["receiving"] and transfer is not None:
        context["accept_form"] = _accept_form(transfer)
        context["refuse_form"] = forms.RefuseForm()
    elif context["sending"]:
        context["refuse_form"] = forms.RefuseForm()
    export = selectors.export_of(lot)
    if export is not None:
        certificate = ExportCertificate.objects.filter(operation=export).first()
        context["certificate"] = certificate
        if certificate is None and context["inspector"]:
            authority = getattr(getattr(user, "organisation", None), "name", "")
            context["certify_form"] = forms.CertificatePrepareForm(
                initial={"issuing_authority": authority}
            )
    context.update(extra)
    return context


@require_safe
@endpoint(SIGNED_IN)
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    """A lot, its whole provenance back to the mine sites with their statuses and the red
    flags met on the way, and, for its holder, the operations on it."""
    lot = selectors.lot_get(request.user, lot_id)
    return render(request, "traceability/lot.html", _lot_context(request, lot))


@require_POST
@endpoint("traceability.trade")
def lot_step(request: HttpRequest, lot_id: int, step: str) -> HttpResponse:
    """The holder's operations on a lot: transfer, split, process or export."""
    if step not in LOT_STEPS:
        raise Http404
    lot = selectors.lot_get(request.user, lot_id)
    holder_forms = _holder_forms(lot, request.POST, step)
    form = holder_forms[step]
    if form.is_valid():
        try:
            said, target = _run_lot_step(request, lot, step, form.cleaned_data)
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, said)
            return redirect("traceability:lot", lot_id=target)
    context = _lot_context(request, lot, failed=step)
    if context["holder"]:
        context["forms"] = holder_forms
    return render(request, "traceability/lot.html", context, status=422)


def _run_lot_step(
    request: HttpRequest, lot: Lot, step: str, data: dict[str, Any]
) -> tuple[str, int]:
    user = request.user
    if step == "transfer":
        services.lot_transfer(
            actor=user, lot=lot, receiver=data["receiver"], shipped_on=data["shipped_on"],
            transport_method=data["transport_method"], route=data["route"],
            transport_company=data["transport_company"], note=data["note"],
        )  # fmt: skip
        return _("Lot %(number)s is on its way to %(receiver)s, who must accept it.") % {
            "number": lot.number,
            "receiver": data["receiver"].name,
        }, lot.pk
    if step == "export":
        services.lot_export(
            actor=user, lot=lot, importer=data["importer"], destination=data["destination"],
            shipped_on=data["shipped_on"], customs_value=data["customs_value"],
            route=data["route"], transport_company=data["transport_company"],
        )  # fmt: skip
        return _("Lot %(number)s is recorded as exported.") % {"number": lot.number}, lot.pk
    if step == "split":
        made = services.lot_split(actor=user, lot=lot, parts=data["parts"], note=data["note"])
    else:
        made = services.lots_process(actor=user, lots=[lot], parts=data["parts"],
                                     note=data["note"])  # fmt: skip
    return _("New lots: %(numbers)s.") % {"numbers": ", ".join(each.number for each in made)}, made[
        0
    ].pk


@require_http_methods(["GET", "POST"])
@endpoint("traceability.trade")
def lot_produce(request: HttpRequest) -> HttpResponse:
    """Record a lot produced at a mine site, sealed with its tag."""
    actors = selectors.actors_acting_as(request.user).filter(suspended_on__isnull=True)
    permissions.require(request.user, "traceability.trade")
    form = forms.ProduceForm(request.POST or None, actors=actors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        producer = data["producer"]
        site = selectors.site_by_code(data["site"], {producer.country_id})
        if site is None:
            form.add_error("site", _("No site with this code in %(country)s.")
                           % {"country": producer.country.name})  # fmt: skip
        else:
            try:
                lot = services.lot_produce(
                    actor=request.user, producer=producer, site=site, tag=data["tag"],
                    commodity=data["mineral"], mass=data["mass"], unit=data["unit"],
                    grade=data["grade"], package_type=data["package_type"],
                    package_count=data["package_count"], sealed_on=data["sealed_on"],
                    taxes_paid=data["taxes_paid"], tax_reference=data["tax_reference"],
                    label=data["label"],
                )  # fmt: skip
            except ValidationError as exc:
                _failed(form, exc)
            else:
                messages.success(request, _("Lot %(number)s is recorded.") % {"number": lot.number})
                return redirect("traceability:lot", lot_id=lot.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "traceability/produce.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@endpoint("traceability.trade")
def lot_import(request: HttpRequest) -> HttpResponse:
    """Record a lot that enters the country, with its declared origin."""
    permissions.require(request.user, "traceability.trade")
    actors = selectors.actors_acting_as(request.user).filter(suspended_on__isnull=True)
    form = forms.ImportForm(request.POST or None, actors=actors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot = services.lot_import(
                actor=request.user, importer=data["importer"], origin=data["origin"],
                commodity=data["mineral"], mass=data["mass"], unit=data["unit"],
                grade=data["grade"], exporter=data["exporter"], certificate=data["certificate"],
                shipped_on=data["shipped_on"], received_on=data["received_on"],
                route=data["route"], transport_company=data["transport_company"],
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("Lot %(number)s is recorded.") % {"number": lot.number})
            return redirect("traceability:lot", lot_id=lot.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "traceability/import.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@endpoint("traceability.trade")
def lots_combine(request: HttpRequest) -> HttpResponse:
    """Combine lots one holds (one mineral, one holder) into one."""
    permissions.require(request.user, "traceability.trade")
    held = (
        selectors.lots_visible(request.user)
        .filter(status=LotStatus.ACTIVE, holder__in=selectors.actors_acting_as(request.user))
        .order_by("commodity__code", "number")
    )
    # The first 500 are offered; a slice cannot be filtered, so the form gets their keys.
    offered = held.filter(pk__in=list(held.values_list("pk", flat=True)[:COMBINE_OFFERED]))
    form = forms.CombineForm(request.POST or None, lots=offered)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lot = services.lots_combine(actor=request.user, lots=list(data["lots"]),
                                        grade=data["grade"], note=data["note"])  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("Lot %(number)s is recorded.") % {"number": lot.number})
            return redirect("traceability:lot", lot_id=lot.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "traceability/combine.html", {"form": form, "held": held.exists()},
                  status=status)  # fmt: skip


# --- Transfers -------------------------------------------------------------------------------


@require_POST
@endpoint("traceability.trade")
def transfer_step(request: HttpRequest, operation_id: int, step: str) -> HttpResponse:
    """Accept a transfer with the weight found, or refuse it (the receiver) or cancel it (the
    sender)."""
    if step not in TRANSFER_STEPS:
        raise Http404
    operation = selectors.operation_get(request.user, operation_id)
    back = request.POST.get("back") == "lot"
    lot = operation.inputs.first()
    if step == "accept":
        form: Form = _accept_form(operation, request.POST)
    else:
        form = forms.RefuseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "accept":
                made = services.transfer_accept(
                    actor=request.user, operation=operation, mass=data["mass"],
                    unit=data["unit"], grade=data["grade"], received_on=data["received_on"],
                )  # fmt: skip
            else:
                services.transfer_refuse(actor=request.user, operation=operation,
                                         reason=data["reason"])  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            if step == "accept":
                messages.success(request, _("Lot %(number)s is yours.") % {"number": made.number})
                return redirect("traceability:lot", lot_id=made.pk)
            messages.success(request, _("The transfer is undone: the lot is back with its sender."))
            return redirect("traceability:lots")
    if back and lot is not None:
        extra = {"accept_form": form} if step == "accept" else {"refuse_form": form}
        context = _lot_context(request, selectors.lot_get(request.user, lot.pk), **extra)
        return render(request, "traceability/lot.html", context, status=422)
    forms_of = (form, forms.RefuseForm()) if step == "accept" else (_accept_form(operation), form)
    return _lot_list(request, failed=operation, failed_forms=forms_of)


# --- Tags ------------------------------------------------------------------------------------


@require_safe
@endpoint(SIGNED_IN)
def tag_lookup(request: HttpRequest) -> HttpResponse:
    """Type a tag's number, or read its QR code, to find its lot."""
    form = forms.TagLookupForm(request.GET or None)
    if form.is_valid():
        number = form.cleaned_data["number"].strip()
        lot = selectors.lot_by_tag(request.user, number)
        if lot is not None:
            return redirect("traceability:lot", lot_id=lot.pk)
        if selectors.tags_visible(request.user).filter(number=number).exists():
            return redirect("traceability:tag", number=number)
        form.add_error("number", _("No tag %(number)s that you may see.") % {"number": number})
    inspector = can(request.user, "traceability.inspect")
    batches = selectors.tag_batches_visible(request.user) if inspector else None
    return render(
        request, "traceability/tags.html",
        {"form": form, "inspector": inspector,
         "batches": _page(request, batches) if batches is not None else None},
        status=422 if form.is_bound and not form.is_valid() else 200,
    )  # fmt: skip


@require_safe
@endpoint("traceability.inspect")
def tag_detail(request: HttpRequest, number: str) -> HttpResponse:
    """An inspector's view of one tag: where it was issued, its status, its lot."""
    return render(request, "traceability/tag.html", _tag_context(request, number))


def _tag_context(request: HttpRequest, number: str, **extra: Any) -> dict[str, Any]:
    permissions.require(request.user, "traceability.inspect")
    tag = selectors.tags_visible(request.user).filter(number=number).first()
    if tag is None:
        raise Http404
    lot = Lot.objects.filter(tag=tag).first()
    return {"tag": tag, "lot": lot, "mark_form": forms.TagMarkForm(), **extra}


@require_POST
@endpoint("traceability.inspect")
def tag_mark(request: HttpRequest, number: str) -> HttpResponse:
    """Record an unused tag as lost or voided."""
    context = _tag_context(request, number)
    form = forms.TagMarkForm(request.POST)
    if form.is_valid():
        try:
            services.tag_mark(actor=request.user, tag=context["tag"],
                              status=form.cleaned_data["status"],
                              reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("Tag %(number)s is marked.") % {"number": number})
            return redirect("traceability:tag", number=number)
    context["mark_form"] = form
    return render(request, "traceability/tag.html", context, status=422)


@require_safe
@endpoint("traceability.inspect")
def tag_batch_labels(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's labels to print: each tag's number and a QR code that finds its lot."""
    permissions.require(request.user, "traceability.inspect")
    batch = selectors.tag_batches_visible(request.user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    unused = request.GET.get("unused") == "1"
    tags = list(selectors.batch_tags(batch, unused_only=unused))
    lookup = request.build_absolute_uri(reverse("traceability:tags"))

    def url(number: str) -> str:
        return f"{lookup}?{urlencode({'number': number})}"

    response = HttpResponse(
        labels.batch_labels_pdf(batch, tags, url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="casm-tags-batch-{batch.pk}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@endpoint("traceability.inspect")
def tag_batch_issue(request: HttpRequest) -> HttpResponse:
    """Issue tag numbers to a mine site or to an actor of a country one inspects."""
    permissions.require(request.user, "traceability.inspect")
    form = forms.TagBatchForm(request.POST or None, actors=selectors.actors_inspected(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chain_actor = data.get("actor")
        site = None
        if data["site"]:
            countries = permissions.country_ids_for(request.user, "traceability.inspect")
            site = selectors.site_by_code(data["site"], countries)
            if site is None:
                form.add_error("site", _("No site with this code in the countries you inspect."))
        elif chain_actor is None:
            form.add_error("site", _("Give the mine site or the actor the tags are issued to."))
        if form.is_valid():
            holder: Any = site if site is not None else chain_actor
            country_id = holder.country_id
            try:
                batch = services.tag_batch_issue(
                    actor=request.user, country=Country.objects.get(pk=country_id),
                    numbers=data["numbers"], site=site, chain_actor=chain_actor,
                    note=data["note"],
                )  # fmt: skip
            except ValidationError as exc:
                _failed(form, exc)
            else:
                messages.success(request, _("%(count)s tags are issued.")
                                 % {"count": batch.tags.count()})  # fmt: skip
                return redirect("traceability:tags")
    status = 422 if request.method == "POST" else 200
    return render(request, "traceability/tag_batch.html", {"form": form}, status=status)


# --- Actors ----------------------------------------------------------------------------------


@require_safe
@endpoint(SIGNED_IN)
def actor_list(request: HttpRequest) -> HttpResponse:
    """The supply-chain actors, with their roles and whether they are suspended."""
    actors = selectors.actors_visible(request.user)
    actors = actors.order_by("country__alpha2", "organisation__name")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        actors = actors.filter(organisation__name__icontains=q)
    inspected = set(selectors.actors_inspected(request.user).values_list("pk", flat=True))
    return render(
        request, "traceability/actors.html",
        {"page": _page(request, actors), "query": _query(request), "q": q,
         "inspected": inspected, "inspector": can(request.user, "traceability.inspect"),
         "reason_form": forms.ReasonForm()},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@endpoint("traceability.inspect")
def actor_register(request: HttpRequest) -> HttpResponse:
    """Register an organisation of the directory as an actor of a country's supply chain."""
    permissions.require(request.user, "traceability.inspect")
    form = forms.ActorForm(
        request.POST or None, countries=selectors.countries_inspected(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            chain_actor = services.actor_register(
                actor=request.user, organisation=data["organisation"], country=data["country"],
                roles=data["roles"], registration=data["registration"],
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": chain_actor.name})
            return redirect("traceability:actors")
    status = 422 if request.method == "POST" else 200
    return render(request, "traceability/actor_form.html", {"form": form}, status=status)


@require_POST
@endpoint("traceability.inspect")
def actor_step(request: HttpRequest, actor_id: int, step: str) -> HttpResponse:
    """Suspend a supplier, or lift its suspension, saying why."""
    if step not in ACTOR_STEPS:
        raise Http404
    permissions.require(request.user, "traceability.inspect")
    chain_actor = selectors.actors_inspected(request.user).filter(pk=actor_id).first()
    if chain_actor is None:
        raise Http404
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        service = services.actor_suspend if step == "suspend" else services.actor_reinstate
        try:
            service(actor=request.user, chain_actor=chain_actor,
                    reason=form.cleaned_data["reason"])  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            said = (_("%(name)s is suspended.") if step == "suspend"
                    else _("%(name)s is reinstated."))  # fmt: skip
            messages.success(request, said % {"name": chain_actor.name})
            return redirect("traceability:actors")
    for error in form.errors.get("reason", []) + form.non_field_errors():
        messages.error(request, f"{chain_actor.name}: {error}")
    return redirect("traceability:actors")


# --- Red flags -------------------------------------------------------------------------------


@require_safe
@endpoint("traceability.inspect")
def flag_list(request: HttpRequest) -> HttpResponse:
    """The red flags of the countries one inspects, open ones first."""
    permissions.require(request.user, "traceability.inspect")
    return _flag_list(request)


OVERDUE = "overdue"


def _flag_list(
    request: HttpRequest,
    failed: Any = None,
    failed_form: Any = None,
    step: str = "close",
    status: str | None = None,
) -> HttpResponse:
    status = status or request.GET.get("status", FlagStatus.OPEN)
    flags = selectors.flags_visible(request.user).select_related("owner")
    if status == OVERDUE:
        flags = flags.filter(escalated_on__isnull=False).exclude(status=FlagStatus.CLOSED)
    elif status in FlagStatus.values:
        flags = flags.filter(status=status)
    page = _page(request, flags)
    inspectors: dict[int, list[Any]] = {}

    def plan_form(flag: Any) -> Any:
        if failed == flag.pk and step == "plan":
            return failed_form
        if flag.country_id not in inspectors:
            inspectors[flag.country_id] = selectors.inspectors_of(flag.country_id)
        initial = {"owner": flag.owner_id or request.user.pk, "plan": flag.mitigation_plan,
                   "due": flag.mitigation_due}  # fmt: skip
        return forms.FlagPlanForm(
            initial=initial, inspectors=inspectors[flag.country_id], prefix=f"p{flag.pk}"
        )

    rows = [(flag, selectors.evidence_text(flag),
             failed_form if failed == flag.pk and step == "close" else forms.FlagCloseForm(),
             plan_form(flag) if flag.status != FlagStatus.CLOSED and flag.severity != "suspend"
             else None)
            for flag in page]  # fmt: skip
    statuses = [*FlagStatus.choices, (OVERDUE, _("overdue"))]
    return render(
        request, "traceability/flags.html",
        {"page": page, "rows": rows, "query": _query(request), "status": status,
         "statuses": statuses, "today": timezone.localdate()},
        status=422 if failed is not None else 200,
    )  # fmt: skip


def _flag(request: HttpRequest, flag_id: int) -> Any:
    permissions.require(request.user, "traceability.inspect")
    flag = selectors.flags_visible(request.user).filter(pk=flag_id).first()
    if flag is None:
        raise Http404
    return flag


@require_POST
@endpoint("traceability.inspect")
def flag_close(request: HttpRequest, flag_id: int) -> HttpResponse:
    """Close a red flag, saying how its risk was mitigated or why it is overridden."""
    flag = _flag(request, flag_id)
    form = forms.FlagCloseForm(request.POST)
    if form.is_valid():
        try:
            services.flag_close(actor=request.user, flag=flag, closure=form.cleaned_data["closure"])
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("The red flag is closed."))
            return redirect("traceability:flags")
    return _flag_list(request, failed=flag.pk, failed_form=form)


@require_POST
@endpoint("traceability.inspect")
def flag_plan(request: HttpRequest, flag_id: int) -> HttpResponse:
    """Give a red flag its owner and its mitigation plan with a deadline."""
    flag = _flag(request, flag_id)
    form = forms.FlagPlanForm(
        request.POST, inspectors=selectors.inspectors_of(flag.country_id), prefix=f"p{flag.pk}"
    )
    if form.is_valid():
        try:
            services.flag_plan(
                actor=request.user, flag=flag, owner=form.owner_user(),
                plan=form.cleaned_data["plan"], due=form.cleaned_data["due"],
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("The mitigation plan is recorded."))
            return redirect(f"{reverse('traceability:flags')}?status=mitigating")
    return _flag_list(request, failed=flag.pk, failed_form=form, step="plan", status=flag.status)


@require_http_methods(["GET", "POST"])
@endpoint("traceability.inspect")
def flag_new(request: HttpRequest) -> HttpResponse:
    """Raise a red flag of the OECD Annex II risks on a site, a lot or a supplier."""
    permissions.require(request.user, "traceability.inspect")
    countries = selectors.countries_inspected(request.user)
    form = forms.FlagRaiseForm(request.POST or None, countries=countries)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        country = data["country"]
        try:
            flag = services.flag_raise(
                actor=request.user, country=country, kind=data["kind"], text=data["text"],
                **selectors.flag_subjects(request.user, country, data),
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            if flag.severity == "suspend":
                messages.warning(request, _("The red flag is raised; its suppliers are suspended."))
            else:
                messages.success(request, _("The red flag is raised."))
            return redirect("traceability:flags")
    return render(
        request, "traceability/flag_new.html", {"form": form},
        status=422 if form.is_bound else 200,
    )  # fmt: skip


# --- The rules of the checks ----------------------------------------------------------------


def _checks(request: HttpRequest, **failed: Any) -> HttpResponse:
    """The capacity check's productivities and the sites above their capacity, and the
    mass-balance tolerances, of the countries one inspects."""
    countries = selectors.countries_inspected(request.user)
    country_ids = [country.pk for country in countries]
    chosen = request.GET.get("country", "")
    shown = [c.pk for c in countries if c.alpha2 == chosen] if chosen else country_ids
    rows = selectors.capacity_rows(country_ids=shown)
    minerals = {mineral.pk: mineral.name for mineral in Commodity.objects.all()}
    page = _page(request, rows)
    return render(
        request, "traceability/checks.html",
        {"productivities": selectors.productivities_visible(request.user),
         "rules": selectors.balance_rules_visible(request.user),
         "page": page, "named": [(row, minerals.get(row.commodity_id)) for row in page],
         "countries": countries, "chosen": chosen,
         "window_days": selectors.CAPACITY_WINDOW_DAYS,
         "productivity_form": failed.get("productivity")
         or forms.ProductivityForm(countries=countries),
         "balance_form": failed.get("balance") or forms.BalanceRuleForm(countries=countries)},
        status=422 if failed else 200,
    )  # fmt: skip


@require_safe
@endpoint("traceability.inspect")
def checks(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "traceability.inspect")
    return _checks(request)


@require_POST
@endpoint("traceability.inspect")
def check_set(request: HttpRequest, rule: str) -> HttpResponse:
    """Set a productivity (the capacity check) or a mass-balance tolerance."""
    permissions.require(request.user, "traceability.inspect")
    countries = selectors.countries_inspected(request.user)
    form: Any
    if rule == "productivity":
        form = forms.ProductivityForm(request.POST, countries=countries)
    elif rule == "balance":
        form = forms.BalanceRuleForm(request.POST, countries=countries)
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if rule == "productivity":
                services.productivity_set(
                    actor=request.user, country=data["country"], commodity=data["commodity"],
                    mass=data["mass"], unit=data["unit"], margin_percent=data["margin_percent"],
                    source=data["source"],
                )  # fmt: skip
            else:
                services.mass_balance_rule_set(
                    actor=request.user, country=data["country"], commodity=data["commodity"],
                    kind=data["kind"], tolerance_percent=data["tolerance_percent"],
                    on_breach=data["on_breach"],
                )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("The rule is saved."))
            return redirect("traceability:checks")
    return _checks(request, **{rule: form})


# --- Open data ------------------------------------------------------------------------------


def _open_data_form(request: HttpRequest) -> forms.OpenDataFilterForm:
    return forms.OpenDataFilterForm(
        request.GET or None, years=open_data.open_data_years(),
        minerals=open_data.minerals_produced(),
    )  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def open_data_page(request: HttpRequest) -> HttpResponse:
    """The chain's public aggregates: production by site, exports by origin province, red
    flags by kind; each downloadable."""
    form = _open_data_form(request)
    filters = form.filters()
    page = _page(request, open_data.production_by_site(filters))
    return render(
        request, "traceability/open_data.html",
        {"form": form, "page": page, "production": open_data.production_rows(page),
         "exports": open_data.exports_by_province(filters),
         "flags": open_data.flag_rows(open_data.flags_by_kind(filters)),
         "query": _query(request)},
    )  # fmt: skip


@require_safe
@export_rate_limited
@endpoint(PUBLIC)
def open_data_export(request: HttpRequest, table: str, fmt: str) -> HttpResponseBase:
    """One of the aggregates as CSV or XLSX."""
    if table not in ("production", "exports", "flags"):
        raise Http404
    filters = _open_data_form(request).filters()
    try:
        export = table_export(open_data.open_data_table(table, filters), fmt)
    except ExportError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    return export_response(export)


# --- Forward: where a site's output went -----------------------------------------------------


@require_safe
@endpoint(SIGNED_IN)
def site_output(request: HttpRequest, site_id: int) -> HttpResponse:
    """Where a mine site's output went: the last lot of each line from it that one may see."""
    site = site_get_for_user(user=request.user, pk=site_id)
    lots = selectors.destinations(site, request.user)
    return render(request, "traceability/site_output.html", {"site": site, "lots": lots})


# --- Export certificates --------------------------------------------------------------------


@require_POST
@endpoint("traceability.inspect")
def lot_certify(request: HttpRequest, lot_id: int) -> HttpResponse:
    """An inspector verifies an exported lot and prepares its certificate."""
    lot = selectors.lot_get(request.user, lot_id)
    operation = selectors.export_of(lot)
    form = forms.CertificatePrepareForm(request.POST)
    if form.is_valid() and operation is not None:
        try:
            certificate = services.certificate_prepare(
                actor=request.user, operation=operation, ore_type=form.cleaned_data["ore_type"],
                issuing_authority=form.cleaned_data["issuing_authority"],
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(
                request,
                _("Certificate %(identifier)s is prepared; another inspector validates it.")
                % {"identifier": certificate.identifier},
            )
            return redirect("traceability:certificate", certificate_id=certificate.pk)
    elif operation is None:
        form.add_error(None, _("Only an exported lot gets an export certificate."))
    context = _lot_context(request, lot, certify_form=form)
    return render(request, "traceability/lot.html", context, status=422)


@require_safe
@endpoint(SIGNED_IN)
def certificate_list(request: HttpRequest) -> HttpResponse:
    """The export certificates one may see: one's countries' as an inspector, one's own exports'."""
    shown = selectors.certificates_visible(request.user)
    status = request.GET.get("status", "")
    if status in CertificateStatus.values:
        shown = shown.filter(status=status)
    return render(
        request, "traceability/certificates.html",
        {"page": _page(request, shown), "query": _query(request), "status": status,
         "statuses": CertificateStatus.choices},
    )  # fmt: skip


def _certificate_context(request: HttpRequest, certificate: ExportCertificate) -> dict[str, Any]:
    rows = _rows(request, certificate.data)
    verdict = None
    if certificate.status == CertificateStatus.ISSUED:
        verdict = certificates.verify(certificates.document(certificate), certificates.known_keys())
    return {"certificate": certificate, "rows": rows, "verdict": verdict}


@require_safe
@endpoint(SIGNED_IN)
def certificate_detail(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """A certificate with its fields; for another inspector of its country, the validation."""
    certificate = selectors.certificate_get(request.user, certificate_id)
    return render(request, "traceability/certificate.html", _certificate_page(request, certificate))


def _certificate_page(
    request: HttpRequest, certificate: ExportCertificate, form: Form | None = None
) -> dict[str, Any]:
    context = _certificate_context(request, certificate)
    may_validate = (
        certificate.status == CertificateStatus.PREPARED
        and can(request.user, "traceability.inspect", country=certificate.country_id)
        and certificate.verified_by_id != request.user.pk
    )
    if may_validate:
        context["validate_form"] = form or forms.CertificateValidateForm()
    return context


@require_POST
@endpoint("traceability.inspect")
def certificate_validate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    certificate = selectors.certificate_get(request.user, certificate_id)
    form = forms.CertificateValidateForm(request.POST)
    if form.is_valid():
        try:
            services.certificate_validate(
                actor=request.user, certificate=certificate,
                expires_on=form.cleaned_data["expires_on"],
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(request, _("The certificate is issued and signed."))
            return redirect("traceability:certificate", certificate_id=certificate.pk)
    certificate.refresh_from_db()
    context = _certificate_page(request, certificate, form)
    context.setdefault("validate_form", form)
    return render(request, "traceability/certificate.html", context, status=422)


def _issued(request: HttpRequest, certificate_id: int) -> ExportCertificate:
    certificate = selectors.certificate_get(request.user, certificate_id)
    if certificate.status != CertificateStatus.ISSUED:
        raise Http404
    return certificate


@require_safe
@endpoint(SIGNED_IN)
def certificate_pdf(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The issued certificate as a bilingual PDF with the QR code of its public page."""
    certificate = _issued(request, certificate_id)
    url = request.build_absolute_uri(
        reverse("traceability:verify_code", kwargs={"check_code": certificate.check_code})
    )
    answer = HttpResponse(certificates.certificate_pdf(certificate, url),
                          content_type="application/pdf")  # fmt: skip
    answer["Content-Disposition"] = f'attachment; filename="{certificate.identifier}.pdf"'
    return answer


@require_safe
@endpoint(SIGNED_IN)
def certificate_document(request: HttpRequest, certificate_id: int) -> HttpResponse:
    """The signed document of the certificate, to keep and check offline."""
    certificate = _issued(request, certificate_id)
    answer = JsonResponse(certificates.document(certificate), json_dumps_params={"indent": 1,
                          "ensure_ascii": False})  # fmt: skip
    answer["Content-Disposition"] = f'attachment; filename="{certificate.identifier}.json"'
    return answer


@require_safe
@endpoint(PUBLIC)
def certificate_keys(request: HttpRequest) -> HttpResponse:
    """The public keys that signed the platform's certificates (PEM), to check them offline."""
    return HttpResponse(certificates.published_keys_pem(), content_type="text/plain")


@require_http_methods(["GET", "POST"])
@endpoint(PUBLIC)
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a certificate: by the code printed on it, or by its document."""
    form = forms.VerifyForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data.get("document")
        if document is not None:
            if document.size > certificates.MAX_DOCUMENT_BYTES:
                verdict = certificates.Verdict(False, "too_large", {})
            else:
                verdict = certificates.verify(document.read(), certificates.known_keys())
        else:
            try:
                found = selectors.certificate_by_code(form.cleaned_data["code"])
            except Http404:
                form.add_error("code", _("No certificate has this check code."))
            else:
                return redirect("traceability:verify_code", check_code=found.check_code)
    status = 422 if request.method == "POST" and (verdict is None or not verdict.valid) else 200
    context: dict[str, Any] = {"form": form, "verdict": verdict}
    if verdict is not None and verdict.data:
        context["rows"] = _rows(request, verdict.data)
    return render(request, "traceability/verify.html", context, status=status)


def _rows(request: HttpRequest, data: dict[str, Any]) -> list[tuple[str, str]]:
    french = (request.LANGUAGE_CODE or "").startswith("fr")
    return [
        (french_label if french else english, certificates.field_text(data, name))
        for name, english, french_label in certificates.FIELDS
    ]


@require_safe
@endpoint(PUBLIC)
def verify_code(request: HttpRequest, check_code: str) -> HttpResponse:
    """An issued certificate's public page (its QR code leads here), with its signature
    checked now."""
    certificate = selectors.certificate_by_code(check_code)
    return render(request, "traceability/verify.html", {
        **_certificate_context(request, certificate), "form": forms.VerifyForm(),
    })  # fmt: skip


# --- Site inspections and status -------------------------------------------------------------


@require_safe
@endpoint("traceability.inspect")
def inspection_list(request: HttpRequest) -> HttpResponse:
    """The inspections of the countries one inspects, newest first, filtered."""
    permissions.require(request.user, "traceability.inspect")
    form = forms.InspectionFilterForm(request.GET or None)
    page = _page(request, selectors.inspections_visible(request.user, form.filters()))
    return render(
        request, "traceability/inspections.html",
        {"form": form, "page": page, "query": _query(request)},
    )  # fmt: skip


@require_safe
@endpoint("traceability.inspect")
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    permissions.require(request.user, "traceability.inspect")
    inspection = selectors.inspection_get(request.user, inspection_id)
    findings = [
        (criterion.label, inspection.findings.get(criterion.value) == Finding.BREACHED,
         criterion in CRITICAL_CRITERIA)
        for criterion in Criterion
    ]  # fmt: skip
    return render(
        request, "traceability/inspection.html",
        {"inspection": inspection, "findings": findings},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@endpoint("traceability.inspect")
def site_inspect(request: HttpRequest, site_id: int) -> HttpResponse:
    """Record an inspection of a site: its findings set the site's status."""
    permissions.require(request.user, "traceability.inspect")
    site = selectors.site_to_inspect(request.user, site_id)
    form = forms.InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = services.inspection_record(
                actor=request.user, site=site, inspected_on=form.cleaned_data["inspected_on"],
                authority=form.cleaned_data["authority"], findings=form.findings(),
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            _failed(form, exc)
        else:
            messages.success(
                request,
                _("The inspection is recorded: the site is now %(status)s.")
                % {"status": CertificationStatus(inspection.status).label},
            )
            return redirect("traceability:inspection", inspection.pk)
    history = selectors.site_status_history(site)
    return render(
        request, "traceability/inspect.html",
        {"site": site, "form": form, "history": history},
        status=422 if form.is_bound else 200,
    )  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def site_status(request: HttpRequest, site_id: int) -> HttpResponse:
    """A site's status in force and its history, public: no person named, no note."""
    site = selectors.site_public(site_id)
    return render(
        request, "traceability/site_status.html",
        {"site": site, "history": selectors.site_status_history(site),
         "can_inspect": can(request.user, "traceability.inspect", country=site.country_id)},
    )  # fmt: skip
