"""Funds, donors and contributions: the money behind the calls."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Status
from ninja.pagination import paginate

from casm.accounts.models import Organisation
from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.grants import services
from casm.grants.api import router
from casm.grants.api.schemas import (
    ContributionIn,
    DonorIn,
    DonorOut,
    FundIn,
    FundOut,
    _referenced,
    _secretariat,
)
from casm.grants.models import Donor, Fund


@router.get("/grants/funds", response=list[FundOut])
@paginate(LimitOffset)
@endpoint("grants.manage")
def fund_list(request: HttpRequest):
    """Every fund with what donors paid in, what awards hold, what was paid out, and the
    balance still free to award (secretariat)."""
    _secretariat(request)
    return Fund.objects.all()


@router.get("/grants/funds/{fund_id}", response=FundOut)
@endpoint("grants.manage")
def fund_detail(request: HttpRequest, fund_id: int):
    _secretariat(request)
    return get_object_or_404(Fund, pk=fund_id)


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
    return Status(201, donor)


@router.post("/grants/funds", response={201: FundOut})
@endpoint("grants.manage")
def fund_create(request: HttpRequest, payload: FundIn):
    _secretariat(request)
    fund = services.fund_create(actor=request.user, name=payload.name, currency=payload.currency)
    return Status(201, fund)


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
    return Status(201, fund)
