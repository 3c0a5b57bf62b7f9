"""Run the benchmarks and print one JSON line per result.

``python benchmarks/run.py [NAME...]`` runs the benchmarks named, or all of them. Every
``bench_*.py`` module next to this file is imported, which registers its benchmarks; they run in
the order the modules register them.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import harness

BENCHMARKS_DIR = Path(__file__).resolve().parent


def import_benchmark_modules() -> None:
    """Import every ``bench_*`` module of this folder, registering its benchmarks."""
    for module in sorted(pkgutil.iter_modules([str(BENCHMARKS_DIR)]), key=lambda m: m.name):
        if module.name.startswith("bench_"):
            importlib.import_module(module.name)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the chosen benchmarks and return the exit status."""
    import_benchmark_modules()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run: {', '.join(harness.BENCHMARKS)}",
    )
    return harness.run_benchmarks(parser.parse_args(argv).names)


if __name__ == "__main__":
    sys.exit(main())
