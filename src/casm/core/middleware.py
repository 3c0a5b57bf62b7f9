from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParser
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

from casm.core.audit import audit_source
from casm.core.models import AuditEvent


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from: the peer's (``REMOTE_ADDR``), or, behind
    ``CASM_TRUSTED_PROXY_COUNT`` proxies, the one the outermost of them saw, read from the
    right of the configured header (``CASM_CLIENT_ADDRESS_HEADER``). Entries further left were
    written by the client and may be anything, so they are never read; a header that is
    missing, too short or not an address leaves the peer's address.

    The sign-in throttle and the audit trail both read the address here."""
    peer = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return peer
    meta_name = "HTTP_" + settings.CLIENT_ADDRESS_HEADER.upper().replace("-", "_")
    hops = [hop.strip() for hop in request.META.get(meta_name, "").split(",") if hop.strip()]
    if len(hops) < count:
        return peer
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


class AuditContextMiddleware:
    """Marks writes made during a request as coming from the web or the API, and from where."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = (
            AuditEvent.Source.API if request.path.startswith("/api/") else AuditEvent.Source.WEB
        )
        with audit_source(source, client_address(request)):
            return self.get_response(request)


API_ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
}


class ApiErrorShapeMiddleware:
    """Gives errors that never reached an API handler (unknown path, wrong method, CSRF…)
    the API's one error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            details = None
            if status == 405:
                details = {"allowed": response.get("Allow", "")}
            message = {
                404: "Not found.",
                405: f"Method {request.method} is not allowed here.",
                403: "Forbidden (for a browser session, send the CSRF token).",
            }.get(status, "The request could not be served.")
            shaped = JsonResponse(
                {
                    "error": {
                        "code": API_ERROR_CODES.get(status, "error"),
                        "message": message,
                        "details": details,
                    }
                },
                status=status,
                json_dumps_params={"ensure_ascii": False},
            )
            if "Allow" in response:
                shaped["Allow"] = response["Allow"]
            return shaped
        return response


class MultipartBoundaryMiddleware:
    """Refuses (400) a multipart request whose Content-Type has no usable boundary, before
    anything reads its body: the CSRF check, an API operation or a form would each fail on
    it in their own way. The API answers in its error shape, a page in plain words."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        content_type, options = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
        if content_type == "multipart/form-data":
            boundary = options.get("boundary") or ""
            if not MultiPartParser.boundary_re.fullmatch(boundary):
                return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        message = _(
            "The form cannot be read: a multipart/form-data request needs a boundary in its"
            " Content-Type header (multipart/form-data; boundary=…)."
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": {"code": "bad_request", "message": message, "details": None}},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class NulCharacterMiddleware:
    """Refuses an API request whose query, path or text body holds a NUL character (U+0000),
    before any operation reads it: no text field may contain one, and PostgreSQL refuses it
    with an error that would otherwise be a server error. The answer is a 422 naming the
    parameter. Uploaded files (multipart) are binary and are not looked into."""

    TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/plain")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Pages read their input through forms, whose text fields refuse a NUL themselves.
        found = self._nul_in(request) if request.path.startswith("/api/") else None
        if found is not None:
            return self._refuse(*found)
        return self.get_response(request)

    def _nul_in(self, request: HttpRequest) -> tuple[str, str] | None:
        if "\x00" in request.path:
            return "", "path"
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            for name, value in parse_qsl(query, keep_blank_values=True):
                if "\x00" in name or "\x00" in value:
                    return name.replace("\x00", ""), "query"
            return "", "query"
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if content_type in self.TEXT_BODIES:
            try:
                body = request.body
            except Exception:  # too large or unreadable: the view answers that itself
                return None
            if (
                b"\x00" in body
                or b"\\u0000" in body
                or (content_type == "application/x-www-form-urlencoded" and b"%00" in body)
            ):
                return "", "body"
        return None

    @staticmethod
    def _refuse(field: str, location: str) -> HttpResponse:
        message = _("The request holds a NUL character (U+0000), which no text may contain.")
        detail = {"field": field, "location": location, "message": message}
        return JsonResponse(
            {"error": {"code": "invalid", "message": message, "details": [detail]}},
            status=422,
            json_dumps_params={"ensure_ascii": False},
        )
