"""Reads of the grants app: what each user may see, the ranking with its budget line, and the
money by donor, theme, country and year."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from casm.core import permissions
from casm.core.countries import country_key
from casm.grants.models import (
    Award,
    Call,
    Contribution,
    Disbursement,
    Proposal,
    ReviewAssignment,
    Score,
)
from casm.library.models import Theme

ZERO = Decimal("0.00")


def calls_open(today: Any = None) -> QuerySet[Call]:
    today = today or timezone.localdate()
    return Call.objects.filter(
        status=Call.Status.OPEN, opens_on__lte=today, closes_on__gte=today
    ).select_related("fund")


def calls_for_user(user: Any) -> QuerySet[Call]:
    """Everyone sees calls that are open or closed; drafts only the secretariat."""
    calls = Call.objects.select_related("fund").order_by("-opens_on", "pk")
    if permissions.can(user, "grants.manage"):
        return calls
    return calls.exclude(status=Call.Status.DRAFT)


def awards_public() -> QuerySet[Award]:
    """Awarded grants as the public sees them: title, organisation, country, amount."""
    return Award.objects.select_related(
        "proposal__call", "proposal__organisation", "proposal__country"
    ).order_by("-awarded_on", "pk")


def proposals_for_user(user: Any) -> QuerySet[Proposal]:
    """The secretariat sees every proposal; others their own and those given them to review."""
    proposals = Proposal.objects.select_related("call", "country", "organisation", "applicant")
    if permissions.can(user, "grants.manage"):
        return proposals
    if not (user and user.is_authenticated):
        return proposals.none()
    return proposals.filter(Q(applicant=user) | Q(assignments__reviewer=user)).distinct()


def proposal_for_user_or_404(user: Any, pk: Any) -> Proposal:
    try:
        return proposals_for_user(user).get(pk=pk)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def assignments_for_user(user: Any) -> QuerySet[ReviewAssignment]:
    if not (user and user.is_authenticated):
        return ReviewAssignment.objects.none()
    return ReviewAssignment.objects.filter(reviewer=user).select_related(
        "proposal__call", "proposal__country", "reviewer"
    )


def awards_for_user(user: Any) -> QuerySet[Award]:
    awards = Award.objects.select_related("proposal__call", "proposal__applicant", "fund")
    if permissions.can(user, "grants.manage"):
        return awards
    if not (user and user.is_authenticated):
        return awards.none()
    return awards.filter(proposal__applicant=user)


@dataclass
class RankedProposal:
    proposal_id: int
    title: str
    amount_requested: Decimal
    score: Decimal
    reviewers: int
    rank: int
    within_budget: bool
    cumulative: Decimal


@dataclass
class Ranking:
    currency: str
    budget: Decimal
    rows: list[RankedProposal]

    @property
    def proposed(self) -> list[RankedProposal]:
        return [row for row in self.rows if row.within_budget]

    @property
    def proposed_total(self) -> Decimal:
        return sum((row.amount_requested for row in self.proposed), ZERO)


def call_ranking(call: Call) -> Ranking:
    """Rank a call's reviewed proposals by weighted score and draw the budget line.

    A proposal's score is the mean, over the reviewers who scored it without a declared
    conflict, of Σ weight × score; that mean is Σ over all its scores divided by the number of
    those reviewers, so one grouped query gives it. The best proposals that fit the budget, in
    rank order, are proposed for award; one that does not fit is skipped and the next tried.
    """
    weighted = ExpressionWrapper(
        F("score") * F("criterion__weight"),
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    totals = {
        row["assignment__proposal_id"]: (row["total"], row["reviewers"])
        for row in Score.objects.filter(
            assignment__proposal__call=call, assignment__conflict_declared=False
        )
        .values("assignment__proposal_id")
        .annotate(total=Sum(weighted), reviewers=Count("assignment_id", distinct=True))
        .order_by()
    }
    candidates = (
        Proposal.objects.filter(
            call=call,
            status__in=(
                Proposal.Status.UNDER_REVIEW,
                Proposal.Status.AWARDED,
                Proposal.Status.DECLINED,
            ),
        )
        .values_list("pk", "title", "amount_requested", "submitted_at")
        .order_by()
    )
    scored = []
    for pk, title, amount, submitted_at in candidates:
        total, reviewers = totals.get(pk, (ZERO, 0))
        mean = (Decimal(total) / reviewers).quantize(Decimal("0.01")) if reviewers else ZERO
        scored.append((mean, reviewers, submitted_at, pk, title, amount))
    # Best score first; ties go to the earlier submission, then the older record.
    scored.sort(key=lambda item: (-item[0], item[2] or timezone.now(), item[3]))
    rows = []
    spent = ZERO
    for rank, (mean, reviewers, _at, pk, title, amount) in enumerate(scored, start=1):
        fits = reviewers > 0 and spent + amount <= call.budget
        if fits:
            spent += amount
        rows.append(
            RankedProposal(
                proposal_id=pk,
                title=title,
                amount_requested=amount,
                score=mean,
                reviewers=reviewers,
                rank=rank,
                within_budget=fits,
                cumulative=spent,
            )
        )
    return Ranking(currency=call.currency, budget=call.budget, rows=rows)


def money_by(dimension: str) -> list[dict[str, Any]]:
    """Money by donor (contributions), or awarded by theme, country or year; one row per
    value and currency, never adding two currencies."""
    if dimension == "donor":
        rows = (
            Contribution.objects.values("donor__name", "currency")
            .annotate(total=Sum("amount"))
            .order_by("donor__name", "currency")
        )
        return [
            {"label": r["donor__name"], "currency": r["currency"], "total": r["total"]}
            for r in rows
        ]
    if dimension == "country":
        sums: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for award in Award.objects.select_related("proposal__country").only(
            "amount", "currency", "proposal__country"
        ):
            sums[(award.proposal.country.name, award.currency)] += award.amount
        # In the reader's alphabetical order: "Égypte" among the E, not after "Zambie".
        ordered = sorted(sums.items(), key=lambda item: (country_key(item[0][0]), item[0][1]))
        return [{"label": k[0], "currency": k[1], "total": v} for k, v in ordered]
    if dimension == "year":
        sums = defaultdict(lambda: ZERO)
        for day, currency, amount in Award.objects.values_list("awarded_on", "currency", "amount"):
            sums[(str(day.year), currency)] += amount
        return [{"label": k[0], "currency": k[1], "total": v} for k, v in sorted(sums.items())]
    if dimension == "theme":
        # A grant with several themes counts in full under each: the rows do not add up.
        sums = defaultdict(lambda: ZERO)
        for themes, currency, amount in Award.objects.values_list(
            "proposal__themes", "currency", "amount"
        ):
            for theme in themes or []:
                # The theme's name in the reader's language, not its code.
                label = str(Theme(theme).label) if theme in Theme.values else theme
                sums[(label, currency)] += amount
        ordered = sorted(sums.items(), key=lambda item: (country_key(item[0][0]), item[0][1]))
        return [{"label": k[0], "currency": k[1], "total": v} for k, v in ordered]
    raise ValueError(dimension)


def disbursements_for_award(award: Award) -> QuerySet[Disbursement]:
    return award.disbursements.select_related("tranche")


def sites_by_codes(codes: Any) -> list[Any]:
    """The registry's sites named by their codes (a list, or text split on commas and spaces);
    an unknown code is refused by name."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from casm.registry.models import Site

    if isinstance(codes, str):
        codes = codes.replace(",", " ").split()
    wanted = sorted({code.strip() for code in codes if code.strip()})
    found = {site.code: site for site in Site.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise ValidationError(
            {"sites": [_("Unknown site code: %(c)s.") % {"c": ", ".join(unknown)}]}
        )
    return [found[code] for code in wanted]
