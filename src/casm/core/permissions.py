"""Permissions in one place: what each role may do, and where.

A user holds any number of *role assignments* (``accounts.RoleAssignment``), each with its own
scope: a set of countries and/or one organisation. A *capability* is something the platform
lets people do ("edit the registry", "decide licence applications"); the table below says which
roles hold it and what kind of scope it is checked against:

- ``COUNTRY``: the record's country must be one of the assignment's countries;
- ``ORGANISATION``: the record's organisation must be the assignment's organisation;
- ``GLOBAL``: holding the role is enough (library editors, grants reviewers).

Administrators hold every capability everywhere. ``actor=None`` is *the system*: the platform
acting by itself (migrations, demo data, commands run by the operator); it may do everything,
in every app. A deactivated or anonymous user holds nothing.

Services call :func:`require` before they write; selectors pass querysets through
:func:`scope_queryset`; views and templates ask :func:`can` (the ``can`` template filter). A
refusal is a ``PermissionDenied`` with the capability's one message; an object outside the
user's scope is simply not found (404), in the web and the API alike.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

M = TypeVar("M", bound=models.Model)


class Role(models.TextChoices):
    """Every role of the platform; a user may hold several, each with its own scope."""

    ADMINISTRATOR = "administrator", _("administrator")
    DATA_OFFICER = "data_officer", _("data officer")
    LICENSING_OFFICER = "licensing_officer", _("licensing officer")
    INSPECTOR = "inspector", _("inspector")
    ENVIRONMENT_OFFICER = "environment_officer", _("environment and health officer")
    SUPPLY_CHAIN_ACTOR = "supply_chain_actor", _("supply-chain actor")
    GRANTS_REVIEWER = "grants_reviewer", _("grants reviewer")
    LIBRARY_EDITOR = "library_editor", _("library editor")
    MEMBER = "member", _("member")


class Scope(enum.Enum):
    COUNTRY = "country"
    ORGANISATION = "organisation"
    GLOBAL = "global"


@dataclass(frozen=True)
class Capability:
    code: str
    scope: Scope
    roles: frozenset[str]
    # The one message a refusal shows; "outside your scope" is shared by all.
    refusal: Promise


R = Role
# Roles that work within countries see those countries' registry (sites, visits, operators,
# miners, production) and organisations.
COUNTRY_ROLES = frozenset(
    {R.DATA_OFFICER, R.LICENSING_OFFICER, R.INSPECTOR, R.ENVIRONMENT_OFFICER, R.MEMBER}
)

# Roles that act for one organisation: their assignment names it.
ORGANISATION_ROLES = frozenset({R.SUPPLY_CHAIN_ACTOR})

CAPABILITIES: dict[str, Capability] = {
    c.code: c
    for c in [
        # Registry and field data
        Capability(
            "registry.view",
            Scope.COUNTRY,
            COUNTRY_ROLES,
            _("Your roles do not give you access to the registry."),
        ),
        Capability(
            "registry.edit",
            Scope.COUNTRY,
            frozenset({R.DATA_OFFICER}),
            _("Only administrators and data officers edit the registry."),
        ),
        Capability(
            "registry.import",
            Scope.COUNTRY,
            frozenset({R.DATA_OFFICER}),
            _("Only administrators and data officers import field data."),
        ),
        Capability(
            "estimates.edit",
            Scope.COUNTRY,
            frozenset({R.DATA_OFFICER}),
            _("Only administrators and data officers edit estimates."),
        ),
        # Organisations
        Capability(
            "organisations.view",
            Scope.COUNTRY,
            COUNTRY_ROLES,
            _("Your roles do not give you access to these organisations."),
        ),
        Capability(
            "organisations.manage",
            Scope.COUNTRY,
            frozenset({R.DATA_OFFICER}),
            _("Only administrators and data officers manage organisations."),
        ),
        # Knowledge and network
        Capability(
            "library.edit",
            Scope.GLOBAL,
            frozenset({R.LIBRARY_EDITOR}),
            _("Only library editors may do this."),
        ),
        Capability(
            "network.manage",
            Scope.GLOBAL,
            frozenset(),
            _("Only the secretariat keeps the network directory."),
        ),
        Capability(
            "events.manage", Scope.GLOBAL, frozenset(), _("Only the secretariat may do this.")
        ),
        Capability(
            "grants.manage", Scope.GLOBAL, frozenset(), _("Only the secretariat may do this.")
        ),
        Capability(
            "grants.review",
            Scope.GLOBAL,
            frozenset({R.GRANTS_REVIEWER}),
            _("Only grants reviewers review proposals."),
        ),
        # The platform itself
        Capability(
            "users.manage", Scope.GLOBAL, frozenset(), _("Only administrators manage users.")
        ),
        Capability(
            "audit.view", Scope.GLOBAL, frozenset(), _("Only administrators read the audit trail.")
        ),
        Capability(
            "reference.manage",
            Scope.GLOBAL,
            frozenset(),
            _("Only administrators change reference data."),
        ),
        Capability(
            "jobs.view_all", Scope.GLOBAL, frozenset(), _("Only administrators see every job.")
        ),
        # The governance and performance apps to come
        Capability(
            "licensing.view",
            Scope.COUNTRY,
            frozenset({R.LICENSING_OFFICER, R.DATA_OFFICER}),
            _("Your roles do not give you access to licence applications."),
        ),
        Capability(
            "licensing.decide",
            Scope.COUNTRY,
            frozenset({R.LICENSING_OFFICER}),
            _("Only licensing officers decide licence applications."),
        ),
        Capability(
            "licensing.layers",
            Scope.COUNTRY,
            frozenset({R.LICENSING_OFFICER}),
            _("Only licensing officers load the cadastre's layers."),
        ),
        Capability(
            "traceability.inspect",
            Scope.COUNTRY,
            frozenset({R.INSPECTOR}),
            _("Only inspectors inspect sites and validate exports."),
        ),
        Capability(
            "traceability.trade",
            Scope.ORGANISATION,
            frozenset({R.SUPPLY_CHAIN_ACTOR}),
            _("Only supply-chain actors record lots for their organisation."),
        ),
        Capability(
            "incidents.handle",
            Scope.COUNTRY,
            frozenset({R.INSPECTOR, R.DATA_OFFICER, R.ENVIRONMENT_OFFICER}),
            _(
                "Only inspectors, data officers and environment and health officers handle "
                "incidents."
            ),
        ),  # fmt: skip
        Capability(
            "monitoring.edit",
            Scope.COUNTRY,
            frozenset({R.ENVIRONMENT_OFFICER, R.DATA_OFFICER}),
            _("Only environment and health officers and data officers record monitoring data."),
        ),
    ]
}

OUTSIDE_SCOPE = _("This country is outside your scope.")
OUTSIDE_ORGANISATION = _("This organisation is outside your scope.")
SIGN_IN = _("Sign in first.")


def capability(code: str) -> Capability:
    """The capability named ``code``; an unknown name is a programming error."""
    try:
        return CAPABILITIES[code]
    except KeyError:
        raise LookupError(f"unknown capability {code!r}") from None


def roles_with(code: str) -> frozenset[str]:
    """The roles holding capability ``code`` (administrators hold every one besides)."""
    return capability(code).roles


# --- Who holds what ----------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One role assignment as the checks read it."""

    role: str
    country_ids: frozenset[int]
    organisation_id: int | None


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_administrator(user: Any) -> bool:
    """Administrators (and superusers) hold every capability; the system is not a user."""
    if not is_signed_in(user):
        return False
    return bool(user.is_superuser) or any(g.role == Role.ADMINISTRATOR for g in grants_of(user))


