"""Unknown country and commodity codes are refused the same way by every app of the API: a
422 naming the field, through the one field type of each (``core/api_types.py``)."""

from __future__ import annotations

import re
import typing

import pytest
from pydantic import BaseModel

from casm.core.api_types import CommodityCode, CountryCode

UNKNOWN = [
    ("post", "/api/v1/organisations", {"name": "X", "kind": "miners", "country": "ZZ"}, "country"),
    ("post", "/api/v1/network/organisations", {"name": "X", "kind": "ngo", "country": "GH",
                                               "countries_of_work": ["QQ"]}, "countries_of_work.0"),
    ("post", "/api/v1/sites", {"name": "X", "country": "ZZ", "latitude": 6.2,
                               "longitude": -1.7}, "country"),
    ("post", "/api/v1/grants/proposals", {"call": 1, "title": "X", "summary": "X",
                                          "country": "ZZ", "amount_requested": "1"}, "country"),
    ("post", "/api/v1/workforce-estimates", {"country": "ZZ", "year": 2020, "value": 1,
                                             "source": "X"}, "country"),
    ("post", "/api/v1/production", {"site": 1, "commodity": "unobtainium", "period": "year",
                                    "year": 2024, "quantity": 1, "unit": "g"}, "commodity"),
    ("get", "/api/v1/sites?country=ZZ", None, "country"),
    ("get", "/api/v1/production?commodity=unobtainium", None, "commodity"),
    ("get", "/api/v1/library/search?country=ZZ", None, "params.country.0"),
    ("get", "/api/v1/network/people?country=ZZ", None, "country"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "body", "field"), UNKNOWN)
def test_it_refuses_an_unknown_code_with_the_field_named(
    client, admin_user, token_for, method, url, body, field
):
    if method == "get":
        response = client.get(url, **token_for(admin_user))
    else:
        response = client.post(url, body, content_type="application/json", **token_for(admin_user))
    assert response.status_code == 422, response.content
    details = response.json()["error"]["details"]
    assert field in [detail["field"] for detail in details]
    assert "Unknown" in str(details)


def test_known_codes_and_empty_filters_still_pass(client, db):
    assert client.get("/api/v1/public/sites?country=GH&commodity=gold").status_code == 200
    assert client.get("/api/v1/public/sites?country=GHA").status_code == 200
    assert client.get("/api/v1/network/people?country=").status_code == 200


CODE_FIELD = re.compile(r"(^|_)(countr(y|ies)|commodit(y|ies))(_|$)")


def test_every_code_an_operation_reads_is_checked_by_the_shared_type():
    from casm.api import api

    unchecked: list[str] = []

    validators = {typing.get_args(kind)[1].func for kind in (CountryCode, CommodityCode)}

    def checked(annotation: typing.Any, metadata: typing.Iterable[typing.Any] = ()) -> bool:
        found = [*metadata, *getattr(annotation, "__metadata__", ())]
        if any(getattr(item, "func", None) in validators for item in found):
            return True
        return any(checked(argument) for argument in typing.get_args(annotation))

    def walk(model: type[BaseModel], where: str) -> None:
        for name, field in model.model_fields.items():
            models = [
                inner
                for argument in [field.annotation, *typing.get_args(field.annotation)]
                for inner in [argument, *typing.get_args(argument)]
                if isinstance(inner, type) and issubclass(inner, BaseModel)
            ]
            if models:  # e.g. a visit's commodities: objects whose codes are checked inside
                for inner in models:
                    walk(inner, f"{where}.{name}")
                continue
            if CODE_FIELD.search(name) and not checked(field.annotation, field.metadata):
                unchecked.append(f"{where}.{name}")

    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for model in operation.models:
                    walk(model, f"{','.join(operation.methods)} {path}")
    assert sorted(set(unchecked)) == []
