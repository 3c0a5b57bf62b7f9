import datetime

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import paginate

from casm.core import permissions, selectors, services
from casm.core.api_router import Router
from casm.core.api_types import CountryCode
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint

router = Router(tags=["reference data and jobs"])


class CountryOut(Schema):
    alpha2: str
    alpha3: str
    numeric: str
    name_en: str
    name_fr: str
    region_en: str
    subregion_en: str


class CommodityOut(Schema):
    code: str
    name_en: str
    name_fr: str
    name_es: str
    name_pt: str
    group: str
    hs_code: str
    unit: str


class AdminAreaOut(Schema):
    id: int
    country: str = Field(..., description="ISO alpha-2")
    level: int
    code: str = Field(..., description="The official code (e.g. a P-code)")
    name: str
    parent: str | None = Field(None, description="The code of the area it is part of")
    area_ha: float
    bbox: list[float] = Field(..., description="min longitude, min latitude, max lon, max lat")
    source: str

    @staticmethod
    def resolve_country(area) -> str:
        return area.country.alpha2

    @staticmethod
    def resolve_parent(area) -> str | None:
        return area.parent.code if area.parent_id else None

    @staticmethod
    def resolve_bbox(area) -> list[float]:
        return [area.min_x, area.min_y, area.max_x, area.max_y]


class AdminAreaDetailOut(AdminAreaOut):
    geometry: dict = Field(..., description="The boundary, GeoJSON in WGS 84")


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    progress: int
    total: int | None
    percent: int | None
    message: str
    result: dict
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_message(job) -> str:
        return job.said_message

    @staticmethod
    def resolve_result(job) -> dict:
        return job.said_result


class AuditEventOut(Schema):
    id: int
    at: datetime.datetime
    actor: str
    source: str
    ip_address: str | None
    action: str
    model: str
    object_id: str
    object: str
    changes: dict

    @staticmethod
    def resolve_actor(event) -> str:
        return event.actor_repr

    @staticmethod
    def resolve_object(event) -> str:
        return event.object_repr


@router.get("/countries", response=list[CountryOut], tags=["reference data"])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def country_list(request: HttpRequest, region: str = ""):
    """Every ISO 3166-1 country; filter by UN M49 region code (e.g. 002 for Africa)."""
    countries = selectors.country_list()
    return countries.filter(region_m49=region) if region else countries


@router.get("/commodities", response=list[CommodityOut], tags=["reference data"])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def commodity_list(request: HttpRequest):
    """The commodities of the sector, with HS code and default unit."""
    return selectors.commodity_list()


@router.get("/admin-areas", response=list[AdminAreaOut], tags=["reference data"])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def admin_area_list(
    request: HttpRequest, country: CountryCode = "", level: int | None = None, q: str = ""
):
    """Administrative areas with their official codes; boundaries one by one below."""
    return selectors.admin_area_list(country=country, level=level, q=q)


@router.get("/admin-areas/{area_id}", response=AdminAreaDetailOut, tags=["reference data"])
@endpoint(PUBLIC)
def admin_area_detail(request: HttpRequest, area_id: int):
    """One administrative area with its boundary."""
    from django.shortcuts import get_object_or_404

    from casm.core.models import AdminArea

    return get_object_or_404(AdminArea.objects.select_related("country", "parent"), pk=area_id)


@router.get("/jobs", response=list[JobOut], tags=["jobs"])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def job_list(request: HttpRequest, status: str = ""):
    """Your background jobs (all jobs, for administrators)."""
    jobs = selectors.job_list_for_user(request.user)
    return jobs.filter(status=status) if status else jobs


@router.get("/jobs/{job_id}", response=JobOut, tags=["jobs"])
@endpoint(SIGNED_IN)
def job_detail(request: HttpRequest, job_id: int):
    return selectors.job_get_for_user(request.user, job_id)


@router.post("/jobs/{job_id}/cancel", response=JobOut, tags=["jobs"])
@endpoint(SIGNED_IN)
def job_cancel(request: HttpRequest, job_id: int):
    job = selectors.job_get_for_user(request.user, job_id)
    return services.job_cancel(job=job, actor=request.user)


@router.get("/audit", response=list[AuditEventOut], tags=["audit"])
@paginate(LimitOffset)
@endpoint("audit.view")
def audit_event_list(
    request: HttpRequest,
    model: str = "",
    object_id: str = "",
    action: str = "",
    username: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
):
    """The audit trail, newest first (administrators only)."""
    permissions.require(request.user, "audit.view")
    return selectors.audit_event_list(
        username=username,
        model=model,
        object_id=object_id,
        action=action,
        date_from=date_from,
        date_to=date_to,
    )