def grants_of(user: Any) -> list[Grant]:
    """The user's role assignments, read once per request (kept on the user object)."""
    if not is_signed_in(user):
        return []
    cached = getattr(user, "_casm_grants", None)
    if cached is None:
        countries: dict[int, set[int]] = {}
        rows = list(user.role_assignments.values_list("pk", "role", "organisation_id"))
        through = user.role_assignments.model.countries.through
        for assignment_id, country_id in through.objects.filter(
            roleassignment__user=user
        ).values_list("roleassignment_id", "country_id"):
            countries.setdefault(assignment_id, set()).add(country_id)
        cached = [
            Grant(role, frozenset(countries.get(pk, ())), organisation_id)
            for pk, role, organisation_id in rows
        ]
        user._casm_grants = cached
    return cached


def forget_grants(user: Any) -> None:
    """Drop what :func:`grants_of` kept, after the user's roles changed."""
    if user is not None and hasattr(user, "_casm_grants"):
        del user._casm_grants


def _holding(user: Any, code: str) -> list[Grant]:
    roles = capability(code).roles
    return [g for g in grants_of(user) if g.role in roles]


def country_ids_for(user: Any, code: str) -> set[int] | None:
    """The countries where ``user`` holds capability ``code``; None means every country."""
    if user is None or is_administrator(user):
        return None
    ids: set[int] = set()
    for grant in _holding(user, code):
        ids |= grant.country_ids
    return ids


def organisation_ids_for(user: Any, code: str) -> set[int] | None:
    """The organisations for which ``user`` holds ``code``; None means every organisation."""
    if user is None or is_administrator(user):
        return None
    return {g.organisation_id for g in _holding(user, code) if g.organisation_id is not None}


def _pk(value: Any) -> int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else value.pk


def _refusal(actor: Any, code: str, *, country: Any = None, organisation: Any = None) -> Any:
    """Why ``actor`` may not use ``code`` here (a message), or None when it may."""
    cap = capability(code)
    if actor is None or is_administrator(actor):
        return None
    if not is_signed_in(actor):
        return SIGN_IN
    held = _holding(actor, code)
    if cap.scope is Scope.COUNTRY:
        reachable = set().union(*(g.country_ids for g in held)) if held else set()
        if not held:
            return cap.refusal
        if country is None:
            # "Somewhere": the capability in at least one country.
            return None if reachable else OUTSIDE_SCOPE
        return None if _pk(country) in reachable else OUTSIDE_SCOPE
    if cap.scope is Scope.ORGANISATION:
        if not held:
            return cap.refusal
        mine = {g.organisation_id for g in held if g.organisation_id is not None}
        if organisation is None:
            return None if mine else OUTSIDE_ORGANISATION
        return None if _pk(organisation) in mine else OUTSIDE_ORGANISATION
    return None if held else cap.refusal


