"""Operators (cooperatives, companies, associations) within the asker's scope."""

from typing import Any

from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate

from casm.core.api_types import CountryCode
from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.core.throttling import export_throttles
from casm.registry import exports, selectors, services
from casm.registry.api import router
from casm.registry.api.lookups import _country, _sites_ref
from casm.registry.api.schemas import OperatorIn, OperatorOut, OperatorPatch, TableFormat


def _operator_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("country"):
        data["country"] = _country(data["country"])
    if data.get("kind") is not None:
        data["kind"] = str(data["kind"])
    if data.get("sites") is not None:
        data["sites"] = _sites_ref(request, data["sites"])
    return data


@router.get("/operators", response=list[OperatorOut], tags=["operators"])
@paginate(LimitOffset)
@endpoint("registry.view")
def operator_list(request: HttpRequest, country: CountryCode = "", kind: str = "", q: str = ""):
    """Operators within your scope."""
    return (
        selectors.operator_list(user=request.user, country=country, kind=kind, q=q)
        .prefetch_related("sites")
        .order_by("pk")
    )


@router.get("/operators/export", tags=["operators", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def operator_export(
    request: HttpRequest,
    country: CountryCode = "",
    kind: str = "",
    q: str = "",
    format: TableFormat = "csv",
):
    """Operators within your scope, with their contacts, as CSV or XLSX."""
    queryset = selectors.operator_list(user=request.user, country=country, kind=kind, q=q)
    return exports.export_response(exports.operators_export(queryset, format))


@router.get("/operators/{operator_id}", response=OperatorOut, tags=["operators"])
@endpoint("registry.view")
def operator_detail(request: HttpRequest, operator_id: int):
    return selectors.operator_get_for_user(user=request.user, pk=operator_id)


@router.post("/operators", response={201: OperatorOut}, tags=["operators"])
@endpoint("registry.edit")
def operator_create(request: HttpRequest, payload: OperatorIn):
    data = _operator_data(request, payload.dict())
    operator = services.operator_create(actor=request.user, **data)
    return Status(201, selectors.operator_get_for_user(user=request.user, pk=operator.pk))


@router.patch("/operators/{operator_id}", response=OperatorOut, tags=["operators"])
@endpoint("registry.edit")
def operator_update(request: HttpRequest, operator_id: int, payload: OperatorPatch):
    operator = selectors.operator_get_for_user(user=request.user, pk=operator_id)
    data = _operator_data(request, payload.dict(exclude_unset=True))
    services.operator_update(actor=request.user, operator=operator, **data)
    return selectors.operator_get_for_user(user=request.user, pk=operator_id)
