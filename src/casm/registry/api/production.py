"""Production records of a site or an operator, by commodity and period."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.core.throttling import export_throttles
from casm.registry import exports, selectors, services
from casm.registry.api import router
from casm.registry.api.lookups import _commodity, _operator_ref, _site_ref
from casm.registry.api.schemas import (
    ProductionFilterParams,
    ProductionIn,
    ProductionOut,
    ProductionPatch,
    TableFormat,
)


def _production_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if data.get("site") is not None:
        data["site"] = _site_ref(request, data["site"])
    if data.get("operator") is not None:
        data["operator"] = _operator_ref(request, data["operator"])
    if data.get("commodity") is not None:
        data["commodity"] = _commodity(data["commodity"])
    for key in ("period", "unit"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    if data.get("currency"):
        data["currency"] = data["currency"].upper()
    return data


def _production_queryset(request: HttpRequest, filters: ProductionFilterParams) -> Any:
    if filters.commodity:
        _commodity(filters.commodity)
    return selectors.production_list(user=request.user, **filters.dict())


@router.get("/production", response=list[ProductionOut], tags=["production"])
@paginate(LimitOffset)
@endpoint("registry.view")
def production_list(request: HttpRequest, filters: Query[ProductionFilterParams]):
    """Production records within your scope, by country, commodity, year or site."""
    return _production_queryset(request, filters)


@router.get("/production/export", tags=["production", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def production_export(
    request: HttpRequest, filters: Query[ProductionFilterParams], format: TableFormat = "csv"
):
    """Production records within your scope as CSV or XLSX."""
    queryset = _production_queryset(request, filters)
    return exports.export_response(exports.production_export(queryset, format))


@router.get("/production/{record_id}", response=ProductionOut, tags=["production"])
@endpoint("registry.view")
def production_detail(request: HttpRequest, record_id: int):
    return selectors.production_get_for_user(user=request.user, pk=record_id)


@router.post("/production", response={201: ProductionOut}, tags=["production"])
@endpoint("registry.edit")
def production_create(request: HttpRequest, payload: ProductionIn):
    """Record production of one commodity by a site or an operator over a period."""
    data = _production_data(request, payload.dict())
    record = services.production_record_create(actor=request.user, **data)
    return Status(201, selectors.production_get_for_user(user=request.user, pk=record.pk))


@router.patch("/production/{record_id}", response=ProductionOut, tags=["production"])
@endpoint("registry.edit")
def production_update(request: HttpRequest, record_id: int, payload: ProductionPatch):
    record = selectors.production_get_for_user(user=request.user, pk=record_id)
    data = _production_data(request, payload.dict(exclude_unset=True))
    services.production_record_update(actor=request.user, record=record, **data)
    return selectors.production_get_for_user(user=request.user, pk=record_id)


@router.delete("/production/{record_id}", response={204: None}, tags=["production"])
@endpoint("registry.edit")
def production_delete(request: HttpRequest, record_id: int):
    record = selectors.production_get_for_user(user=request.user, pk=record_id)
    services.production_record_delete(actor=request.user, record=record)
    return Status(204, None)
