"""Field types shared by the API's schemas of every app."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any, cast

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema


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
