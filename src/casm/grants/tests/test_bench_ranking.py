"""The ranking benchmark runs end to end on a small round."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_ranking_benchmark_runs_small(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(
        CASM_BENCH_RANKING_PROPOSALS="200",
        CASM_BENCH_RANKING_DATABASES="sqlite",
        TMPDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "ranking"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert set(results) == {"ranking.sqlite.count_scores", "ranking.sqlite.call_ranking"}
    ranking = results["ranking.sqlite.call_ranking"]
    assert ranking["ranked"] == 200 and 0 < ranking["proposed_for_award"] < 200
    assert ranking["peer"] == "ranking.sqlite.count_scores"
    assert ranking["meets_target"] is True
