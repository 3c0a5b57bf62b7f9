"""Sites within the asker's scope: lists, GeoJSON and exports, footprints, registration,
updates, merging, duplicates and certification."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import endpoint
from casm.core.throttling import export_throttles
from casm.registry import exports, selectors, services
from casm.registry.api import router
from casm.registry.api.lookups import (
    SiteLimitOffset,
    _commodities,
    _country,
    _in_bbox,
    _site_filters,
    _site_ref,
)
from casm.registry.api.schemas import (
    CertificationIn,
    CertificationOut,
    ExportFormat,
    FootprintOut,
    MergeIn,
    SiteFilterParams,
    SiteIn,
    SiteOut,
    SitePatch,
)


def _site_data(data: dict[str, Any]) -> dict[str, Any]:
    data = {key: value for key, value in data.items() if key != "override_location"}
    if data.get("country"):
        data["country"] = _country(data["country"])
    if data.get("commodities") is not None:
        data["commodities"] = _commodities(data["commodities"])
    for key in ("mining_methods", "processing_methods"):
        if data.get(key) is not None:
            data[key] = [str(value) for value in data[key]]
    for key in ("activity_status", "legal_status"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    return data


def _site_queryset(request: HttpRequest, filters: SiteFilterParams) -> Any:
    site_filters, bbox = _site_filters(filters)
    return _in_bbox(selectors.site_list(user=request.user, filters=site_filters), bbox)


@router.get("/sites", response=list[SiteOut], tags=["sites"])
@paginate(SiteLimitOffset)
@endpoint("registry.view")
def site_list(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Sites within your scope, with the web's filters, in order of registration."""
    return _site_queryset(request, filters).order_by("pk")


@router.get("/sites.geojson", tags=["sites"], throttle=export_throttles())
@endpoint("registry.view")
def site_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Sites within your scope as a GeoJSON FeatureCollection of points, with every field."""
    export = exports.sites_export(_site_queryset(request, filters), "geojson")
    return exports.export_response(export, attachment=False)


@router.get("/sites/footprints.geojson", tags=["sites"], throttle=export_throttles())
@endpoint("registry.view")
def site_footprints_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """The sites within your scope that have a footprint, as GeoJSON polygons with every field."""
    export = exports.sites_export(_site_queryset(request, filters), "geojson", footprints=True)
    return exports.export_response(export, attachment=False)


@router.get("/sites/export", tags=["sites", "exports"], throttle=export_throttles())
@endpoint("registry.view")
def site_export(
    request: HttpRequest, filters: Query[SiteFilterParams], format: ExportFormat = "csv"
):
    """Sites within your scope as a CSV, XLSX or GeoJSON download."""
    return exports.export_response(exports.sites_export(_site_queryset(request, filters), format))


@router.get("/sites/{site_id}", response=SiteOut, tags=["sites"])
@endpoint("registry.view")
def site_detail(request: HttpRequest, site_id: int):
    return selectors.site_get_for_user(user=request.user, pk=site_id)


@router.get("/sites/{site_id}/footprints", response=list[FootprintOut], tags=["sites"])
@paginate(LimitOffset)
@endpoint("registry.view")
def site_footprint_history(request: HttpRequest, site_id: int):
    """A site's footprints, latest first: drawn on the site, or surveyed on a visit."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    return selectors.site_footprints(site=site)


@router.post("/sites", response={201: SiteOut}, tags=["sites"])
@endpoint("registry.edit")
def site_create(request: HttpRequest, payload: SiteIn):
    """Register a site; a point outside the country needs override_location and a note."""
    site = services.site_create(
        actor=request.user,
        override_location=payload.override_location,
        **_site_data(payload.dict()),
    )
    return Status(201, selectors.site_get_for_user(user=request.user, pk=site.pk))


@router.patch("/sites/{site_id}", response=SiteOut, tags=["sites"])
@endpoint("registry.edit")
def site_update(request: HttpRequest, site_id: int, payload: SitePatch):
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    services.site_update(
        actor=request.user,
        site=site,
        override_location=payload.override_location,
        **_site_data(payload.dict(exclude_unset=True)),
    )
    return selectors.site_get_for_user(user=request.user, pk=site_id)


@router.post("/sites/{site_id}/merge", response=SiteOut, tags=["sites"])
@endpoint("registry.edit")
def site_merge(request: HttpRequest, site_id: int, payload: MergeIn):
    """Fold this site into another: its visits, production, operators and miners move over."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    into = _site_ref(request, payload.into, field="into")
    services.site_merge(actor=request.user, site=site, into=into)
    return selectors.site_get_for_user(user=request.user, pk=into.pk)


@router.post("/sites/{site_id}/dismiss-duplicate", response=SiteOut, tags=["sites"])
@endpoint("registry.edit")
def site_dismiss_duplicate(request: HttpRequest, site_id: int):
    """Mark a site flagged as a possible duplicate as checked: it is not one."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    services.site_duplicate_dismiss(actor=request.user, site=site)
    return selectors.site_get_for_user(user=request.user, pk=site_id)


@router.post("/sites/{site_id}/certifications", response={201: CertificationOut}, tags=["sites"])
@endpoint("registry.edit")
def site_certify(request: HttpRequest, site_id: int, payload: CertificationIn):
    """Record a regional certification decision (green, yellow, red or blue)."""
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    data = payload.dict()
    data["status"] = str(data["status"])
    return Status(201, services.site_certify(actor=request.user, site=site, **data))
