"""The harvest benchmark runs end to end on a small library served by gunicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_harvest_benchmark_gets_every_record_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(CASM_BENCH_HARVEST_RECORDS="250", TMPDIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "harvest"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert list(results) == ["harvest.json_list", "harvest.oai_pmh"]
    harvest = results["harvest.oai_pmh"]
    assert harvest["peer"] == "harvest.json_list"
    assert harvest["pages"] == 3  # 100, 100 and 50 records, following two resumption tokens
    assert harvest["records"] == 250
    assert harvest["records_once_each"] is True
    assert results["harvest.json_list"]["records"] == 250
