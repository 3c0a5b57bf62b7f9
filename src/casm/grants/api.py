"""The grants API: calls, proposals, review, ranking, awards, payments, reports and fund
balances.

Open calls and awarded grants are public (title, organisation, country, amount: never budget
lines or reviewers). A member sees their own proposals, a reviewer those given to them, the
secretariat everything; anything else is 404. Money travels as strings ("12000.00") with a
currency code, never as a float.
"""

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from casm.accounts.models import Organisation
from casm.core import permissions
from casm.core.api_router import Router
from casm.core.api_types import CountryCode, NotNull, RecordId
from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.grants import selectors, services
from casm.grants.models import Award, Call, Donor, Fund, Proposal, ReviewAssignment

router = Router(tags=["grants"])


def _referenced(queryset: QuerySet, field: str, **lookup: Any) -> Any:
    """The record a body names in ``field``: one that does not exist (or is not open to the
    request, as a closed call) is an invalid field (422), as in the other apps, not a 404."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise ValidationError({field: [_("There is no such record.")]})
    return found


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _secretariat(request: HttpRequest) -> None:
    permissions.require(request.user, "grants.manage")


# --- Calls ---------------------------------------------------------------------------------


class CriterionOut(Schema):
    id: int
    name: str
    weight: str
    max_score: str


class CallOut(Schema):
    id: int
    title: str
    description: str
    status: str
    opens_on: datetime.date
    closes_on: datetime.date
    budget: str
    max_award: str
    currency: str
    eligible_countries: list[str]
    eligible_themes: list[str]
    criteria: list[CriterionOut]


def _call_out(call: Call) -> dict[str, Any]:
    return {
        "id": call.pk,
        "title": call.title,
        "description": call.description,
        "status": call.status,
        "opens_on": call.opens_on,
        "closes_on": call.closes_on,
        "budget": _money(call.budget),
        "max_award": _money(call.max_award),
        "currency": call.currency,
        "eligible_countries": sorted(c.alpha2 for c in call.eligible_countries.all()),
        "eligible_themes": call.eligible_themes,
        "criteria": [
            {"id": c.pk, "name": c.name, "weight": str(c.weight), "max_score": str(c.max_score)}
            for c in call.criteria.all()
        ],
    }


def _call_or_404(request: HttpRequest, call_id: int) -> Call:
    return get_object_or_404(selectors.calls_for_user(request.user), pk=call_id)


@router.get("/grants/calls", response=list[CallOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def call_list(request: HttpRequest):
    """Calls for proposals, newest first (drafts only for the secretariat)."""
    calls = selectors.calls_for_user(request.user).prefetch_related(
        "eligible_countries", "criteria"
    )
    return [_call_out(call) for call in calls]


@router.get("/grants/calls/{call_id}", response=CallOut)
@endpoint(PUBLIC)
def call_detail(request: HttpRequest, call_id: int):
    return _call_out(_call_or_404(request, call_id))


class CallIn(Schema):
    fund: RecordId
    title: str
    description: str = ""
    opens_on: datetime.date
    closes_on: datetime.date
    budget: str
    max_award: str
    eligible_countries: list[CountryCode] = Field(default_factory=list, description="alpha-2 codes")
    eligible_themes: list[str] = Field(default_factory=list, description="theme codes")
    reviewers: list[str] = Field(default_factory=list, description="usernames")


@router.post("/grants/calls", response={201: CallOut})
@endpoint("grants.manage")
def call_create(request: HttpRequest, payload: CallIn):
    """Open a call (secretariat)."""
    _secretariat(request)
    fund = _referenced(Fund.objects.all(), "fund", pk=payload.fund)
    users = get_user_model().objects.filter(username__in=payload.reviewers)
    call = services.call_create(
        actor=request.user,
        fund=fund,
        title=payload.title,
        description=payload.description,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        budget=payload.budget,
        max_award=payload.max_award,
        eligible_countries=list(Country.objects.filter(alpha2__in=payload.eligible_countries)),
        eligible_themes=payload.eligible_themes,
        reviewers=list(users),
    )
    return Status(201, _call_out(call))


class CriterionIn(Schema):
    name: str
    weight: str
    max_score: str


@router.post("/grants/calls/{call_id}/criteria", response={201: CriterionOut})
@endpoint("grants.manage")
def criterion_create(request: HttpRequest, call_id: int, payload: CriterionIn):
    _secretariat(request)
    call = _call_or_404(request, call_id)
    criterion = services.criterion_create(
        actor=request.user,
        call=call,
        name=payload.name,
        weight=payload.weight,
        max_score=payload.max_score,
    )
    return Status(
        201,
        {
            "id": criterion.pk,
            "name": criterion.name,
            "weight": str(criterion.weight),
            "max_score": str(criterion.max_score),
        },
    )


class RankOut(Schema):
    rank: int
    proposal: int
    title: str
    score: str
    reviewers: int
    amount_requested: str
    within_budget: bool
    cumulative: str


class GrantRankingOut(Schema):
    currency: str
    budget: str
    proposed_total: str
    rows: list[RankOut]


@router.get("/grants/calls/{call_id}/ranking", response=GrantRankingOut)
@endpoint("grants.manage")
def call_ranking(request: HttpRequest, call_id: int):
    """Proposals by weighted score; within_budget marks those proposed for award (secretariat)."""
    _secretariat(request)
    ranking = selectors.call_ranking(_call_or_404(request, call_id))
    return {
        "currency": ranking.currency,
        "budget": _money(ranking.budget),
        "proposed_total": _money(ranking.proposed_total),
        "rows": [
            {
                "rank": row.rank,
                "proposal": row.proposal_id,
                "title": row.title,
                "score": str(row.score),
                "reviewers": row.reviewers,
                "amount_requested": _money(row.amount_requested),
                "within_budget": row.within_budget,
                "cumulative": _money(row.cumulative),
            }
            for row in ranking.rows
        ],
    }


# --- Funds ---------------------------------------------------------------------------------


class FundOut(Schema):
    id: int
    name: str
    currency: str
    paid_in: str
    committed: str
    disbursed: str
    balance: str


@router.get("/grants/funds", response=list[FundOut])
@endpoint("grants.manage")
def fund_list(request: HttpRequest):
    """Every fund with what donors paid in, what awards hold, what was paid out, and the
    balance still free to award (secretariat)."""
    _secretariat(request)
    return [_fund_out(fund) for fund in Fund.objects.all()]


@router.get("/grants/funds/{fund_id}", response=FundOut)
@endpoint("grants.manage")
def fund_detail(request: HttpRequest, fund_id: int):
    _secretariat(request)
    return _fund_out(get_object_or_404(Fund, pk=fund_id))


def _fund_out(fund: Fund) -> dict[str, Any]:
    return {
        "id": fund.pk,
        "name": fund.name,
        "currency": fund.currency,
        "paid_in": _money(services.fund_paid_in(fund)),
        "committed": _money(services.fund_committed(fund)),
        "disbursed": _money(services.fund_disbursed(fund)),
        "balance": _money(services.fund_balance(fund)),
    }


class DonorIn(Schema):
    name: str
    organisation: RecordId | None = Field(None, description="an organisation of the donor kind")


class DonorOut(Schema):
    id: int
    name: str
    organisation: int | None


@router.post("/grants/donors", response={201: DonorOut})
@endpoint("grants.manage")
def donor_create(request: HttpRequest, payload: DonorIn):
    _secretariat(request)
    organisation = (
        _referenced(Organisation.objects.all(), "organisation", pk=payload.organisation)
        if payload.organisation
        else None
    )
    donor = services.donor_create(actor=request.user, name=payload.name, organisation=organisation)
    return Status(201, {"id": donor.pk, "name": donor.name, "organisation": donor.organisation_id})


class FundIn(Schema):
    name: str
    currency: str = Field(description="ISO 4217 code")


@router.post("/grants/funds", response={201: FundOut})
@endpoint("grants.manage")
def fund_create(request: HttpRequest, payload: FundIn):
    _secretariat(request)
    fund = services.fund_create(actor=request.user, name=payload.name, currency=payload.currency)
    return Status(201, _fund_out(fund))


class ContributionIn(Schema):
    donor: RecordId
    amount: str
    currency: str
    date: datetime.date


@router.post("/grants/funds/{fund_id}/contributions", response={201: FundOut})
@endpoint("grants.manage")
def contribution_create(request: HttpRequest, fund_id: int, payload: ContributionIn):
    """A donor's payment into the fund, in the fund's currency; answers the fund's new figures."""
    _secretariat(request)
    fund = get_object_or_404(Fund, pk=fund_id)
    donor = _referenced(Donor.objects.all(), "donor", pk=payload.donor)
    services.contribution_create(
        actor=request.user, donor=donor, fund=fund, amount=payload.amount,
        currency=payload.currency, date=payload.date,
    )  # fmt: skip
    return Status(201, _fund_out(fund))


