"""Import: a generated KoBoToolbox-style census CSV imported into a fresh SQLite database.

The file has ``CASM_BENCH_IMPORT_ROWS`` visit rows (default 1,000,000) of 100,000 sites, with
KoBoToolbox's columns (``_uuid``, ``_submission_time``, ``_location_latitude``, ...), ``;`` as
separator, and worker counts that add up. ``casm import census`` semantics are measured in commit
mode with every rule checked (coordinates inside the country's outline, dates, counts,
commodities, duplicate submissions). Each measured step runs in its own process, on its own
database in a temporary folder, so its peak memory is its own. Peers in the same run:

* ``import.pandas_to_sql``: ``pandas.read_csv`` + ``DataFrame.to_sql`` of the same file into a
  plain SQLite table (no checks at all): the target is to stay within 1.5 times its time;
* ``import.orm_one_by_one``: 10,000 visits saved one by one through the ORM, for scale.

Then the same import and the same peer on PostgreSQL (``import.postgresql.census_csv`` and
``import.postgresql.pandas_to_sql``, pandas writing through SQLAlchemy into the same server):
a scratch database on the server of ``CASM_DATABASE_URL`` when one is given, else a throw-away
cluster (``scripts/with-postgres.sh``); ``CASM_BENCH_IMPORT_DATABASES=sqlite`` leaves it out.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from harness import BenchmarkError, Result, benchmark, run_worker, worker_on_each_database

ROOT = Path(__file__).resolve().parents[1]
ROWS = int(os.environ.get("CASM_BENCH_IMPORT_ROWS", "1000000"))
SITES = max(1, min(100_000, ROWS // 10))
ORM_ROWS = min(10_000, ROWS)
TARGET_ROWS_PER_S = 50_000
TARGET_MEMORY_MB = 1024
TARGET_RATIO = 1.5
CHILD_TIMEOUT_S = 1800
COLUMNS = [
    "start", "end", "site_code", "site_name", "country", "admin1", "location",
    "_location_latitude", "_location_longitude", "_location_altitude", "_location_precision",
    "date", "team", "reached", "workers", "men", "women", "boys_under_15", "girls_under_15",
    "boys_15_17", "girls_15_17", "pits", "max_depth_m", "commodities", "state_services",
    "armed_presence", "mercury_use", "_id", "_uuid", "_submission_time", "_index",
]  # fmt: skip
COMMODITIES = ["gold", "gold", "gold", "tin", "tantalum", "tungsten", "gold tin", "tin tantalum"]
SERVICES = ["", "", "mines", "mines police", "asm_support"]


def _inside_points(count: int, rng: random.Random) -> list[tuple[float, float]]:
    """Points safely inside DR Congo's shipped outline."""
    from shapely import contains_xy
    from shapely.geometry import shape

    outlines = json.loads((ROOT / "src/casm/core/data/outlines.geojson").read_text())
    feature = next(f for f in outlines["features"] if f["properties"]["alpha3"] == "COD")
    inner = shape(feature["geometry"]).buffer(-0.3)
    west, south, east, north = inner.bounds
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lons = [rng.uniform(west, east) for _ in range(10_000)]
        lats = [rng.uniform(south, north) for _ in range(10_000)]
        for lon, lat, inside in zip(lons, lats, contains_xy(inner, lons, lats), strict=True):
            if inside:
                points.append((round(lat, 6), round(lon, 6)))
    return points[:count]


def generate_csv(path: Path, rows: int, sites: int, seed: int = 7) -> None:
    """Write the KoBoToolbox-style export (deterministic for a seed)."""
    rng = random.Random(seed)
    points = _inside_points(sites, rng)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(";".join(COLUMNS) + "\n")
        for index in range(1, rows + 1):
            site = rng.randrange(sites)
            lat, lon = points[site]
            day = f"20{rng.randint(20, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            men, women = rng.randint(0, 200), rng.randint(0, 80)
            kids = [rng.choice((0, 0, 0, 1, 2, 5)) for _ in range(4)]
            workers = men + women + sum(kids)
            submitted = f"{day}T{rng.randint(6, 18):02d}:{rng.randint(0, 59):02d}:00.000+01:00"
            values = [
                submitted, submitted, f"CD-B{site:06d}", f"Site {site}", "CD", "Sud-Kivu",
                f"{lat} {lon} 0 5", lat, lon, 0, 5, day, "team 1", "yes", workers, men, women,
                *kids, rng.randint(1, 30), rng.randint(1, 40), rng.choice(COMMODITIES),
                rng.choice(SERVICES), rng.choice(("yes", "no", "no")),
                rng.choice(("yes", "no")), index, uuid.UUID(int=rng.getrandbits(128)),
                submitted, index,
            ]  # fmt: skip
            handle.write(";".join(str(value) for value in values) + "\n")


# --- The measured steps, each run in a child process ---------------------------------------


