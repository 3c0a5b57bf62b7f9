"""The geometry layer at national scale: a point-in-polygon join and a bounding-box query.

``geometry.pip_join``: 100,000 site points against the 2,973 DR Congo mining titles of
``../shared/data/drc-cadastre/titres_2016.geojson`` (read through the geometry layer; 2,973
generated squares in the same box when the file is absent), joined by
``casm.lib.geometry.point_polygon_pairs``. The peer, in the same run and on the same shapes,
is geopandas from the same coordinate arrays: ``points_from_xy``, then
``sjoin(points, titles, predicate="intersects")`` (the titles' frame built before the clock;
each side builds its own point geometries and tree inside the timing, as a join of sites read
from the database must). ``sjoin_only_s`` is geopandas' join alone on points built beforehand.
Goal: at least as fast as geopandas.

``geometry.bbox_query``: 100,000 stored footprints (small polygons) in ``core.AdminArea``,
on SQLite and then PostgreSQL; 200 queries of one polygon's bounding box through the spatial
index (``casm.core.spatial.bbox_filter``: R*Tree / GiST). Target: p95 < 10 ms. The peer is the
same query on the plain columns, which no index serves: a full scan.

Sizes: CASM_BENCH_GEOMETRY_POINTS (100000), CASM_BENCH_GEOMETRY_FOOTPRINTS (100000),
CASM_BENCH_GEOMETRY_DATABASES=sqlite for SQLite only, CASM_BENCH_TITLES (the titles file).
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
    time_runs,
    worker_on_each_database,
)

ROOT = Path(__file__).resolve().parents[1]
TITLES = ROOT.parent / "shared" / "data" / "drc-cadastre" / "titres_2016.geojson"
RUNS = 5
QUERIES = 200
BBOX_TARGET_S = 0.010


def _size(name: str, default: int) -> int:
    return bench_size("GEOMETRY", name, default)


def _titles() -> tuple[list, str]:
    """The titles' polygons, and where they came from."""
    sys.path.insert(0, str(ROOT / "src"))
    from shapely.geometry import box

    from casm.lib.geometry import POLYGONAL, read_features

    path = Path(os.environ.get("CASM_BENCH_TITLES", TITLES))
    if path.exists():
        _crs, features = read_features(path)
        shapes = [f.geometry for f in features
                  if f.geometry is not None and f.geometry.geom_type in POLYGONAL]  # fmt: skip
        return shapes, path.name
    rng = random.Random(7)
    shapes = []
    for _ in range(2973):
        x, y = rng.uniform(12.5, 31), rng.uniform(-13.5, 5)
        side = rng.uniform(0.01, 0.3)
        shapes.append(box(x, y, x + side, y + side))
    return shapes, "2973 generated squares (titres_2016.geojson not found)"


