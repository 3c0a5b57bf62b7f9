"""The public incident statistics as rows with their labels, and as CSV or XLSX through the
core table writer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from casm.core.countries import country_names
from casm.core.tables import ExportFile, Table, table_export

from .models import FAMILY_OF, IncidentFamily, IncidentKind

COLUMNS = [
    "country", "country_name", "year", "province", "family", "kind", "kind_label", "reported",
    "confirmed",
]  # fmt: skip


def labelled(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each count with the country's and the kind's names in the reader's language."""
    kinds = dict(IncidentKind.choices)
    families = dict(IncidentFamily.choices)
    names = country_names()
    out = []
    for row in rows:
        out.append({
            "country": row["country__alpha2"],
            "country_name": names.get(row["country__alpha2"], row["country__alpha2"]),
            "year": row["year"],
            "province": row["province"] or _("not stated"),
            "family": str(families.get(FAMILY_OF.get(row["kind"], ""), "")),
            "kind": row["kind"],
            "kind_label": str(kinds.get(row["kind"], row["kind"])),
            "reported": row["reported"],
            "confirmed": row["confirmed"],
        })  # fmt: skip
    return out


def statistics_table(rows: Any) -> Table:
    def read() -> Iterator[dict[str, Any]]:
        yield from labelled(rows.iterator())

    return Table(name="incident-statistics", columns=COLUMNS, rows=read)


def statistics_export(rows: Any, fmt: str) -> ExportFile:
    """CSV or XLSX (no GeoJSON: the counts have no place finer than a province)."""
    return table_export(statistics_table(rows), fmt)
