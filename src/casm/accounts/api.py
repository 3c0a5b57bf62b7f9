import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from casm.accounts import selectors, services
from casm.accounts.models import Organisation
from casm.core import permissions
from casm.core.api_router import Router
from casm.core.api_types import CountryCode, RecordId
from casm.core.models import Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import SIGNED_IN, Role, endpoint

router = Router(tags=["accounts"])


class RoleAssignmentOut(Schema):
    id: int
    role: Role
    countries: list[str] = Field(..., description="ISO alpha-2 codes of the role's countries")
    organisation: int | None = Field(None, description="The organisation the role is limited to")
    created_at: datetime.datetime

    @staticmethod
    def resolve_countries(assignment) -> list[str]:
        return sorted(country.alpha2 for country in assignment.countries.all())

    @staticmethod
    def resolve_organisation(assignment) -> int | None:
        return assignment.organisation_id


class RoleAssignmentIn(Schema):
    role: Role
    countries: list[CountryCode] = Field(default_factory=list, description="ISO alpha-2 codes")
    organisation: RecordId | None = None


class MeOut(Schema):
    username: str
    email: str
    first_name: str
    last_name: str
    roles: list[RoleAssignmentOut]
    organisation_id: int | None

    @staticmethod
    def resolve_roles(user) -> list:
        return list(selectors.role_assignment_list(user))


class UserOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    organisation: int | None
    language: str = Field(
        description="The language of the e-mails sent to the person; empty: the platform's default"
    )
    is_active: bool
    roles: list[RoleAssignmentOut]

    @staticmethod
    def resolve_organisation(user) -> int | None:
        return user.organisation_id

    @staticmethod
    def resolve_roles(user) -> list:
        return list(user.role_assignments.all())


class OrganisationOut(Schema):
    id: int
    name: str
    acronym: str
    kind: str
    country: str
    website: str
    contact_email: str
    created_at: datetime.datetime
    updated_at: datetime.datetime

    @staticmethod
    def resolve_country(organisation) -> str:
        return organisation.country.alpha2


class OrganisationIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    acronym: str = Field("", max_length=30)
    kind: Organisation.Kind
    country: CountryCode = Field(..., min_length=2, max_length=2, description="ISO alpha-2 code")
    website: str = ""
    contact_email: str = ""


class OrganisationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    acronym: str | None = Field(None, max_length=30)
    kind: Organisation.Kind | None = None
    country: CountryCode | None = Field(None, min_length=2, max_length=2)
    website: str | None = None
    contact_email: str | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="Shown once: keep it now.")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)


def _country(code: str) -> Country:
    from django.core.exceptions import ValidationError

    country = Country.objects.filter(alpha2=code.upper()).first()
    if country is None:
        raise ValidationError({"country": f"Unknown country code {code!r}."})
    return country


@router.get("/me", response=MeOut)
@endpoint(SIGNED_IN)
def me(request: HttpRequest):
    """Who you are signed in as, your role and your scope."""
    return request.user


@router.get("/users", response=list[UserOut], tags=["users"])
@paginate(LimitOffset)
@endpoint("users.manage")
def user_list(request: HttpRequest, search: str = "", role: Role | None = None):
    """Every account with its roles (administrators only)."""
    permissions.require(request.user, "users.manage")
    return selectors.user_list_for_user(request.user, search=search, role=role or "")


@router.get("/users/{user_id}/roles", response=list[RoleAssignmentOut], tags=["users"])
@paginate(LimitOffset)
@endpoint("users.manage")
def user_role_list(request: HttpRequest, user_id: int):
    """The roles a person holds, each with its scope (administrators only)."""
    person = selectors.user_get_for_user(request.user, user_id)
    return selectors.role_assignment_list(person)


@router.post("/users/{user_id}/roles", response={201: RoleAssignmentOut}, tags=["users"])
@endpoint("users.manage")
def user_role_assign(request: HttpRequest, user_id: int, payload: RoleAssignmentIn):
    """Give a person a role within countries and/or an organisation; a role they hold already
    gets the new scope. Audited."""
    person = selectors.user_get_for_user(request.user, user_id)
    organisation = None
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation).first()
        if organisation is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"organisation": _("Unknown organisation.")})
    assignment = services.role_assign(
        actor=request.user,
        user=person,
        role=payload.role,
        countries=[_country(code) for code in payload.countries],
        organisation=organisation,
    )
    return Status(201, selectors.role_assignment_list(person).get(pk=assignment.pk))


@router.delete("/users/{user_id}/roles/{assignment_id}", response={204: None}, tags=["users"])
@endpoint("users.manage")
def user_role_revoke(request: HttpRequest, user_id: int, assignment_id: int):
    """Take a role away (administrators only). Audited."""
    person = selectors.user_get_for_user(request.user, user_id)
    assignment = selectors.role_assignment_get_for_user(request.user, person, assignment_id)
    services.role_revoke(actor=request.user, assignment=assignment)
    return Status(204, None)


@router.get("/organisations", response=list[OrganisationOut], tags=["organisations"])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def organisation_list(
    request: HttpRequest, search: str = "", country: CountryCode = "", kind: str = ""
):
    """Organisations within your scope."""
    return selectors.organisation_list_for_user(
        request.user, search=search, country=country, kind=kind
    )


@router.get("/organisations/{organisation_id}", response=OrganisationOut, tags=["organisations"])
@endpoint(SIGNED_IN)
def organisation_detail(request: HttpRequest, organisation_id: int):
    return selectors.organisation_get_for_user(request.user, organisation_id)


@router.post("/organisations", response={201: OrganisationOut}, tags=["organisations"])
@endpoint("organisations.manage")
def organisation_create(request: HttpRequest, payload: OrganisationIn):
    data = payload.dict()
    data["country"] = _country(data["country"])
    return Status(201, services.organisation_create(actor=request.user, **data))


@router.patch("/organisations/{organisation_id}", response=OrganisationOut, tags=["organisations"])
@endpoint("organisations.manage")
def organisation_update(request: HttpRequest, organisation_id: int, payload: OrganisationPatch):
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    data = payload.dict(exclude_unset=True)
    if data.get("country"):
        data["country"] = _country(data["country"])
    return services.organisation_update(actor=request.user, organisation=organisation, **data)


@router.delete("/organisations/{organisation_id}", response={204: None}, tags=["organisations"])
@endpoint("organisations.manage")
def organisation_delete(request: HttpRequest, organisation_id: int):
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    services.organisation_delete(actor=request.user, organisation=organisation)
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut], tags=["tokens"])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def token_list(request: HttpRequest):
    """Your API tokens."""
    return selectors.api_token_list_for_user(request.user)


@router.post("/tokens", response={201: TokenCreated}, tags=["tokens"])
@endpoint(SIGNED_IN)
def token_create(request: HttpRequest, payload: TokenIn):
    token, raw = services.api_token_create(actor=request.user, name=payload.name)
    token.token = raw  # type: ignore[attr-defined]  # shown once, never stored
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response=TokenOut, tags=["tokens"])
@endpoint(SIGNED_IN)
def token_revoke(request: HttpRequest, token_id: int):
    token = selectors.api_token_get_for_user(request.user, token_id)
    return services.api_token_revoke(actor=request.user, token=token)
