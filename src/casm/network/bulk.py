"""Organisations in and out of the directory as CSV.

Import: one row per organisation with the columns name, acronym, type, country, website,
countries_of_work (separated by ';'); a country is its ISO code or its name
(``casm.core.countries``). An organisation is the same one when its
name and country are: running the import again updates it instead of adding a second. Each
row is checked on its own; a bad row is reported with its number and changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from casm.accounts.models import Organisation
from casm.core import messages, tables
from casm.core.countries import CountryMatcher
from casm.core.messages import Message
from casm.imports import pipeline
from casm.network import services

COLUMNS = ["name", "acronym", "type", "country", "website", "countries_of_work"]
REQUIRED = ["name", "type", "country"]
# The column of each field the services name in their messages.
FIELD_COLUMNS = {"kind": "type", "countries_of_work": "countries_of_work"}


@dataclass
class ImportResult(pipeline.ImportResult):
    """A directory import: each row created, updated, left unchanged or skipped."""

    file: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def summary(self) -> Message:
        counts = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": pipeline.count("rows", self.invalid_rows),
        }
        return Message("network.dry_run_summary" if self.dry_run else "network.summary", **counts)


def _kind(value: str) -> str | None:
    wanted = value.strip().lower()
    for code, label in Organisation.Kind.choices:
        if wanted in (code, str(label).lower()):
            return code
    return None


def _row_problems(row: dict[str, str], countries: CountryMatcher) -> list[tuple[str, Message]]:
    """Every problem of a row, as (column, message)."""
    problems: list[tuple[str, Message]] = []
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            problems.append((name, Message("network.empty", field=name)))
    kind_text = (row.get("type") or "").strip()
    if kind_text and _kind(kind_text) is None:
        allowed = ", ".join(Organisation.Kind.values)
        problems.append(("type", Message("network.kind_unknown", value=kind_text, allowed=allowed)))
    name = (row.get("country") or "").strip()
    if name and countries.find(name) is None:
        problems.append(("country", Message("core.country_unknown", value=name)))
    unknown = [c for c in _work_codes(row) if countries.find(c) is None]
    if unknown:
        values = ", ".join(unknown)
        problems.append(("countries_of_work", Message("network.countries_unknown", values=values)))
    return problems


def _work_codes(row: dict[str, str]) -> list[str]:
    codes = [c.strip() for c in (row.get("countries_of_work") or "").split(";")]
    return [c for c in codes if c]


def _row_data(row: dict[str, str], countries: CountryMatcher) -> dict[str, Any]:
    return {
        "name": row["name"].strip(),
        "acronym": (row.get("acronym") or "").strip(),
        "kind": _kind(row.get("type") or ""),
        "country": countries.find(row.get("country") or ""),
        "website": (row.get("website") or "").strip(),
        "countries_of_work": list(dict.fromkeys(countries.find(c) for c in _work_codes(row))),
        "is_network_member": True,
    }


def organisations_import(
    *, actor: Any, stream: TextIO, dry_run: bool = False, name: str = "organisations.csv"
) -> ImportResult:
    """Create or update the organisations of a CSV file, each row on its own (a bad row is
    reported and changes nothing; the others are kept)."""
    if not services.is_secretariat(actor):
        raise PermissionDenied(_("Only the secretariat keeps the network directory."))
    reader = csv.DictReader(stream)
    result = ImportResult(file=name, dry_run=dry_run)
    log = pipeline.ProblemLog()
    missing = [column for column in REQUIRED if column not in (reader.fieldnames or [])]
    if missing:
        log.add(pipeline.Problem(name, Message("network.columns_missing", columns=missing), row=1))
        result.adopt(log)
        return result
    countries = CountryMatcher()
    for number, row in enumerate(reader, start=2):
        result.rows += 1
        problems = _row_problems(row, countries)
        if not problems:
            problems = _row_write(actor, result, _row_data(row, countries), dry_run=dry_run)
        for column, message in problems:
            value = str(row.get(column) or "")[:200]
            log.add(pipeline.Problem(name, message, row=number, column=column, value=value))
        if problems:
            result.invalid_rows += 1
        else:
            result.valid_rows += 1
    result.adopt(log)
    result.committed = not dry_run and result.valid_rows > 0
    return result


def _row_write(
    actor: Any, result: ImportResult, data: dict[str, Any], *, dry_run: bool
) -> list[tuple[str, Message]]:
    """Create or update one row's organisation in a savepoint (undone on a dry run)."""
    existing = Organisation.objects.filter(name=data["name"], country=data["country"]).first()
    try:
        with pipeline.row_savepoint(keep=not dry_run):
            if existing is None:
                services.network_organisation_create(actor=actor, data=data)
                result.created += 1
                return []
            before = existing.updated_at
            services.network_organisation_update(actor=actor, organisation=existing, data=data)
            existing.refresh_from_db()
            if existing.updated_at == before:
                result.unchanged += 1
            else:
                result.updated += 1
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return [
                (FIELD_COLUMNS.get(field, field), messages.plain(text))
                for field, texts in exc.message_dict.items()
                for text in texts
            ]
        return [("", messages.plain(text)) for text in exc.messages]
    return []


def organisations_csv(organisations: Iterable[Organisation]) -> str:
    """The organisations as CSV, in the columns the import reads."""
    rows: list[list[Any]] = [COLUMNS]
    for org in organisations:
        rows.append(
            [
                org.name,
                org.acronym,
                org.kind,
                org.country.alpha2,
                org.website,
                ";".join(sorted(c.alpha2 for c in org.countries_of_work.all())),
            ]
        )
    return tables.csv_text(rows)