@benchmark("geometry.pip_join")
def point_in_polygon_join() -> Iterator[Result]:
    """100,000 points against the DRC titles: the geometry layer against geopandas.sjoin."""
    import geopandas
    import numpy
    import shapely

    from casm.lib.geometry import point_polygon_pairs

    polygons, source = _titles()
    count = _size("POINTS", 100_000)
    rng = numpy.random.default_rng(11)
    min_x, min_y, max_x, max_y = shapely.total_bounds(polygons)
    xs, ys = rng.uniform(min_x, max_x, count), rng.uniform(min_y, max_y, count)
    points_frame = geopandas.GeoDataFrame(geometry=geopandas.points_from_xy(xs, ys), crs=4326)
    titles_frame = geopandas.GeoDataFrame(geometry=polygons, crs=4326)
    joined = geopandas.sjoin(points_frame, titles_frame, predicate="intersects")
    ours = point_polygon_pairs(xs, ys, polygons)
    assert len(ours[0]) == len(joined), (len(ours[0]), len(joined))
    size = f"{count} points × {len(polygons)} titles ({source}); {len(joined)} pairs"

    def geopandas_join() -> object:
        frame = geopandas.GeoDataFrame(geometry=geopandas.points_from_xy(xs, ys), crs=4326)
        return geopandas.sjoin(frame, titles_frame, predicate="intersects")

    sjoin_only = time_runs(
        lambda: geopandas.sjoin(points_frame, titles_frame, predicate="intersects"), RUNS
    )
    peer = Result(
        name="geometry.pip_join.geopandas_sjoin",
        size=size,
        timings=time_runs(geopandas_join, RUNS),
        peak_memory_mb=own_peak_memory_mb(),
        memory_of="the benchmark process",
        extra={"sjoin_only_s": round(sorted(sjoin_only)[len(sjoin_only) // 2], 6)},
    )
    yield peer
    result = Result(
        name="geometry.pip_join.point_polygon_pairs",
        size=size,
        timings=time_runs(lambda: point_polygon_pairs(xs, ys, polygons), RUNS),
        peak_memory_mb=own_peak_memory_mb(),
        memory_of="the benchmark process",
        peer=peer,
        target="at least as fast as geopandas.sjoin",
        extra={"pairs": len(joined)},
    )
    result.meets_target = result.ratio is not None and result.ratio <= 1.0
    yield result


def worker_main() -> None:
    """In the child: migrate, store the footprints, time the queries, print one JSON object."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from casm.core.models import AdminArea, Country
    from casm.core.spatial import bbox_filter

    call_command("migrate", verbosity=0, interactive=False)
    count = _size("FOOTPRINTS", 100_000)
    rng = random.Random(3)
    congo = Country.objects.get(alpha2="CD")
    started = time.perf_counter()
    with transaction.atomic():
        batch = []
        for number in range(count):
            x, y = rng.uniform(12.5, 31), rng.uniform(-13.5, 5)
            side = rng.uniform(0.001, 0.01)
            ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
            batch.append(AdminArea(
                country=congo, level=3, code=f"F{number}", name=f"Footprint {number}",
                geometry={"type": "Polygon", "coordinates": [ring]}, min_x=x, min_y=y,
                max_x=x + side, max_y=y + side, area_ha=1.0,
            ))  # fmt: skip
            if len(batch) == 5000:
                AdminArea.objects.bulk_create(batch)
                batch = []
        AdminArea.objects.bulk_create(batch)
    populate_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    boxes = []
    for _ in range(QUERIES):
        x, y = rng.uniform(12.5, 30.5), rng.uniform(-13.5, 4.5)
        boxes.append((x, y, x + 0.05, y + 0.05))  # about a licence application's size
    areas = AdminArea.objects.all()

    def indexed(b: tuple) -> list:
        return list(bbox_filter(areas, b).values_list("pk", flat=True))

    def scan(b: tuple) -> list:
        return list(
            areas.filter(
                max_x__gte=b[0], min_x__lte=b[2], max_y__gte=b[1], min_y__lte=b[3]
            ).values_list("pk", flat=True)
        )

    found = [len(indexed(b)) for b in boxes]
    assert found == [len(scan(b)) for b in boxes]

    def each(function) -> list[float]:
        timings = []
        for b in boxes:
            start = time.perf_counter()
            function(b)
            timings.append(time.perf_counter() - start)
        return timings

    print(json.dumps({
        "vendor": connection.vendor, "populate_s": populate_s, "footprints": count,
        "indexed": each(indexed), "scan": each(scan), "found_mean": sum(found) / len(found),
        "peak_memory_mb": own_peak_memory_mb(),
    }))  # fmt: skip


def _run_worker(command_prefix: list[str], environment: dict[str, str], cwd: Path) -> dict:
    command = [*command_prefix, sys.executable, str(Path(__file__).resolve()), "--worker"]
    return run_worker(command, environment, cwd, what="bbox query", timeout=1800)


@benchmark("geometry.bbox_query")
def bbox_query() -> Iterator[Result]:
    """One polygon's bounding box against 100,000 stored footprints, on both databases."""
    sqlite_only = os.environ.get("CASM_BENCH_GEOMETRY_DATABASES", "") == "sqlite"
    for figures in worker_on_each_database("geometry", _run_worker, sqlite_only=sqlite_only):
        vendor = figures["vendor"]
        size = f"{figures['footprints']} footprints, {QUERIES} queries"
        memory_of = "benchmark worker process (data generation included)"
        peer = Result(
            name=f"geometry.bbox_query.{vendor}.full_scan", size=size, timings=figures["scan"],
            peak_memory_mb=figures["peak_memory_mb"], memory_of=memory_of,
        )  # fmt: skip
        yield peer
        result = Result(
            name=f"geometry.bbox_query.{vendor}.spatial_index", size=size,
            timings=figures["indexed"], peak_memory_mb=figures["peak_memory_mb"],
            memory_of=memory_of, peer=peer, target="p95 < 10 ms",
            extra={"found_mean": round(figures["found_mean"], 1),
                   "populate_s": round(figures["populate_s"], 1)},
        )  # fmt: skip
        result.meets_target = result.p95_s is not None and result.p95_s < BBOX_TARGET_S
        yield result


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.path.insert(0, str(ROOT / "src"))
    worker_main()