def can(actor: Any, code: str, *, country: Any = None, organisation: Any = None) -> bool:
    """Whether ``actor`` may use capability ``code`` for this country or organisation.

    Without a country (or organisation) for a scoped capability: whether the actor holds it
    somewhere, e.g. to show a "new site" button.
    """
    return _refusal(actor, code, country=country, organisation=organisation) is None


def require(actor: Any, code: str, *, country: Any = None, organisation: Any = None) -> None:
    """Raise ``PermissionDenied`` with the one message for this refusal, unless ``can``."""
    message = _refusal(actor, code, country=country, organisation=organisation)
    if message is not None:
        raise PermissionDenied(str(message))


def require_change(
    actor: Any,
    code: str,
    *,
    instance: models.Model,
    data: dict[str, Any],
    country_field: str | None = "country",
    organisation_field: str | None = None,
) -> None:
    """Check a write that may move ``instance`` to another country or organisation.

    The actor needs the capability for the record's current country (and organisation) and,
    when ``data`` changes them, for the new ones too: moving a record is giving it away.
    """
    for field, kind in ((country_field, "country"), (organisation_field, "organisation")):
        if field is None:
            continue
        values = [getattr(instance, f"{field}_id")]
        if field in data and _pk(data[field]) != values[0]:
            values.append(_pk(data[field]))
        for value in values:
            require(actor, code, **{kind: value})


def require_each(actor: Any, code: str, *, countries: Iterable[Any]) -> None:
    """``require`` for every country given (e.g. both sides of a merge)."""
    for country in countries:
        require(actor, code, country=country)


# --- Reads within scope --------------------------------------------------------------------


def scope_queryset(
    queryset: QuerySet[M],
    user: Any,
    code: str,
    *,
    country_field: str | None = "country",
    organisation_field: str | None = None,
    owner_field: str | None = None,
) -> QuerySet[M]:
    """Keep the rows of ``queryset`` for which ``user`` holds capability ``code``.

    A row is in scope when its country is one where the user holds the capability, or its
    organisation is one for which they hold it (or, with ``organisation_field``, the user's own
    organisation), or (with ``owner_field``) the user owns it. Administrators see all;
    anonymous users see nothing.
    """
    if is_administrator(user):
        return queryset
    if not is_signed_in(user):
        return queryset.none()
    condition = Q(pk__in=[])
    if country_field:
        country_ids = country_ids_for(user, code) or set()
        if country_ids:
            condition |= Q(**{f"{country_field}__in": sorted(country_ids)})
    if organisation_field:
        organisation_ids = set(organisation_ids_for(user, code) or ())
        if user.organisation_id:
            organisation_ids.add(user.organisation_id)
        if organisation_ids:
            condition |= Q(**{f"{organisation_field}__in": sorted(organisation_ids)})
    if owner_field:
        condition |= Q(**{owner_field: user.pk})
    return queryset.filter(condition)


def get_in_scope_or_404(queryset: QuerySet[M], user: Any, pk: Any, code: str, **scope: Any) -> M:
    """The object with primary key ``pk`` if ``user`` may see it; otherwise Http404."""
    try:
        return scope_queryset(queryset, user, code, **scope).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# --- Who may reach an endpoint -------------------------------------------------------------

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed_in"  # anyone signed in; what they see is their own (tokens, registrations)


def endpoint(access: str) -> Any:
    """Declare who may reach a web view or an API operation.

    ``access`` is :data:`PUBLIC`, :data:`SIGNED_IN` or a capability code. For anything but
    :data:`PUBLIC` a visitor who is not signed in is sent to the sign-in page (web) or refused
    (API) before the view runs; the capability itself is then checked where the rule lives, by
    the view's services (``require``: 403) and selectors (``scope_queryset``: out of scope is a
    404, or an empty list). Put it next to the ``def``, under the other decorators. The test
    that walks every endpoint as every persona reads the declaration and fails on an endpoint
    without one, or on a persona who gets more than the declaration allows.
    """
    if access not in (PUBLIC, SIGNED_IN):
        capability(access)

    def declare(view: Any) -> Any:
        if access == PUBLIC or not inspect.isfunction(view):
            view.casm_access = access
            return view

        @functools.wraps(view)
        def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_signed_in(getattr(request, "user", None)):
                if request.path.startswith("/api/"):
                    raise PermissionDenied(str(SIGN_IN))
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        guarded.casm_access = access  # type: ignore[attr-defined]
        return guarded

    return declare


def endpoint_access(view: Any) -> str | None:
    """What ``view`` declared with :func:`endpoint` (through any decorators), or None."""
    while view is not None:
        access = getattr(view, "casm_access", None)
        if access is not None:
            return access
        view = getattr(view, "__wrapped__", None) or getattr(view, "view_class", None)
    return None
