"""The network's own figures over the years: partnerships, countries with projects, the annual
conference's attendance and countries, documents published and grants awarded.

Public: every figure is a count of organisations, events, documents or awards, never of people
by name. Grant amounts are summed per currency, never across currencies.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear

from casm.core import tables

COLUMNS = [
    "year",
    "partnerships",
    "countries_with_projects",
    "conference_attendees",
    "conference_countries",
    "documents_published",
    "grants_awarded",
    "grant_amounts",
]


def network_series() -> list[dict[str, Any]]:
    """One row per year from the first to the last year with any figure."""
    from casm.events.selectors import statistics_by_year
    from casm.grants.models import Award
    from casm.library.models import Document
    from casm.network.models import Partnership, Project

    conference = {row["year"]: row for row in statistics_by_year()}
    documents = dict(
        Document.objects.filter(status=Document.Status.PUBLISHED, year__isnull=False)
        .values_list("year")
        .annotate(n=Count("pk"))
        .values_list("year", "n")
    )
    awards: dict[int, int] = defaultdict(int)
    amounts: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        Award.objects.annotate(year=ExtractYear("awarded_on"))
        .values("year", "currency")
        .annotate(n=Count("pk"), total=Sum("amount"))
    ):
        awards[row["year"]] += row["n"]
        amounts[row["year"]][row["currency"]] = row["total"]
    partnerships: list[tuple[datetime.date, datetime.date | None]] = list(
        Partnership.objects.values_list("start", "end")
    )
    projects = list(Project.objects.filter(start__isnull=False).values_list("pk", "start", "end"))
    project_countries: dict[int, set[int]] = defaultdict(set)
    for project_id, country_id in Project.countries.through.objects.values_list(
        "project_id", "country_id"
    ):
        project_countries[project_id].add(country_id)

    years: set[int] = set(conference) | {y for y in documents if y} | set(awards)
    years |= {start.year for start, _end in partnerships if start}
    years |= {start.year for _pk, start, _end in projects if start}
    if not years:
        return []
    rows = []
    for year in range(min(years), max(years) + 1):
        active_projects = [
            pk
            for pk, start, end in projects
            if start and start.year <= year and (end is None or end.year >= year)
        ]
        countries = set().union(*(project_countries[pk] for pk in active_projects))
        rows.append(
            {
                "year": year,
                "partnerships": sum(
                    1
                    for start, end in partnerships
                    if start.year <= year and (end is None or end.year >= year)
                ),
                "countries_with_projects": len(countries),
                "conference_attendees": conference.get(year, {}).get("attendees"),
                "conference_countries": conference.get(year, {}).get("countries"),
                "documents_published": documents.get(year, 0),
                "grants_awarded": awards.get(year, 0),
                "grant_amounts": dict(sorted(amounts.get(year, {}).items())),
            }
        )
    return rows


def network_series_csv(rows: list[dict[str, Any]]) -> str:
    lines: list[list[Any]] = [COLUMNS]
    for row in rows:
        amounts = "; ".join(
            f"{total} {currency}" for currency, total in row["grant_amounts"].items()
        )
        lines.append([*(row[c] for c in COLUMNS[:-1]), amounts])
    return tables.csv_text(lines)
