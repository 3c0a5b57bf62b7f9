"""The OpenAPI document of /api/v1 tells a client the truth about every operation."""

from __future__ import annotations

import enum
import typing
from collections import defaultdict

import pytest
from pydantic import BaseModel

from casm.core.api_types import ApiName


@pytest.fixture(scope="module")
def schema():
    from casm.api import api

    return api.get_openapi_schema()


def _component_classes() -> dict[str, set[str]]:
    """Each name the schemas of the API's operations take in the OpenAPI document, with the
    classes behind it (``module.qualname``)."""
    from casm.api import api

    names: dict[str, set[str]] = defaultdict(set)
    seen: set[typing.Any] = set()

    def walk(annotation: typing.Any, name: str | None = None) -> None:
        if typing.get_origin(annotation) is typing.Annotated:
            base, *metadata = typing.get_args(annotation)
            named = [m.name for m in metadata if isinstance(m, ApiName)]
            walk(base, named[0] if named else None)
        elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            names[name or annotation.__name__].add(
                f"{annotation.__module__}.{annotation.__qualname__}"
            )
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            if annotation.__name__ != "NinjaResponseSchema":  # ninja's wrapper, not shown
                names[annotation.__name__].add(f"{annotation.__module__}.{annotation.__qualname__}")
            for field in annotation.model_fields.values():
                walk(
                    typing.Annotated[(field.annotation, *field.metadata)]
                    if field.metadata
                    else field.annotation
                )
        else:
            for argument in typing.get_args(annotation):
                walk(argument)

    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.models, *operation.response_models.values()]:
                    if isinstance(model, type):
                        walk(model)
    return names


def test_it_gives_each_schema_class_its_own_component_name(schema):
    names = _component_classes()
    shared = {name: sorted(classes) for name, classes in names.items() if len(classes) > 1}
    assert shared == {}
    # The walk saw what the document shows: no component comes from elsewhere but the errors.
    errors = {"ErrorOut", "ApiError", "ErrorDetail"}
    assert set(schema["components"]["schemas"]) - errors <= set(names)
    assert not errors & set(names)


def test_it_documents_each_list_with_its_own_items(schema):
    def items_of(path: str) -> str:
        answer = schema["paths"][path]["get"]["responses"][200]["content"]["application/json"]
        if "$ref" in answer["schema"]:  # a page: {"items": [...], "count": ...}
            page = answer["schema"]["$ref"].rsplit("/", 1)[-1]
            return schema["components"]["schemas"][page]["properties"]["items"]["items"]["$ref"]
        return answer["schema"]["items"]["$ref"]

    assert items_of("/api/v1/profiles").endswith("/CountryRankingOut")
    assert items_of("/api/v1/organisations").endswith("/OrganisationOut")
    assert items_of("/api/v1/network/organisations").endswith("/NetworkOrganisationOut")
    ranking = schema["paths"]["/api/v1/grants/calls/{call_id}/ranking"]["get"]["responses"]
    assert ranking[200]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/GrantRankingOut"
    )
    kinds = schema["components"]["schemas"]
    assert set(kinds["EventKind"]["enum"]) != set(kinds["OperatorKind"]["enum"])


def test_every_list_comes_in_pages(schema):
    """No operation answers a bare JSON array: a list is a page ({"count", "items"}) of
    ``LimitOffset``, however short it is today."""
    bare = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation.get("responses", {}).items():
                body = answer.get("content", {}).get("application/json", {}).get("schema", {})
                if body.get("type") == "array":
                    bare.append(f"{method.upper()} {path} ({status})")
    assert bare == []


def test_it_declares_the_errors_each_operation_can_answer(schema):
    missing = []
    for path, methods in schema["paths"].items():
        for method, details in methods.items():
            statuses = {int(status) for status in details["responses"]}
            expected = {401}  # a wrong token, on any operation
            if "requestBody" in details:
                expected.add(400)  # a body that cannot be read
            if method != "get" and path != "/api/v1/library/oai":  # harvesters write nothing
                expected |= {403, 422}  # no CSRF token with a session; a rule of the service
            if "{" in path:
                expected.add(404)
            if method == "delete":
                expected.add(409)  # still referred to
            if expected - statuses:
                missing.append(f"{method.upper()} {path}: {sorted(expected - statuses)}")
            for status in statuses - {200, 201, 202, 204, 302}:
                content = details["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert missing == []


def test_it_declares_who_may_call_each_operation(schema):
    countries = schema["paths"]["/api/v1/countries"]["get"]
    assert {} in countries["security"]  # anyone
    assert 403 not in countries["responses"]
    audit = schema["paths"]["/api/v1/audit"]["get"]
    assert audit["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]
    assert {401, 403, 422} <= set(audit["responses"])
    error = schema["components"]["schemas"]["ApiError"]
    assert {"code", "message", "details"} == set(error["properties"])


def test_no_update_takes_null_for_a_list(schema):
    """A list may be left out of an update, or emptied, but never set to null (``NotNull``)."""
    components = schema["components"]["schemas"]
    nullable: list[str] = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method not in ("patch", "put"):
                continue
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"].get("$ref", "")
                body = components.get(ref.rsplit("/", 1)[-1], {})
                for name, field in body.get("properties", {}).items():
                    options = field.get("anyOf", [field])
                    types = {option.get("type") for option in options}
                    if "array" in types and "null" in types:
                        nullable.append(f"{method.upper()} {path} {name}")
    assert nullable == []
