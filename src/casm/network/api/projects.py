"""Projects run by organisations of the network."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.network import selectors, services
from casm.network.api import router
from casm.network.api.schemas import (
    ProjectFilters,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    _countries,
    _organisation,
    _organisations,
    _require_secretariat,
)


def _project_data(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("lead_organisation") is not None:
        data["lead_organisation"] = _organisation("lead_organisation", data["lead_organisation"])
    for name in ("partners", "donors"):
        if data.get(name) is not None:
            data[name] = _organisations(name, data[name])
    if data.get("countries") is not None:
        data["countries"] = _countries("countries", data["countries"])
    if data.get("status") is not None:
        data["status"] = str(data["status"])
    nullable = {"budget", "start", "end"}
    return {k: v for k, v in data.items() if v is not None or k in nullable}


@router.get("/network/projects", response=list[ProjectOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def project_list(request: HttpRequest, filters: Query[ProjectFilters]):
    """Projects of the network, newest first."""
    projects = selectors.project_list(**{k: v for k, v in filters.dict().items() if v})
    return projects.prefetch_related("partners", "donors", "countries")


@router.get("/network/projects/{project_id}", response=ProjectOut)
@endpoint(PUBLIC)
def project_detail(request: HttpRequest, project_id: int):
    return selectors.project_get(project_id)


@router.post("/network/projects", response={201: ProjectOut})
@endpoint("network.manage")
def project_create(request: HttpRequest, payload: ProjectIn):
    """Record a project (secretariat): dates in order, a budget ≥ 0 with its currency."""
    _require_secretariat(request)
    project = services.project_create(actor=request.user, data=_project_data(payload.dict()))
    return Status(201, selectors.project_get(project.pk))


@router.patch("/network/projects/{project_id}", response=ProjectOut)
@endpoint("network.manage")
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatch):
    _require_secretariat(request)
    services.project_update(
        actor=request.user,
        project=selectors.project_get(project_id),
        data=_project_data(payload.dict(exclude_unset=True)),
    )
    return selectors.project_get(project_id)
