"""The chain of custody at national scale, on SQLite and then PostgreSQL.

``traceability.provenance``: a chain of CASM_BENCH_TRACEABILITY_LOTS lots (1,000,000) and as
many operations over CASM_BENCH_TRACEABILITY_SITES sites (10,000), written straight into the
tables: one export lot whose tree holds about 5,000 ancestors (2,500 lots produced at 100
sites, each bought by a trader, combined 50 by 50, the 50 combined, processed), and the rest in
short lines of production and purchase. ``selectors.provenance`` of the export lot (the
recursive query, the lots, the sites' statuses, the red flags: what the lot's page reads) and
the recursive query alone are timed ten times each. The peer is networkx in the same worker:
every lot-to-input edge read from the database into a ``DiGraph`` and ``nx.ancestors`` of the
export lot (its load counted), and ``nx.ancestors`` alone on the graph already in memory. The
ancestor sets are checked to be the same. Target: < 200 ms and at least 5 × networkx.

``traceability.mass_balance``: ``services.lots_combine`` of 1,000 lots of one holder (the mass
balance on contained metal, the 1,000 inputs consumed by one conditional update, the new lot,
the audit), five times on five sets; the peer is the balance's arithmetic alone on the same
lots held in memory (Decimal sums of mass and mass × grade). Target: < 50 ms.

``traceability.consume_once``: gunicorn with 2 workers serves the same database on 127.0.0.1;
100 clients, each with its own connection and the same API token, wait at a barrier and then
ask at the same moment to transfer one lot (``POST /api/v1/traceability/lots/{id}/transfer``),
five rounds on five lots. Exactly one answer in each round may be 201, the others 422, none a
server error, and the database must hold one transfer per lot. Timed: each round's wall time.

``traceability.capacity``: every site's census copy counts 5 to 54 workers and gold has a
productivity of 200 g a worker a month; ``services.capacity_flags_raise`` (the daily round's
check: the grouped query over the production lots of the last 90 days — all of the chain's —
then a red flag, audited, for each site above its capacity) runs once, and
``selectors.capacity_rows`` (the query and the comparison alone) five times. The peer is pandas:
the same production lots read from the database with ``read_sql_query`` and grouped by site.
Target: < 5 s for the check over all the sites.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from harness import (
    Result,
    bench_size,
    benchmark,
    own_peak_memory_mb,
    run_worker,
    worker_on_each_database,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET_PROVENANCE_S = 0.200
TARGET_BALANCE_S = 0.050
TARGET_CAPACITY_S = 5.0
TREE_SITES, TREE_LOTS, GROUP = 100, 2_500, 50
COMBINE_INPUTS, COMBINE_RUNS = 1_000, 5
RACERS, RACE_ROUNDS = 100, 5
CHUNK = 20_000


def _insert(cursor: object, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(columns))})")  # fmt: skip
    cursor.executemany(sql, [tuple(row[c] for c in columns) for row in rows])  # type: ignore[attr-defined]


def _graph(congo: object, gold: object, actors: list, sites: list[int]) -> tuple[int, int, float]:
    """Write the operations and lots; return the export lot's id, the lots written, seconds."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from casm.traceability.models import Lot, Operation

    total = bench_size("TRACEABILITY", "LOTS", 1_000_000)
    now = timezone.now()
    country, commodity = congo.pk, gold.pk  # type: ignore[attr-defined]
    miner, trader, exporter = (a.pk for a in actors)
    operations: list[dict] = []
    lots: list[dict] = []
    started = time.perf_counter()

    def operation(kind: str, actor: int) -> int:
        operations.append({
            "id": len(operations) + 1, "kind": kind, "country_id": country, "actor_id": actor,
            "status": "done", "at": now, "details": "{}", "note": "",
        })  # fmt: skip
        return len(operations)

    def lot(made_by: int, holder: int, role: str, site: int | None, consumed_by: int | None,
            status: str, mass: Decimal = Decimal("0.5")) -> int:  # fmt: skip
        number = len(lots) + 1
        lots.append({
            "id": number, "number": f"B{number:08d}", "country_id": country, "holder_id": holder,
            "creator_role": role, "commodity_id": commodity, "mass_kg": mass, "unit": "kg",
            "grade": Decimal("80"), "package_type": "", "site_id": site, "made_by_id": made_by,
            "consumed_by_id": consumed_by, "status": status, "label": "",
            "transport_method": "", "route": "", "transport_company": "", "tax_reference": "",
            "created_at": now,
        })  # fmt: skip
        return number

    # The export lot's tree: produced, bought, combined 50 by 50, combined, processed, exported.
    groups = [operation("combination", trader) for _ in range(TREE_LOTS // GROUP)]
    final = operation("combination", trader)
    processing = operation("processing", exporter)
    export = operation("export", exporter)
    for n in range(TREE_LOTS):
        produced = operation("production", miner)
        bought = operation("transfer", miner)
        lot(produced, miner, "miner", sites[n % TREE_SITES], bought, "consumed")
        lot(bought, trader, "trader", None, groups[n // GROUP], "consumed")
    for group in groups:
        lot(group, trader, "trader", None, final, "consumed", Decimal(GROUP) / 2)
    lot(final, trader, "trader", None, processing, "consumed", Decimal(TREE_LOTS) / 2)
    target = lot(processing, exporter, "exporter", None, export, "exported", Decimal(1000))
    # The rest: short lines of production and purchase at every site.
    rng = random.Random(13)
    while len(lots) < total:
        produced = operation("production", miner)
        bought = operation("transfer", miner)
        lot(produced, miner, "miner", sites[rng.randrange(len(sites))], bought, "consumed")
        if len(lots) < total:
            lot(bought, trader, "trader", None, None, "active")
    lot_table, operation_table = Lot._meta.db_table, Operation._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(operations), CHUNK):
            _insert(cursor, operation_table, operations[start : start + CHUNK])
        for start in range(0, len(lots), CHUNK):
            _insert(cursor, lot_table, lots[start : start + CHUNK])
        for statement in connection.ops.sequence_reset_sql(no_style(), [Lot, Operation]):
            cursor.execute(statement)
        cursor.execute("ANALYZE")
    return target, len(lots), time.perf_counter() - started


def _networkx(target: int) -> tuple[list[float], list[float], set[int]]:
    """networkx's ancestors of the lot: with the load from the database, and alone."""
    import networkx

    from casm.traceability.models import Lot

    def load() -> object:
        graph = networkx.DiGraph()
        outputs: dict[int, list[int]] = {}
        rows = list(Lot.objects.values_list("pk", "made_by_id", "consumed_by_id"))
        for pk, made_by, _consumed in rows:
            outputs.setdefault(made_by, []).append(pk)
        graph.add_nodes_from(pk for pk, _m, _c in rows)
        graph.add_edges_from(
            (pk, child)
            for pk, _m, consumed in rows
            if consumed
            for child in outputs.get(consumed, ())
        )
        return graph

    with_load, alone = [], []
    found: set[int] = set()
    for _ in range(3):
        start = time.perf_counter()
        graph = load()
        found = networkx.ancestors(graph, target)
        with_load.append(time.perf_counter() - start)
    for _ in range(10):
        start = time.perf_counter()
        networkx.ancestors(graph, target)
        alone.append(time.perf_counter() - start)
    return with_load, alone, found


def _combine(actors: list, users: list, gold: object) -> tuple[list[float], list[float]]:
    """lots_combine of 1,000 lots, and the balance's arithmetic alone on the same lots."""
    from casm.traceability import services

    miner = actors[0]
    timings, arithmetic = [], []
    for run in range(COMBINE_RUNS):
        numbers = [f"MB{run}-{n:04d}" for n in range(COMBINE_INPUTS)]
        services.tag_batch_issue(actor=None, country=miner.country, site=None, chain_actor=miner,
                                 numbers=[f"T{number}" for number in numbers])  # fmt: skip
        held = []
        site = _a_site(miner.country)
        for number in numbers:
            held.append(services.lot_produce(
                actor=users[0], producer=miner, site=site, tag=f"T{number}", commodity=gold,
                mass="250", unit="g", grade="82.5", number=number,
            ))  # fmt: skip
        start = time.perf_counter()
        inputs = [(lot.mass_kg, lot.grade) for lot in held]
        mass = sum((m for m, _g in inputs), Decimal(0))
        metal = sum((m * g / 100 for m, g in inputs if g is not None), Decimal(0))
        assert mass > 0 and metal > 0
        arithmetic.append(time.perf_counter() - start)
        start = time.perf_counter()
        services.lots_combine(actor=users[0], lots=held)
        timings.append(time.perf_counter() - start)
    return timings, arithmetic


def _a_site(country: object) -> object:
    from casm.registry.models import Site

    return Site.objects.filter(country=country).order_by("pk").first()


def _race(port: int, token: str, lot_id: int, receiver: int) -> tuple[list[int], float]:
    """RACERS clients ask at the same moment to transfer one lot; their statuses."""
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []
    lock = threading.Lock()
    body = json.dumps({"receiver": receiver})

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        barrier.wait()
        try:
            connection.request(
                "POST", f"/api/v1/traceability/lots/{lot_id}/transfer", body,
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )  # fmt: skip
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException):
            status = 0
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=client) for _ in range(RACERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - start


def _consume_once(actors: list, users: list, gold: object) -> dict:
    from bench_web import running_gunicorn

    from casm.accounts.services import api_token_create
    from casm.traceability import services
    from casm.traceability.models import Operation

    miner, trader = actors[0], actors[1]
    site = _a_site(miner.country)
    numbers = [f"RACE-{n}" for n in range(RACE_ROUNDS)]
    services.tag_batch_issue(actor=None, country=miner.country, site=site, numbers=numbers)
    lots = [services.lot_produce(actor=users[0], producer=miner, site=site, tag=number,
                                 commodity=gold, mass="100", unit="g", grade="80")
            for number in numbers]  # fmt: skip
    _token, raw = api_token_create(actor=users[0], name="bench")
    environment = {**os.environ, "CASM_API_RATE": "1000000/min",
                   "CASM_API_RATE_ANONYMOUS": "1000000/min"}  # fmt: skip
    with running_gunicorn(environment, Path(os.environ["CASM_VAR_DIR"])) as server:
        rounds = [_race(server.port, raw, lot.pk, trader.pk) for lot in lots]
    transfers = [Operation.objects.filter(kind="transfer", inputs__pk=lot.pk).count()
                 for lot in lots]  # fmt: skip
    return {
        "statuses": [sorted(statuses) for statuses, _s in rounds],
        "seconds": [seconds for _statuses, seconds in rounds],
        "transfers": transfers,
    }


def _capacity(congo: object, gold: object) -> dict:
    """The capacity check over every site: once with its flags, the rows alone, and pandas."""
    import pandas
    from django.db import connection
    from django.db.models import F

    from casm.registry.models import Site
    from casm.traceability import selectors, services
    from casm.traceability.models import Lot, RedFlag

    Site.objects.update(workers=F("pk") % 50 + 5, last_visit=datetime.date.today())
    services.productivity_set(actor=None, country=congo, commodity=gold, mass="200", unit="g",
                              margin_percent="25", source="benchmark")  # fmt: skip
    start = time.perf_counter()
    raised = services.capacity_flags_raise()
    check_s = time.perf_counter() - start
    rows_s = []
    for _ in range(5):
        start = time.perf_counter()
        over = selectors.capacity_rows()
        rows_s.append(time.perf_counter() - start)
    query = Lot.objects.filter(site__isnull=False).values("site_id", "mass_kg").query
    sql, params = query.sql_with_params()
    peer_s = []
    for _ in range(3):
        start = time.perf_counter()
        frame = pandas.read_sql_query(sql, connection.connection, params=params)
        frame.groupby("site_id")["mass_kg"].sum()
        peer_s.append(time.perf_counter() - start)
    return {
        "check_s": [check_s],
        "rows_s": rows_s,
        "pandas_s": peer_s,
        "raised": raised,
        "over": len(over),
        "flags": RedFlag.objects.filter(kind="capacity").count(),
        "production_lots": Lot.objects.filter(site__isnull=False).count(),
    }


def worker_main() -> None:
    """In the child: migrate, write the chain, time it all, print one JSON line."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from casm.accounts.models import Organisation, User
    from casm.accounts.services import organisation_create, user_create
    from casm.core.models import Commodity, Country
    from casm.registry.models import Site
    from casm.traceability import selectors, services

    call_command("migrate", verbosity=0, interactive=False)
    congo, gold = Country.objects.get(alpha2="CD"), Commodity.objects.get(code="gold")
    count = bench_size("TRACEABILITY", "SITES", 10_000)
    rng = random.Random(7)
    Site.objects.bulk_create(
        [Site(country=congo, code=f"CD-BENCH-{n:05d}", name=f"Site {n}",
              longitude=rng.uniform(26, 29.5), latitude=rng.uniform(-5, 0)) for n in range(count)],
        batch_size=5000,
    )  # fmt: skip
    sites = list(Site.objects.order_by("pk").values_list("pk", flat=True))
    actors, users = [], []
    for name, roles in (("Coopérative", ["miner"]), ("Négoce", ["trader"]),
                        ("Comptoir", ["exporter", "processor"])):  # fmt: skip
        organisation = organisation_create(
            actor=None, name=f"{name} (bench)", kind=Organisation.Kind.TRADER, country=congo
        )
        actors.append(services.actor_register(actor=None, organisation=organisation,
                                              country=congo, roles=roles))  # fmt: skip
        users.append(user_create(actor=None, username=f"bench-{len(users)}",
                                 email=f"bench{len(users)}@example.org",
                                 role=User.Role.SUPPLY_CHAIN_ACTOR, organisation=organisation,
                                 password=secrets.token_urlsafe(16)))  # fmt: skip
    target, written, write_s = _graph(congo, gold, actors, sites)
    ours = set(selectors.ancestor_ids(target)) - {target}

    def timed(work: object, runs: int = 10) -> list[float]:
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            work()  # type: ignore[operator]
            timings.append(time.perf_counter() - start)
        return timings

    from casm.traceability.models import Lot

    export_lot = Lot.objects.get(pk=target)
    selectors.provenance(export_lot)  # warm the caches once, as a page after the first would
    provenance_s = timed(lambda: selectors.provenance(export_lot))
    query_s = timed(lambda: selectors.ancestor_ids(target))
    found = selectors.provenance(export_lot)
    nx_with_load, nx_alone, theirs = _networkx(target)
    assert theirs == ours, (len(theirs), len(ours))
    combine_s, arithmetic_s = _combine(actors, users, gold)
    race = _consume_once(actors, users, gold)
    capacity = _capacity(congo, gold)
    print(json.dumps({
        "vendor": connection.vendor, "lots": written, "sites": count, "write_s": write_s,
        "ancestors": len(ours), "origin_sites": len(found.sites), "provenance": provenance_s,
        "query": query_s, "networkx_with_load": nx_with_load, "networkx_alone": nx_alone,
        "combine": combine_s, "arithmetic": arithmetic_s, "race": race, "capacity": capacity,
        "peak_memory_mb": own_peak_memory_mb(),
    }))  # fmt: skip


def _run_worker(command_prefix: list[str], environment: dict[str, str], cwd: Path) -> dict:
    command = [*command_prefix, sys.executable, str(Path(__file__).resolve()), "--worker"]
    return run_worker(command, environment, cwd, what="traceability", timeout=3600)


@benchmark("traceability")
def traceability() -> Iterator[Result]:
    """Provenance at 5,000 ancestors, a 1,000-lot combination, 100 consumers of one lot."""
    sqlite_only = os.environ.get("CASM_BENCH_TRACEABILITY_DATABASES", "") == "sqlite"
    for figures in worker_on_each_database("traceability", _run_worker, sqlite_only=sqlite_only):
        vendor = figures["vendor"]
        memory = figures["peak_memory_mb"]
        memory_of = "benchmark worker process (data generation included)"
        size = (f"{figures['lots']} lots and as many operations over {figures['sites']} sites; "
                f"the export lot has {figures['ancestors']} ancestors from "
                f"{figures['origin_sites']} sites")  # fmt: skip
        peer = Result(
            name=f"traceability.provenance.{vendor}.networkx_with_load", size=size,
            timings=figures["networkx_with_load"], peak_memory_mb=memory, memory_of=memory_of,
            extra={"does": "every edge read from the database into a DiGraph, nx.ancestors",
                   "ancestors_alone_in_memory_median_s":
                       round(sorted(figures["networkx_alone"])[5], 4)},
        )  # fmt: skip
        yield peer
        query = Result(
            name=f"traceability.provenance.{vendor}.recursive_query",
            size=size,
            timings=figures["query"],
            peak_memory_mb=memory,
            memory_of=memory_of,
            peer=peer,
        )
        yield query
        result = Result(
            name=f"traceability.provenance.{vendor}.provenance", size=size,
            timings=figures["provenance"], peak_memory_mb=memory, memory_of=memory_of,
            peer=peer, target="< 200 ms and ≥ 5 × faster than networkx with its load",
            extra={"does": "the recursive query, the lots, the tree, the sites' statuses, the "
                           "red flags (what the lot's page reads)",
                   "chain_written_s": round(figures["write_s"], 1)},
        )  # fmt: skip
        result.meets_target = (
            result.median_s is not None and peer.median_s is not None
            and result.p95_s is not None and result.p95_s < TARGET_PROVENANCE_S
            and peer.median_s >= 5 * result.median_s
        )  # fmt: skip
        yield result
        arithmetic = Result(
            name=f"traceability.mass_balance.{vendor}.arithmetic_in_memory",
            size=f"{COMBINE_INPUTS} input lots",
            timings=figures["arithmetic"],
            peak_memory_mb=memory,
            memory_of=memory_of,
        )
        yield arithmetic
        combined = Result(
            name=f"traceability.mass_balance.{vendor}.lots_combine",
            size=f"{COMBINE_INPUTS} input lots, {COMBINE_RUNS} runs", timings=figures["combine"],
            peak_memory_mb=memory, memory_of=memory_of, peer=arithmetic, target="< 50 ms",
            extra={"does": "the balance, the inputs consumed by one update, the lot, the audit"},
        )  # fmt: skip
        combined.meets_target = combined.p95_s is not None and combined.p95_s < TARGET_BALANCE_S
        yield combined
        race = figures["race"]
        won = [statuses.count(201) for statuses in race["statuses"]]
        failed = [sum(1 for s in statuses if s >= 500 or s == 0) for statuses in race["statuses"]]
        consumed = Result(
            name=f"traceability.consume_once.{vendor}.gunicorn_2_workers",
            size=f"{RACERS} simultaneous transfers of one lot, {RACE_ROUNDS} rounds",
            timings=race["seconds"], peak_memory_mb=None, memory_of="",
            target="exactly one 201 a round, no server error, one transfer in the database",
            extra={"successes_per_round": won, "server_errors_per_round": failed,
                   "transfers_per_lot": race["transfers"],
                   "other_statuses": sorted({s for st in race["statuses"] for s in st} - {201})},
        )  # fmt: skip
        consumed.meets_target = (
            all(n == 1 for n in won) and not any(failed)
            and all(n == 1 for n in race["transfers"])
        )  # fmt: skip
        yield consumed
        capacity = figures["capacity"]
        size = (f"{figures['sites']} sites, {capacity['production_lots']} production lots in "
                f"the window")  # fmt: skip
        pandas_peer = Result(
            name=f"traceability.capacity.{vendor}.pandas_groupby", size=size,
            timings=capacity["pandas_s"], peak_memory_mb=memory, memory_of=memory_of,
            extra={"does": "the production lots read with read_sql_query, grouped by site"},
        )  # fmt: skip
        yield pandas_peer
        yield Result(
            name=f"traceability.capacity.{vendor}.capacity_rows", size=size,
            timings=capacity["rows_s"], peak_memory_mb=memory, memory_of=memory_of,
            peer=pandas_peer, extra={"sites_over": capacity["over"]},
        )  # fmt: skip
        check = Result(
            name=f"traceability.capacity.{vendor}.check_with_flags", size=size,
            timings=capacity["check_s"], peak_memory_mb=memory, memory_of=memory_of,
            peer=pandas_peer, target="< 5 s over all the sites",
            extra={"does": "the grouped query, the comparison, a red flag (audited) per site over",
                   "flags_raised": capacity["raised"], "flags_in_database": capacity["flags"]},
        )  # fmt: skip
        check.meets_target = (
            check.median_s is not None and check.median_s < TARGET_CAPACITY_S
            and capacity["raised"] == capacity["over"] == capacity["flags"]
        )  # fmt: skip
        yield check


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.path.insert(0, str(ROOT / "src"))
    worker_main()
