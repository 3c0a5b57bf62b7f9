"""The directory benchmark runs end to end on a small directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_directory_benchmark_runs_small(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(
        CASM_BENCH_DIRECTORY_SIZE="300",
        CASM_BENCH_DIRECTORY_DATABASES="sqlite",
        TMPDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "directory"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert set(results) == {
        "directory.sqlite.healthz",
        "directory.sqlite.organisations",
        "directory.sqlite.people",
    }
    assert results["directory.sqlite.organisations"]["peer"] == "directory.sqlite.healthz"
    assert results["directory.sqlite.organisations"]["runs"] == 120
