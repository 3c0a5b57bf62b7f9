"""Scope: which countries' and organisations' data a user may see. The one place it is decided.

Selectors of every app pass their querysets through :func:`scope_queryset`; an object outside
the user's scope is then simply not found, so the web and the API answer 404, never 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

M = TypeVar("M", bound=models.Model)


def user_sees_everything(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_administrator)


def user_country_ids(user: Any) -> list[int]:
    if not (user and user.is_authenticated):
        return []
    cached = getattr(user, "_casm_country_ids", None)
    if cached is None:
        cached = list(user.countries.values_list("pk", flat=True))
        user._casm_country_ids = cached
    return cached


def scope_queryset(
    queryset: QuerySet[M],
    user: Any,
    *,
    country_field: str | None = "country",
    organisation_field: str | None = None,
    owner_field: str | None = None,
) -> QuerySet[M]:
    """Keep the rows ``user`` may see.

    A row is in scope when its country is one of the user's countries, or it belongs to the
    user's organisation, or (with ``owner_field``) the user owns it. Administrators see all;
    anonymous users see nothing.
    """
    if user_sees_everything(user):
        return queryset
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    condition = Q(pk__in=[])
    if country_field:
        country_ids = user_country_ids(user)
        if country_ids:
            condition |= Q(**{f"{country_field}__in": country_ids})
    if organisation_field and user.organisation_id:
        condition |= Q(**{organisation_field: user.organisation_id})
    if owner_field:
        condition |= Q(**{owner_field: user.pk})
    return queryset.filter(condition)


def get_in_scope_or_404(queryset: QuerySet[M], user: Any, pk: Any, **scope: Any) -> M:
    """The object with primary key ``pk`` if ``user`` may see it; otherwise Http404."""
    try:
        return scope_queryset(queryset, user, **scope).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
