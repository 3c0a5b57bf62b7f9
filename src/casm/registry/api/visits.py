"""Site visits: the census observations, within the asker's scope."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.core.throttling import export_throttles
from casm.registry import exports, selectors, services
from casm.registry.api import router
from casm.registry.api.lookups import _commodity, _in_bbox, _site_filters, _site_ref
from casm.registry.api.schemas import (
    ExportFormat,
    SiteFilterParams,
    VisitFilterParams,
    VisitIn,
    VisitOut,
    VisitPatch,
)
from casm.registry.models import Site


def _visit_data(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("state_services", "armed_activities"):
        if data.get(key) is not None:
            data[key] = [str(value) for value in data[key]]
    if data.get("not_reached_reason") is not None:
        data["not_reached_reason"] = str(data["not_reached_reason"])
    if data.get("commodities") is not None:
        for item in data["commodities"]:
            _commodity(item["commodity"], field="commodities")
    return data


def _visit_queryset(request: HttpRequest, filters: VisitFilterParams) -> Any:
    values = filters.dict()
    site_params = SiteFilterParams(
        **{key: value for key, value in values.items() if key in SiteFilterParams.model_fields}
    )
    site_filters, bbox = _site_filters(site_params)
    queryset = selectors.visit_list(
        user=request.user,
        site_filters=site_filters,
        site=filters.site,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    if bbox is not None:
        queryset = queryset.filter(site__in=_in_bbox(Site.objects.all(), bbox))
    return queryset


@router.get("/visits", response=list[VisitOut], tags=["visits"])
@paginate(LimitOffset)
@endpoint("registry.view")
def visit_list(request: HttpRequest, filters: Query[VisitFilterParams]):
    """Site visits within your scope, latest first, filtered like the sites or by site and date."""
    return _visit_queryset(request, filters)


@router.get("/visits/export", tags=["visits", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def visit_export(
    request: HttpRequest, filters: Query[VisitFilterParams], format: ExportFormat = "csv"
):
    """Site visits within your scope as a CSV, XLSX or GeoJSON download."""
    return exports.export_response(exports.visits_export(_visit_queryset(request, filters), format))


@router.get("/visits/{visit_id}", response=VisitOut, tags=["visits"])
@endpoint("registry.view")
def visit_detail(request: HttpRequest, visit_id: int):
    return selectors.visit_get_for_user(user=request.user, pk=visit_id)


@router.post("/visits", response={201: VisitOut}, tags=["visits"])
@endpoint("registry.edit")
def visit_create(request: HttpRequest, payload: VisitIn):
    """Record a census observation; the site's current figures follow its latest visit."""
    data = _visit_data(payload.dict())
    site = _site_ref(request, data.pop("site"))
    visit = services.site_visit_record(actor=request.user, site=site, **data)
    return Status(201, selectors.visit_get_for_user(user=request.user, pk=visit.pk))


@router.patch("/visits/{visit_id}", response=VisitOut, tags=["visits"])
@endpoint("registry.edit")
def visit_update(request: HttpRequest, visit_id: int, payload: VisitPatch):
    visit = selectors.visit_get_for_user(user=request.user, pk=visit_id)
    services.site_visit_update(
        actor=request.user, visit=visit, **_visit_data(payload.dict(exclude_unset=True))
    )
    return selectors.visit_get_for_user(user=request.user, pk=visit_id)
