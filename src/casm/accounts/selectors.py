"""Reads of the accounts app, already limited to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from casm.accounts.models import ApiToken, Organisation, RoleAssignment, User
from casm.core import permissions
from casm.core.permissions import get_in_scope_or_404, scope_queryset


def organisation_list_for_user(
    user: Any, *, search: str = "", country: str = "", kind: str = ""
) -> QuerySet[Organisation]:
    organisations = scope_queryset(
        Organisation.objects.select_related("country"),
        user,
        "organisations.view",
        organisation_field="pk",
    )
    if search:
        organisations = organisations.filter(
            Q(name__icontains=search) | Q(acronym__icontains=search)
        )
    if country:
        organisations = organisations.filter(country__alpha2=country.upper())
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations


def organisation_get_for_user(user: Any, pk: Any) -> Organisation:
    return get_in_scope_or_404(
        Organisation.objects.select_related("country"),
        user,
        pk,
        "organisations.view",
        organisation_field="pk",
    )


def user_list_for_user(user: Any, *, search: str = "", role: str = "") -> QuerySet[User]:
    """Everyone, for administrators; nobody else manages people."""
    if not permissions.can(user, "users.manage"):
        return User.objects.none()
    users = User.objects.select_related("organisation").prefetch_related(
        "role_assignments__countries", "role_assignments__organisation"
    )
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    if role:
        users = users.filter(pk__in=RoleAssignment.objects.filter(role=role).values("user"))
    return users


def user_get_for_user(user: Any, pk: Any) -> User:
    try:
        return user_list_for_user(user).get(pk=pk)
    except (User.DoesNotExist, ValueError):
        from django.http import Http404

        raise Http404 from None


def api_token_list_for_user(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_get_for_user(user: Any, pk: Any) -> ApiToken:
    return get_in_scope_or_404(
        ApiToken.objects.all(), user, pk, "users.manage", country_field=None, owner_field="user"
    )


def role_assignment_list(user: User) -> QuerySet[RoleAssignment]:
    """The roles ``user`` holds, with their scopes."""
    return (
        RoleAssignment.objects.filter(user=user)
        .prefetch_related("countries")
        .select_related("organisation")
    )


def role_assignment_get_for_user(actor: Any, user: User, pk: Any) -> RoleAssignment:
    """One of ``user``'s roles, for an administrator; 404 otherwise."""
    if not permissions.can(actor, "users.manage"):
        from django.http import Http404

        raise Http404
    return get_in_scope_or_404(
        RoleAssignment.objects.filter(user=user).select_related("user"),
        actor,
        pk,
        "users.manage",
        country_field=None,
    )


def users_holding(role: str) -> QuerySet[User]:
    """Active users holding ``role`` (e.g. the grants reviewers to choose from)."""
    return User.objects.filter(
        is_active=True, pk__in=RoleAssignment.objects.filter(role=role).values("user")
    )
