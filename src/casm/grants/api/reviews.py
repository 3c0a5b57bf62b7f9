"""Review: a reviewer's assignments, conflicts of interest and scores."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import SIGNED_IN, endpoint
from casm.grants import selectors, services
from casm.grants.api import router
from casm.grants.api.schemas import (
    AssignmentOut,
    ConflictIn,
    ScoreIn,
    ScoreOut,
    _referenced,
)
from casm.grants.models import ReviewAssignment


@router.get("/grants/assignments", response=list[AssignmentOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def assignment_list(request: HttpRequest):
    """The proposals given you to review."""
    return selectors.assignments_for_user(request.user)


def _assignment_or_404(request: HttpRequest, assignment_id: int) -> ReviewAssignment:
    return get_object_or_404(selectors.assignments_for_user(request.user), pk=assignment_id)


@router.post("/grants/assignments/{assignment_id}/conflict", response=AssignmentOut)
@endpoint(SIGNED_IN)
def review_declare_conflict(request: HttpRequest, assignment_id: int, payload: ConflictIn):
    assignment = _assignment_or_404(request, assignment_id)
    services.review_declare_conflict(actor=request.user, assignment=assignment, note=payload.note)
    return assignment


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
    return Status(201, score)
