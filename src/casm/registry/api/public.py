"""Sites for anyone: public fields only (no people, no contacts)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query
from ninja.pagination import paginate

from casm.core.permissions import PUBLIC, endpoint
from casm.core.throttling import export_throttles
from casm.registry import exports, selectors
from casm.registry.api import router
from casm.registry.api.lookups import SiteLimitOffset, _in_bbox, _site_filters
from casm.registry.api.schemas import ExportFormat, PublicSiteOut, SiteFilterParams


def _public_queryset(filters: SiteFilterParams) -> Any:
    site_filters, bbox = _site_filters(filters)
    return _in_bbox(selectors.public_site_list(filters=site_filters), bbox)


@router.get("/public/sites", response=list[PublicSiteOut], tags=["public"])
@paginate(SiteLimitOffset)
@endpoint(PUBLIC)
def public_site_list(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Every site, public fields only (no people, no contacts), for anyone."""
    return _public_queryset(filters).order_by("pk")


@router.get("/public/sites.geojson", tags=["public"], throttle=export_throttles())
@endpoint(PUBLIC)
def public_site_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Every site as GeoJSON points with public fields only, for anyone."""
    export = exports.sites_export(_public_queryset(filters), "geojson", public=True)
    return exports.export_response(export, attachment=False)


@router.get("/public/sites/footprints.geojson", tags=["public"], throttle=export_throttles())
@endpoint(PUBLIC)
def public_site_footprints_geojson(request: HttpRequest, filters: Query[SiteFilterParams]):
    """Every site with a footprint as GeoJSON polygons, public fields only, for anyone."""
    export = exports.sites_export(
        _public_queryset(filters), "geojson", public=True, footprints=True
    )
    return exports.export_response(export, attachment=False)


@router.get("/public/sites/export", tags=["public", "exports"], throttle=export_throttles())
@endpoint(PUBLIC)
def public_site_export(
    request: HttpRequest, filters: Query[SiteFilterParams], format: ExportFormat = "csv"
):
    """Every site as a CSV, XLSX or GeoJSON download, public fields only."""
    export = exports.sites_export(_public_queryset(filters), format, public=True)
    return exports.export_response(export)
