"""The grants API's input and output schemas, and the helpers that fill them."""

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema

from casm.core import permissions
from casm.core.api_types import CountryCode, NotNull, RecordId
from casm.grants import services
from casm.grants.models import Award, ReviewAssignment


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


class CriterionIn(Schema):
    name: str
    weight: str
    max_score: str


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


class FundOut(Schema):
    id: int
    name: str
    currency: str
    paid_in: str
    committed: str
    disbursed: str
    balance: str


class DonorIn(Schema):
    name: str
    organisation: RecordId | None = Field(None, description="an organisation of the donor kind")


class DonorOut(Schema):
    id: int
    name: str
    organisation: int | None


class FundIn(Schema):
    name: str
    currency: str = Field(description="ISO 4217 code")


class ContributionIn(Schema):
    donor: RecordId
    amount: str
    currency: str
    date: datetime.date


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


class ProposalPatchIn(Schema):
    title: str | None = None
    summary: str | None = None
    country: CountryCode | None = Field(None, description="alpha-2 code")
    amount_requested: str | None = None
    themes: NotNull[list[str]] = None
    work_plan: str | None = None
    budget_lines: NotNull[list[BudgetLineIO]] = Field(None, description="replaces all lines")


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


class ConflictIn(Schema):
    note: str


class ScoreIn(Schema):
    criterion: RecordId
    score: str
    comment: str = ""


class ScoreOut(Schema):
    id: int
    criterion: int
    score: str
    comment: str


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


class DisbursementIn(Schema):
    amount: str
    paid_on: datetime.date
    currency: str | None = None
    tranche: RecordId | None = None


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


class CloseIn(Schema):
    close_disbursements: bool = Field(
        False, description="End the payments first; what was not paid returns to the fund."
    )
