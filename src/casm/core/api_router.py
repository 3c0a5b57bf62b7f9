"""Who each API operation lets in, decided once from its ``@endpoint`` declaration.

Every app's router is a :class:`Router`: an operation declared ``@endpoint(PUBLIC)`` answers
anybody, any other refuses a request without a signed-in user (401) before its parameters are
even read. In both, a token that is sent must be good: a wrong, revoked or deactivated one is
a 401, whatever the method.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router as NinjaRouter
from ninja.constants import NOT_SET
from ninja.errors import HttpError
from ninja.utils import check_csrf

from casm.accounts.services import api_token_authenticate
from casm.core.permissions import PUBLIC, endpoint_access, is_signed_in


class ApiAuth:
    """Who is asking.

    - ``Authorization: Bearer casm_…`` (a token made on the profile page): its user, or
      nobody (401) when the token is unknown, revoked, or its user deactivated. A request that
      carries a token is judged by the token alone, whatever cookie comes with it.
    - Otherwise the browser's session: its user, once the CSRF token is checked for unsafe
      methods as for any form (403 without it).
    - Otherwise ``AnonymousUser`` where ``anonymous`` is allowed, else nobody (401).

    The CSRF check comes only once a signed-in session is found, so a client without
    credentials, or with bad ones, always learns that it is not authenticated, never a 403.
    """

    def __init__(self, *, anonymous: bool) -> None:
        self.anonymous = anonymous

    def __call__(self, request: HttpRequest) -> Any:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is not None:
            scheme, _space, raw = header.partition(" ")
            user = api_token_authenticate(raw.strip()) if scheme.lower() == "bearer" else None
            if user is not None:
                request.user = user
            return user
        user = getattr(request, "user", None)
        if not is_signed_in(user):
            return AnonymousUser() if self.anonymous else None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(
                403, _("CSRF check failed: send the CSRF token with a browser session.")
            )
        return user


SIGNED_IN_AUTH = [ApiAuth(anonymous=False)]
PUBLIC_AUTH = [ApiAuth(anonymous=True)]


class Router(NinjaRouter):
    """A ninja Router whose public operations also answer visitors who are not signed in."""

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable, *, auth: Any = NOT_SET, **kw: Any
    ) -> None:
        if auth is NOT_SET and endpoint_access(view_func) == PUBLIC:
            auth = PUBLIC_AUTH
        super().add_api_operation(path, methods, view_func, auth=auth, **kw)
