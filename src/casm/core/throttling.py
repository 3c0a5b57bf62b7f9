"""Request rates: every API operation, the exports of the API and the web, and the forms
anyone may send (incident reports), on django-ninja's throttles (``ninja.throttling``).

A caller is a signed-in account (by its user, whichever token or session it uses) or, for
visitors, the client address (``casm.core.middleware.client_address``, which trusts a proxy's
header only when configured). Rates come from settings (``API_RATES``, from
``CASM_API_RATE``, ``CASM_API_RATE_ANONYMOUS``, ``CASM_EXPORT_RATE`` and
``CASM_REPORT_RATE``) and are read at each request. Counts live in the default cache, which
every worker shares.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext
from ninja.throttling import BaseThrottle, SimpleRateThrottle

from casm.core.middleware import client_address
from casm.core.permissions import is_signed_in


class CallerRateThrottle(SimpleRateThrottle):
    """At most ``API_RATES[scope]`` requests per period from one account, and
    ``API_RATES[scope + "_anonymous"]`` (or the same) from one address of visitors."""

    scope = "api"

    def __init__(self, scope: str | None = None) -> None:
        self.scope = scope or self.scope
        super().__init__(rate=self._rates()[self.scope])

    def _rates(self) -> dict[str, str]:
        return settings.API_RATES

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        signed_in = is_signed_in(user)
        rates = self._rates()
        rate = rates[self.scope] if signed_in else rates.get(f"{self.scope}_anonymous")
        self.rate = rate or rates[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None) or getattr(request, "user", None)
        if user is not None and is_signed_in(user):
            ident = f"user:{user.pk}"
        else:
            ident = f"addr:{client_address(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def retry_after(self) -> int:
        """Whole seconds until the oldest counted request leaves the period (at least 1)."""
        if not self.history:
            return max(1, int(self.duration or 1))
        return max(1, math.ceil((self.duration or 0) - (self.now - self.history[-1])))


def api_throttles() -> list[BaseThrottle]:
    """The throttles of every API operation."""
    return [CallerRateThrottle("api")]


def export_throttles() -> list[BaseThrottle]:
    """The throttles of an API operation that writes a whole table out."""
    return [CallerRateThrottle("api"), CallerRateThrottle("export")]


def too_many_requests_message(seconds: int) -> str:
    return ngettext(
        "Too many requests. Try again in %(seconds)s second.",
        "Too many requests. Try again in %(seconds)s seconds.",
        seconds,
    ) % {"seconds": seconds}


def rate_limited(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A web view counted against ``API_RATES[scope]`` (its POSTs only, for a form): past it, a
    429 with ``Retry-After`` and the wait in the reader's language."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            counted = scope == "export" or request.method == "POST"
            throttle = CallerRateThrottle(scope)
            if counted and not throttle.allow_request(request):
                wait = throttle.retry_after()
                response = HttpResponse(
                    too_many_requests_message(wait),
                    status=429,
                    content_type="text/plain; charset=utf-8",
                )
                response["Retry-After"] = str(wait)
                return response
            return view(request, *args, **kwargs)

        return limited

    return decorate


def report_throttles() -> list[BaseThrottle]:
    """The throttles of an API operation anyone may use to send a report or a key."""
    return [CallerRateThrottle("api"), CallerRateThrottle("report")]


# A web download of a whole table, counted against ``CASM_EXPORT_RATE``.
export_rate_limited = rate_limited("export")
