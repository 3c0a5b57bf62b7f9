"""Grant proposals: apply, change a draft, submit, assign reviewers, decide."""

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate

from casm.accounts.models import Organisation
from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import SIGNED_IN, endpoint
from casm.grants import selectors, services
from casm.grants.api import router
from casm.grants.api.schemas import (
    AssignIn,
    AssignmentOut,
    AwardDetailOut,
    DecisionIn,
    ProposalIn,
    ProposalOut,
    ProposalPatchIn,
    _referenced,
    _secretariat,
)


@router.get("/grants/proposals", response=list[ProposalOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def proposal_list(request: HttpRequest):
    """Your proposals, those given you to review, or (secretariat) all of them."""
    return selectors.proposals_for_user(request.user).prefetch_related("budget_lines", "sites")


@router.get("/grants/proposals/{proposal_id}", response=ProposalOut)
@endpoint(SIGNED_IN)
def proposal_detail(request: HttpRequest, proposal_id: int):
    return selectors.proposal_for_user_or_404(request.user, proposal_id)


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
        sites=payload.sites,
        budget_lines=[(line.label, line.amount) for line in payload.budget_lines],
    )
    return Status(201, proposal)


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
    return proposal


@router.post("/grants/proposals/{proposal_id}/submit", response=ProposalOut)
@endpoint(SIGNED_IN)
def proposal_submit(request: HttpRequest, proposal_id: int):
    """Submit your draft; the answer says whether it is eligible and, if not, why."""
    proposal = selectors.proposal_for_user_or_404(request.user, proposal_id)
    services.proposal_submit(actor=request.user, proposal=proposal)
    return proposal


@router.post("/grants/proposals/{proposal_id}/assignments", response={201: AssignmentOut})
@endpoint("grants.manage")
def review_assign(request: HttpRequest, proposal_id: int, payload: AssignIn):
    _secretariat(request)
    proposal = selectors.proposal_for_user_or_404(request.user, proposal_id)
    reviewer = _referenced(get_user_model().objects.all(), "reviewer", username=payload.reviewer)
    assignment = services.review_assign(actor=request.user, proposal=proposal, reviewer=reviewer)
    return Status(201, assignment)


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
        return Status(200, proposal)
    award = services.proposal_award(
        actor=request.user,
        proposal=proposal,
        amount=payload.amount,
        reasons=payload.reasons,
        conditions=payload.conditions,
        tranches=[(t.planned_on, t.amount) for t in payload.tranches],
    )
    return Status(201, award)
