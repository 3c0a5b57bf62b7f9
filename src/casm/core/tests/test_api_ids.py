"""Record ids are refused the same way by every app of the API: one beyond what a database
stores (2^63 and up) is a 422 naming the field, through the one field type ``RecordId``
(``core/api_types.py``), never a server error."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps

BEYOND = 2**63


def _record_names() -> set[str]:
    """Names an input may give a record by: every model of the platform and every relation."""
    names: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("casm."):
            continue
        names.add(model._meta.model_name or "")
        names.update(f.name for f in model._meta.get_fields() if f.is_relation)
    return names


def _names_a_record(name: str, records: set[str]) -> bool:
    if re.search(r"(^|_)ids?$", name):
        return True
    singular = re.sub(r"(ies)$", "y", name) if name.endswith("ies") else name.rstrip("s")
    return name in records or singular in records or name.replace("_", "") in records


def _integers(schema: dict, components: dict, name: str = "") -> list[tuple[str, dict]]:
    """The integer properties of ``schema`` (the items of a list count as the list), named."""
    if "$ref" in schema:
        return _integers(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
    found: list[tuple[str, dict]] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += _integers(option, components, name)
    if schema.get("type") == "integer":
        found.append((name, schema))
    if schema.get("type") == "array" and "items" in schema:
        found += _integers(schema["items"], components, name)
    for prop, inner in schema.get("properties", {}).items():
        found += _integers(inner, components, prop)
    return found


def test_every_id_an_operation_reads_has_a_maximum():
    from casm.api import api

    document: dict[str, Any] = api.get_openapi_schema()
    components = document["components"]["schemas"]
    records = _record_names()
    unbounded: list[str] = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            fields: list[tuple[str, dict]] = []
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    continue  # a path names one record: beyond any, it is not found (404)
                fields += _integers(parameter["schema"], components, parameter["name"])
            for content in operation.get("requestBody", {}).get("content", {}).values():
                fields += _integers(content["schema"], components)
            for name, schema in fields:
                if _names_a_record(name, records) and "maximum" not in schema:
                    unbounded.append(f"{where} {name}")
    assert sorted(set(unbounded)) == []


BEYOND_REQUESTS = [
    ("get", f"/api/v1/visits?site={BEYOND}", None, "site"),
    ("get", "/api/v1/miners?operator=99999999999999999999", None, "operator"),
    ("post", "/api/v1/network/projects", {"title": "X", "lead_organisation": BEYOND},
     "lead_organisation"),
    ("post", "/api/v1/grants/proposals", {"call": 1, "title": "X", "summary": "X",
                                          "organisation": BEYOND}, "organisation"),
    ("post", "/api/v1/network/partnerships", {"name": "X", "organisations": [BEYOND]},
     "organisations.0"),
    ("post", "/api/v1/library/documents", {"title": "X", "type": "report",
                                           "supersedes": BEYOND}, "supersedes"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "body", "field"), BEYOND_REQUESTS)
def test_it_refuses_an_id_beyond_any_record_with_the_field_named(
    client, admin_user, token_for, method, url, body, field
):
    if method == "get":
        response = client.get(url, **token_for(admin_user))
    else:
        response = client.post(url, body, content_type="application/json", **token_for(admin_user))
    assert response.status_code == 422, response.content
    details = response.json()["error"]["details"]
    assert field in [detail["field"] for detail in details]
