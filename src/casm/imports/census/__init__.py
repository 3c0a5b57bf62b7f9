"""The census importer: rows of a field census become registry sites and site visits.

The rules are the registry's own (``casm.registry.validation``, with the services' messages),
applied by plain functions (in bulk for ordinary rows); the writes are bulk inserts inside one
transaction, so a million rows import in about a minute on SQLite. Choices made for speed and
clarity:

* **Sites** are found by site code when a row gives one; otherwise by country, folded name and a
  point within 500 m. So the same site repeated in a file (or already in the registry) gets the
  new rows as *visits*. A new site whose name is only *similar* to one within 500 m (or which
  reuses a name nearby under another code) is created and flagged with ``duplicate_of`` for
  review, as ``site_create`` does. A matched site keeps its details; it gains the commodities.
* **Visits** are keyed on the submission ID (``_uuid``, ``KEY``, ``instanceID``); rows without
  one (GeoJSON, plain files) get a UUID5 of their content, so importing a file again changes
  nothing. The same ID twice in one file is an error.
* **Audit**: one audit event per import (source "import") sums it up (file, counts, sites
  created): an event per row would cost more than the import itself. The rows stay traceable by
  their submission IDs.
* **All or nothing** by default: with any problem nothing is written (the transaction rolls
  back); ``skip_invalid`` keeps the valid rows. A dry run reads and checks everything, writing
  nothing. The transaction, the problems and the report are the import pipeline's
  (``casm.imports.pipeline``).

The package is split by stage, each a class over the import's state (``state.py``), joined by
``importer.CensusImporter``: ``columns.py`` (which column feeds which field; values converted
once per distinct text), ``rows.py`` (checks across a row's fields), ``matching.py`` (the site
of each row), ``writing.py`` (bulk inserts), ``result.py`` (what the import says it did).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.areas import country_has_areas
from casm.core.models import Country
from casm.registry.services import registry_version_bump, sites_assign_areas

from .. import pipeline
from ..mapping import Mapping
from ..readers import ImportFileError, open_census_file
from ..values import parse_date
from .importer import CensusImporter
from .result import ImportResult
from .state import IMPORT_SQLITE_CACHE_KIB

__all__ = ["CensusImporter", "ImportResult", "census_import", "parse_date"]


def _audit_import(actor: Any, result: ImportResult, country_ids: list[int]) -> None:
    """One audit event sums the import up (see the module's docstring for why)."""
    pipeline.audit_summary(
        actor=actor,
        model="registry.sitevisit",
        title=_("Census import of %(file)s") % {"file": result.file[:150]},
        changes={
            "file": result.file,
            "format": result.format,
            "countries": sorted(country_ids),
            "visits_created": result.visits_created,
            "visits_unchanged": result.visits_unchanged,
            "visits_updated": result.visits_updated,
            "sites_created": result.sites_created,
            "sites_flagged": result.sites_flagged,
            "rows_skipped": result.invalid_rows,
        },
    )


@contextlib.contextmanager
def _sqlite_settings(kibibytes: int) -> Iterator[bool]:
    """SQLite settings for the import only, put back after it.

    A bigger page cache: inserting into the visits' indexes (random submission UUIDs) otherwise
    reads pages from disk again and again. When the import runs its own transaction, temporary
    B-trees in memory and ``synchronous = OFF`` too: the import is one transaction (all or nothing)
    and the journal stays WAL, so a crash loses at most this import, never older data. Then the
    foreign keys are checked once, table by table, before the commit (:func:`_check_references`)
    rather than at each of a million inserts (the way Django loads fixtures): yields whether so.
    """
    if connection.vendor != "sqlite":
        yield False
        return
    own_transaction = not connection.in_atomic_block
    with connection.cursor() as cursor:
        before = {}
        names = ["cache_size"] + (["temp_store", "synchronous"] if own_transaction else [])
        for name in names:
            cursor.execute(f"PRAGMA {name}")
            before[name] = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(kibibytes)}")
        if own_transaction:
            cursor.execute("PRAGMA temp_store = MEMORY")
            cursor.execute("PRAGMA synchronous = OFF")
    checks_off = own_transaction and connection.disable_constraint_checking()
    try:
        yield checks_off
    finally:
        if checks_off:
            connection.enable_constraint_checking()
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"PRAGMA {name} = {value}")


def _check_references() -> None:
    """Every reference the import wrote points at a row (raises IntegrityError otherwise, and
    the import rolls back): the tables an import and what follows it write."""
    from casm.core.models import AuditEvent
    from casm.licensing.models import SiteStanding
    from casm.registry.models import Site, SiteFootprint, SiteVisit

    tables = [model._meta.db_table for model in (Site, SiteVisit, SiteFootprint, SiteStanding,
                                                 AuditEvent)]  # fmt: skip
    tables.append(Site.commodities.through._meta.db_table)
    connection.check_constraints(table_names=tables)


def census_import(
    *,
    actor: Any,
    path: Path | str,
    mapping: Mapping | None = None,
    country: Country | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    report_path: Path | str | None = None,
    progress: Callable[[int, int | None, str], None] | None = None,
    today: datetime.date | None = None,
    update: bool = False,
) -> ImportResult:
    """Import a census file (CSV, XLSX, ODK Central zip, GeoJSON) into the registry.

    Returns what happened; problems are reported as (file, sheet, row, column, value, message)
    and, with ``report_path``, written to a CSV file. Nothing is written on a dry run, nor in
    all-or-nothing mode (the default) when any row has a problem. Permissions: the actor must
    edit the registry of each row's country (rows of other countries are problems). With
    ``update``, a row whose submission was imported before replaces that visit's values (and
    moves it to the row's site), so a file imported with a wrong mapping is put right by
    importing it again with the corrected one; without it such rows change nothing.
    """
    path = Path(path)
    permissions.require(actor, "registry.import", country=country)
    mapping = mapping or Mapping()
    with pipeline.report_file(report_path) as report:
        try:
            source = open_census_file(path)
        except ImportFileError as exc:
            result = ImportResult(file=path.name, dry_run=dry_run)
            log = pipeline.ProblemLog(report)
            log.add(pipeline.Problem(path.name, exc.message))
            result.adopt(log)
            return result
        importer = CensusImporter(
            actor=actor, source=source, mapping=mapping, country=country, dry_run=dry_run,
            skip_invalid=skip_invalid, report=report, progress=progress, today=today,
            update=update,
        )  # fmt: skip
        if dry_run:
            return importer.run()

        def finish() -> None:
            importer.refresh_sites()
            country_ids = {ref.new["country_id"] for ref in importer.new_sites if ref.new}
            country_ids.update(index.country.pk for index in importer.indexes.values())
            from casm.licensing.services import site_standings_update

            for country_id in country_ids:
                if country_has_areas(country_id):
                    sites_assign_areas(country_id=country_id, unplaced_only=True)
                site_standings_update(country_id=country_id)  # nothing without a cadastre
            _audit_import(actor, importer.result, sorted(country_ids))
            if checks_off:
                _check_references()

        with _sqlite_settings(IMPORT_SQLITE_CACHE_KIB) as checks_off:
            pipeline.run(
                result=importer.result, work=importer.run, skip_invalid=skip_invalid,
                finish=finish,
            )  # fmt: skip
        result = importer.result
        if result.committed:
            registry_version_bump(importer.indexes.keys())
        return result
