"""The import benchmark runs end to end on a small file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def test_the_import_benchmark_runs_small(tmp_path):
    pytest.importorskip("pandas")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(CASM_BENCH_IMPORT_ROWS="2000", TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "import"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    names = {"import.pandas_to_sql", "import.census_csv", "import.orm_one_by_one"}
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from harness import postgres_unavailable_reason

    on_postgresql = postgres_unavailable_reason() is None
    if on_postgresql:  # the same import and peer on a throw-away PostgreSQL cluster
        names |= {"import.postgresql.pandas_to_sql", "import.postgresql.census_csv"}
    assert set(results) == names
    assert results["import.census_csv"]["visits"] == 2000
    assert results["import.census_csv"]["peer"] == "import.pandas_to_sql"
    if on_postgresql:
        assert results["import.postgresql.census_csv"]["visits"] == 2000
        assert results["import.postgresql.census_csv"]["peer"] == "import.postgresql.pandas_to_sql"
