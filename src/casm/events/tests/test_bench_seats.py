"""The seats benchmark runs end to end on a small event served by gunicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_seats_benchmark_never_oversells(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(
        CASM_BENCH_SEATS="5",
        CASM_BENCH_SEATS_PEOPLE="12",
        CASM_BENCH_SEATS_DATABASES="sqlite",
        TMPDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "seats"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [result] = [json.loads(line) for line in done.stdout.splitlines()]
    assert result["name"] == "seats.sqlite.register"
    assert (result["confirmed"], result["waiting"], result["oversold"]) == (5, 7, 0)
    assert result["meets_target"] is True
    assert result["http_status"] == {"201": 12}
