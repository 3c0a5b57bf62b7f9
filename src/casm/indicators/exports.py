"""The country profile as CSV: every figure on its own row, with its unit and its source."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from casm.core import tables

SUPPRESSED = "<5"
HEADER = ["section", "indicator", "item", "year", "value", "unit", "source"]


def _cell_text(cell: dict[str, Any]) -> str:
    if cell.get("suppressed"):
        return SUPPRESSED
    return "" if cell.get("value") is None else str(cell["value"])


def profile_csv_rows(profile: dict[str, Any]) -> list[list[Any]]:
    """Rows of the CSV; suppressed cells read "<5", as on the page."""
    registry = _("CASM registry")
    name = profile["country"]["name"]
    rows: list[list[Any]] = [HEADER]
    for estimate in profile["estimates"]:
        rows.append(
            [
                "workforce",
                "best estimate" if estimate["is_best"] else "estimate",
                name,
                estimate["year"] or "",
                "" if estimate["value"] is None else estimate["value"],
                "people"
                + (
                    f" (range {estimate['low']}-{estimate['high']})"
                    if estimate["low"] is not None and estimate["high"] is not None
                    else ""
                ),
                " ".join(part for part in (estimate["source"], estimate["source_url"]) if part),
            ]
        )
    sites = profile["sites"]
    rows.append(["sites", "sites", "all", "", sites["total"], "sites", registry])
    rows.append(["sites", "visits", "all", "", sites["visits"], "visits", registry])
    for row in profile["sites_by_commodity"]:
        rows.append(
            ["sites", "sites by commodity", row["code"], "", row["sites"], "sites", registry]
        )
    for row in profile["sites_by_legal_status"]:
        rows.append(
            ["sites", "sites by legal status", row["status"], "", row["sites"], "sites", registry]
        )
    people = profile["people"]
    for key, unit in (
        ("workers", "people"),
        ("women", "people"),
        ("women_share", "%"),
        ("children", "people"),
        ("children_share", "%"),
    ):
        rows.append(["people", key, "counted workers", "", _cell_text(people[key]), unit, registry])
    for key in ("formalization", "mercury", "armed"):
        figure = profile[key]
        value = figure.get("rate", figure.get("share"))
        rows.append(
            [
                "conditions",
                {"formalization": "formalization rate", "mercury": "sites with mercury use",
                 "armed": "sites with armed interference"}[key],
                f"of {figure['known']} sites where known",
                "",
                "" if value is None else value,
                "%",
                registry,
            ]
        )  # fmt: skip
    production_source = "; ".join(s["source"] for s in profile["production_sources"]) or registry
    for series in profile["production"]:
        for year in series["years"]:
            rows.append(
                [
                    "production",
                    "production",
                    series["code"],
                    year["year"],
                    round(year["quantity"], 4),
                    series["unit"],
                    production_source,
                ]
            )
    return rows


def profile_csv(profile: dict[str, Any]) -> str:
    return tables.csv_text(profile_csv_rows(profile))
