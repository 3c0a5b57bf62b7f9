"""Grants pages: public calls and awarded grants; a member applies and reports; a reviewer
scores or declares a conflict; the secretariat runs calls, ranks, decides, pays and closes.

A proposal or award the user may not see is a 404; an action they may not take is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casm.core import permissions
from casm.core.forms import form_errors_from
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.grants import forms, selectors, services
from casm.grants.models import Award, Call, Contribution, Fund, Proposal
from casm.library.models import Theme

PAGE_SIZE = 50


def _require_secretariat(request: HttpRequest) -> None:
    permissions.require(request.user, "grants.manage")


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- Public --------------------------------------------------------------------------------


@endpoint(PUBLIC)
def call_list(request: HttpRequest) -> HttpResponse:
    calls = selectors.calls_open()
    return render(request, "grants/call_list.html", {"calls": calls})


@endpoint(PUBLIC)
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(selectors.calls_for_user(request.user), pk=pk)
    return render(
        request,
        "grants/call_detail.html",
        {
            "call": call,
            "is_open": services.call_is_open(call),
            "countries": call.eligible_countries.all(),
            "themes": [Theme(code).label for code in call.eligible_themes if code in Theme.values],
            "criteria": call.criteria.all(),
        },
    )


@endpoint(PUBLIC)
def award_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.awards_public(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grants/award_list.html", {"page": page})


# --- Members -------------------------------------------------------------------------------


def _budget_lines(formset: Any) -> tuple[list[tuple[str, str]], list[int]]:
    """The filled rows of the formset as (label, amount), and the row of each: the service
    names a line by its place among the filled ones."""
    rows = [
        (number, row)
        for number, row in enumerate(formset.cleaned_data)
        if row and (row.get("label") or row.get("amount"))
    ]
    return [(row["label"], row["amount"]) for _n, row in rows], [number for number, _r in rows]


def _proposal_errors(form: Any, formset: Any, rows: list[int], exc: ValidationError) -> None:
    """The service's problems on the page: a budget line's at its row and field, the others at
    their fields."""
    if not hasattr(exc, "error_dict"):
        form_errors_from(form, exc)
        return
    others = {}
    for key, errors in exc.error_dict.items():
        name, _dot, rest = key.partition(".")
        index, _dot, field = rest.partition(".")
        if name == "budget_lines" and index.isdigit() and int(index) < len(rows):
            row = formset.forms[rows[int(index)]]
            row.add_error(field if field in row.fields else None, errors)
        else:
            others[key] = errors
    if others:
        form_errors_from(form, ValidationError(others))


@login_required
@endpoint(SIGNED_IN)
def proposal_create(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(selectors.calls_open(), pk=pk)
    form = forms.ProposalForm(request.POST or None, request.FILES or None)
    lines = forms.BudgetLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        budget_lines, rows = _budget_lines(lines)
        try:
            proposal = services.proposal_create(
                sites=data["sites"],
                actor=request.user,
                call=call,
                title=data["title"],
                summary=data["summary"],
                organisation=data["organisation"],
                country=data["country"],
                themes=data["themes"],
                amount_requested=data["amount_requested"],
                work_plan=data["work_plan"],
                attachment=data["attachment"],
                budget_lines=budget_lines,
            )
        except ValidationError as exc:
            _proposal_errors(form, lines, rows, exc)
        else:
            messages.success(request, _("Your draft is saved. Submit it when it is ready."))
            return redirect("grants:proposal_detail", proposal.pk)
    return render(
        request, "grants/proposal_form.html", {"call": call, "form": form, "lines": lines}
    )


@login_required
@endpoint(SIGNED_IN)
def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_for_user_or_404(request.user, pk)
    if proposal.applicant_id != request.user.pk or proposal.status != Proposal.Status.DRAFT:
        raise PermissionDenied(_("Only the applicant may change a draft."))
    initial = {
        "title": proposal.title,
        "summary": proposal.summary,
        "organisation": proposal.organisation_id,
        "country": proposal.country_id,
        "themes": proposal.themes,
        "amount_requested": proposal.amount_requested,
        "work_plan": proposal.work_plan,
        "sites": ", ".join(proposal.sites.values_list("code", flat=True)),
    }
    form = forms.ProposalForm(request.POST or None, request.FILES or None, initial=initial)
    lines = forms.BudgetLineFormSet(
        request.POST or None,
        prefix="lines",
        initial=[{"label": b.label, "amount": b.amount} for b in proposal.budget_lines.all()],
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        budget_lines, rows = _budget_lines(lines)
        try:
            services.proposal_update(
                actor=request.user,
                proposal=proposal,
                budget_lines=budget_lines,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            _proposal_errors(form, lines, rows, exc)
        else:
            messages.success(request, _("Your draft is saved."))
            return redirect("grants:proposal_detail", proposal.pk)
    return render(
        request,
        "grants/proposal_form.html",
        {"call": proposal.call, "form": form, "lines": lines, "proposal": proposal},
    )


@login_required
@endpoint(SIGNED_IN)
def my_proposals(request: HttpRequest) -> HttpResponse:
    proposals = (
        selectors.proposals_for_user(request.user)
        .filter(applicant_id=request.user.pk)
        .select_related("award")
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "grants/my_proposals.html", {"page": page})


@login_required
@endpoint(SIGNED_IN)
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_for_user_or_404(request.user, pk)
    award = Award.objects.filter(proposal=proposal).first()
    return render(
        request,
        "grants/proposal_detail.html",
        {
            "proposal": proposal,
            "lines": proposal.budget_lines.all(),
            "award": award,
            "is_applicant": proposal.applicant_id == request.user.pk,
            "is_secretariat": permissions.can(request.user, "grants.manage"),
            "assignments": proposal.assignments.select_related("reviewer")
            if permissions.can(request.user, "grants.manage")
            else [],
        },
    )


@login_required
@endpoint(SIGNED_IN)
def proposal_attachment(request: HttpRequest, pk: int) -> FileResponse:
    """The proposal's attachment, for its applicant, its reviewers and the secretariat only."""
    proposal = selectors.proposal_for_user_or_404(request.user, pk)
    if not proposal.attachment:
        raise Http404
    name = (proposal.attachment.name or "").rsplit("/", 1)[-1]
    return FileResponse(proposal.attachment.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
@endpoint(SIGNED_IN)
def proposal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposal_for_user_or_404(request.user, pk)
    try:
        services.proposal_submit(actor=request.user, proposal=proposal)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if proposal.status == Proposal.Status.ELIGIBLE:
            messages.success(
                request, _("Submitted: your proposal is eligible and will be reviewed.")
            )
        else:
            messages.warning(request, _("Submitted, but your proposal is not eligible."))
    return redirect("grants:proposal_detail", proposal.pk)


@login_required
@endpoint(SIGNED_IN)
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    award = get_object_or_404(selectors.awards_for_user(request.user), pk=pk)
    form = forms.ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_submit(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Thank you: your report is in."))
            return redirect("grants:proposal_detail", award.proposal_id)
    return render(request, "grants/report_form.html", {"award": award, "form": form})


# --- Reviewers -----------------------------------------------------------------------------


@login_required
@endpoint(SIGNED_IN)
def my_assignments(request: HttpRequest) -> HttpResponse:
    assignments = selectors.assignments_for_user(request.user)
    return render(request, "grants/my_assignments.html", {"assignments": assignments})


@login_required
@endpoint(SIGNED_IN)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(selectors.assignments_for_user(request.user), pk=pk)
    proposal = assignment.proposal
    criteria = proposal.call.criteria.all()
    existing = {s.criterion_id: s for s in assignment.scores.all()}
    initial: dict[str, Any] = {}
    for criterion_id, score in existing.items():
        initial[f"score_{criterion_id}"] = score.score
        initial[f"comment_{criterion_id}"] = score.comment
    form = forms.ScoreForm(request.POST or None, criteria=criteria, initial=initial)
    conflict = forms.ConflictForm()
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for criterion in form.criteria:
                    services.score_record(
                        actor=request.user,
                        assignment=assignment,
                        criterion=criterion,
                        score=form.cleaned_data[f"score_{criterion.pk}"],
                        comment=form.cleaned_data[f"comment_{criterion.pk}"],
                    )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Your scores are saved."))
            return redirect("grants:my_assignments")
    return render(
        request,
        "grants/review.html",
        {
            "assignment": assignment,
            "proposal": proposal,
            "lines": proposal.budget_lines.all(),
            "form": form,
            "conflict": conflict,
        },
    )


@login_required
@require_POST
@endpoint(SIGNED_IN)
def review_conflict(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(selectors.assignments_for_user(request.user), pk=pk)
    form = forms.ConflictForm(request.POST)
    if form.is_valid():
        try:
            services.review_declare_conflict(
                actor=request.user, assignment=assignment, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Your conflict of interest is recorded."))
    else:
        messages.error(request, _("Say what the conflict is."))
    return redirect("grants:my_assignments")


# --- Secretariat ---------------------------------------------------------------------------


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows in one group per currency, each drawn on its own scale: a bar's width is in
    per cent of the largest total of its group, so two currencies are never compared."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["currency"], []).append(row)
    charts = []
    for currency in sorted(groups):
        top = max(row["total"] for row in groups[currency])
        for row in groups[currency]:
            row["width"] = int(row["total"] * 100 / top) if top else 0
        charts.append({"currency": currency, "maximum": top, "rows": groups[currency]})
    return charts


@login_required
@endpoint("grants.manage")
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    funds = [
        {
            "fund": fund,
            "paid_in": services.fund_paid_in(fund),
            "committed": services.fund_committed(fund),
            "disbursed": services.fund_disbursed(fund),
            "balance": services.fund_balance(fund),
        }
        for fund in Fund.objects.all()
    ]
    sections = [
        (_("Contributions by donor"), _bars(selectors.money_by("donor"))),
        (
            _("Awards by theme (a grant counts under each of its themes)"),
            _bars(selectors.money_by("theme")),
        ),
        (_("Awards by country"), _bars(selectors.money_by("country"))),
        (_("Awards by year"), _bars(selectors.money_by("year"))),
    ]
    calls = Call.objects.select_related("fund").order_by("-opens_on")
    return render(
        request, "grants/dashboard.html", {"funds": funds, "sections": sections, "calls": calls}
    )


@login_required
@endpoint("grants.manage")
def money(request: HttpRequest) -> HttpResponse:
    """Donors, funds and contributions: three small forms, one page."""
    _require_secretariat(request)
    which = request.POST.get("form") if request.method == "POST" else None
    donor_form = forms.DonorForm(request.POST if which == "donor" else None, prefix="donor")
    fund_form = forms.FundForm(request.POST if which == "fund" else None, prefix="fund")
    contribution_form = forms.ContributionForm(
        request.POST if which == "contribution" else None, prefix="contribution"
    )
    chosen = {"donor": donor_form, "fund": fund_form, "contribution": contribution_form}.get(
        which or ""
    )
    if chosen is not None and chosen.is_valid():
        create: Any = {
            "donor": services.donor_create,
            "fund": services.fund_create,
            "contribution": services.contribution_create,
        }[which or ""]
        try:
            create(actor=request.user, **chosen.cleaned_data)
        except ValidationError as exc:
            form_errors_from(chosen, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("grants:money")
    return render(
        request,
        "grants/money.html",
        {
            "donor_form": donor_form,
            "fund_form": fund_form,
            "contribution_form": contribution_form,
            "contributions": Contribution.objects.select_related("donor", "fund").order_by(
                "-date", "-pk"
            )[:100],
        },
    )


@login_required
@endpoint("grants.manage")
def call_create(request: HttpRequest) -> HttpResponse:
    _require_secretariat(request)
    form = forms.CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.call_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The call is saved; now add its criteria."))
            return redirect("grants:call_manage", call.pk)
    return render(request, "grants/call_form.html", {"form": form})


@login_required
@endpoint("grants.manage")
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    call = get_object_or_404(Call, pk=pk)
    initial = {
        "fund": call.fund_id,
        "title": call.title,
        "description": call.description,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "budget": call.budget,
        "max_award": call.max_award,
        "eligible_countries": list(call.eligible_countries.all()),
        "eligible_themes": call.eligible_themes,
        "reviewers": list(call.reviewers.all()),
        "status": call.status,
    }
    form = forms.CallForm(request.POST or None, initial=initial)
    form.fields["fund"].disabled = True  # the call's money stays in its fund and currency
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "fund"}
        try:
            services.call_update(actor=request.user, call=call, **data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The call is saved."))
            return redirect("grants:call_manage", call.pk)
    return render(request, "grants/call_form.html", {"form": form, "call": call})


@login_required
@endpoint("grants.manage")
def call_manage(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    call = get_object_or_404(Call, pk=pk)
    criterion_form = forms.CriterionForm(request.POST or None)
    if request.method == "POST" and criterion_form.is_valid():
        try:
            services.criterion_create(actor=request.user, call=call, **criterion_form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(criterion_form, exc)
        else:
            messages.success(request, _("Criterion added."))
            return redirect("grants:call_manage", call.pk)
    proposals = call.proposals.select_related("country", "organisation").prefetch_related(
        "assignments__reviewer"
    )
    return render(
        request,
        "grants/call_manage.html",
        {
            "call": call,
            "criteria": call.criteria.all(),
            "criterion_form": criterion_form,
            "proposals": proposals,
            "assign_form": forms.AssignForm(),
        },
    )


@login_required
@require_POST
@endpoint("grants.manage")
def review_assign(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    form = forms.AssignForm(request.POST)
    if form.is_valid():
        try:
            services.review_assign(
                actor=request.user, proposal=proposal, reviewer=form.cleaned_data["reviewer"]
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Reviewer assigned."))
    else:
        messages.error(request, _("Choose a reviewer."))
    return redirect("grants:call_manage", proposal.call_id)


@login_required
@endpoint("grants.manage")
def call_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    call = get_object_or_404(Call, pk=pk)
    ranking = selectors.call_ranking(call)
    rows = ranking.rows
    # The budget line is drawn after the last proposal that fits the budget, in rank order.
    last_within = max((i for i, row in enumerate(rows) if row.within_budget), default=-1)
    return render(
        request,
        "grants/ranking.html",
        {"call": call, "ranking": ranking, "rows": rows, "line_after": last_within},
    )


@login_required
@endpoint("grants.manage")
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    proposal = get_object_or_404(Proposal.objects.select_related("call"), pk=pk)
    form = forms.DecisionForm(request.POST or None, initial={"amount": proposal.amount_requested})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "decline":
                services.proposal_decline(
                    actor=request.user, proposal=proposal, reasons=data["reasons"]
                )
                messages.success(request, _("The proposal is declined."))
                return redirect("grants:call_ranking", proposal.call_id)
            award = services.proposal_award(
                actor=request.user,
                proposal=proposal,
                amount=data["amount"],
                reasons=data["reasons"],
                conditions=data["conditions"],
                tranches=form.tranches(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The grant is awarded."))
            return redirect("grants:award_manage", award.pk)
    return render(
        request,
        "grants/decide.html",
        {
            "proposal": proposal,
            "form": form,
            "balance": services.fund_balance(proposal.call.fund),
        },
    )


@login_required
@endpoint("grants.manage")
def award_manage(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    award = get_object_or_404(Award.objects.select_related("proposal", "fund"), pk=pk)
    form = forms.DisbursementForm(request.POST or None, award=award)
    if request.method == "POST" and form.is_valid():
        try:
            services.disbursement_record(actor=request.user, award=award, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("grants:award_manage", award.pk)
    return render(
        request,
        "grants/award_manage.html",
        {
            "award": award,
            "form": form,
            "close_form": forms.CloseForm(),
            "tranches": award.tranches.all(),
            "disbursements": selectors.disbursements_for_award(award),
            "disbursed": services.award_disbursed(award),
            "reports": award.reports.all(),
            "balance": services.fund_balance(award.fund),
        },
    )


@login_required
@require_POST
@endpoint("grants.manage")
def award_close(request: HttpRequest, pk: int) -> HttpResponse:
    _require_secretariat(request)
    award = get_object_or_404(Award, pk=pk)
    form = forms.CloseForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            if form.cleaned_data.get("close_disbursements"):
                services.disbursements_close(actor=request.user, award=award)
            services.award_close(actor=request.user, award=award)
    except ValidationError as exc:
        award.refresh_from_db()
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("The grant is closed."))
    return redirect("grants:award_manage", award.pk)
