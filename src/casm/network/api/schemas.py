"""The network API's input and output schemas; output schemas read their models through
their resolvers, and the helpers turn a body's codes and ids into records."""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Field, Schema

from casm.accounts.models import Organisation
from casm.core.api_types import ApiName, CountryCode, NotNull, RecordId
from casm.core.models import Country
from casm.network import services
from casm.network.models import (
    Availability,
    ExpertProfile,
    NetworkMembership,
    Partnership,
    Person,
    Project,
    RegionalNetwork,
)

ProjectStatus = Annotated[Project.Status, ApiName("ProjectStatus")]


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

    @staticmethod
    def resolve_country(organisation: Organisation) -> str:
        return organisation.country.alpha2

    @staticmethod
    def resolve_countries_of_work(organisation: Organisation) -> list[str]:
        return _codes(organisation.countries_of_work)


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


class PersonOut(Schema):
    id: int
    name: str
    organisation: int | None
    bio: str
    countries: list[str]
    public_profile: bool
    email: str | None = Field(None, description="Only for the secretariat")
    phone: str | None = Field(None, description="Only for the secretariat")

    @staticmethod
    def resolve_organisation(person: Person) -> int | None:
        return person.organisation_id

    @staticmethod
    def resolve_countries(person: Person) -> list[str]:
        return _codes(person.countries)

    @staticmethod
    def resolve_email(person: Person, context: dict[str, Any]) -> str | None:
        return person.email if services.is_secretariat(context["request"].user) else None

    @staticmethod
    def resolve_phone(person: Person, context: dict[str, Any]) -> str | None:
        return person.phone if services.is_secretariat(context["request"].user) else None


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


class ExpertOut(Schema):
    person: int
    name: str
    themes: list[str]
    languages: list[str]
    countries: list[str]
    availability: str

    @staticmethod
    def resolve_person(expert: ExpertProfile) -> int:
        return expert.person_id

    @staticmethod
    def resolve_name(expert: ExpertProfile) -> str:
        return expert.person.name

    @staticmethod
    def resolve_countries(expert: ExpertProfile) -> list[str]:
        return _codes(expert.countries)


class ExpertFilters(Schema):
    q: str = ""
    theme: str = ""
    language: str = ""
    country: CountryCode = ""
    availability: str = ""


class ExpertIn(Schema):
    themes: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    countries: list[CountryCode] = Field(default_factory=list)
    availability: Availability = Availability.AVAILABLE


class MembershipOut(Schema):
    organisation: int = Field(..., alias="organisation_id")
    name: str = Field(..., alias="organisation.name")
    joined: datetime.date
    left: datetime.date | None


class RegionalNetworkOut(Schema):
    id: int
    name: str
    description: str
    members: list[MembershipOut]

    @staticmethod
    def resolve_members(network: RegionalNetwork) -> list[NetworkMembership]:
        return list(network.memberships.all())


class RegionalNetworkIn(Schema):
    name: str
    description: str = ""
    founded: int | None = None


class MembershipIn(Schema):
    organisation: RecordId
    joined: datetime.date
    left: datetime.date | None = None


class PartnershipOut(Schema):
    id: int
    name: str
    programme: str
    description: str
    organisations: list[int]
    start: datetime.date
    end: datetime.date | None

    @staticmethod
    def resolve_organisations(partnership: Partnership) -> list[int]:
        return sorted(o.pk for o in partnership.organisations.all())


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

    @staticmethod
    def resolve_lead_organisation(project: Project) -> int:
        return project.lead_organisation_id

    @staticmethod
    def resolve_partners(project: Project) -> list[int]:
        return sorted(o.pk for o in project.partners.all())

    @staticmethod
    def resolve_donors(project: Project) -> list[int]:
        return sorted(o.pk for o in project.donors.all())

    @staticmethod
    def resolve_countries(project: Project) -> list[str]:
        return _codes(project.countries)

    @staticmethod
    def resolve_budget(project: Project) -> str | None:
        return None if project.budget is None else str(project.budget)


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
