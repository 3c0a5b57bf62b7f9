"""The one API of the platform: django-ninja under /api/v1/, one router per app.

Every error has one shape: ``{"error": {"code": ..., "message": ..., "details": ...}}``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from casm.core.api_router import SIGNED_IN_AUTH
from casm.core.audit import StillReferredTo
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint_access, is_signed_in
from casm.core.throttling import api_throttles, too_many_requests_message

logger = logging.getLogger(__name__)


class ErrorDetail(Schema):
    field: str = Field(..., description="The field at fault, dotted; empty for the whole request")
    location: str = Field(..., description="body, query, path, header or form")
    message: str


class ApiError(Schema):
    code: str = Field(..., description="unauthenticated, forbidden, not_found, invalid, …")
    message: str
    details: list[ErrorDetail] | dict[str, Any] | None = None


class ErrorOut(Schema):
    """The one shape of every error the API answers."""

    error: ApiError


SECURITY_SCHEMES = {
    "TokenAuth": {"type": "http", "scheme": "bearer", "description": "A token (`casm_…`)"},
    "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
}
ERROR_DESCRIPTIONS = {
    400: "The request cannot be read",
    401: "Not signed in, or the token is wrong, revoked or its account deactivated",
    403: "Signed in, but not allowed (or a browser session without its CSRF token)",
    404: "Not found, or outside your scope",
    409: "In conflict with the record's current state",
    422: "A parameter or a field is not valid: each is named in details",
    429: "Too many requests: wait the seconds given in the Retry-After header",
}


def error_statuses(operation: Any) -> set[int]:
    """The errors ``operation`` can answer, from its declaration and its parameters.

    Any operation refuses a bad token (401). A body can be unreadable: not JSON, not text, a
    broken multipart form (400). A capability is refused to those who lack it, and any write
    to a browser session without its CSRF token (403). A record named in the path may not
    exist or be out of scope (404). A record that others still refer to cannot be deleted
    (409). Parameters, and the rules services enforce on a write, can be invalid (422); so is
    a record a body names that does not exist. A throttled operation (all of them, see
    ``casm.core.throttling``) refuses a caller past its rate (429).
    """
    access = endpoint_access(operation.view_func)
    writes = any(method != "GET" for method in operation.methods)
    sources = {getattr(model, "__ninja_param_source__", None) for model in operation.models}
    statuses = {401}
    if sources & {"body", "form", "file"} or (writes and operation.csrf_exempt):
        statuses.add(400)  # the exempt ones are the OAI-PMH form, read by the view itself
    if (writes and not operation.csrf_exempt) or access not in (PUBLIC, SIGNED_IN):
        statuses.add(403)
    if "{" in operation.path:
        statuses.add(404)
    if "DELETE" in operation.methods:
        statuses.add(409)
    if (writes and not operation.csrf_exempt) or operation.models:
        statuses.add(422)
    if operation.throttle_objects:
        statuses.add(429)
    return statuses


class JsonParser(Parser):
    """JSON bodies, refused (400) unless every text in them is Unicode: a lone surrogate
    (``"\\ud800"``) is valid JSON but no database can store it."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        json.dumps(data, ensure_ascii=False).encode()  # raises on a lone surrogate
        return data


class CasmAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document says, for every operation, what its ``@endpoint``
    declaration means to a client: whether it needs a token or a session, and which errors
    (all of one shape, ``ErrorOut``) it can answer."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        # Named after the app's API, not the module of the package it sits in, so an operation
        # keeps its id when an app's api.py becomes a package (casm_library_api_document_list).
        module = operation.view_func.__module__
        app_api = re.sub(r"^(casm\.\w+\.api)\..+$", r"\1", module)
        return f"{app_api}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        operations = {}
        for router in self._get_bound_routers():
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    operation_id = operation.operation_id or self.get_openapi_operation_id(
                        operation
                    )
                    operations[operation_id] = operation
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        signed_in: list[dict] = [{"TokenAuth": []}, {"SessionAuth": []}]
        for methods in schema["paths"].values():
            for details in methods.values():
                operation = operations[details["operationId"]]
                public = endpoint_access(operation.view_func) == PUBLIC
                details["security"] = [{}, *signed_in] if public else signed_in
                responses = details["responses"]
                declared = {int(status) for status in responses}
                for status in sorted(error_statuses(operation) - declared):
                    responses[status] = {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": error,
                    }
        components = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        schema["components"]["schemas"].update(components.pop("$defs"))
        schema["components"]["schemas"]["ErrorOut"] = components
        schema["components"]["securitySchemes"] = SECURITY_SCHEMES
        return schema


