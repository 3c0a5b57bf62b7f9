from __future__ import annotations

import ipaddress
from collections.abc import Callable

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
