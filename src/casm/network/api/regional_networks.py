"""Regional networks and the organisations that are members."""

from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.network import selectors, services
from casm.network.api import router
from casm.network.api.schemas import (
    MembershipIn,
    RegionalNetworkIn,
    RegionalNetworkOut,
    _organisation,
    _require_secretariat,
)


@router.get("/network/regional-networks", response=list[RegionalNetworkOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def regional_network_list(request: HttpRequest):
    """The regional networks with their memberships over time."""
    return selectors.regional_networks()


@router.get("/network/regional-networks/{network_id}", response=RegionalNetworkOut)
@endpoint(PUBLIC)
def regional_network_detail(request: HttpRequest, network_id: int):
    return selectors.regional_network_get(network_id)


@router.post("/network/regional-networks", response={201: RegionalNetworkOut})
@endpoint("network.manage")
def regional_network_create(request: HttpRequest, payload: RegionalNetworkIn):
    _require_secretariat(request)
    network = services.regional_network_create(actor=request.user, data=payload.dict())
    return Status(201, selectors.regional_network_get(network.pk))


@router.post(
    "/network/regional-networks/{network_id}/memberships", response={201: RegionalNetworkOut}
)
@endpoint("network.manage")
def membership_create(request: HttpRequest, network_id: int, payload: MembershipIn):
    """An organisation joins a regional network (secretariat); memberships cannot overlap."""
    _require_secretariat(request)
    network = selectors.regional_network_get(network_id)
    services.membership_create(
        actor=request.user,
        data={
            "network": network,
            "organisation": _organisation("organisation", payload.organisation),
            "joined": payload.joined,
            "left": payload.left,
        },
    )
    return Status(201, selectors.regional_network_get(network_id))
