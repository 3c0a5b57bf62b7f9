"""The grants API's input and output schemas: each output schema reads its model (money
as strings with two decimals, related records as ids or codes) through its resolvers."""

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
from casm.grants.models import (
    Award,
    Call,
    Criterion,
    Disbursement,
    Fund,
    Proposal,
    ReviewAssignment,
    Score,
    Tranche,
)
from casm.grants.selectors import RankedProposal, Ranking


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

    @staticmethod
    def resolve_weight(criterion: Criterion) -> str:
        return str(criterion.weight)

    @staticmethod
    def resolve_max_score(criterion: Criterion) -> str:
        return str(criterion.max_score)


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

    @staticmethod
    def resolve_budget(call: Call) -> str:
        return _money(call.budget)

    @staticmethod
    def resolve_max_award(call: Call) -> str:
        return _money(call.max_award)

    @staticmethod
    def resolve_eligible_countries(call: Call) -> list[str]:
        return sorted(c.alpha2 for c in call.eligible_countries.all())

    @staticmethod
    def resolve_criteria(call: Call) -> list[Criterion]:
        return list(call.criteria.all())


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
    proposal: int = Field(alias="proposal_id")
    title: str
    score: str
    reviewers: int
    amount_requested: str
    within_budget: bool
    cumulative: str

    @staticmethod
    def resolve_score(row: RankedProposal) -> str:
        return str(row.score)

    @staticmethod
    def resolve_amount_requested(row: RankedProposal) -> str:
        return _money(row.amount_requested)

    @staticmethod
    def resolve_cumulative(row: RankedProposal) -> str:
        return _money(row.cumulative)


class GrantRankingOut(Schema):
    currency: str
    budget: str
    proposed_total: str
    rows: list[RankOut]

    @staticmethod
    def resolve_budget(ranking: Ranking) -> str:
        return _money(ranking.budget)

    @staticmethod
    def resolve_proposed_total(ranking: Ranking) -> str:
        return _money(ranking.proposed_total)


class FundOut(Schema):
    id: int
    name: str
    currency: str
    paid_in: str
    committed: str
    disbursed: str
    balance: str

    @staticmethod
    def resolve_paid_in(fund: Fund) -> str:
        return _money(services.fund_paid_in(fund))

    @staticmethod
    def resolve_committed(fund: Fund) -> str:
        return _money(services.fund_committed(fund))

    @staticmethod
    def resolve_disbursed(fund: Fund) -> str:
        return _money(services.fund_disbursed(fund))

    @staticmethod
    def resolve_balance(fund: Fund) -> str:
        return _money(services.fund_balance(fund))


class DonorIn(Schema):
    name: str
    organisation: RecordId | None = Field(None, description="an organisation of the donor kind")


class DonorOut(Schema):
    id: int
    name: str
    organisation: int | None = Field(alias="organisation_id")


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

    @staticmethod
    def resolve_call(proposal: Proposal) -> int:
        return proposal.call_id

    @staticmethod
    def resolve_organisation(proposal: Proposal) -> str | None:
        return proposal.organisation.name if proposal.organisation else None

    @staticmethod
    def resolve_country(proposal: Proposal) -> str:
        return proposal.country.alpha2

    @staticmethod
    def resolve_amount_requested(proposal: Proposal) -> str:
        return _money(proposal.amount_requested)

    @staticmethod
    def resolve_sites(proposal: Proposal) -> list[str]:
        return [site.code for site in proposal.sites.all()]

    @staticmethod
    def resolve_budget_lines(proposal: Proposal) -> list[BudgetLineIO]:
        # The schema a body's lines come in, so filled here rather than by a resolver of its
        # own (which would also read the bodies).
        return [
            BudgetLineIO(label=line.label, amount=_money(line.amount))
            for line in proposal.budget_lines.all()
        ]


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

    @staticmethod
    def resolve_proposal(assignment: ReviewAssignment) -> int:
        return assignment.proposal_id

    @staticmethod
    def resolve_title(assignment: ReviewAssignment) -> str:
        return assignment.proposal.title

    @staticmethod
    def resolve_reviewer(assignment: ReviewAssignment) -> str:
        return assignment.reviewer.get_username()


class ConflictIn(Schema):
    note: str


class ScoreIn(Schema):
    criterion: RecordId
    score: str
    comment: str = ""


class ScoreOut(Schema):
    id: int
    criterion: int = Field(alias="criterion_id")
    score: str
    comment: str

    @staticmethod
    def resolve_score(score: Score) -> str:
        return str(score.score)


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

    @staticmethod
    def resolve_amount(tranche: Tranche) -> str:
        return _money(tranche.amount)


class DisbursementOut(Schema):
    id: int
    amount: str
    paid_on: datetime.date
    tranche: int | None = Field(alias="tranche_id")

    @staticmethod
    def resolve_amount(disbursement: Disbursement) -> str:
        return _money(disbursement.amount)


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

    @staticmethod
    def resolve_proposal(award: Award) -> int:
        return award.proposal_id

    @staticmethod
    def resolve_title(award: Award) -> str:
        return award.proposal.title

    @staticmethod
    def resolve_organisation(award: Award) -> str | None:
        organisation = award.proposal.organisation
        return organisation.name if organisation else None

    @staticmethod
    def resolve_country(award: Award) -> str:
        return award.proposal.country.alpha2

    @staticmethod
    def resolve_amount(award: Award) -> str:
        return _money(award.amount)

    @staticmethod
    def resolve_closed(award: Award) -> bool:
        return award.closed_at is not None


class AwardDetailOut(AwardOut):
    conditions: str
    fund: int = Field(alias="fund_id")
    disbursed: str
    disbursements_closed: bool
    tranches: list[TrancheOut]
    disbursements: list[DisbursementOut]
    reports: list[str]

    @staticmethod
    def resolve_disbursed(award: Award) -> str:
        return _money(services.award_disbursed(award))

    @staticmethod
    def resolve_tranches(award: Award) -> list[Tranche]:
        return list(award.tranches.all())

    @staticmethod
    def resolve_disbursements(award: Award) -> list[Disbursement]:
        return list(award.disbursements.all())

    @staticmethod
    def resolve_reports(award: Award) -> list[str]:
        return [report.kind for report in award.reports.all()]


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
