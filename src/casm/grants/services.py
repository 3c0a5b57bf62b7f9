"""Every write of the grants cycle: funds and contributions, calls, proposals and their
eligibility, review, ranking decisions, awards, disbursements, reports and closure.

Each service checks its rule here and nowhere else, and leaves an audit record. The fund's row
is locked while an award is made, so two awards can never together overdraw it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import model_create, model_delete, model_update
from casm.core.errors import ErrorCollector
from casm.grants.models import (
    Award,
    BudgetLine,
    Call,
    Contribution,
    Criterion,
    Decision,
    Disbursement,
    Donor,
    Fund,
    Proposal,
    Report,
    ReviewAssignment,
    Score,
    Tranche,
)
from casm.grants.money import currency_parse, money_parse, money_sum
from casm.library.models import Theme

ZERO = Decimal("0.00")


def _require_secretariat(actor: Any) -> None:
    permissions.require(actor, "grants.manage")


def _same_currency(expected: str, given: str, field: str = "currency") -> None:
    if expected != given:
        raise ValidationError(
            {
                field: [
                    _("Amounts in different currencies cannot be mixed: %(a)s and %(b)s.")
                    % {"a": expected, "b": given}
                ]
            }
        )


# --- Funds ---------------------------------------------------------------------------------


def donor_create(*, actor: Any, name: str, organisation: Any = None) -> Donor:
    """Record a donor, by name or as an organisation of the donor kind."""
    _require_secretariat(actor)
    if organisation is not None and organisation.kind != "donor":
        raise ValidationError({"organisation": [_("This organisation is not a donor.")]})
    return model_create(model=Donor, actor=actor, data={"name": name, "organisation": organisation})


def fund_create(*, actor: Any, name: str, currency: str) -> Fund:
    _require_secretariat(actor)
    return model_create(
        model=Fund, actor=actor, data={"name": name, "currency": currency_parse(currency)}
    )


def contribution_create(
    *, actor: Any, donor: Donor, fund: Fund, amount: Any, currency: str, date: datetime.date
) -> Contribution:
    """A donor's payment into a fund, in the fund's currency."""
    _require_secretariat(actor)
    value = money_parse(amount)
    code = currency_parse(currency)
    _same_currency(fund.currency, code)
    if value <= 0:
        raise ValidationError({"amount": [_("A contribution must be more than zero.")]})
    return model_create(
        model=Contribution,
        actor=actor,
        data={"donor": donor, "fund": fund, "amount": value, "currency": code, "date": date},
    )


def award_commitment(award: Award) -> Decimal:
    """What an award holds of its fund: all of it while open, what was paid once closed."""
    if award.closed_at is None:
        return award.amount
    return award_disbursed(award)


def award_disbursed(award: Award) -> Decimal:
    return money_sum(
        ((d.amount, award.currency) for d in award.disbursements.all()), currency=award.currency
    )


def fund_paid_in(fund: Fund) -> Decimal:
    return money_sum(fund.contributions.values_list("amount", "currency"), currency=fund.currency)


def fund_committed(fund: Fund) -> Decimal:
    total = ZERO
    currencies = set(fund.awards.values_list("currency", flat=True).distinct())
    money_sum(((ZERO, code) for code in currencies), currency=fund.currency)
    open_awards = fund.awards.filter(closed_at__isnull=True).aggregate(total=Sum("amount"))
    total += open_awards["total"] or ZERO
    closed = Disbursement.objects.filter(award__fund=fund, award__closed_at__isnull=False)
    total += closed.aggregate(total=Sum("amount"))["total"] or ZERO
    return total


def fund_disbursed(fund: Fund) -> Decimal:
    paid = Disbursement.objects.filter(award__fund=fund).aggregate(total=Sum("amount"))
    return paid["total"] or ZERO


def fund_balance(fund: Fund) -> Decimal:
    """Contributions minus commitments: what can still be awarded."""
    return fund_paid_in(fund) - fund_committed(fund)


# --- Calls ---------------------------------------------------------------------------------


def _themes(values: Iterable[str], field: str) -> list[str]:
    themes = sorted(set(values))
    unknown = [code for code in themes if code not in Theme.values]
    if unknown:
        raise ValidationError({field: [_("Unknown theme: %(t)s.") % {"t": ", ".join(unknown)}]})
    return themes


def call_create(
    *,
    actor: Any,
    fund: Fund,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    budget: Any,
    max_award: Any,
    description: str = "",
    eligible_countries: Sequence[Any] = (),
    eligible_themes: Iterable[str] = (),
    reviewers: Sequence[Any] = (),
    status: str = Call.Status.OPEN,
) -> Call:
    """Open a call for proposals on a fund; amounts are in the fund's currency."""
    _require_secretariat(actor)
    budget_value = money_parse(budget, field="budget")
    max_value = money_parse(max_award, field="max_award")
    if closes_on < opens_on:
        raise ValidationError({"closes_on": [_("The window closes before it opens.")]})
    if max_value > budget_value:
        raise ValidationError({"max_award": [_("The maximum award exceeds the call's budget.")]})
    for user in reviewers:
        _check_reviewer(user)
    return model_create(
        model=Call,
        actor=actor,
        data={
            "fund": fund,
            "title": title,
            "description": description,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "budget": budget_value,
            "max_award": max_value,
            "currency": fund.currency,
            "eligible_countries": list(eligible_countries),
            "eligible_themes": _themes(eligible_themes, "eligible_themes"),
            "reviewers": list(reviewers),
            "status": status,
        },
    )


