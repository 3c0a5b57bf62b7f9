"""Grant calls: list, read, open one, its criteria and its ranking."""

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Status
from ninja.pagination import paginate

from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.grants import selectors, services
from casm.grants.api import router
from casm.grants.api.schemas import (
    CallIn,
    CallOut,
    CriterionIn,
    CriterionOut,
    GrantRankingOut,
    _money,
    _referenced,
    _secretariat,
)
from casm.grants.models import Call, Fund


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
