"""Organisations in and out of the directory as CSV.

Import: one row per organisation with the columns name, acronym, type, country, website,
countries_of_work (alpha-2 codes separated by ';'). An organisation is the same one when its
name and country are: running the import again updates it instead of adding a second. Each
row is checked on its own; a bad row is reported with its number and changes nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from casm.accounts.models import Organisation
from casm.core import tables
from casm.core.models import Country
from casm.network import services

COLUMNS = ["name", "acronym", "type", "country", "website", "countries_of_work"]
REQUIRED = ["name", "type", "country"]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _kind(value: str) -> str | None:
    wanted = value.strip().lower()
    for code, label in Organisation.Kind.choices:
        if wanted in (code, str(label).lower()):
            return code
    return None


def _row_data(row: dict[str, str], countries: dict[str, Country]) -> dict[str, Any]:
    problems: list[str] = []
    for name in REQUIRED:
        if not (row.get(name) or "").strip():
            problems.append(f"{name} is empty")
    kind = _kind(row.get("type") or "")
    if (row.get("type") or "").strip() and kind is None:
        problems.append(
            f"unknown type {row['type']!r} (one of: {', '.join(Organisation.Kind.values)})"
        )
    code = (row.get("country") or "").strip().upper()
    if code and code not in countries:
        problems.append(f"unknown country {code!r}")
    work_codes = [c.strip().upper() for c in (row.get("countries_of_work") or "").split(";")]
    work_codes = [c for c in work_codes if c]
    unknown = [c for c in work_codes if c not in countries]
    if unknown:
        problems.append(f"unknown countries of work: {', '.join(unknown)}")
    if problems:
        raise ValueError("; ".join(problems))
    return {
        "name": row["name"].strip(),
        "acronym": (row.get("acronym") or "").strip(),
        "kind": kind,
        "country": countries[code],
        "website": (row.get("website") or "").strip(),
        "countries_of_work": [countries[c] for c in work_codes],
        "is_network_member": True,
    }


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
    return " ".join(exc.messages)


def organisations_import(*, actor: Any, stream: TextIO, dry_run: bool = False) -> ImportResult:
    """Create or update the organisations of a CSV file, row by row."""
    if not services.is_secretariat(actor):
        raise PermissionDenied("Only the secretariat keeps the network directory.")
    reader = csv.DictReader(stream)
    missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
    result = ImportResult()
    if missing:
        result.errors.append((1, f"missing columns: {', '.join(missing)}"))
        return result
    countries = {c.alpha2: c for c in Country.objects.all()}
    for number, row in enumerate(reader, start=2):
        try:
            data = _row_data(row, countries)
        except ValueError as exc:
            result.errors.append((number, str(exc)))
            continue
        existing = Organisation.objects.filter(name=data["name"], country=data["country"]).first()
        try:
            with transaction.atomic():
                if existing is None:
                    if not dry_run:
                        services.network_organisation_create(actor=actor, data=data)
                    result.created += 1
                    continue
                before = existing.updated_at
                if dry_run:
                    result.updated += 1
                    continue
                services.network_organisation_update(actor=actor, organisation=existing, data=data)
                existing.refresh_from_db()
                if existing.updated_at == before:
                    result.unchanged += 1
                else:
                    result.updated += 1
        except ValidationError as exc:
            result.errors.append((number, _message(exc)))
    return result


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