def call_update(*, actor: Any, call: Call, **data: Any) -> Call:
    _require_secretariat(actor)
    for name in ("budget", "max_award"):
        if name in data:
            data[name] = money_parse(data[name], field=name)
    if "eligible_themes" in data:
        data["eligible_themes"] = _themes(data["eligible_themes"], "eligible_themes")
    for user in data.get("reviewers", ()):
        _check_reviewer(user)
    if data.get("closes_on", call.closes_on) < data.get("opens_on", call.opens_on):
        raise ValidationError({"closes_on": [_("The window closes before it opens.")]})
    if data.get("max_award", call.max_award) > data.get("budget", call.budget):
        raise ValidationError({"max_award": [_("The maximum award exceeds the call's budget.")]})
    allowed = {
        "title", "description", "opens_on", "closes_on", "budget", "max_award",
        "eligible_countries", "eligible_themes", "reviewers", "status",
    }  # fmt: skip
    model_update(instance=call, actor=actor, data=data, fields=allowed)
    return call


def criterion_create(
    *, actor: Any, call: Call, name: str, weight: Any, max_score: Any
) -> Criterion:
    _require_secretariat(actor)
    return model_create(
        model=Criterion,
        actor=actor,
        data={
            "call": call,
            "name": name,
            "weight": money_parse(weight, field="weight"),
            "max_score": money_parse(max_score, field="max_score"),
        },
    )


