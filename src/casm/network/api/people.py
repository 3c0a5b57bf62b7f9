"""People of the network and their expert profiles."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Status
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.network import selectors, services
from casm.network.api import router
from casm.network.api.schemas import (
    ExpertFilters,
    ExpertIn,
    ExpertOut,
    PersonFilters,
    PersonIn,
    PersonOut,
    PersonPatch,
    _countries,
    _organisation,
    _require_secretariat,
)


def _person_data(data: dict[str, Any]) -> dict[str, Any]:
    if "organisation" in data:
        data["organisation"] = _organisation("organisation", data["organisation"])
    if data.get("countries") is not None:
        data["countries"] = _countries("countries", data["countries"])
    return {k: v for k, v in data.items() if v is not None or k == "organisation"}


@router.get("/network/people", response=list[PersonOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def person_list(request: HttpRequest, filters: Query[PersonFilters]):
    """People with a public profile (everyone for the secretariat)."""
    return selectors.people_directory(
        user=request.user,
        q=filters.q,
        country=filters.country or None,
        kind=str(filters.kind) if filters.kind else None,
    ).prefetch_related("countries")


@router.get("/network/people/{person_id}", response=PersonOut)
@endpoint(PUBLIC)
def person_detail(request: HttpRequest, person_id: int):
    return selectors.person_get(user=request.user, pk=person_id)


@router.post("/network/people", response={201: PersonOut})
@endpoint("network.manage")
def person_create(request: HttpRequest, payload: PersonIn):
    _require_secretariat(request)
    person = services.person_create(actor=request.user, data=_person_data(payload.dict()))
    return Status(201, selectors.person_get(user=request.user, pk=person.pk))


@router.patch("/network/people/{person_id}", response=PersonOut)
@endpoint("network.manage")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch):
    _require_secretariat(request)
    person = selectors.person_get(user=request.user, pk=person_id)
    services.person_update(
        actor=request.user, person=person, data=_person_data(payload.dict(exclude_unset=True))
    )
    return selectors.person_get(user=request.user, pk=person_id)


@router.get("/network/experts", response=list[ExpertOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def expert_list(request: HttpRequest, filters: Query[ExpertFilters]):
    """The expert roster, filtered by theme, language, country and availability."""
    return selectors.expert_roster(
        user=request.user, **{k: v for k, v in filters.dict().items() if v}
    )


@router.put("/network/people/{person_id}/expert", response=ExpertOut)
@endpoint("network.manage")
def expert_save(request: HttpRequest, person_id: int, payload: ExpertIn):
    """Put a person on the expert roster, or change their entry (secretariat)."""
    _require_secretariat(request)
    person = selectors.person_get(user=request.user, pk=person_id)
    data = payload.dict()
    data["countries"] = _countries("countries", data["countries"])
    data["availability"] = str(data["availability"])
    profile = services.expert_profile_save(actor=request.user, person=person, data=data)
    return profile
