"""Reading the values of a census file: numbers, yes/no, dates, points, submission IDs.

Each ``to_*`` converter returns ``(value, problem)`` so the importer can convert a column's
distinct texts once and report every problem with its row.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from casm.core.messages import Message

from . import mapping as fields

CONTENT_NAMESPACE = uuid.UUID("6f1d8c4e-0b7a-5c55-9a57-1c0b0c3a5e21")
TRUE = {"yes", "y", "true", "1", "oui", "o", "si", "sí", "sim", "x"}
FALSE = {"no", "n", "false", "0", "non", "nao", "não"}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
SLASH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def cell_text(value: Any) -> str:
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def parse_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        number = float(raw.replace(",", "."))
        if not number.is_integer():
            raise ValueError(raw) from None
        return int(number)


def parse_float(raw: str) -> float:
    number = float(raw.replace(",", ".") if "." not in raw else raw)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(raw)
    return number


def parse_date(value: Any, order: str = "dmy") -> datetime.date:
    """A date from ISO text (time and time zone allowed, as in KoBoToolbox's submission time),
    ``dd/mm/yyyy`` (or ``mm/dd/yyyy`` with ``order="mdy"``), or a spreadsheet date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = str(value).strip()
    match = ISO_DATE.match(raw)
    if match:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    match = SLASH_DATE.match(raw)
    if match:
        first, second = int(match[1]), int(match[2])
        day, month = (first, second) if order == "dmy" else (second, first)
        return datetime.date(int(match[3]), month, day)
    raise ValueError(raw)


def to_int(text: str) -> tuple[int | None, Message | None]:
    if not text:
        return None, None
    try:
        return parse_int(text), None
    except ValueError:
        return None, Message("imports.not_whole_number", value=text)


def to_float(text: str) -> tuple[float | None, Message | None]:
    if not text:
        return None, None
    try:
        return parse_float(text), None
    except ValueError:
        return None, Message("imports.not_a_number", value=text)


def to_bool(text: str) -> tuple[bool | None, Message | None]:
    if not text:
        return None, None
    lowered = text.lower()
    if lowered in TRUE:
        return True, None
    if lowered in FALSE:
        return False, None
    return None, Message("imports.not_yes_no", value=text)


def to_bool_reached(text: str) -> tuple[bool | None, Message | None]:
    """A site counts as reached unless the row says otherwise."""
    return to_bool(text) if text else (True, None)


NUMBER_CONVERTERS: dict[str, Callable[[str], tuple[Any, Message | None]]] = {
    **{name: to_int for name in fields.INT_FIELDS},
    "max_depth_m": to_float,
}


def parse_location(raw: str) -> tuple[float, float]:
    """``lat lon [alt acc]`` (XLSForm geopoint) or ``[lat, lon]`` (KoBoToolbox _geolocation)."""
    parts = raw.strip("[]() ").replace(",", " ").split()
    if len(parts) < 2:
        raise ValueError(raw)
    return float(parts[0]), float(parts[1])


def content_submission_id(kind: str, values: dict[str, Any], occurrence: int = 1) -> str:
    """A stable ID for a row that has none, from its content (properties and coordinates).

    The same row in another file (IPIS lists a site under each of its minerals) gets the same
    ID, so it is imported once. The same row twice in one file is taken as a repeat visit (the
    source dropped the dates): the occurrence number tells them apart, and a new import of the
    file gives the same IDs again.
    """
    key = values.get("_feature_key") or json.dumps(
        {k: cell_text(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False
    )
    return str(uuid.uuid5(CONTENT_NAMESPACE, f"{kind}\n{key}\n{occurrence}"))


# --- Sites ----------------------------------------------------------------------------------