def call_is_open(call: Call, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return call.status == Call.Status.OPEN and call.opens_on <= today <= call.closes_on


# --- Proposals -----------------------------------------------------------------------------


def _budget_lines(
    lines: Iterable[tuple[str, Any]], problems: ErrorCollector
) -> list[tuple[str, Decimal]]:
    """The lines read, each problem kept at its line: ``budget_lines.<n>.label`` or
    ``.amount``, n counted from 0 as in the API's list."""
    parsed = []
    for index, (label, amount) in enumerate(lines):
        label = (label or "").strip()
        if not label:
            problems.add(f"budget_lines.{index}.label", _("Every budget line needs a label."))
        field = f"budget_lines.{index}.amount"
        parsed.append((label, problems.check(money_parse, amount, field=field) or ZERO))
    return parsed


def _proposal_sites(sites: Any, problems: ErrorCollector) -> list[Any]:
    """The proposal's sites: Site records, or their registry codes (a list, or text)."""
    from casm.grants.selectors import sites_by_codes

    if isinstance(sites, str) or any(isinstance(site, str) for site in sites):
        return problems.check(sites_by_codes, sites) or []
    return list(sites)


def _check_proposal_data(
    call: Call, data: dict[str, Any], problems: ErrorCollector, country: Any = None
) -> None:
    problems.check(_same_currency, call.currency, data["currency"])
    country = data.get("country", country)
    outside = [s.code for s in data.get("sites", []) if country and s.country_id != country.pk]
    if outside:
        problems.add(
            "sites",
            _("These sites are not in the proposal's country: %(c)s.") % {"c": ", ".join(outside)},
        )
    if "themes" in data:
        data["themes"] = problems.check(_themes, data["themes"], "themes") or []


def proposal_create(
    *,
    actor: Any,
    call: Call,
    title: str,
    summary: str,
    country: Any,
    amount_requested: Any,
    budget_lines: Iterable[tuple[str, Any]],
    currency: str | None = None,
    organisation: Any = None,
    themes: Iterable[str] = (),
    sites: Sequence[Any] | str = (),
    work_plan: str = "",
    attachment: Any = None,
) -> Proposal:
    """A draft proposal by a signed-in member for a call that is open. ``sites`` are Site
    records or their codes. Every problem of the proposal is reported at once, each at its
    field (a budget line's at ``budget_lines.<n>.<field>``)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(_("Sign in to apply."))
    if not call_is_open(call):
        raise ValidationError(_("This call is not open for proposals."))
    problems = ErrorCollector()
    data: dict[str, Any] = {
        "call": call,
        "applicant": actor,
        "organisation": organisation,
        "title": title,
        "summary": summary,
        "country": country,
        "amount_requested": problems.check(money_parse, amount_requested, field="amount_requested"),
        "currency": problems.check(currency_parse, currency or call.currency) or call.currency,
        "themes": list(themes),
        "sites": _proposal_sites(sites, problems),
        "work_plan": work_plan,
    }
    if attachment:
        data["attachment"] = attachment
    _check_proposal_data(call, data, problems)
    lines = _budget_lines(budget_lines, problems)
    problems.raise_if_any()
    with transaction.atomic():
        proposal = model_create(model=Proposal, actor=actor, data=data)
        for label, amount in lines:
            model_create(
                model=BudgetLine,
                actor=actor,
                data={"proposal": proposal, "label": label, "amount": amount},
            )
    return proposal


def proposal_update(
    *,
    actor: Any,
    proposal: Proposal,
    budget_lines: Iterable[tuple[str, Any]] | None = None,
    **data: Any,
) -> Proposal:
    """Change a draft; only its applicant may, and only while it is a draft. Every problem is
    reported at once, as by :func:`proposal_create`."""
    if actor != proposal.applicant:
        raise PermissionDenied(_("Only the applicant may change a proposal."))
    if proposal.status != Proposal.Status.DRAFT:
        raise ValidationError(_("A submitted proposal can no longer be changed."))
    problems = ErrorCollector()
    if "amount_requested" in data:
        data["amount_requested"] = problems.check(
            money_parse, data["amount_requested"], field="amount_requested"
        )
    if "sites" in data:
        data["sites"] = _proposal_sites(data["sites"], problems)
    data.setdefault("currency", proposal.currency)
    _check_proposal_data(proposal.call, data, problems, proposal.country)
    lines = _budget_lines(budget_lines, problems) if budget_lines is not None else None
    problems.raise_if_any()
    if not data.get("attachment"):
        data.pop("attachment", None)  # no new file: keep the one there is
    allowed = {
        "title", "summary", "country", "organisation", "amount_requested", "themes",
        "sites", "work_plan", "attachment",
    }  # fmt: skip
    with transaction.atomic():
        model_update(instance=proposal, actor=actor, data=data, fields=allowed)
        if lines is not None:
            for line in proposal.budget_lines.all():
                model_delete(instance=line, actor=actor)
            for label, amount in lines:
                model_create(
                    model=BudgetLine,
                    actor=actor,
                    data={"proposal": proposal, "label": label, "amount": amount},
                )
    return proposal


def proposal_eligibility(proposal: Proposal) -> list[str]:
    """Why a proposal is not eligible for its call; empty when it is."""
    call = proposal.call
    reasons = []
    if proposal.amount_requested > call.max_award:
        reasons.append(
            _("The amount requested (%(a)s %(c)s) is above the call's maximum award (%(m)s %(c)s).")
            % {"a": proposal.amount_requested, "m": call.max_award, "c": call.currency}
        )
    countries = set(call.eligible_countries.values_list("pk", flat=True))
    if countries and proposal.country_id not in countries:
        reasons.append(
            _("%(country)s is not among the call's eligible countries.")
            % {"country": proposal.country.name}
        )
    if call.eligible_themes and not set(proposal.themes) & set(call.eligible_themes):
        reasons.append(_("None of the proposal's themes is among the call's eligible themes."))
    return reasons


def proposal_submit(
    *, actor: Any, proposal: Proposal, today: datetime.date | None = None
) -> Proposal:
    """Submit a draft: the window must be open and the budget lines must add up to the amount
    requested. The eligibility check then runs at once and says why when it fails."""
    if actor != proposal.applicant:
        raise PermissionDenied(_("Only the applicant may submit a proposal."))
    if proposal.status != Proposal.Status.DRAFT:
        raise ValidationError(_("This proposal has already been submitted."))
    call = proposal.call
    if not call_is_open(call, today):
        raise ValidationError(
            _("The call's window closed on %(date)s; proposals can no longer be submitted.")
            % {"date": call.closes_on.isoformat()}
        )
    lines = list(proposal.budget_lines.values_list("amount", flat=True))
    total = money_sum((amount, proposal.currency) for amount in lines)
    if not lines or total != proposal.amount_requested:
        raise ValidationError(
            {
                "budget_lines": [
                    _("The budget lines add up to %(t)s %(c)s, not the %(a)s %(c)s requested.")
                    % {"t": total, "a": proposal.amount_requested, "c": proposal.currency}
                ]
            }
        )
    reasons = proposal_eligibility(proposal)
    status = Proposal.Status.INELIGIBLE if reasons else Proposal.Status.ELIGIBLE
    model_update(
        instance=proposal,
        actor=actor,
        data={"status": status, "eligibility_messages": reasons, "submitted_at": timezone.now()},
    )
    return proposal


# --- Review --------------------------------------------------------------------------------


def _check_reviewer(user: Any) -> None:
    if not permissions.can(user, "grants.review"):
        raise ValidationError(
            {"reviewer": [_("%(u)s is not a grants reviewer.") % {"u": user.get_username()}]}
        )


def review_assign(*, actor: Any, proposal: Proposal, reviewer: Any) -> ReviewAssignment:
    """Give an eligible proposal to a reviewer; the applicant cannot review their own."""
    _require_secretariat(actor)
    _check_reviewer(reviewer)
    if proposal.status not in (Proposal.Status.ELIGIBLE, Proposal.Status.UNDER_REVIEW):
        raise ValidationError(_("Only an eligible proposal can be reviewed."))
    if reviewer == proposal.applicant:
        raise ValidationError({"reviewer": [_("An applicant cannot review their own proposal.")]})
    if proposal.assignments.filter(reviewer=reviewer).exists():
        raise ValidationError({"reviewer": [_("This reviewer is already assigned.")]})
    with transaction.atomic():
        assignment = model_create(
            model=ReviewAssignment, actor=actor, data={"proposal": proposal, "reviewer": reviewer}
        )
        if proposal.status == Proposal.Status.ELIGIBLE:
            model_update(
                instance=proposal, actor=actor, data={"status": Proposal.Status.UNDER_REVIEW}
            )
    return assignment


def review_declare_conflict(
    *, actor: Any, assignment: ReviewAssignment, note: str
) -> ReviewAssignment:
    """The reviewer declares a conflict of interest; their scores, if any, no longer count."""
    if actor != assignment.reviewer:
        raise PermissionDenied(_("Only the assigned reviewer may declare a conflict."))
    if not note.strip():
        raise ValidationError({"conflict_note": [_("Say what the conflict is.")]})
    with transaction.atomic():
        for score in assignment.scores.all():
            model_delete(instance=score, actor=actor)
        model_update(
            instance=assignment,
            actor=actor,
            data={"conflict_declared": True, "conflict_note": note.strip()},
        )
    return assignment


def score_record(
    *, actor: Any, assignment: ReviewAssignment, criterion: Criterion, score: Any, comment: str = ""
) -> Score:
    """One reviewer's score on one criterion, between 0 and the criterion's maximum."""
    if actor != assignment.reviewer:
        raise PermissionDenied(_("Only the assigned reviewer may score this proposal."))
    if assignment.conflict_declared:
        raise ValidationError(
            _("You declared a conflict of interest on this proposal, so you cannot score it.")
        )
    proposal = assignment.proposal
    if proposal.status != Proposal.Status.UNDER_REVIEW:
        raise ValidationError(_("This proposal is no longer under review."))
    if criterion.call_id != proposal.call_id:
        raise ValidationError({"criterion": [_("This criterion belongs to another call.")]})
    value = money_parse(score, field="score")
    if value > criterion.max_score:
        raise ValidationError(
            {
                "score": [
                    _("A score is between 0 and %(max)s for “%(name)s”.")
                    % {"max": criterion.max_score, "name": criterion.name}
                ]
            }
        )
    existing = Score.objects.filter(assignment=assignment, criterion=criterion).first()
    if existing is not None:
        model_update(instance=existing, actor=actor, data={"score": value, "comment": comment})
        return existing
    return model_create(
        model=Score,
        actor=actor,
        data={"assignment": assignment, "criterion": criterion, "score": value, "comment": comment},
    )


# --- Decisions, awards and money out -------------------------------------------------------


def proposal_decline(*, actor: Any, proposal: Proposal, reasons: str) -> Decision:
    _require_secretariat(actor)
    if proposal.status in (Proposal.Status.AWARDED, Proposal.Status.DECLINED):
        raise ValidationError(_("A decision has already been taken on this proposal."))
    if proposal.status == Proposal.Status.DRAFT:
        raise ValidationError(_("A draft cannot be decided."))
    if not reasons.strip():
        raise ValidationError({"reasons": [_("Give the reasons for the decision.")]})
    with transaction.atomic():
        decision = model_create(
            model=Decision,
            actor=actor,
            data={
                "proposal": proposal,
                "decision": Decision.Outcome.DECLINE,
                "reasons": reasons,
                "decided_by": actor,
            },
        )
        model_update(instance=proposal, actor=actor, data={"status": Proposal.Status.DECLINED})
    return decision


def proposal_award(
    *,
    actor: Any,
    proposal: Proposal,
    amount: Any,
    reasons: str,
    conditions: str = "",
    currency: str | None = None,
    awarded_on: datetime.date | None = None,
    tranches: Iterable[tuple[datetime.date, Any]] = (),
) -> Award:
    """Award a reviewed proposal: never more than requested, never more than the fund holds.

    The fund's row is locked for the check and the write, so concurrent awards queue."""
    _require_secretariat(actor)
    value = money_parse(amount)
    code = currency_parse(currency or proposal.currency)
    _same_currency(proposal.currency, code)
    if proposal.status != Proposal.Status.UNDER_REVIEW:
        raise ValidationError(_("Only a proposal under review can be awarded."))
    if not reasons.strip():
        raise ValidationError({"reasons": [_("Give the reasons for the decision.")]})
    if value <= 0:
        raise ValidationError({"amount": [_("An award must be more than zero.")]})
    if value > proposal.amount_requested:
        raise ValidationError(
            {"amount": [_("An award cannot exceed the amount requested (%(a)s %(c)s).")
                        % {"a": proposal.amount_requested, "c": code}]}
        )  # fmt: skip
    planned = [(day, money_parse(sum_, field="tranches")) for day, sum_ in tranches]
    if planned:
        tranche_total = money_sum((a, code) for _day, a in planned)
        if tranche_total != value:
            raise ValidationError(
                {"tranches": [_("The tranches add up to %(t)s %(c)s, not the %(a)s %(c)s awarded.")
                              % {"t": tranche_total, "a": value, "c": code}]}
            )  # fmt: skip
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=proposal.call.fund_id)
        _same_currency(fund.currency, code)
        balance = fund_balance(fund)
        if value > balance:
            raise ValidationError(
                {"amount": [_("The fund holds only %(b)s %(c)s; an award cannot overdraw it.")
                            % {"b": balance, "c": code}]}
            )  # fmt: skip
        model_create(
            model=Decision,
            actor=actor,
            data={
                "proposal": proposal,
                "decision": Decision.Outcome.AWARD,
                "reasons": reasons,
                "decided_by": actor,
            },
        )
        award = model_create(
            model=Award,
            actor=actor,
            data={
                "proposal": proposal,
                "fund": fund,
                "amount": value,
                "currency": code,
                "conditions": conditions,
                "awarded_on": awarded_on or timezone.localdate(),
            },
        )
        for day, part in planned:
            model_create(
                model=Tranche, actor=actor, data={"award": award, "planned_on": day, "amount": part}
            )
        model_update(instance=proposal, actor=actor, data={"status": Proposal.Status.AWARDED})
    return award