# --- Proposals -----------------------------------------------------------------------------


class BudgetLineIO(Schema):
    label: str
    amount: str


class ProposalOut(Schema):
    id: int
    call: int
    title: str
    summary: str
    organisation: str | None
    country: str
    themes: list[str]
    amount_requested: str
    currency: str
    work_plan: str
    status: str
    eligibility_messages: list[str]
    sites: list[str]
    budget_lines: list[BudgetLineIO]


def _proposal_out(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "call": proposal.call_id,
        "title": proposal.title,
        "summary": proposal.summary,
        "organisation": proposal.organisation.name if proposal.organisation else None,
        "country": proposal.country.alpha2,
        "themes": proposal.themes,
        "amount_requested": _money(proposal.amount_requested),
        "currency": proposal.currency,
        "work_plan": proposal.work_plan,
        "status": proposal.status,
        "eligibility_messages": proposal.eligibility_messages,
        "sites": [site.code for site in proposal.sites.all()],
        "budget_lines": [
            {"label": line.label, "amount": _money(line.amount)}
            for line in proposal.budget_lines.all()
        ],
    }


@router.get("/grants/proposals", response=list[ProposalOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def proposal_list(request: HttpRequest):
    """Your proposals, those given you to review, or (secretariat) all of them."""
    proposals = selectors.proposals_for_user(request.user).prefetch_related("budget_lines", "sites")
    return [_proposal_out(p) for p in proposals]


@router.get("/grants/proposals/{proposal_id}", response=ProposalOut)
@endpoint(SIGNED_IN)
def proposal_detail(request: HttpRequest, proposal_id: int):
    return _proposal_out(selectors.proposal_for_user_or_404(request.user, proposal_id))


class ProposalIn(Schema):
    call: RecordId
    title: str
    summary: str
    country: CountryCode = Field(description="alpha-2 code")
    amount_requested: str
    currency: str | None = None
    organisation: RecordId | None = None
    themes: list[str] = Field(default_factory=list)
    work_plan: str = ""
    sites: list[str] = Field(default_factory=list, description="registry site codes")
    budget_lines: list[BudgetLineIO]


@router.post("/grants/proposals", response={201: ProposalOut})
@endpoint(SIGNED_IN)
def proposal_create(request: HttpRequest, payload: ProposalIn):
    """A draft proposal for an open call; submit it to have its eligibility checked."""
    call = _referenced(selectors.calls_open(), "call", pk=payload.call)
    country = _referenced(Country.objects.all(), "country", alpha2=payload.country.upper())
    organisation = (
        _referenced(Organisation.objects.all(), "organisation", pk=payload.organisation)
        if payload.organisation
        else None
    )
    proposal = services.proposal_create(
        actor=request.user,
        call=call,
        title=payload.title,
        summary=payload.summary,
        country=country,
        amount_requested=payload.amount_requested,
        currency=payload.currency,
        organisation=organisation,
        themes=payload.themes,
        work_plan=payload.work_plan,
        sites=selectors.sites_by_codes(payload.sites),
        budget_lines=[(line.label, line.amount) for line in payload.budget_lines],
    )
    return Status(201, _proposal_out(proposal))


class ProposalPatchIn(Schema):
    title: str | None = None
    summary: str | None = None
    country: CountryCode | None = Field(None, description="alpha-2 code")
    amount_requested: str | None = None
    themes: NotNull[list[str]] = None
    work_plan: str | None = None
    budget_lines: NotNull[list[BudgetLineIO]] = Field(None, description="replaces all lines")


@router.patch("/grants/proposals/{proposal_id}", response=ProposalOut)
@endpoint(SIGNED_IN)
def proposal_update(request: HttpRequest, proposal_id: int, payload: ProposalPatchIn):
    """Change your draft; the fields sent replace the ones there are."""
    proposal = selectors.proposal_for_user_or_404(request.user, proposal_id)
    data = payload.dict(exclude_unset=True, exclude={"budget_lines", "country"})
    if payload.country is not None:
        data["country"] = _referenced(
            Country.objects.all(), "country", alpha2=payload.country.upper()
        )
    lines = (
        [(line.label, line.amount) for line in payload.budget_lines]
        if payload.budget_lines is not None
        else None
    )
    services.proposal_update(actor=request.user, proposal=proposal, budget_lines=lines, **data)
    return _proposal_out(proposal)


@router.post("/grants/proposals/{proposal_id}/submit", response=ProposalOut)
@endpoint(SIGNED_IN)
def proposal_submit(request: HttpRequest, proposal_id: int):
    """Submit your draft; the answer says whether it is eligible and, if not, why."""
    proposal = selectors.proposal_for_user_or_404(request.user, proposal_id)
    services.proposal_submit(actor=request.user, proposal=proposal)
    return _proposal_out(proposal)


class AssignIn(Schema):
    reviewer: str = Field(description="username")


class AssignmentOut(Schema):
    id: int
    proposal: int
    title: str
    reviewer: str
    conflict_declared: bool


def _assignment_out(assignment: ReviewAssignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "proposal": assignment.proposal_id,
        "title": assignment.proposal.title,
        "reviewer": assignment.reviewer.get_username(),
        "conflict_declared": assignment.conflict_declared,
    }


@router.post("/grants/proposals/{proposal_id}/assignments", response={201: AssignmentOut})
@endpoint("grants.manage")
def review_assign(request: HttpRequest, proposal_id: int, payload: AssignIn):
    _secretariat(request)
    proposal = selectors.proposal_for_user_or_404(request.user, proposal_id)
    reviewer = _referenced(get_user_model().objects.all(), "reviewer", username=payload.reviewer)
    assignment = services.review_assign(actor=request.user, proposal=proposal, reviewer=reviewer)
    return Status(201, _assignment_out(assignment))


@router.get("/grants/assignments", response=list[AssignmentOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def assignment_list(request: HttpRequest):
    """The proposals given you to review."""
    return [_assignment_out(a) for a in selectors.assignments_for_user(request.user)]


def _assignment_or_404(request: HttpRequest, assignment_id: int) -> ReviewAssignment:
    return get_object_or_404(selectors.assignments_for_user(request.user), pk=assignment_id)


class ConflictIn(Schema):
    note: str


@router.post("/grants/assignments/{assignment_id}/conflict", response=AssignmentOut)
@endpoint(SIGNED_IN)
def review_declare_conflict(request: HttpRequest, assignment_id: int, payload: ConflictIn):
    assignment = _assignment_or_404(request, assignment_id)
    services.review_declare_conflict(actor=request.user, assignment=assignment, note=payload.note)
    return _assignment_out(assignment)


class ScoreIn(Schema):
    criterion: RecordId
    score: str
    comment: str = ""


class ScoreOut(Schema):
    id: int
    criterion: int
    score: str
    comment: str


@router.post("/grants/assignments/{assignment_id}/scores", response={201: ScoreOut})
@endpoint(SIGNED_IN)
def score_record(request: HttpRequest, assignment_id: int, payload: ScoreIn):
    """Your score on one criterion, between 0 and its maximum; refused after a conflict."""
    assignment = _assignment_or_404(request, assignment_id)
    criterion = _referenced(
        assignment.proposal.call.criteria.all(), "criterion", pk=payload.criterion
    )
    score = services.score_record(
        actor=request.user,
        assignment=assignment,
        criterion=criterion,
        score=payload.score,
        comment=payload.comment,
    )
    return Status(
        201,
        {
            "id": score.pk,
            "criterion": criterion.pk,
            "score": str(score.score),
            "comment": score.comment,
        },
    )


# --- Decisions and awards ------------------------------------------------------------------


class TrancheIn(Schema):
    planned_on: datetime.date
    amount: str


class DecisionIn(Schema):
    decision: Literal["award", "decline"]
    reasons: str
    amount: str | None = None
    conditions: str = ""
    tranches: list[TrancheIn] = Field(default_factory=list)


class TrancheOut(Schema):
    id: int
    planned_on: datetime.date
    amount: str


class DisbursementOut(Schema):
    id: int
    amount: str
    paid_on: datetime.date
    tranche: int | None


class AwardOut(Schema):
    id: int
    proposal: int
    title: str
    organisation: str | None
    country: str
    amount: str
    currency: str
    awarded_on: datetime.date
    closed: bool


class AwardDetailOut(AwardOut):
    conditions: str
    fund: int
    disbursed: str
    disbursements_closed: bool
    tranches: list[TrancheOut]
    disbursements: list[DisbursementOut]
    reports: list[str]


def _award_out(award: Award) -> dict[str, Any]:
    proposal = award.proposal
    return {
        "id": award.pk,
        "proposal": proposal.pk,
        "title": proposal.title,
        "organisation": proposal.organisation.name if proposal.organisation else None,
        "country": proposal.country.alpha2,
        "amount": _money(award.amount),
        "currency": award.currency,
        "awarded_on": award.awarded_on,
        "closed": award.closed_at is not None,
    }


def _award_detail(award: Award) -> dict[str, Any]:
    return {
        **_award_out(award),
        "conditions": award.conditions,
        "fund": award.fund_id,
        "disbursed": _money(services.award_disbursed(award)),
        "disbursements_closed": award.disbursements_closed,
        "tranches": [
            {"id": t.pk, "planned_on": t.planned_on, "amount": _money(t.amount)}
            for t in award.tranches.all()
        ],
        "disbursements": [
            {"id": d.pk, "amount": _money(d.amount), "paid_on": d.paid_on, "tranche": d.tranche_id}
            for d in award.disbursements.all()
        ],
        "reports": [r.kind for r in award.reports.all()],
    }


@router.post(
    "/grants/proposals/{proposal_id}/decision", response={200: ProposalOut, 201: AwardDetailOut}
)
@endpoint("grants.manage")
def proposal_decide(request: HttpRequest, proposal_id: int, payload: DecisionIn):
    """Award (with amount, conditions and tranches) or decline, with reasons (secretariat)."""
    _secretariat(request)
    proposal = selectors.proposal_for_user_or_404(request.user, proposal_id)
    if payload.decision == "decline":
        services.proposal_decline(actor=request.user, proposal=proposal, reasons=payload.reasons)
        return Status(200, _proposal_out(proposal))
    award = services.proposal_award(
        actor=request.user,
        proposal=proposal,
        amount=payload.amount,
        reasons=payload.reasons,
        conditions=payload.conditions,
        tranches=[(t.planned_on, t.amount) for t in payload.tranches],
    )
    return Status(201, _award_detail(award))


@router.get("/grants/awards", response=list[AwardOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def award_list(request: HttpRequest):
    """Awarded grants, public: title, organisation, country, amount."""
    return [_award_out(a) for a in selectors.awards_public()]


def _award_or_404(request: HttpRequest, award_id: int) -> Award:
    try:
        return selectors.awards_for_user(request.user).get(pk=award_id)
    except Award.DoesNotExist:
        raise Http404 from None


@router.get("/grants/awards/{award_id}", response=AwardDetailOut)
@endpoint(SIGNED_IN)
def award_detail(request: HttpRequest, award_id: int):
    """An award with its tranches, payments and reports (grantee or secretariat)."""
    return _award_detail(_award_or_404(request, award_id))


class DisbursementIn(Schema):
    amount: str
    paid_on: datetime.date
    currency: str | None = None
    tranche: RecordId | None = None


@router.post("/grants/awards/{award_id}/disbursements", response={201: DisbursementOut})
@endpoint("grants.manage")
def disbursement_record(request: HttpRequest, award_id: int, payload: DisbursementIn):
    _secretariat(request)
    award = _award_or_404(request, award_id)
    tranche = (
        _referenced(award.tranches.all(), "tranche", pk=payload.tranche)
        if payload.tranche
        else None
    )
    paid = services.disbursement_record(
        actor=request.user,
        award=award,
        amount=payload.amount,
        paid_on=payload.paid_on,
        currency=payload.currency,
        tranche=tranche,
    )
    return Status(
        201,
        {
            "id": paid.pk,
            "amount": _money(paid.amount),
            "paid_on": paid.paid_on,
            "tranche": paid.tranche_id,
        },
    )


class ReportIn(Schema):
    kind: Literal["progress", "final"]
    narrative: str
    women: int = Field(0, ge=0)
    men: int = Field(0, ge=0)
    girls: int = Field(0, ge=0)
    boys: int = Field(0, ge=0)
    indicators: dict[str, Any] = Field(default_factory=dict)


class ReportOut(Schema):
    id: int
    kind: str
    women: int
    men: int
    girls: int
    boys: int


@router.post("/grants/awards/{award_id}/reports", response={201: ReportOut})
@endpoint(SIGNED_IN)
def report_submit(request: HttpRequest, award_id: int, payload: ReportIn):
    """A progress or final report on your grant."""
    award = _award_or_404(request, award_id)
    report = services.report_submit(actor=request.user, award=award, **payload.dict())
    return Status(
        201,
        {
            "id": report.pk,
            "kind": report.kind,
            "women": report.women,
            "men": report.men,
            "girls": report.girls,
            "boys": report.boys,
        },
    )


class CloseIn(Schema):
    close_disbursements: bool = Field(
        False, description="End the payments first; what was not paid returns to the fund."
    )


@router.post("/grants/awards/{award_id}/close", response=AwardDetailOut)
@endpoint("grants.manage")
def award_close(request: HttpRequest, award_id: int, payload: CloseIn):
    _secretariat(request)
    award = _award_or_404(request, award_id)
    with transaction.atomic():
        if payload.close_disbursements:
            services.disbursements_close(actor=request.user, award=award)
        services.award_close(actor=request.user, award=award)
    return _award_detail(award)
