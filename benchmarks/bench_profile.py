"""Profile: the country profile of one country with a national-scale registry.

One country (DR Congo) gets 100,000 sites, 1,000,000 visits and 1,000,000 production rows,
written with raw ``executemany`` into a fresh database (SQLite in a temporary folder, then
PostgreSQL when it can be had). The profile page /profiles/CD/ is then rendered through Django's
whole middleware stack by the test client:

- warm: the figures come from the cache (median of 20 renders; target < 200 ms);
- cold: right after a bulk insert of visits and ``registry_version_bump``, as an importer leaves
  it (target < 2 s), checking that the page shows the new number of visits;
- the peer, /healthz, rendered in the same run: the floor of the framework.

Each database runs in a child process (Django is configured once per process). Sizes can be
made smaller for a quick run with CASM_BENCH_PROFILE_SITES, CASM_BENCH_PROFILE_VISITS and
CASM_BENCH_PROFILE_PRODUCTION. PostgreSQL: a fresh database on the server of a
CASM_DATABASE_URL given in the environment (created and dropped), else a throw-away cluster
made by scripts/with-postgres.sh; otherwise the line says why it was skipped.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from harness import (
    Result,
    bench_size,
    benchmark,
    own_peak_memory_mb,
    run_worker,
    worker_on_each_database,
)

WARM_RUNS = 20
COLD_RUNS = 3
COLD_INSERT_VISITS = 1000
CHUNK = 20_000
WORKER_TIMEOUT_S = 1800
WARM_TARGET_S, COLD_TARGET_S = 0.200, 2.0
COUNTRY = "CD"
PROFILE_URL = f"/profiles/{COUNTRY}/"
PEER_URL = "/healthz"


def _size(name: str, default: int) -> int:
    return bench_size("PROFILE", name, default)


def sizes() -> dict[str, int]:
    return {
        "sites": _size("SITES", 100_000),
        "visits": _size("VISITS", 1_000_000),
        "production": _size("PRODUCTION", 1_000_000),
    }


# --- The child process: one database, its data, the measures --------------------------------


def _chunks(rows: Iterator[tuple], size: int = CHUNK) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    """Write ``rows``: executemany in chunks; COPY on PostgreSQL, where executemany is slow."""
    from django.db import connection

    if connection.vendor == "postgresql":
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Table and column names are this module's constants, never input.
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    for chunk in _chunks(rows):
        cursor.executemany(sql, chunk)


SITE_COLUMNS = [
    "country_id", "code", "name", "other_names", "admin1", "admin2", "admin3", "admin4",
    "latitude", "longitude", "location_note", "mining_methods", "processing_methods",
    "activity_status", "legal_status", "certification_status", "first_visit", "last_visit",
    "workers", "women", "children", "children_present", "armed_presence", "mercury_use",
    "duplicate_dismissed", "source", "created_at", "updated_at",
]  # fmt: skip
VISIT_COLUMNS = [
    "site_id", "country_id", "date", "team", "reached", "not_reached_reason", "workers", "men",
    "women", "boys_under_15", "girls_under_15", "boys_15_17", "girls_15_17", "commodities",
    "state_services", "armed_presence", "armed_activities", "traceability_scheme",
    "mercury_use", "women_work", "children_work", "notes", "created_at",
]  # fmt: skip
PRODUCTION_COLUMNS = [
    "country_id", "site_id", "commodity_id", "period", "year", "period_number", "quantity",
    "unit", "quantity_base", "currency", "source", "created_at",
]  # fmt: skip
LEGAL = ["licensed", "asm_zone", "informal", "unknown"]


def _visit_rows(country_id: int, site_ids: list[int], count: int, seed: int, now, start_year: int):
    import datetime

    rng = random.Random(seed)
    first = datetime.date(start_year, 1, 1)
    for number in range(count):
        workers = rng.randint(10, 400)
        women = workers // rng.randint(3, 8)
        children = rng.randint(0, 6)
        men = workers - women - children
        yield (
            site_ids[number % len(site_ids)], country_id,
            first + datetime.timedelta(days=number % 1500), "Census team", True, "",
            workers, men, women, children // 2, 0, children - children // 2, 0, "[]", "[]",
            rng.random() < 0.15, "[]", "", rng.random() < 0.4, "[]", "[]", "", now,
        )  # fmt: skip


def _populate(country_id: int, commodities: dict[str, tuple[int, str]], size: dict) -> None:
    """Sites, their commodities, visits and production, written with raw executemany."""
    import datetime

    from django.db import connection, transaction

    rng = random.Random(2026)
    now = datetime.datetime.now(datetime.UTC)
    today = datetime.date(2025, 6, 1)
    with transaction.atomic(), connection.cursor() as cursor:

        def sites() -> Iterator[tuple]:
            for number in range(size["sites"]):
                workers = rng.randint(5, 400)
                children = rng.randint(0, 6)
                yield (
                    country_id, f"CD-{number:07d}", f"Site {number}", "", "Sud-Kivu", "", "", "",
                    rng.uniform(-10.0, 3.0), rng.uniform(18.0, 29.5), "", "[]", "[]", "active",
                    LEGAL[number % 4], "", today, today, workers, workers // 4, children,
                    children > 0, rng.random() < 0.15, rng.random() < 0.4, False,
                    "IPIS census", now, now,
                )  # fmt: skip

        _insert(cursor, "registry_site", SITE_COLUMNS, sites())
        cursor.execute("SELECT id FROM registry_site WHERE country_id = %s", [country_id])
        site_ids = [row[0] for row in cursor.fetchall()]
        codes = sorted(commodities)

        def site_commodities() -> Iterator[tuple]:
            for number, site_id in enumerate(site_ids):
                yield site_id, commodities[codes[number % len(codes)]][0]
                if number % 3 == 0:
                    yield site_id, commodities[codes[(number + 1) % len(codes)]][0]

        _insert(
            cursor, "registry_site_commodities", ["site_id", "commodity_id"], site_commodities()
        )
        _insert(
            cursor,
            "registry_sitevisit",
            VISIT_COLUMNS,
            _visit_rows(country_id, site_ids, size["visits"], 7, now, 2021),
        )

        def production() -> Iterator[tuple]:
            for number in range(size["production"]):
                commodity_id, unit = commodities[codes[number % len(codes)]]
                quantity = round(rng.uniform(1, 500), 2)
                yield (
                    country_id, site_ids[number % len(site_ids)], commodity_id, "month",
                    2015 + number % 11, 1 + number % 12, quantity, unit, quantity, "",
                    "Provincial mining division", now,
                )  # fmt: skip

        _insert(cursor, "registry_productionrecord", PRODUCTION_COLUMNS, production())
    # Fresh statistics, as a database in use has them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed_get(client, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed, response.content


def worker_main() -> None:
    """Run in the child: migrate, populate, measure, print one JSON object."""
    import datetime

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from casm.core.models import Commodity, Country
    from casm.registry.services import registry_version_bump

    size = sizes()
    call_command("migrate", verbosity=0, interactive=False)
    country = Country.objects.get(alpha2=COUNTRY)
    commodities = {
        c.code: (c.pk, c.unit)
        for c in Commodity.objects.filter(code__in=["gold", "tin", "tantalum", "diamond"])
    }
    started = time.perf_counter()
    _populate(country.pk, commodities, size)
    populate_s = time.perf_counter() - started
    registry_version_bump([country.pk])

    client = Client()
    _timed_get(client, PEER_URL)
    first_s, _page = _timed_get(client, PROFILE_URL)  # the first render also fills the cache
    peer = [_timed_get(client, PEER_URL)[0] for _ in range(WARM_RUNS)]
    warm = []
    for _ in range(WARM_RUNS):
        elapsed, page = _timed_get(client, PROFILE_URL)
        warm.append(elapsed)

    cold = []
    reflected = True
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM registry_site WHERE country_id = %s LIMIT 1000", [country.pk]
        )
        some_sites = [row[0] for row in cursor.fetchall()]
    visits = size["visits"]
    for run in range(COLD_RUNS):
        with transaction.atomic(), connection.cursor() as cursor:
            rows = _visit_rows(country.pk, some_sites, COLD_INSERT_VISITS, 100 + run, now, 2025)
            _insert(cursor, "registry_sitevisit", VISIT_COLUMNS, rows)
        registry_version_bump([country.pk])
        visits += COLD_INSERT_VISITS
        elapsed, page = _timed_get(client, PROFILE_URL)
        cold.append(elapsed)
        reflected = reflected and f"{visits:,} visits".encode() in page
    map_start = page.find(b'<svg viewBox="0 0 560')
    map_bytes = page.find(b"</svg>", map_start) - map_start if map_start >= 0 else None
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "populate_s": populate_s,
                "first_s": first_s,
                "peer": peer,
                "warm": warm,
                "cold": cold,
                "reflected": reflected,
                "page_bytes": len(page),
                "map_bytes": map_bytes,
                "peak_memory_mb": own_peak_memory_mb(),
            }
        )
    )


# --- The parent: one child per database -----------------------------------------------------


def _run_worker(command_prefix: list[str], environment: dict[str, str], cwd: Path) -> dict:
    command = [*command_prefix, sys.executable, str(Path(__file__).resolve()), "--worker"]
    return run_worker(command, environment, cwd, what="profile", timeout=WORKER_TIMEOUT_S)


def _results(figures: dict, size: dict) -> Iterator[Result]:
    vendor = figures["vendor"]
    label = f"{size['sites']} sites, {size['visits']} visits, {size['production']} production rows"
    memory_of = "benchmark worker process (data generation included)"
    peer = Result(
        name=f"profile.{vendor}.healthz",
        size=label,
        timings=figures["peer"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
    )
    yield peer
    warm = Result(
        name=f"profile.{vendor}.warm",
        size=label,
        timings=figures["warm"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
        peer=peer,
        target="median < 200 ms",
        extra={
            "url": PROFILE_URL,
            "page_bytes": figures["page_bytes"],
            "map_svg_bytes": figures["map_bytes"],
            "populate_s": round(figures["populate_s"], 1),
        },
    )
    warm.meets_target = warm.median_s is not None and warm.median_s < WARM_TARGET_S
    yield warm
    cold = Result(
        name=f"profile.{vendor}.cold_after_import",
        size=label,
        timings=figures["cold"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
        peer=peer,
        target="< 2 s after a bulk insert and registry_version_bump, showing it",
        extra={
            "url": PROFILE_URL,
            "inserted_visits_per_run": COLD_INSERT_VISITS,
            "reflects_the_import": figures["reflected"],
            "first_render_s": round(figures["first_s"], 3),
        },
    )
    cold.meets_target = bool(figures["reflected"]) and max(figures["cold"]) < COLD_TARGET_S
    yield cold


@benchmark("profile")
def profile_at_national_scale() -> Iterator[Result]:
    """The DR Congo profile over a national registry, warm and right after an import."""
    size = sizes()
    for figures in worker_on_each_database("profile", _run_worker):
        yield from _results(figures, size)


if __name__ == "__main__" and "--worker" in sys.argv:
    worker_main()
