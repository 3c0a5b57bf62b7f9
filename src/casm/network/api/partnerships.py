"""Partnerships between the network and other organisations."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.network import selectors, services
from casm.network.api import router
from casm.network.api.schemas import (
    PartnershipIn,
    PartnershipOut,
    PartnershipPatch,
    _organisations,
    _require_secretariat,
)
from casm.network.models import (
    Partnership,
)


def _partnership_data(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("organisations") is not None:
        data["organisations"] = _organisations("organisations", data["organisations"])
    return {k: v for k, v in data.items() if v is not None or k == "end"}


def _partnership_get(pk: int) -> Partnership:
    partnership = selectors.partnership_list().filter(pk=pk).first()
    if partnership is None:
        raise Http404
    return partnership


@router.get("/network/partnerships", response=list[PartnershipOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def partnership_list(request: HttpRequest):
    return selectors.partnership_list()


@router.get("/network/partnerships/{partnership_id}", response=PartnershipOut)
@endpoint(PUBLIC)
def partnership_detail(request: HttpRequest, partnership_id: int):
    return _partnership_get(partnership_id)


@router.post("/network/partnerships", response={201: PartnershipOut})
@endpoint("network.manage")
def partnership_create(request: HttpRequest, payload: PartnershipIn):
    _require_secretariat(request)
    p = services.partnership_create(actor=request.user, data=_partnership_data(payload.dict()))
    return Status(201, _partnership_get(p.pk))


@router.patch("/network/partnerships/{partnership_id}", response=PartnershipOut)
@endpoint("network.manage")
def partnership_update(request: HttpRequest, partnership_id: int, payload: PartnershipPatch):
    _require_secretariat(request)
    services.partnership_update(
        actor=request.user,
        partnership=_partnership_get(partnership_id),
        data=_partnership_data(payload.dict(exclude_unset=True)),
    )
    return _partnership_get(partnership_id)
