"""The screening benchmark runs end to end on a small cadastre."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_screening_benchmark_runs_small(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(
        CASM_BENCH_LICENSING_FEATURES="2000",
        CASM_BENCH_LICENSING_SITES="3000",
        CASM_BENCH_LICENSING_DATABASES="sqlite",
        CASM_BENCH_PROTECTED=str(tmp_path / "absent.geojson"),
        TMPDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "licensing.screening"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert set(results) == {
        "licensing.screening.sqlite.geopandas", "licensing.screening.sqlite.area_screen",
        "licensing.map.sqlite.national_view", "licensing.assignment.sqlite.geopandas_sjoin",
        "licensing.assignment.sqlite.site_standings_update",
    }  # fmt: skip
    shown = results["licensing.map.sqlite.national_view"]
    assert 0 < shown["sent_gzip_bytes"] < shown["whole_layer_gzip_bytes"]
    ours = results["licensing.screening.sqlite.area_screen"]
    assert ours["runs"] == 200 and "2049 titles" in ours["size"]
    assert ours["peer"] == "licensing.screening.sqlite.geopandas" and ours["p95_s"] > 0
    # Every site placed, and by the same shapes as geopandas (the worker checks it).
    placed = results["licensing.assignment.sqlite.site_standings_update"]
    assert placed["size"].startswith("3000 sites in 2000 titles and ASM zones")
    assert placed["peer"] == "licensing.assignment.sqlite.geopandas_sjoin" and placed["runs"] == 3
    # A summary on stderr, one line a result, with its verdict; stdout stays JSON lines.
    summary = done.stderr[done.stderr.index("Summary") :].splitlines()
    assert summary[1].split() == ["benchmark", "median", "p95", "peer", "ratio", "target", "result"]
    line = next(row for row in summary if row.startswith("licensing.screening.sqlite.area_screen"))
    assert "licensing.screening.sqlite.geopandas" in line
    assert line.endswith(("met", "MISSED"))
