"""Grant calls: list, read, open one, its criteria and its ranking."""

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
    _referenced,
    _secretariat,
)
from casm.grants.models import Call, Fund


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
    return calls


@router.get("/grants/calls/{call_id}", response=CallOut)
@endpoint(PUBLIC)
def call_detail(request: HttpRequest, call_id: int):
    return _call_or_404(request, call_id)


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
    return Status(201, call)


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
    return Status(201, criterion)


@router.get("/grants/calls/{call_id}/ranking", response=GrantRankingOut)
@endpoint("grants.manage")
def call_ranking(request: HttpRequest, call_id: int):
    """Proposals by weighted score; within_budget marks those proposed for award (secretariat)."""
    _secretariat(request)
    return selectors.call_ranking(_call_or_404(request, call_id))
