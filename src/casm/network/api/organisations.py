"""The network's directory of organisations."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.network import selectors, services
from casm.network.api import router
from casm.network.api.schemas import (
    NetworkOrganisationIn,
    NetworkOrganisationOut,
    NetworkOrganisationPatch,
    OrganisationFilters,
    _countries,
    _require_secretariat,
)


def _country(field: str, code: str) -> Country:
    return _countries(field, [code])[0]


def _organisation_data(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("country") is not None:
        data["country"] = _country("country", data["country"])
    if data.get("countries_of_work") is not None:
        data["countries_of_work"] = _countries("countries_of_work", data["countries_of_work"])
    if data.get("kind") is not None:
        data["kind"] = str(data["kind"])
    return {k: v for k, v in data.items() if v is not None}


@router.get("/network/organisations", response=list[NetworkOrganisationOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def organisation_list(request: HttpRequest, filters: Query[OrganisationFilters]):
    """Organisations in the directory (the secretariat also sees unlisted ones)."""
    return selectors.organisation_directory(
        user=request.user,
        q=filters.q,
        kind=str(filters.kind) if filters.kind else None,
        country=filters.country or None,
        theme=filters.theme or None,
    ).prefetch_related("countries_of_work")


@router.get("/network/organisations/{organisation_id}", response=NetworkOrganisationOut)
@endpoint(PUBLIC)
def organisation_detail(request: HttpRequest, organisation_id: int):
    return selectors.organisation_get(user=request.user, pk=organisation_id)


@router.post("/network/organisations", response={201: NetworkOrganisationOut})
@endpoint("network.manage")
def organisation_create(request: HttpRequest, payload: NetworkOrganisationIn):
    """Add an organisation (secretariat)."""
    _require_secretariat(request)
    organisation = services.network_organisation_create(
        actor=request.user, data=_organisation_data(payload.dict())
    )
    return Status(201, organisation)


@router.patch("/network/organisations/{organisation_id}", response=NetworkOrganisationOut)
@endpoint("network.manage")
def organisation_update(
    request: HttpRequest, organisation_id: int, payload: NetworkOrganisationPatch
):
    _require_secretariat(request)
    organisation = selectors.organisation_get(user=request.user, pk=organisation_id)
    services.network_organisation_update(
        actor=request.user,
        organisation=organisation,
        data=_organisation_data(payload.dict(exclude_unset=True)),
    )
    return selectors.organisation_get(user=request.user, pk=organisation_id)
