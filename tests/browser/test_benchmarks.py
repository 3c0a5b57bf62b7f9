"""The Chromium benchmarks run end to end, small: their pages draw and their figures come."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


def _bench(name: str, tmp_path: Path, **sizes: str) -> dict[str, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(sizes, TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), name],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}


def test_the_cadastre_map_benchmark_draws_in_chromium(tmp_path):
    results = _bench("licensing.cadastre_map", tmp_path, CASM_BENCH_CADASTRE_MAP_FEATURES="800")
    first = results["licensing.cadastre_map.first_draw"]
    assert first["runs"] == 5 and 0 < first["median_s"] < 30
    shapes = first["bytes_by_path"]["/licensing/map/shapes.json"]
    assert 0 < shapes < first["bytes"] and first["outside_requests"] == 0
    assert first["status"] == "800 shapes in view"
    assert results["licensing.cadastre_map.zoom_redraw"]["median_s"] > 0


def test_the_site_map_benchmark_draws_in_chromium(tmp_path):
    results = _bench("map", tmp_path, CASM_BENCH_MAP_SITES="500")
    first = results["map.first_draw"]
    assert first["runs"] == 5 and 0 < first["median_s"] < 30 and first["outside_requests"] == 0