def disbursement_record(
    *,
    actor: Any,
    award: Award,
    amount: Any,
    paid_on: datetime.date,
    currency: str | None = None,
    tranche: Tranche | None = None,
) -> Disbursement:
    """A payment to the grantee: never more than what remains of the award, never more than
    the donors paid into the fund."""
    _require_secretariat(actor)
    value = money_parse(amount)
    _same_currency(award.currency, currency_parse(currency or award.currency))
    if value <= 0:
        raise ValidationError({"amount": [_("A payment must be more than zero.")]})
    if tranche is not None and tranche.award_id != award.pk:
        raise ValidationError({"tranche": [_("This tranche belongs to another award.")]})
    with transaction.atomic():
        fund = Fund.objects.select_for_update().get(pk=award.fund_id)
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if locked.closed_at is not None or locked.disbursements_closed:
            raise ValidationError(_("Payments on this award are closed."))
        remaining = locked.amount - award_disbursed(locked)
        if value > remaining:
            raise ValidationError(
                {"amount": [_("Only %(r)s %(c)s of the award remains to be paid.")
                            % {"r": remaining, "c": locked.currency}]}
            )  # fmt: skip
        available = fund_paid_in(fund) - fund_disbursed(fund)
        if value > available:
            raise ValidationError(
                {"amount": [_("The donors have paid in only %(r)s %(c)s not yet disbursed.")
                            % {"r": available, "c": fund.currency}]}
            )  # fmt: skip
        return model_create(
            model=Disbursement,
            actor=actor,
            data={"award": locked, "tranche": tranche, "amount": value, "paid_on": paid_on},
        )


