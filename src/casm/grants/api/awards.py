"""Awards: their payments, the grantee's reports and closing."""

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.grants import selectors, services
from casm.grants.api import router
from casm.grants.api.schemas import (
    AwardDetailOut,
    AwardOut,
    CloseIn,
    DisbursementIn,
    DisbursementOut,
    ReportIn,
    ReportOut,
    _referenced,
    _secretariat,
)
from casm.grants.models import Award


@router.get("/grants/awards", response=list[AwardOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def award_list(request: HttpRequest):
    """Awarded grants, public: title, organisation, country, amount."""
    return selectors.awards_public()


def _award_or_404(request: HttpRequest, award_id: int) -> Award:
    try:
        return selectors.awards_for_user(request.user).get(pk=award_id)
    except Award.DoesNotExist:
        raise Http404 from None


@router.get("/grants/awards/{award_id}", response=AwardDetailOut)
@endpoint(SIGNED_IN)
def award_detail(request: HttpRequest, award_id: int):
    """An award with its tranches, payments and reports (grantee or secretariat)."""
    return _award_or_404(request, award_id)


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
    return Status(201, paid)


@router.post("/grants/awards/{award_id}/reports", response={201: ReportOut})
@endpoint(SIGNED_IN)
def report_submit(request: HttpRequest, award_id: int, payload: ReportIn):
    """A progress or final report on your grant."""
    award = _award_or_404(request, award_id)
    report = services.report_submit(actor=request.user, award=award, **payload.dict())
    return Status(201, report)


@router.post("/grants/awards/{award_id}/close", response=AwardDetailOut)
@endpoint("grants.manage")
def award_close(request: HttpRequest, award_id: int, payload: CloseIn):
    _secretariat(request)
    award = _award_or_404(request, award_id)
    with transaction.atomic():
        if payload.close_disbursements:
            services.disbursements_close(actor=request.user, award=award)
        services.award_close(actor=request.user, award=award)
    return award
