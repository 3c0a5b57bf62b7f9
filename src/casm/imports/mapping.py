"""Mapping files: which column holds which field, and which value means which code.

The platform's census form (``casm census-form``) names its columns after the fields, so its
exports need no mapping. Any other file gets a small JSON file::

    {
      "columns": {"name": "site_name", "mineral1": "commodities", "mineral2": "commodities"},
      "values": {"commodities": {"Or": "gold", "Cassitérite": "tin", "Fer": null}},
      "separators": {"children_work": ","},
      "defaults": {"country": "CD", "date": "2015-01-01", "team": "IPIS"},
      "outside_country": "error",
      "date_order": "dmy"
    }

``columns`` maps a column to a field (several columns may feed a list field); ``values`` maps a
column's values to codes, compared without case or accents, ``null`` meaning "drop it";
``separators`` splits list fields (default: spaces, as XLSForm exports select_multiple);
``defaults`` fills any field the file lacks (or leaves empty); keys that begin with ``_`` are
comments; ``outside_country`` is ``error`` (default) or
``accept`` (the site keeps a note saying so); ``date_order`` reads ``01/02/2024`` as day first
(``dmy``, default) or month first (``mdy``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casm.core.messages import Message
from casm.registry.validation import name_key

from .readers import ImportFileError

SITE_FIELDS = ("site_code", "site_name", "country", "admin1", "admin2", "admin3", "admin4")
TEXT_FIELDS = ("team", "traceability_scheme", "notes", "source")
INT_FIELDS = (
    "workers",
    "men",
    "women",
    "boys_under_15",
    "girls_under_15",
    "boys_15_17",
    "girls_15_17",
    "pits",
)
FLOAT_FIELDS = ("max_depth_m", "latitude", "longitude")
BOOL_FIELDS = ("reached", "armed_presence", "mercury_use")
LIST_FIELDS = ("state_services", "armed_activities", "women_work", "children_work")
CHOICE_FIELDS = ("not_reached_reason",)
COMMODITY_FIELDS = ("commodities", "commodity", "selling_point", "destination")
OTHER_FIELDS = ("date", "submission_id", "submission_time", "location")
FIELDS = frozenset(
    SITE_FIELDS
    + TEXT_FIELDS
    + INT_FIELDS
    + FLOAT_FIELDS
    + BOOL_FIELDS
    + LIST_FIELDS
    + CHOICE_FIELDS
    + COMMODITY_FIELDS
    + OTHER_FIELDS
)
# Columns of the exports of KoBoToolbox and ODK Central that mean a field without any mapping.
BUILT_IN_COLUMNS = {
    "_uuid": "submission_id",
    "KEY": "submission_id",
    "instanceID": "submission_id",
    "_submission_time": "submission_time",
    "SubmissionDate": "submission_time",
    "_location_latitude": "latitude",
    "_location_longitude": "longitude",
    "location-Latitude": "latitude",
    "location-Longitude": "longitude",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "_latitude": "latitude",
    "_longitude": "longitude",
    "_geolocation": "location",
}


@dataclass
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    separators: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    outside_country: str = "error"
    date_order: str = "dmy"
    name: str = ""

    def value(self, field_name: str, raw: str) -> str | None:
        """The code a raw value stands for (the value itself when the mapping says nothing)."""
        table = self.values.get(field_name)
        if not table:
            return raw
        return table.get(name_key(raw), raw)


MAPPING_KEYS = ("columns", "values", "separators", "defaults", "outside_country", "date_order")


def mapping_from_dict(data: Any, name: str = "") -> Mapping:
    """A mapping read from JSON; every mistake is named (the part, the key) with the file."""
    if not isinstance(data, dict):
        raise ImportFileError(Message("imports.mapping_not_object", file=name))
    problems: list[Message] = []
    for key in data:
        # A key that begins with "_" is a comment (e.g. "_about": where the file comes from).
        if key not in MAPPING_KEYS and not str(key).startswith("_"):
            problems.append(Message("imports.mapping_unknown_key", key=str(key)))
    for part in ("columns", "values", "separators", "defaults"):
        if data.get(part) is not None and not isinstance(data[part], dict):
            problems.append(Message("imports.mapping_not_table", key=part))
    tables = {
        part: data[part] if isinstance(data.get(part), dict) else {}
        for part in ("columns", "values", "separators", "defaults")
    }
    columns = tables["columns"]
    for column, target in columns.items():
        if target not in FIELDS:
            problems.append(Message("imports.mapping_column_field", column=column, field=target))
    for part in ("values", "separators", "defaults"):
        for key, value in tables[part].items():
            if key not in FIELDS:
                problems.append(Message(f"imports.mapping_{part}_field", key=str(key)))
            elif part == "values" and not isinstance(value, dict):
                problems.append(Message("imports.mapping_not_table", key=f"values.{key}"))
    outside = data.get("outside_country", "error")
    if outside not in {"error", "accept"}:
        problems.append(Message("imports.mapping_outside_country"))
    order = data.get("date_order", "dmy")
    if order not in {"dmy", "mdy"}:
        problems.append(Message("imports.mapping_date_order"))
    if problems:
        raise ImportFileError(Message("imports.mapping_invalid", file=name, problems=problems))
    values = {
        field_name: {name_key(str(raw)): code for raw, code in table.items()}
        for field_name, table in tables["values"].items()
    }
    return Mapping(
        columns=dict(columns),
        values=values,
        separators=dict(tables["separators"]),
        defaults=dict(tables["defaults"]),
        outside_country=outside,
        date_order=order,
        name=name,
    )


def mapping_load(path: Path | str | None) -> Mapping:
    """Read a mapping file; no file means the census form's own columns."""
    if path is None or path == "":
        return Mapping()
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ImportFileError(Message("imports.file_missing", file=path)) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFileError(Message("imports.json_invalid", file=path.name, error=exc)) from exc
    return mapping_from_dict(data, path.name)


def column_field(column: str, mapping: Mapping) -> str | None:
    """The field a column feeds: the mapping first, then known export columns, then the name.

    Columns of groups are paths (``site/workers`` in KoBoToolbox, ``site-workers`` in ODK
    Central): the last part names the field. KoBoToolbox's one-column-per-option copies of a
    select_multiple (``state_services/police``) end in an option, not a field, so they are left.
    """
    if column in mapping.columns:
        return mapping.columns[column]
    if column in BUILT_IN_COLUMNS:
        return BUILT_IN_COLUMNS[column]
    last = column.replace("-", "/").rsplit("/", 1)[-1]
    if last in BUILT_IN_COLUMNS:
        return BUILT_IN_COLUMNS[last]
    if last.startswith("_") and last.endswith("_latitude"):
        return "latitude"
    if last.startswith("_") and last.endswith("_longitude"):
        return "longitude"
    if last in FIELDS:
        return last
    if last == "Latitude":
        return "latitude"
    if last == "Longitude":
        return "longitude"
    return None
