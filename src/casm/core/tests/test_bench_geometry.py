"""The geometry benchmarks run end to end on small data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_geometry_benchmarks_run_small(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(
        CASM_BENCH_GEOMETRY_POINTS="3000",
        CASM_BENCH_GEOMETRY_FOOTPRINTS="3000",
        CASM_BENCH_GEOMETRY_DATABASES="sqlite",
        CASM_BENCH_TITLES=str(tmp_path / "absent.geojson"),  # the generated titles
        TMPDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "geometry.pip_join",
         "geometry.bbox_query"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    join = results["geometry.pip_join.point_polygon_pairs"]
    assert join["peer"] == "geometry.pip_join.geopandas_sjoin" and join["pairs"] > 0
    query = results["geometry.bbox_query.sqlite.spatial_index"]
    assert query["peer"] == "geometry.bbox_query.sqlite.full_scan" and query["runs"] == 200
