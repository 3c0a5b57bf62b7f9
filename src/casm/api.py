"""The one API of the platform: django-ninja under /api/v1/, one router per app.

Every error has one shape: ``{"error": {"code": ..., "message": ..., "details": ...}}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from casm.core.api_router import SIGNED_IN_AUTH
from casm.core.permissions import PUBLIC, endpoint_access, is_signed_in

logger = logging.getLogger(__name__)


SECURITY_SCHEMES = {
    "TokenAuth": {"type": "http", "scheme": "bearer", "description": "A token (`casm_…`)"},
    "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
}


class CasmAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document says, for every operation, what its ``@endpoint``
    declaration means to a client: whether it needs a token or a session."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        views = {}
        for router in self._get_bound_routers():
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    views[operation.operation_id or self.get_openapi_operation_id(operation)] = (
                        operation.view_func
                    )
        for methods in schema["paths"].values():
            for details in methods.values():
                access = endpoint_access(views[details["operationId"]])
                signed_in: list[dict] = [{"TokenAuth": []}, {"SessionAuth": []}]
                details["security"] = signed_in if access != PUBLIC else [{}, *signed_in]
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
        details = [
            {"field": field, "location": "body", "message": " ".join(messages)}
            for field, messages in exc.message_dict.items()
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


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


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
