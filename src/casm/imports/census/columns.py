"""The census import's first stage: columns and their values, converted once per distinct text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from casm.core.messages import Message
from casm.core.models import Country
from casm.registry import validation

from ..mapping import column_field
from ..readers import Record
from ..values import (
    cell_text,
    parse_date,
    parse_location,
    to_float,
)
from .state import (
    CACHE_LIMIT,
    MAPPED_AS_LISTS,
    TEXT_ONLY_FORMATS,
    ImporterState,
)


class ColumnReader(ImporterState):
    """Which column feeds which field, and each column's values read and checked in bulk."""

    def _plan(self, columns: list[str]) -> dict[str, list[str]]:
        plan: dict[str, list[str]] = {}
        for column in columns:
            target = column_field(column, self.mapping)
            if target:
                plan.setdefault(target, []).append(column)
        if self.source.kind == "geojson":
            plan.setdefault("latitude", ["_latitude"])
            plan.setdefault("longitude", ["_longitude"])
        return plan

    def check_columns(self) -> bool:
        """The file must say where each site is and what it is called."""
        given = set(self.plan) | {
            name for name, value in self.mapping.defaults.items() if value not in (None, "")
        }
        missing: list[Any] = []
        if not ({"latitude", "longitude"} <= given or "location" in given):
            missing.append(Message("imports.place_columns"))
        if not {"site_name", "site_code"} & given:
            missing.append("site_name")
        if not {"date", "submission_time"} & given:
            missing.append("date")
        if missing:
            found = ", ".join(self.source.columns[:40]) or "-"
            self.file_problem(Message("imports.columns_missing", columns=missing, found=found))
            return False
        return True

    def _texts(self, records: list[Record], name: str) -> tuple[list[str], str]:
        """The text of field ``name`` in each record (first non-empty column, else the default),
        and the column to name in problems."""
        columns = self.plan.get(name, ())
        default = self.mapping.defaults.get(name)
        fallback = cell_text(default) if default is not None else ""
        label = columns[0] if columns else (name if default is not None else "")
        if not columns:
            return [fallback] * len(records), label
        if len(columns) == 1:
            column = columns[0]
            raw = self.chunk_columns.get(column)
            if raw is None:
                raw = [record.values.get(column) for record in records]
            if self.source.kind in TEXT_ONLY_FORMATS:
                texts = list(map(str.strip, raw))
            else:
                texts = [v.strip() if v.__class__ is str else cell_text(v) for v in raw]
        else:
            texts = []
            for record in records:
                found = ""
                for column in columns:
                    found = cell_text(record.values.get(column))
                    if found:
                        break
                texts.append(found)
        if fallback:
            texts = [text or fallback for text in texts]
        if name in self.mapping.values and name not in MAPPED_AS_LISTS:
            texts = [(self.mapping.value(name, text) or "") if text else "" for text in texts]
        return texts, label

    def _convert(
        self,
        texts: list[str],
        name: str,
        column: str,
        convert: Callable[[str], tuple[Any, Message | None]],
        row_problems: dict[int, list[tuple[str, str, Message]]],
    ) -> list[Any]:
        """Convert a column's texts, each distinct text once (censuses repeat their values)."""
        cache = self.caches.setdefault(name, {})
        flagged = self.flagged.setdefault(name, set())  # texts that have a problem
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        hits: list[Any] = list(map(cache.get, texts))
        if None in hits:
            for index, hit in enumerate(hits):
                if hit is None:
                    text = texts[index]
                    hit = hits[index] = cache[text] = convert(text)
                    if hit[1] is not None:
                        flagged.add(text)
        if flagged and not flagged.isdisjoint(texts):
            for index, hit in enumerate(hits):
                if hit[1] is not None:
                    row_problems.setdefault(index, []).append((column, texts[index], hit[1]))
        return [hit[0] for hit in hits]

    def _list_converter(self, name: str) -> Callable[[str], tuple[Any, Message | None]]:
        separator = self.mapping.separators.get(name)

        def convert(text: str) -> tuple[Any, Message | None]:
            codes: list[str] = []
            for part in text.split(separator) if separator else text.split():
                part = part.strip()
                code = self.mapping.value(name, part) if part else None
                if code and code not in codes:
                    codes.append(code)
            problems = validation.choice_problems({name: codes})
            message = None
            if problems:
                said = [found for _field, found in problems]
                message = said[0] if len(said) == 1 else Message("imports.several", items=said)
            return (codes, json.dumps(codes, ensure_ascii=False)), message

        return convert

    def _date_converter(self) -> Callable[[str], tuple[Any, Message | None]]:
        def convert(text: str) -> tuple[Any, Message | None]:
            if not text:
                return None, Message("registry.date_missing")
            try:
                date = parse_date(text, self.mapping.date_order)
            except ValueError:
                return None, Message("imports.not_a_date", value=text)
            return date.isoformat(), validation.date_problem(date, today=self.today)

        return convert

    def _country_converter(self) -> Callable[[str], tuple[Any, Message | None]]:
        def convert(text: str) -> tuple[Any, Message | None]:
            country: Country | None
            if not text:
                if self.default_country is None:
                    return None, Message("imports.country_missing")
                country = self.default_country
            else:
                country = self.countries.find(text)
                if country is None:
                    return None, Message("core.country_unknown", value=text)
            if self.scope is not None and country.pk not in self.scope:
                return None, Message("imports.country_out_of_scope")
            return country, None

        return convert

    def _commodity_code(self, raw: str) -> tuple[str | None, Message | None]:
        """(code, problem) of a commodity named in a file; (None, None) when mapped away."""
        mapped = self.mapping.value("commodities", raw)
        if not mapped:
            return None, None
        code = self.commodity_codes.get(mapped) or self.commodity_codes.get(
            validation.name_key(mapped)
        )
        if code is None:
            return None, Message("registry.commodity_unknown", value=raw)
        return code, None

    def _commodities(
        self, records: list[Record], row_problems: dict[int, list[tuple[str, str, Message]]]
    ) -> list[tuple[str, tuple[int, ...]]]:
        """(JSON, commodity ids) of each record: repeat groups, main-row columns or lists."""
        single, single_column = self._texts(records, "commodity")
        selling, _column = self._texts(records, "selling_point")
        destination, _column = self._texts(records, "destination")
        listed = []
        for column in self.plan.get("commodities", ()):
            raw = self.chunk_columns.get(column)
            if raw is None:
                raw = [record.values.get(column) for record in records]
            listed.append((column, [cell_text(value) for value in raw]))
        separator = self.mapping.separators.get("commodities")
        cache = self.caches.setdefault("commodities", {})
        out = []
        default = self.mapping.defaults.get("commodities")
        default_raw = [("commodities", cell_text(default))] if default else []
        for index, record in enumerate(records):
            raw = [(column, texts[index]) for column, texts in listed if texts[index]]
            if not raw and not single[index]:
                raw = default_raw
            if not record.repeats and not single[index]:
                key = tuple(raw)
                hit = cache.get(key)
                if hit is None:
                    if len(cache) > CACHE_LIMIT:
                        cache.clear()
                    hit = cache[key] = self._commodity_items(raw, [], separator)
                out.append(hit[0])
                if hit[1]:
                    row_problems.setdefault(index, []).extend(hit[1])
                continue
            entries = []
            for group_rows in record.repeats.values():
                for item in group_rows:
                    values = {
                        column_field(k, self.mapping) or k: cell_text(v) for k, v in item.items()
                    }
                    if values.get("commodity"):
                        entries.append(
                            (values["commodity"], values.get("selling_point", ""),
                             values.get("destination", ""))
                        )  # fmt: skip
            if single[index]:
                entries.append((single[index], selling[index], destination[index]))
            items, problems = self._commodity_items(raw, entries, separator, single_column)
            out.append(items)
            row_problems.setdefault(index, []).extend(problems) if problems else None
        return out

    def _commodity_items(
        self,
        raw: list[tuple[str, str]],
        entries: list[tuple[str, str, str]],
        separator: str | None,
        entry_column: str = "commodity",
    ) -> tuple[tuple[str, tuple[int, ...]], list[tuple[str, str, Message]]]:
        items: list[dict[str, str]] = []
        problems: list[tuple[str, str, Message]] = []
        seen: set[str] = set()
        named = [(entry_column, *entry) for entry in entries]
        for column, text in raw:
            for part in text.split(separator) if separator else text.split():
                if part.strip():
                    named.append((column, part.strip(), "", ""))
        for column, name, selling_point, destination in named:
            code, problem = self._commodity_code(name)
            if problem:
                problems.append((column, name, problem))
            elif code and code not in seen:
                seen.add(code)
                items.append(
                    {"commodity": code, "selling_point": selling_point, "destination": destination}
                )
        ids = tuple(self.commodities[item["commodity"]] for item in items)
        return (json.dumps(items, ensure_ascii=False), ids), problems

    def _locations(
        self, records: list[Record], row_problems: dict[int, list[tuple[str, str, Message]]]
    ) -> tuple[list[Any], list[Any], str, str]:
        """Latitudes and longitudes (None where unusable), and the columns they come from."""
        if self.source.kind == "geojson":
            latitudes = [record.values.get("_latitude") for record in records]
            longitudes = [record.values.get("_longitude") for record in records]
            return latitudes, longitudes, "geometry", "geometry"
        lat_texts, lat_column = self._texts(records, "latitude")
        lon_texts, lon_column = self._texts(records, "longitude")
        if "location" in self.plan:
            point_texts, point_column = self._texts(records, "location")
            for index, text in enumerate(point_texts):
                if text and not (lat_texts[index] or lon_texts[index]):
                    try:
                        latitude, longitude = parse_location(text)
                        lat_texts[index], lon_texts[index] = repr(latitude), repr(longitude)
                        lat_column = lat_column or point_column
                        lon_column = lon_column or point_column
                    except ValueError:
                        message = Message("imports.not_a_location", value=text)
                        row_problems.setdefault(index, []).append((point_column, text, message))
        latitudes = self._convert(
            lat_texts, "latitude", lat_column or "latitude", to_float, row_problems
        )  # noqa: E501
        longitudes = self._convert(
            lon_texts, "longitude", lon_column or "longitude", to_float, row_problems
        )  # noqa: E501
        return latitudes, longitudes, lat_column or "latitude", lon_column or "longitude"
