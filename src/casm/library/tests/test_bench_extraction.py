"""The extraction benchmark runs end to end on a few small files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]


def test_the_extraction_benchmark_reads_every_format_small(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    env.update(
        CASM_BENCH_EXTRACTION_FILES="2", CASM_BENCH_EXTRACTION_PAGES="3", TMPDIR=str(tmp_path)
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "extraction"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    kinds = ["pypdf", "pdf", "txt", "docx", "odt", "html"]
    assert list(results) == [f"extraction.{kind}" for kind in kinds]
    assert results["extraction.pdf"]["peer"] == "extraction.pypdf"
    assert results["extraction.docx"]["peer"] == "extraction.txt"
    # The same text comes out of every format, and all of it: 3 pages of about 3,000 characters.
    text = results["extraction.txt"]["chars"]
    assert 2 * 3 * 2500 < text < 2 * 3 * 3100
    for kind in kinds:
        assert results[f"extraction.{kind}"]["runs"] == 2
        assert abs(results[f"extraction.{kind}"]["chars"] - text) < text * 0.02, kind
        assert results[f"extraction.{kind}"]["pages_per_s"] > 0