api = CasmAPI(
    title="CASM API",
    version="1",
    description=(
        "Sites, people, knowledge and money of artisanal and small-scale mining.\n\n"
        "The knowledge library can be harvested: OAI-PMH 2.0 at `/api/v1/library/oai`"
        " (e.g. `?verb=Identify`) and a DCAT catalogue in JSON-LD at"
        " `/api/v1/library/catalog.jsonld`."
    ),
    urls_namespace="api",
    auth=SIGNED_IN_AUTH,
    throttle=api_throttles(),
    parser=JsonParser(),
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "details": details}},
        status=status,
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = []
    for error in exc.errors:
        location, *parts = error.get("loc") or ["body"]
        if location == "body" and len(parts) > 1:
            parts = parts[1:]  # drop the name of the payload parameter itself
        details.append(
            {
                "field": ".".join(str(part) for part in parts),
                "location": location,
                "message": error.get("msg", ""),
            }
        )
    return error_response(request, 422, "invalid", "The request is not valid.", details)


@api.exception_handler(DjangoValidationError)
def _model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        # One entry per problem, so that a client lists every one (a field may have several).
        details = [
            {"field": "" if field == "__all__" else field, "location": "body", "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        details = [{"field": "", "location": "body", "message": m} for m in exc.messages]
    return error_response(request, 422, "invalid", "The request is not valid.", details)


def _unauthenticated_response(request: HttpRequest) -> HttpResponse:
    response = error_response(
        request, 401, "unauthenticated", "Sign in, or send a token as 'Authorization: Bearer …'."
    )
    response["WWW-Authenticate"] = 'Bearer realm="casm"'
    return response


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _unauthenticated_response(request)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    # Refusing somebody who has not said who they are: signing in may change the answer.
    if not is_signed_in(getattr(request, "user", None)):
        return _unauthenticated_response(request)
    return error_response(request, 403, "forbidden", str(exc) or "You may not do this.")


@api.exception_handler(MultiPartParserError)
def _unreadable_form(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_response(request, 400, "bad_request", "Cannot parse request body")


@api.exception_handler(ProtectedError)
@api.exception_handler(RestrictedError)
def _still_referred_to(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        request, 409, "conflict", _("Other records still refer to this one; remove them first.")
    )


@api.exception_handler(StillReferredTo)
def _still_named(request: HttpRequest, exc: StillReferredTo) -> HttpResponse:
    return error_response(request, 409, "conflict", " ".join(exc.messages))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
        409: "conflict",
    }  # fmt: skip
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    # ninja adds Retry-After to this answer, from the same wait.
    seconds = max(1, math.ceil(exc.wait or 1))
    return error_response(
        request,
        429,
        "too_many_requests",
        too_many_requests_message(seconds),
        {"retry_after": seconds},
    )


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    return error_response(request, 500, "server_error", "Something went wrong on the server.")


api.add_router("/", "casm.core.api.router")
api.add_router("/", "casm.accounts.api.router")
api.add_router("/", "casm.registry.api.router")
api.add_router("/", "casm.indicators.api.router")
api.add_router("/", "casm.imports.api.router")
api.add_router("/", "casm.library.api.router")
api.add_router("/", "casm.events.api.router")
api.add_router("/", "casm.grants.api.router")
api.add_router("/", "casm.network.api.router")
api.add_router("/", "casm.licensing.api.router")
api.add_router("/", "casm.traceability.api.router")
api.add_router("/", "casm.incidents.api.router")
