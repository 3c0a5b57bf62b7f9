"""Field types shared by the API's schemas of every app."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

from django.db.models import Q
from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError


@functools.cache
def _named_enum(name: str, choices: type[enum.Enum]) -> type[enum.StrEnum]:
    members = {member.name: member.value for member in choices}
    return cast(type[enum.StrEnum], enum.StrEnum(name, members))


@dataclass(frozen=True)
class ApiName:
    """Names a model's choices in the OpenAPI document: ``Annotated[Event.Kind,
    ApiName("EventKind")]``.

    Django names nested choices after their place (``Event.Kind``, ``Operator.Kind``), and
    the OpenAPI document would show them all as one component ``Kind``, each hiding the
    others. The values are the same strings, so services receive what the model expects.
    """

    name: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return handler.generate_schema(_named_enum(self.name, source))


def _known_country(code: str) -> str:
    from casm.core.models import Country

    wanted = code.strip().upper()
    if wanted and not Country.objects.filter(Q(alpha2=wanted) | Q(alpha3=wanted)).exists():
        raise PydanticCustomError(
            "unknown_country", _("Unknown country code: {code}"), {"code": code}
        )
    return code


def _known_commodity(code: str) -> str:
    from casm.core.models import Commodity

    if code.strip() and not Commodity.objects.filter(code=code.strip()).exists():
        raise PydanticCustomError(
            "unknown_commodity", _("Unknown commodity code: {code}"), {"code": code}
        )
    return code


# An ISO 3166-1 code (alpha-2, or alpha-3 where a field allows three letters) of a country the
# platform knows, or empty; anything else is refused with the field's name (422), in every app.
CountryCode = Annotated[str, AfterValidator(_known_country)]
# The code of a commodity of the reference list (``gold``, ``cobalt``…), or empty.
CommodityCode = Annotated[str, AfterValidator(_known_commodity)]
# The id of a record named in a filter or a body: a positive integer a database can store (a
# 64-bit signed integer), so 2^63 and up is refused with the field's name (422), in every app,
# instead of overflowing the database driver.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]

_T = TypeVar("_T")


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", _("This field cannot be null."))
    return value


class _NullLeftOut:
    """Shows a nullable type without its null in the JSON schema (the OpenAPI document)."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        options = schema.get("anyOf")
        if not options or {"type": "null"} not in options:
            return schema
        kept = [option for option in options if option != {"type": "null"}]
        schema = {key: value for key, value in schema.items() if key != "anyOf"}
        return {**kept[0], **schema} if len(kept) == 1 else {"anyOf": kept, **schema}


# A field of an update that may be left out but never given as null, e.g. a list that may be
# empty (``NotNull[list[Language]] = None``) or a name (``NotNull[Annotated[str,
# Field(min_length=1)]] = None``: constraints go inside, on the type, not on the update's
# ``Field``): an explicit null is a 422 naming the field, and the OpenAPI document shows no
# null. Left out, it stays None and the update leaves it alone. The null is refused before
# the type is checked, so a wrong value is one error named after the field, as for any other
# field, not one per branch of a union.
NotNull = Annotated[_T | None, BeforeValidator(_refuse_null), _NullLeftOut()]
