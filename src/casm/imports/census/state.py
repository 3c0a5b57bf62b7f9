"""What every stage of a census import shares: its settings, its state and its problems."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from casm.core.countries import CountryMatcher
from casm.core.messages import Message
from casm.core.models import Country

from .. import pipeline
from ..mapping import Mapping
from ..readers import Record, Source
from ..sites import CountryIndex, SiteRef
from ..values import (
    cell_text,
)
from .result import ImportResult

IMPORT_SQLITE_CACHE_KIB = 256 * 1024
# Distinct values remembered per column (converted once each); beyond it the cache starts over.
CACHE_LIMIT = 200_000
# Formats whose cells are always text (CSV); XLSX cells may be numbers or dates.
TEXT_ONLY_FORMATS = frozenset(("csv", "odk-zip"))
TEXT_COLUMNS = ("site_code", "site_name", "admin1", "admin2", "admin3", "admin4", "team",
                "traceability_scheme", "notes", "source")  # fmt: skip
# The numbers and yes/no answers of a row that the visit's rules read.
VISIT_NUMBERS = ("workers", "men", "women", "boys_under_15", "girls_under_15", "boys_15_17",
                 "girls_15_17", "pits", "max_depth_m", "reached")  # fmt: skip
# Fields whose mapped values apply to each part of a list, not to the whole text.
MAPPED_AS_LISTS = frozenset(("commodities", "commodity", "state_services", "armed_activities",
                             "women_work", "children_work"))  # fmt: skip


class ImporterState:
    """The state of one import, set by ``CensusImporter.__init__``; each stage (columns, rows,
    sites, writing) is a class over it, and ``CensusImporter`` joins them."""

    actor: Any
    source: Source
    mapping: Mapping
    dry_run: bool
    skip_invalid: bool
    log: pipeline.ProblemLog
    progress: Callable[[int, int | None, str], None] | None
    today: datetime.date
    result: ImportResult
    countries: CountryMatcher
    default_country: Country | None
    scope: set[int] | None
    commodities: dict[str, int]
    commodity_codes: dict[str, str]
    indexes: dict[int, CountryIndex]
    seen_ids: dict[str, int]
    had_visits: bool
    content_repeats: dict[str, int]
    location_cache: dict[tuple[str, Any, Any], Message | None]
    collector: str
    area_shapes: dict[int, tuple[list[tuple[int, str, str]], Any] | None]
    site_commodities: set[tuple[int, int]]
    # (site, commodity ids) pairs seen since the last write.
    pending_commodities: dict[tuple[SiteRef, tuple[int, ...]], None]
    touched: dict[int, SiteRef]
    matched_existing: set[int]
    new_sites: list[SiteRef]
    unsaved_sites: list[SiteRef]
    # New sites with an id but no row yet (PostgreSQL: written with the last flush).
    unwritten_sites: list[SiteRef]
    # PostgreSQL: site ids taken from the sequence and not used yet; the visits' open COPY.
    free_ids: list[int]
    stream: Any
    pending_visits: list[tuple[list[SiteRef], list[list[Any]], bool]]
    pending_rows: int
    # With ``update``: rows whose submission was imported before replace that visit's values.
    update: bool
    # The sites of the visits updated, as they were before (their figures are refreshed).
    stale_sites: set[int]
    # (submission ID, checked footprint) of the visits written with a footprint.
    pending_footprints: list[tuple[str, Any]]
    caches: dict[str, dict[Any, Any]]
    flagged: dict[str, set[str]]
    chunk_columns: dict[str, Any]
    created_at: datetime.datetime
    plan: dict[str, list[str]]

    def problem(self, record: Record, column: str, value: Any, message: Message) -> None:
        self.log.add(
            pipeline.Problem(
                self.source.name, message, record.sheet, record.row, column, cell_text(value)
            )
        )

    def file_problem(self, message: Message) -> None:
        self.log.add(pipeline.Problem(self.source.name, message))
