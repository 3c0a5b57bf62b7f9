"""Sign-in throttling, on django-axes.

Failures are counted per account *and* address (the pair) and, separately, per address:

- the pair is paused after ``CASM_LOGIN_FAILURE_LIMIT`` failures (5), so one person guessing
  one account from one place stops there, while the owner of another account behind the same
  router (a field office, the reverse proxy) signs in as usual;
- the address alone is paused only after ``CASM_LOGIN_ADDRESS_FAILURE_LIMIT`` failures (100),
  summed over every account tried from it: a paused pair counts no further failures, so only
  someone trying many accounts (password spraying) reaches it;
- a success clears the pair's count (not the address's: signing into one's own account must
  not wipe out the trace of someone trying others), and a password reset or change clears the
  account's count everywhere, so an owner locked out by someone else gets back in by e-mail.

Each pause lasts ``CASM_LOGIN_FAILURE_WINDOW`` seconds after the last counted failure; the
sign-in page then answers 429 with the wait in the reader's language and ``Retry-After``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from casm.core.middleware import client_address


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long a pause lasts after the last counted failure (``AXES_COOLOFF_TIME``)."""
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)


def failure_limit(request: HttpRequest | None, credentials: dict[str, Any] | None) -> int:
    """``AXES_FAILURE_LIMIT``: failures of one account from one address before a pause."""
    return settings.LOGIN_FAILURE_LIMIT


def username_key(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """The account a sign-in names, as counted: trimmed and lower-cased, so that changing the
    case of a name does not start a new count."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return raw.strip().lower() if isinstance(raw, str) else None


def _recent(queryset: QuerySet[AccessAttempt]) -> QuerySet[AccessAttempt]:
    return queryset.filter(attempt_time__gte=timezone.now() - cool_off())


def _pair_attempts(request: HttpRequest, credentials: dict[str, Any] | None):
    return _recent(
        AccessAttempt.objects.filter(
            username=username_key(request, credentials), ip_address=client_address(request)
        )
    )


def _address_attempts(request: HttpRequest):
    return _recent(AccessAttempt.objects.filter(ip_address=client_address(request)))


def _failures(queryset: QuerySet[AccessAttempt]) -> int:
    return queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler with the two thresholds above.

    Axes compares one number with one limit (``AXES_FAILURE_LIMIT``, the pair's); an address
    past its own, higher limit is reported as reaching the pair's limit.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        pair = _failures(_pair_attempts(request, credentials))
        if _failures(_address_attempts(request)) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair, settings.LOGIN_FAILURE_LIMIT)
        return pair


def seconds_to_wait(request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
    """Seconds until the pause on this sign-in ends (at least 1)."""
    pair = _pair_attempts(request, credentials)
    address = _address_attempts(request)
    if _failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        latest = address.aggregate(latest=Max("attempt_time"))["latest"]
    else:
        latest = pair.aggregate(latest=Max("attempt_time"))["latest"]
    if latest is None:
        return 1
    remaining = (latest + cool_off() - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))


def login_failures_clear(*, username: str) -> None:
    """Forget the failed sign-ins of an account, from every address (after a new password)."""
    AccessAttempt.objects.filter(username=username.strip().lower()).delete()


def locked_out_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the sign-in page already says so (``LoginView``); anything
    else that signs in through Django gets a plain 429 with the wait."""
    from django.utils.translation import gettext as _

    if original_response is not None and original_response.status_code == 429:
        return original_response
    wait = seconds_to_wait(request, credentials)
    response = HttpResponse(
        _("Too many failed sign-ins. Try again later."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(wait)
    return response