def disbursements_close(*, actor: Any, award: Award) -> Award:
    """End the payments on an award before it is paid in full; the rest returns to the fund
    when the award is closed."""
    _require_secretariat(actor)
    model_update(instance=award, actor=actor, data={"disbursements_closed": True})
    return award


def _counts(**values: Any) -> dict[str, int]:
    counts = {}
    for name, value in values.items():
        try:
            number = int(value or 0)
        except (TypeError, ValueError):
            raise ValidationError({name: [_("Enter a whole number.")]}) from None
        if number < 0:
            raise ValidationError({name: [_("A count cannot be negative.")]})
        counts[name] = number
    return counts


def report_submit(
    *,
    actor: Any,
    award: Award,
    kind: str,
    narrative: str,
    women: Any = 0,
    men: Any = 0,
    girls: Any = 0,
    boys: Any = 0,
    indicators: dict[str, Any] | None = None,
) -> Report:
    """A progress or final report by the grantee (or the secretariat on their behalf)."""
    if actor != award.proposal.applicant and not permissions.can(actor, "grants.manage"):
        raise PermissionDenied(_("Only the grantee may report on this grant."))
    if award.closed_at is not None:
        raise ValidationError(_("This grant is closed."))
    if kind not in Report.Kind.values:
        raise ValidationError({"kind": [_("A report is a progress or a final report.")]})
    if kind == Report.Kind.FINAL and award.reports.filter(kind=Report.Kind.FINAL).exists():
        raise ValidationError({"kind": [_("The final report has already been submitted.")]})
    if not narrative.strip():
        raise ValidationError({"narrative": [_("Write what was done.")]})
    return model_create(
        model=Report,
        actor=actor,
        data={
            "award": award,
            "kind": kind,
            "narrative": narrative,
            "indicators": indicators or {},
            "submitted_by": actor,
            **_counts(women=women, men=men, girls=girls, boys=boys),
        },
    )


def award_close(*, actor: Any, award: Award) -> Award:
    """Close a grant once its final report is in and its payments are complete or closed."""
    _require_secretariat(actor)
    if award.closed_at is not None:
        raise ValidationError(_("This grant is already closed."))
    if not award.reports.filter(kind=Report.Kind.FINAL).exists():
        raise ValidationError(_("A grant closes only after its final report."))
    if award_disbursed(award) != award.amount and not award.disbursements_closed:
        raise ValidationError(
            _("The award is not paid in full; close its payments first to return the rest.")
        )
    model_update(instance=award, actor=actor, data={"closed_at": timezone.now()})
    return award
