"""The network's API: the directory of organisations, people, experts, regional networks,
partnerships and projects.

Reads are open to anyone for what the public directory shows (listed organisations, public
profiles); people's contact details are returned only to the secretariat, who also sees
everyone and is the only one to write. Countries are ISO alpha-2 codes, themes and languages
codes, organisations ids; money is a decimal string with its ISO 4217 currency.
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.accounts.models import Organisation
from casm.core.api_router import Router
from casm.core.api_types import ApiName, CountryCode, NotNull, RecordId
from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.network import selectors, services
from casm.network.models import (
    Availability,
    ExpertProfile,
    Partnership,
    Person,
    Project,
    RegionalNetwork,
)

ProjectStatus = Annotated[Project.Status, ApiName("ProjectStatus")]

router = Router(tags=["network"])


def _require_secretariat(request: HttpRequest) -> None:
    if not services.is_secretariat(request.user):
        raise PermissionDenied("Only the secretariat keeps the network directory.")


def _countries(field: str, codes: list[str] | None) -> list[Country]:
    wanted = {code.upper() for code in codes or []}
    found = list(Country.objects.filter(alpha2__in=wanted))
    unknown = wanted - {c.alpha2 for c in found}
    if unknown:
        raise ValidationError({field: [f"Unknown country: {', '.join(sorted(unknown))}."]})
    return found


def _country(field: str, code: str) -> Country:
    return _countries(field, [code])[0]


def _organisations(field: str, ids: list[int] | None) -> list[Organisation]:
    wanted = set(ids or [])
    found = list(Organisation.objects.filter(pk__in=wanted))
    unknown = wanted - {o.pk for o in found}
    if unknown:
        raise ValidationError(
            {field: [f"Unknown organisation: {', '.join(map(str, sorted(unknown)))}."]}
        )
    return found


def _organisation(field: str, pk: int | None) -> Organisation | None:
    return None if pk is None else _organisations(field, [pk])[0]


def _codes(countries: Any) -> list[str]:
    return sorted(c.alpha2 for c in countries.all())


# --- Organisations --------------------------------------------------------------------------


class NetworkOrganisationOut(Schema):
    id: int
    name: str
    acronym: str
    kind: str
    country: str
    countries_of_work: list[str]
    website: str
    description: str
    is_network_member: bool


def _organisation_out(o: Organisation) -> dict[str, Any]:
    return {
        "id": o.pk,
        "name": o.name,
        "acronym": o.acronym,
        "kind": o.kind,
        "country": o.country.alpha2,
        "countries_of_work": _codes(o.countries_of_work),
        "website": o.website,
        "description": o.description,
        "is_network_member": o.is_network_member,
    }


class OrganisationFilters(Schema):
    q: str = ""
    kind: Organisation.Kind | None = None
    country: CountryCode = Field("", description="ISO alpha-2: based or working there")
    theme: str = Field("", description="Theme code of its projects")


class NetworkOrganisationIn(Schema):
    name: str
    acronym: str = ""
    kind: Organisation.Kind
    country: CountryCode
    website: str = ""
    contact_email: str = ""
    countries_of_work: list[CountryCode] = Field(default_factory=list)
    description: str = ""
    is_network_member: bool = True


class NetworkOrganisationPatch(Schema):
    name: str | None = None
    acronym: str | None = None
    kind: Organisation.Kind | None = None
    country: CountryCode | None = None
    website: str | None = None
    contact_email: str | None = None
    countries_of_work: NotNull[list[CountryCode]] = None
    description: str | None = None
    is_network_member: bool | None = None


def _organisation_data(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("country") is not None:
        data["country"] = _country("country", data["country"])
    if data.get("countries_of_work") is not None:
        data["countries_of_work"] = _countries("countries_of_work", data["countries_of_work"])
    if data.get("kind") is not None:
        data["kind"] = str(data["kind"])
    return {k: v for k, v in data.items() if v is not None}


class OrganisationPage(LimitOffset):
    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: Any = None, **params: Any
    ) -> dict[str, Any]:  # type: ignore[override]
        page = super().paginate_queryset(
            queryset.prefetch_related("countries_of_work"), pagination, request=request, **params
        )
        page["items"] = [_organisation_out(o) for o in page["items"]]
        return page


@router.get("/network/organisations", response=list[NetworkOrganisationOut])
@paginate(OrganisationPage)
@endpoint(PUBLIC)
def organisation_list(request: HttpRequest, filters: Query[OrganisationFilters]):
    """Organisations in the directory (the secretariat also sees unlisted ones)."""
    return selectors.organisation_directory(
        user=request.user,
        q=filters.q,
        kind=str(filters.kind) if filters.kind else None,
        country=filters.country or None,
        theme=filters.theme or None,
    )


@router.get("/network/organisations/{organisation_id}", response=NetworkOrganisationOut)
@endpoint(PUBLIC)
def organisation_detail(request: HttpRequest, organisation_id: int):
    return _organisation_out(selectors.organisation_get(user=request.user, pk=organisation_id))


@router.post("/network/organisations", response={201: NetworkOrganisationOut})
@endpoint("network.manage")
def organisation_create(request: HttpRequest, payload: NetworkOrganisationIn):
    """Add an organisation (secretariat)."""
    _require_secretariat(request)
    organisation = services.network_organisation_create(
        actor=request.user, data=_organisation_data(payload.dict())
    )
    return Status(201, _organisation_out(organisation))


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
    return _organisation_out(selectors.organisation_get(user=request.user, pk=organisation_id))


# --- People and experts ---------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    organisation: int | None
    bio: str
    countries: list[str]
    public_profile: bool
    email: str | None = Field(None, description="Only for the secretariat")
    phone: str | None = Field(None, description="Only for the secretariat")


def _person_out(request: HttpRequest, p: Person) -> dict[str, Any]:
    private = services.is_secretariat(request.user)
    return {
        "id": p.pk,
        "name": p.name,
        "organisation": p.organisation_id,
        "bio": p.bio,
        "countries": _codes(p.countries),
        "public_profile": p.public_profile,
        "email": p.email if private else None,
        "phone": p.phone if private else None,
    }


class PersonFilters(Schema):
    q: str = ""
    country: CountryCode = ""
    kind: Organisation.Kind | None = None


class PersonIn(Schema):
    name: str
    organisation: RecordId | None = None
    email: str = ""
    phone: str = ""
    public_profile: bool = False
    bio: str = ""
    countries: list[CountryCode] = Field(default_factory=list)


class PersonPatch(Schema):
    name: str | None = None
    organisation: RecordId | None = None
    email: str | None = None
    phone: str | None = None
    public_profile: bool | None = None
    bio: str | None = None
    countries: NotNull[list[CountryCode]] = None


def _person_data(data: dict[str, Any]) -> dict[str, Any]:
    if "organisation" in data:
        data["organisation"] = _organisation("organisation", data["organisation"])
    if data.get("countries") is not None:
        data["countries"] = _countries("countries", data["countries"])
    return {k: v for k, v in data.items() if v is not None or k == "organisation"}


class PersonPage(LimitOffset):
    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: Any = None, **params: Any
    ) -> dict[str, Any]:  # type: ignore[override]
        page = super().paginate_queryset(
            queryset.prefetch_related("countries"), pagination, request=request, **params
        )
        page["items"] = [_person_out(request, p) for p in page["items"]]
        return page


@router.get("/network/people", response=list[PersonOut])
@paginate(PersonPage)
@endpoint(PUBLIC)
def person_list(request: HttpRequest, filters: Query[PersonFilters]):
    """People with a public profile (everyone for the secretariat)."""
    return selectors.people_directory(
        user=request.user,
        q=filters.q,
        country=filters.country or None,
        kind=str(filters.kind) if filters.kind else None,
    )


@router.get("/network/people/{person_id}", response=PersonOut)
@endpoint(PUBLIC)
def person_detail(request: HttpRequest, person_id: int):
    return _person_out(request, selectors.person_get(user=request.user, pk=person_id))


@router.post("/network/people", response={201: PersonOut})
@endpoint("network.manage")
def person_create(request: HttpRequest, payload: PersonIn):
    _require_secretariat(request)
    person = services.person_create(actor=request.user, data=_person_data(payload.dict()))
    return Status(201, _person_out(request, selectors.person_get(user=request.user, pk=person.pk)))


@router.patch("/network/people/{person_id}", response=PersonOut)
@endpoint("network.manage")
def person_update(request: HttpRequest, person_id: int, payload: PersonPatch):
    _require_secretariat(request)
    person = selectors.person_get(user=request.user, pk=person_id)
    services.person_update(
        actor=request.user, person=person, data=_person_data(payload.dict(exclude_unset=True))
    )
    return _person_out(request, selectors.person_get(user=request.user, pk=person_id))


class ExpertOut(Schema):
    person: int
    name: str
    themes: list[str]
    languages: list[str]
    countries: list[str]
    availability: str


class ExpertFilters(Schema):
    q: str = ""
    theme: str = ""
    language: str = ""
    country: CountryCode = ""
    availability: str = ""


class ExpertPage(LimitOffset):
    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: Any = None, **params: Any
    ) -> dict[str, Any]:  # type: ignore[override]
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        page["items"] = [_expert_out(e) for e in page["items"]]
        return page


def _expert_out(e: ExpertProfile) -> dict[str, Any]:
    return {
        "person": e.person_id,
        "name": e.person.name,
        "themes": e.themes,
        "languages": e.languages,
        "countries": _codes(e.countries),
        "availability": e.availability,
    }


@router.get("/network/experts", response=list[ExpertOut])
@paginate(ExpertPage)
@endpoint(PUBLIC)
def expert_list(request: HttpRequest, filters: Query[ExpertFilters]):
    """The expert roster, filtered by theme, language, country and availability."""
    return selectors.expert_roster(
        user=request.user, **{k: v for k, v in filters.dict().items() if v}
    )


class ExpertIn(Schema):
    themes: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    countries: list[CountryCode] = Field(default_factory=list)
    availability: Availability = Availability.AVAILABLE


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
    return _expert_out(profile)


# --- Regional networks and partnerships -----------------------------------------------------


class MembershipOut(Schema):
    organisation: int
    name: str
    joined: datetime.date
    left: datetime.date | None


class RegionalNetworkOut(Schema):
    id: int
    name: str
    description: str
    members: list[MembershipOut]


def _network_out(n: RegionalNetwork) -> dict[str, Any]:
    return {
        "id": n.pk,
        "name": n.name,
        "description": n.description,
        "members": [
            {
                "organisation": m.organisation_id,
                "name": m.organisation.name,
                "joined": m.joined,
                "left": m.left,
            }
            for m in n.memberships.all()
        ],
    }


@router.get("/network/regional-networks", response=list[RegionalNetworkOut])
@endpoint(PUBLIC)
def regional_network_list(request: HttpRequest):
    """The regional networks with their memberships over time."""
    return [_network_out(n) for n in selectors.regional_networks()]


@router.get("/network/regional-networks/{network_id}", response=RegionalNetworkOut)
@endpoint(PUBLIC)
def regional_network_detail(request: HttpRequest, network_id: int):
    return _network_out(selectors.regional_network_get(network_id))


class RegionalNetworkIn(Schema):
    name: str
    description: str = ""
    founded: int | None = None


@router.post("/network/regional-networks", response={201: RegionalNetworkOut})
@endpoint("network.manage")
def regional_network_create(request: HttpRequest, payload: RegionalNetworkIn):
    _require_secretariat(request)
    network = services.regional_network_create(actor=request.user, data=payload.dict())
    return Status(201, _network_out(selectors.regional_network_get(network.pk)))


class MembershipIn(Schema):
    organisation: RecordId
    joined: datetime.date
    left: datetime.date | None = None


@router.post(
    "/network/regional-networks/{network_id}/memberships", response={201: RegionalNetworkOut}
)
@endpoint("network.manage")
def membership_create(request: HttpRequest, network_id: int, payload: MembershipIn):
    """An organisation joins a regional network (secretariat); memberships cannot overlap."""
    _require_secretariat(request)
    network = selectors.regional_network_get(network_id)
    services.membership_create(
        actor=request.user,
        data={
            "network": network,
            "organisation": _organisation("organisation", payload.organisation),
            "joined": payload.joined,
            "left": payload.left,
        },
    )
    return Status(201, _network_out(selectors.regional_network_get(network_id)))


class PartnershipOut(Schema):
    id: int
    name: str
    programme: str
    description: str
    organisations: list[int]
    start: datetime.date
    end: datetime.date | None


class PartnershipIn(Schema):
    name: str
    programme: str = ""
    description: str = ""
    organisations: list[RecordId] = Field(default_factory=list)
    start: datetime.date
    end: datetime.date | None = None


class PartnershipPatch(Schema):
    name: str | None = None
    programme: str | None = None
    description: str | None = None
    organisations: NotNull[list[RecordId]] = None
    start: datetime.date | None = None
    end: datetime.date | None = None


def _partnership_out(p: Partnership) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "programme": p.programme,
        "description": p.description,
        "organisations": sorted(o.pk for o in p.organisations.all()),
        "start": p.start,
        "end": p.end,
    }


def _partnership_data(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("organisations") is not None:
        data["organisations"] = _organisations("organisations", data["organisations"])
    return {k: v for k, v in data.items() if v is not None or k == "end"}


def _partnership_get(pk: int) -> Partnership:
    partnership = selectors.partnership_list().filter(pk=pk).first()
    if partnership is None:
        raise Http404
    return partnership


@router.get("/network/partnerships", response=list[PartnershipOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def partnership_list(request: HttpRequest):
    return [_partnership_out(p) for p in selectors.partnership_list()]


@router.get("/network/partnerships/{partnership_id}", response=PartnershipOut)
@endpoint(PUBLIC)
def partnership_detail(request: HttpRequest, partnership_id: int):
    return _partnership_out(_partnership_get(partnership_id))


@router.post("/network/partnerships", response={201: PartnershipOut})
@endpoint("network.manage")
def partnership_create(request: HttpRequest, payload: PartnershipIn):
    _require_secretariat(request)
    p = services.partnership_create(actor=request.user, data=_partnership_data(payload.dict()))
    return Status(201, _partnership_out(_partnership_get(p.pk)))


@router.patch("/network/partnerships/{partnership_id}", response=PartnershipOut)
@endpoint("network.manage")
def partnership_update(request: HttpRequest, partnership_id: int, payload: PartnershipPatch):
    _require_secretariat(request)
    services.partnership_update(
        actor=request.user,
        partnership=_partnership_get(partnership_id),
        data=_partnership_data(payload.dict(exclude_unset=True)),
    )
    return _partnership_out(_partnership_get(partnership_id))


# --- Projects -------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    title: str
    lead_organisation: int
    partners: list[int]
    donors: list[int]
    countries: list[str]
    themes: list[str]
    budget: str | None
    currency: str
    start: datetime.date | None
    end: datetime.date | None
    status: str
    outputs: str


class ProjectFilters(Schema):
    q: str = ""
    country: CountryCode = ""
    theme: str = ""
    status: str = ""


class ProjectIn(Schema):
    title: str
    lead_organisation: RecordId
    partners: list[RecordId] = Field(default_factory=list)
    donors: list[RecordId] = Field(default_factory=list)
    countries: list[CountryCode] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    budget: Decimal | None = None
    currency: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None
    status: ProjectStatus = Project.Status.PLANNED
    outputs: str = ""


class ProjectPatch(Schema):
    title: str | None = None
    lead_organisation: RecordId | None = None
    partners: NotNull[list[RecordId]] = None
    donors: NotNull[list[RecordId]] = None
    countries: NotNull[list[CountryCode]] = None
    themes: NotNull[list[str]] = None
    budget: Decimal | None = None
    currency: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    status: ProjectStatus | None = None
    outputs: str | None = None


def _project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "lead_organisation": p.lead_organisation_id,
        "partners": sorted(o.pk for o in p.partners.all()),
        "donors": sorted(o.pk for o in p.donors.all()),
        "countries": _codes(p.countries),
        "themes": p.themes,
        "budget": None if p.budget is None else str(p.budget),
        "currency": p.currency,
        "start": p.start,
        "end": p.end,
        "status": p.status,
        "outputs": p.outputs,
    }


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


class ProjectPage(LimitOffset):
    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: Any = None, **params: Any
    ) -> dict[str, Any]:  # type: ignore[override]
        queryset = queryset.prefetch_related("partners", "donors", "countries")
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        page["items"] = [_project_out(p) for p in page["items"]]
        return page


@router.get("/network/projects", response=list[ProjectOut])
@paginate(ProjectPage)
@endpoint(PUBLIC)
def project_list(request: HttpRequest, filters: Query[ProjectFilters]):
    """Projects of the network, newest first."""
    return selectors.project_list(**{k: v for k, v in filters.dict().items() if v})


@router.get("/network/projects/{project_id}", response=ProjectOut)
@endpoint(PUBLIC)
def project_detail(request: HttpRequest, project_id: int):
    return _project_out(selectors.project_get(project_id))


@router.post("/network/projects", response={201: ProjectOut})
@endpoint("network.manage")
def project_create(request: HttpRequest, payload: ProjectIn):
    """Record a project (secretariat): dates in order, a budget ≥ 0 with its currency."""
    _require_secretariat(request)
    project = services.project_create(actor=request.user, data=_project_data(payload.dict()))
    return Status(201, _project_out(selectors.project_get(project.pk)))


@router.patch("/network/projects/{project_id}", response=ProjectOut)
@endpoint("network.manage")
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatch):
    _require_secretariat(request)
    services.project_update(
        actor=request.user,
        project=selectors.project_get(project_id),
        data=_project_data(payload.dict(exclude_unset=True)),
    )
    return _project_out(selectors.project_get(project_id))