def _django(var_dir: str) -> None:
    os.environ["CASM_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "casm.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_import(csv_path: str, var_dir: str) -> dict:
    _django(var_dir)
    from casm.imports.census import census_import

    started = time.perf_counter()
    result = census_import(actor=None, path=csv_path)
    seconds = time.perf_counter() - started
    if not result.committed:
        raise SystemExit(f"import failed: {[p.message for p in result.problems[:3]]}")
    return {"seconds": seconds, "peak_mb": _peak_mb(), "visits": result.visits_created,
            "sites": result.sites_created}  # fmt: skip


def child_pandas(csv_path: str, var_dir: str) -> dict:
    import sqlite3

    import pandas

    database_url = os.environ.get("CASM_DATABASE_URL", "")
    started = time.perf_counter()
    frame = pandas.read_csv(csv_path, sep=";")
    if database_url.startswith(("postgres://", "postgresql://")):
        import sqlalchemy

        address = database_url.replace("postgres://", "postgresql://", 1)
        engine = sqlalchemy.create_engine(address.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as connection:
            frame.to_sql("visits", connection, index=False, if_exists="replace", chunksize=50_000)
        engine.dispose()
    else:
        with sqlite3.connect(Path(var_dir) / "pandas.db") as connection:
            frame.to_sql("visits", connection, index=False, if_exists="replace", chunksize=50_000)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": _peak_mb(), "visits": len(frame)}


def child_orm(rows: str, var_dir: str) -> dict:
    import datetime

    _django(var_dir)
    from casm.core.models import Country
    from casm.registry.models import Site, SiteVisit

    country = Country.objects.get(alpha2="CD")
    site = Site.objects.create(country=country, code="CD-B", name="Site", latitude=-3.0,
                               longitude=28.0)  # fmt: skip
    started = time.perf_counter()
    for index in range(int(rows)):
        SiteVisit.objects.create(
            site=site, country=country, date=datetime.date(2024, 1, 1), submission_id=str(index),
            workers=10, men=5, women=5, commodities=[{"commodity": "gold"}],
        )  # fmt: skip
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": _peak_mb(), "visits": int(rows)}


CHILDREN = {"import": child_import, "pandas": child_pandas, "orm": child_orm}


def _run_child(step: str, argument: str, var_dir: Path) -> dict:
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    done = subprocess.run(
        [sys.executable, __file__, step, argument, str(var_dir)],
        capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, env=env, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BenchmarkError(f"{step}: {(done.stderr or done.stdout).strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _on_postgresql(step: str, csv_path: Path) -> list[dict]:
    """The step's figures on PostgreSQL (none when no server can be had), each in its own
    database, so the peer and the import write into the same kind of fresh server."""
    if os.environ.get("CASM_BENCH_IMPORT_DATABASES", "") == "sqlite":
        return []

    def run(prefix: list[str], environment: dict[str, str], folder: Path) -> dict:
        environment["PYTHONPATH"] = str(ROOT / "src")
        command = [*prefix, sys.executable, __file__, step, str(csv_path), str(folder)]
        return run_worker(command, environment, folder, what=step, timeout=CHILD_TIMEOUT_S)

    return list(worker_on_each_database(f"import-{step}", run, postgresql_only=True))


def _results(prefix: str, size: str, pandas_run: dict, ours: dict) -> Iterator[Result]:
    """The peer's and the import's results of one database."""
    peer = Result(
        name=f"{prefix}.pandas_to_sql",
        size=size,
        timings=[pandas_run["seconds"]],
        peak_memory_mb=pandas_run["peak_mb"],
        memory_of="the pandas process",
        extra={"rows_per_s": round(ROWS / pandas_run["seconds"])},
    )
    yield peer
    rate = ROWS / ours["seconds"]
    ratio = ours["seconds"] / pandas_run["seconds"]
    yield Result(
        name=f"{prefix}.census_csv",
        size=size,
        timings=[ours["seconds"]],
        peak_memory_mb=ours["peak_mb"],
        memory_of="the import process",
        peer=peer,
        target=f">= {TARGET_ROWS_PER_S:,} rows/s, peak < 1 GB, within {TARGET_RATIO}x pandas",
        meets_target=rate >= TARGET_ROWS_PER_S
        and ours["peak_mb"] < TARGET_MEMORY_MB
        and ratio <= TARGET_RATIO,
        extra={"rows_per_s": round(rate), "visits": ours["visits"], "sites": ours["sites"]},
    )


@benchmark("import")
def bench_import():
    with tempfile.TemporaryDirectory(prefix="casm-bench-import-") as folder:
        csv_path = Path(folder) / "census.csv"
        generate_csv(csv_path, ROWS, SITES)
        size = f"{ROWS:,} visit rows of {SITES:,} sites ({csv_path.stat().st_size // 2**20} MB)"
        pandas_run = _run_child("pandas", str(csv_path), Path(folder) / "pandas")
        ours = _run_child("import", str(csv_path), Path(folder) / "import")
        yield from _results("import", size, pandas_run, ours)
        orm = _run_child("orm", str(ORM_ROWS), Path(folder) / "orm")
        yield Result(
            name="import.orm_one_by_one",
            size=f"{ORM_ROWS:,} visits saved one by one",
            timings=[orm["seconds"]],
            peak_memory_mb=orm["peak_mb"],
            memory_of="the ORM process",
            extra={
                "rows_per_s": round(ORM_ROWS / orm["seconds"]),
                "import_speedup": round((ROWS / ours["seconds"]) / (ORM_ROWS / orm["seconds"]), 1),
            },
        )
        for pandas_pg, ours_pg in zip(
            _on_postgresql("pandas", csv_path), _on_postgresql("import", csv_path), strict=True
        ):
            yield from _results("import.postgresql", size, pandas_pg, ours_pg)


if __name__ == "__main__":
    step, argument, var_dir = sys.argv[1:4]
    print(json.dumps(CHILDREN[step](argument, var_dir)))
