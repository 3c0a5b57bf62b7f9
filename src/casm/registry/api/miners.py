"""Miners: personal data, within scope only, never public."""

from typing import Any

from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate

from casm.core.api_types import CountryCode, RecordId
from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.registry import selectors, services
from casm.registry.api import router
from casm.registry.api.lookups import _country, _operator_ref, _sites_ref
from casm.registry.api.schemas import MinerIn, MinerOut, MinerPatch


def _miner_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("country"):
        data["country"] = _country(data["country"])
    if data.get("sex") is not None:
        data["sex"] = str(data["sex"])
    if data.get("roles") is not None:
        data["roles"] = [str(role) for role in data["roles"]]
    if data.get("operator") is not None:
        data["operator"] = _operator_ref(request, data["operator"])
    if data.get("sites") is not None:
        data["sites"] = _sites_ref(request, data["sites"])
    return data


@router.get("/miners", response=list[MinerOut], tags=["miners"])
@paginate(LimitOffset)
@endpoint("registry.view")
def miner_list(
    request: HttpRequest, country: CountryCode = "", operator: RecordId | None = None, q: str = ""
):
    """Miners within your scope (personal data: never public)."""
    return (
        selectors.miner_list(user=request.user, country=country, operator=operator, q=q)
        .prefetch_related("sites")
        .order_by("pk")
    )


@router.get("/miners/{miner_id}", response=MinerOut, tags=["miners"])
@endpoint("registry.view")
def miner_detail(request: HttpRequest, miner_id: int):
    return selectors.miner_get_for_user(user=request.user, pk=miner_id)


@router.post("/miners", response={201: MinerOut}, tags=["miners"])
@endpoint("registry.edit")
def miner_create(request: HttpRequest, payload: MinerIn):
    miner = services.miner_create(actor=request.user, **_miner_data(request, payload.dict()))
    return Status(201, selectors.miner_get_for_user(user=request.user, pk=miner.pk))


@router.patch("/miners/{miner_id}", response=MinerOut, tags=["miners"])
@endpoint("registry.edit")
def miner_update(request: HttpRequest, miner_id: int, payload: MinerPatch):
    miner = selectors.miner_get_for_user(user=request.user, pk=miner_id)
    data = _miner_data(request, payload.dict(exclude_unset=True))
    services.miner_update(actor=request.user, miner=miner, **data)
    return selectors.miner_get_for_user(user=request.user, pk=miner_id)
