"""The census import's writes, in bulk, inside the import's one transaction."""

from __future__ import annotations

import itertools
import json
from typing import Any

from django.db import connection

from casm.core.bulk import CopyStream, copy_into_temporary, copy_rows
from casm.registry import validation
from casm.registry.models import Site, SiteFootprint, SiteVisit

from .. import mapping as fields
from ..sites import SiteRef, site_refresh_current_bulk
from .state import (
    ImporterState,
)

# A site's current figures, copied from its latest visit: (first, last, *latest[1:]) of a SiteRef.
FIGURES = ("first_visit", "last_visit", "workers", "women", "children", "children_present",
           "armed_presence", "mercury_use")  # fmt: skip


def _figures_of(ref: SiteRef) -> tuple[Any, ...]:
    """A new site's current figures, in the order of FIGURES, from the visits of the import."""
    latest = ref.latest or (None,) * 7
    return (ref.first, ref.last, *latest[1:])


class VisitWriter(ImporterState):
    """Bulk writes of the new sites, the visits and the sites' commodities."""

    def _queue_visits(
        self,
        valid: list[int],
        refs: list[SiteRef],
        countries: list[Any],
        dates: list[Any],
        submissions: list[str],
        reasons: list[str],
        text: dict[str, list[str]],
        numbers: dict[str, list[Any]],
        lists: dict[str, list[Any]],
        commodities: list[tuple[str, tuple[int, ...]]],
        footprints: dict[int, validation.Footprint],
        *,
        replace: bool = False,
    ) -> None:
        """Queue the chunk's valid rows for writing, column by column, and keep what the sites'
        current figures need (so new sites need no query after)."""
        whole = len(valid) == len(countries)

        def pick(values: list[Any]) -> list[Any]:
            return values if whole else [values[index] for index in valid]

        columns = [
            [country.id for country in pick(countries)],
            pick(dates),
            [team[:200] for team in pick(text["team"])],
            pick(submissions),
            pick(numbers["reached"]),
            pick(reasons),
            *[pick(numbers[name]) for name in fields.INT_FIELDS],
            pick(numbers["max_depth_m"]),
            pick(numbers["armed_presence"]),
            [scheme[:100] for scheme in pick(text["traceability_scheme"])],
            pick(numbers["mercury_use"]),
            pick(text["notes"]),
            [items[0] for items in pick(commodities)],
            *[[converted[1] for converted in pick(lists[name])] for name in fields.LIST_FIELDS],
            [
                json.dumps(footprints[index].geometry) if index in footprints else None
                for index in valid
            ],
        ]
        self.pending_footprints.extend(
            (submissions[index], footprints[index]) for index in valid if index in footprints
        )
        self.pending_visits.append((refs, columns, replace))
        self.pending_rows += len(refs)
        # Each site's commodities: the (site, commodity ids) pairs, once each.
        self.pending_commodities.update(
            dict.fromkeys(zip(refs, [commodities[index][1] for index in valid], strict=True))
        )
        self.touched.update(zip(map(id, refs), refs, strict=True))
        reached, workers, women = numbers["reached"], numbers["workers"], numbers["women"]
        for index, ref in zip(valid, refs, strict=True):
            if ref.new is None:
                continue  # an existing site's figures are refreshed in SQL after
            date = dates[index]
            if ref.first is None or date < ref.first:
                ref.first = date
            if ref.last is None or date > ref.last:
                ref.last = date
            if reached[index] and (ref.latest is None or date >= ref.latest[0]):
                parts = [numbers[name][index] for name in validation.CHILD_FIELDS]
                children = None if all(p is None for p in parts) else sum(p or 0 for p in parts)
                ref.latest = (
                    date, workers[index], women[index], children,
                    (children > 0) if children is not None else None,
                    numbers["armed_presence"][index], numbers["mercury_use"][index],
                )  # fmt: skip

    def _writing(self) -> bool:
        return not self.dry_run and (self.skip_invalid or self.log.count == 0)

    def _existing_submissions(self, ids: list[str]) -> dict[str, int]:
        """The submission IDs among ``ids`` already imported, with their visits' sites."""
        found: dict[str, int] = {}
        if not self.had_visits:
            return found
        quote = connection.ops.quote_name
        table = quote(SiteVisit._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, len(ids), 900):
                batch = ids[start : start + 900]
                marks = ", ".join(["%s"] * len(batch))
                cursor.execute(
                    f"SELECT submission_id, site_id FROM {table} WHERE submission_id IN ({marks})",  # noqa: S608, E501
                    batch,
                )
                found.update((row[0], row[1]) for row in cursor.fetchall())
        return found

    def _flush(self, *, final: bool = False) -> None:
        """Write the new sites, the visits and the site commodities gathered so far.

        On PostgreSQL a new site gets its id from the sequence here, but its row is written
        with the last flush (``final``), its current figures in it: the visits may point at it
        before (the foreign keys are checked at the commit), and the sites need no UPDATE
        after, which on a table of many indexes costs as much as the insert.
        """
        if connection.vendor == "postgresql":
            self._stream_visits()
            if not final:
                return  # the site commodities too are written with the last flush
            if self.stream is not None:
                self.stream.close()
        created, self.unsaved_sites = self.unsaved_sites, []
        if created:
            for ref in created:
                if ref.duplicate is not None and ref.duplicate.pk is not None:
                    ref.new["duplicate_of_id"] = ref.duplicate.pk  # type: ignore[index]
            ids = self._insert_sites([ref.new for ref in created if ref.new is not None])
            for ref, pk in zip(created, ids, strict=True):
                ref.pk = pk
            # A duplicate among the sites new in the same chunk gets its id now.
            for ref in created:
                if ref.duplicate is not None and ref.new["duplicate_of_id"] is None:  # type: ignore[index]
                    Site.objects.filter(pk=ref.pk).update(duplicate_of_id=ref.duplicate.pk)  # type: ignore[misc]
        if final and self.unwritten_sites:
            self._insert_sites_with_figures()
        if self.pending_visits:
            self._insert_visits()
        pairs = []
        for ref, commodities in self.pending_commodities:
            for commodity in commodities:
                pair = (ref.pk, commodity)
                if pair not in self.site_commodities:
                    self.site_commodities.add(pair)  # type: ignore[arg-type]
                    pairs.append(pair)
        if pairs:
            through = connection.ops.quote_name(Site.commodities.through._meta.db_table)
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    columns = ["site_id", "commodity_id"]
                    copy_into_temporary(cursor, "casm_import_pairs", through, columns, pairs)
                    cursor.execute(
                        f"INSERT INTO {through} (site_id, commodity_id)"  # noqa: S608
                        " SELECT site_id, commodity_id FROM casm_import_pairs"
                        " ON CONFLICT DO NOTHING"
                    )
                else:
                    cursor.executemany(
                        f"INSERT OR IGNORE INTO {through} (site_id, commodity_id) VALUES (%s, %s)",  # noqa: S608
                        pairs,
                    )
        self.pending_commodities.clear()

    def _stream_visits(self) -> None:
        """PostgreSQL: the new sites of the rows read get their ids, and the visits go into
        the import's open COPY (:class:`casm.core.bulk.CopyStream`) at once: the server
        inserts them while the next chunk is read and checked."""
        created, self.unsaved_sites = self.unsaved_sites, []
        if created:
            for ref, pk in zip(created, self._sequence_ids(len(created)), strict=True):
                ref.pk = pk
            self.unwritten_sites.extend(created)
        if self.pending_visits:
            self._insert_visits()

    def _sequence_ids(self, count: int) -> list[int]:
        """``count`` new site ids from the table's sequence (PostgreSQL), taken in growing
        batches (at most as many as the import has made so far, up to 10,000), so that a big
        import pauses its COPY for them rarely and a small one leaves no gap of unused ids."""
        if len(self.free_ids) < count:
            wanted = max(count - len(self.free_ids), min(len(self.new_sites), 10_000))
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Site._meta.db_table, wanted],
                )
                self.free_ids.extend(sorted(row[0] for row in cursor.fetchall()))
        taken, self.free_ids = self.free_ids[:count], self.free_ids[count:]
        return taken

    def _insert_sites_with_figures(self) -> None:
        """The new sites whose ids were taken (PostgreSQL), with their current figures."""
        sites, self.unwritten_sites = self.unwritten_sites, []
        rows = []
        for ref in sites:
            duplicate = ref.duplicate.pk if ref.duplicate is not None else None
            figures = dict(zip(FIGURES, _figures_of(ref), strict=True))
            rows.append({**ref.new, **figures, "duplicate_of_id": duplicate})  # type: ignore[dict-item]
            ref.figures_written = True
        self._insert_sites(rows, [ref.pk for ref in sites])  # type: ignore[misc]

    def _insert_sites(self, sites: list[dict[str, Any]], ids: list[int] | None = None) -> list[int]:
        """Insert new sites and return their ids.

        The ids are given here, so the rows go in without the ORM building an INSERT for each
        object (which would take most of the import's time): on SQLite after the largest (the
        import's transaction holds the write lock, so nobody else inserts meanwhile), on
        PostgreSQL from the table's sequence (``ids``, taken before); there the rows go in by
        COPY.
        """
        template = Site()
        columns = [f for f in Site._meta.concrete_fields if not f.primary_key]
        fixed = {
            f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in columns
        }
        created_at = connection.ops.adapt_datetimefield_value(self.created_at)
        fixed["created_at"] = fixed["updated_at"] = created_at
        quote = connection.ops.quote_name
        table = quote(Site._meta.db_table)
        with connection.cursor() as cursor:
            if ids is None:  # SQLite (PostgreSQL's come from the sequence, taken before)
                cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 (the model's table)
                first_id = (cursor.fetchone()[0] or 0) + 1
                ids = list(range(first_id, first_id + len(sites)))
            rows = []
            for pk, site in zip(ids, sites, strict=True):
                rows.append((pk, *[site.get(f.attname, fixed[f.attname]) for f in columns]))
            names = ", ".join(quote(str(f.column)) for f in [Site._meta.pk, *columns])
            if connection.vendor == "postgresql":
                copy_rows(cursor, f"{table} ({names})", rows)
            else:
                marks = ", ".join(["%s"] * (len(columns) + 1))
                cursor.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608 (the model's)
                    rows,
                )
        return ids

    def _insert_visits(self) -> None:
        table = SiteVisit._meta.db_table
        names = ["site_id", "country_id", "date", "team", "submission_id", "reached",
                 "not_reached_reason", *fields.INT_FIELDS, "max_depth_m", "armed_presence",
                 "traceability_scheme", "mercury_use", "notes", "commodities",
                 *fields.LIST_FIELDS, "footprint", "created_at"]  # fmt: skip
        cast = "::jsonb" if connection.vendor == "postgresql" else ""
        placeholders = ["%s"] * (len(names) - 7) + [f"%s{cast}"] * 6 + ["%s"]
        quote = connection.ops.quote_name
        # Table and column names come from the model, never from the file.
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
            f"VALUES ({', '.join(placeholders)})"
        )
        created_at = connection.ops.adapt_datetimefield_value(self.created_at)
        rows: list[tuple] = []
        replaced: list[tuple] = []
        # An update sets every column but the submission ID (its key) and the creation time.
        key = names.index("submission_id")
        kept = [i for i, name in enumerate(names[:-1]) if i != key]
        for refs, columns, replace in self.pending_visits:
            site_ids = [ref.pk for ref in refs]
            if not replace:
                rows.extend(zip(site_ids, *columns, itertools.repeat(created_at), strict=False))
                continue
            for row in zip(site_ids, *columns, strict=False):
                replaced.append((*[row[i] for i in kept], row[key]))
        if rows and connection.vendor == "postgresql":
            # COPY, kept open across chunks: several times faster than INSERTs.
            if self.stream is None:
                listed = ", ".join(quote(name) for name in names)
                self.stream = CopyStream(connection, f"{quote(table)} ({listed})")
            self.stream.write(rows)
        with connection.cursor() as cursor:
            if rows and connection.vendor != "postgresql":
                cursor.executemany(sql, rows)
            if replaced:
                assignments = ", ".join(f"{quote(names[i])} = {placeholders[i]}" for i in kept)
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {assignments} WHERE {quote('submission_id')} = %s",  # noqa: S608, E501
                    replaced,
                )
                self._forget_footprints([row[-1] for row in replaced])
        self.result.visits_created += len(rows)
        self.pending_visits.clear()
        self.pending_rows = 0

    def _forget_footprints(self, submissions: list[str]) -> None:
        """The footprint entries of visits being updated: gone, their new ones come after."""
        for start in range(0, len(submissions), 900):
            batch = submissions[start : start + 900]
            SiteFootprint.objects.filter(visit__submission_id__in=batch).delete()

    def write_footprints(self) -> None:
        """The footprints of the visits written: into their sites' history, the latest of each
        site becoming its footprint (as the services do)."""
        from casm.registry.services import footprint_entry, footprints_refresh

        if self.stale_sites:
            footprints_refresh(self.stale_sites)
        if not self.pending_footprints:
            return
        by_submission = dict(self.pending_footprints)
        entries = []
        ids = list(by_submission)
        for start in range(0, len(ids), 900):
            visits = SiteVisit.objects.filter(submission_id__in=ids[start : start + 900])
            for pk, site_id, date, team, submission in visits.values_list(
                "pk", "site_id", "date", "team", "submission_id"
            ):
                checked = by_submission[str(submission)]
                entry = footprint_entry(
                    site_id, checked, observed_on=date, visit_id=pk, source=team
                )
                entries.append(entry)
        SiteFootprint.objects.bulk_create(entries, batch_size=500)
        footprints_refresh(entry.site_id for entry in entries)
        self.pending_footprints = []

    def refresh_sites(self) -> None:
        """Copy each touched site's latest visit figures onto it, in bulk (the new sites'
        figures were written with them on PostgreSQL)."""
        new = [
            ref for ref in self.touched.values() if ref.new is not None and not ref.figures_written
        ]
        table = connection.ops.quote_name(Site._meta.db_table)
        assignments = ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in FIGURES)
        sql = f"UPDATE {table} SET {assignments} WHERE id = %s"  # noqa: S608 (names of the model)
        rows = [(*_figures_of(ref), ref.pk) for ref in new]
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(sql, rows)
        existing = [ref.pk for ref in self.touched.values() if ref.new is None and ref.pk]
        existing = sorted({*existing, *self.stale_sites})
        for start in range(0, len(existing), 500):
            site_refresh_current_bulk(existing[start : start + 500])
