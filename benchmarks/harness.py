"""A small benchmark harness: a registry, the statistics of a run and one JSON line per result.

A benchmark is a function registered with ``@benchmark("name")``. It makes its own data, runs
its measured work a number of times and yields one :class:`Result` per thing it measured;
:func:`run_benchmarks` prints each result as a JSON line as soon as it is yielded.

The figures are for the reader: nothing here asserts a target. A result may carry a ``target``
in words and whether the run met it.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import timeit
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BenchmarkFunction = Callable[[], Iterable["Result"]]

BENCHMARKS: dict[str, BenchmarkFunction] = {}

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def bench_size(benchmark: str, name: str, default: int) -> int:
    """A size from ``CASM_BENCH_<BENCHMARK>_<NAME>`` (a whole number), else ``default``."""
    value = os.environ.get(f"CASM_BENCH_{benchmark}_{name}", "")
    return int(value) if value.strip().isdigit() else default


class BenchmarkError(Exception):
    """The benchmark could not be measured (its setup failed, its server did not start...)."""


def benchmark(name: str) -> Callable[[BenchmarkFunction], BenchmarkFunction]:
    """Register the decorated function as the benchmark called ``name``."""

    def register(function: BenchmarkFunction) -> BenchmarkFunction:
        if name in BENCHMARKS:
            raise ValueError(f"two benchmarks are called {name!r}")
        BENCHMARKS[name] = function
        return function

    return register


@dataclass
class Result:
    """What one benchmark measured about one thing, and how it compares with its peer.

    ``timings`` holds the duration of each run in seconds. ``peer`` is another result of the
    same run (the comparison); ``ratio`` is our median over the peer's. ``extra`` holds any
    further figures, printed after the standard fields.
    """

    name: str
    size: str
    timings: list[float]
    peak_memory_mb: float | None
    memory_of: str
    peer: Result | None = None
    target: str | None = None
    meets_target: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median_s(self) -> float | None:
        """The median duration of a run, in seconds."""
        return statistics.median(self.timings) if self.timings else None

    @property
    def p95_s(self) -> float | None:
        """The 95th percentile of the durations, in seconds."""
        if len(self.timings) < 2:
            return self.median_s
        return statistics.quantiles(self.timings, n=20, method="inclusive")[-1]

    @property
    def ratio(self) -> float | None:
        """Our median over the peer's median: 2.0 means twice as slow as the peer."""
        if self.peer is None or not self.median_s or not self.peer.median_s:
            return None
        return self.median_s / self.peer.median_s

    def as_json(self) -> str:
        """The result as one line of JSON, standard fields first."""
        fields = {
            "name": self.name,
            "size": self.size,
            "runs": len(self.timings),
            "median_s": _rounded(self.median_s, 6),
            "p95_s": _rounded(self.p95_s, 6),
            "peak_memory_mb": _rounded(self.peak_memory_mb, 1),
            "memory_of": self.memory_of,
            "peer": self.peer.name if self.peer else None,
            "ratio": _rounded(self.ratio, 3),
            "target": self.target,
            "meets_target": self.meets_target,
            **self.extra,
        }
        return json.dumps(fields, ensure_ascii=False)


def _rounded(value: float | None, digits: int) -> float | None:
    """``value`` rounded for printing; None stays None."""
    return None if value is None else round(value, digits)


def time_runs(work: Callable[[], object], runs: int) -> list[float]:
    """Call ``work`` ``runs`` times and return the duration of each call, in seconds.

    Unlike timeit's default, the garbage collector stays on: it is part of the cost in use.
    """
    return timeit.Timer(work, setup="gc.enable()").repeat(repeat=runs, number=1)


def reset_peak_memory(pids: Iterable[int]) -> bool:
    """Start the peak RSS of these processes afresh; False where Linux does not allow it."""
    try:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory_mb(pids: Iterable[int]) -> float | None:
    """The sum of the peak RSS (VmHWM) of these processes in MiB, or None without /proc."""
    total_kib = 0
    try:
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            total_kib += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")
            )
    except (OSError, StopIteration):
        return None
    return total_kib / 1024


def own_peak_memory_mb() -> float:
    """This process's peak RSS in MiB (since its last reset where /proc allows one)."""
    from_proc = peak_memory_mb([os.getpid()])
    if from_proc is not None:
        return from_proc
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pids: Iterable[int]) -> float | None:
    """The CPU time (user + system) these processes have used so far, or None without /proc."""
    ticks = 0
    try:
        for pid in pids:
            stat = Path(f"/proc/{pid}/stat").read_text()
            # The fields after the command name, which may hold spaces, in parentheses.
            after_name = stat.rpartition(")")[2].split()
            ticks += int(after_name[11]) + int(after_name[12])
    except (OSError, IndexError, ValueError):
        return None
    return ticks / CLOCK_TICKS_PER_SECOND


def process_and_children(pid: int) -> list[int]:
    """``pid`` and the processes it started directly (e.g. a gunicorn master and its workers)."""
    children = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat_file.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # the process ended while we looked
        if int(after_name[1]) == pid:
            children.append(int(stat_file.parent.name))
    return [pid, *sorted(children)]


def run_benchmarks(names: list[str]) -> int:
    """Run the named benchmarks (all when none is named), printing each result as it comes.

    A benchmark that fails prints one line on stderr and the others still run. The exit
    status is 0 when all of them ran, 1 when one failed, 2 when a name is unknown.
    """
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(
            f"bench: unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    results: list[Result] = []
    failures: list[str] = []
    for name in names or list(BENCHMARKS):
        try:
            reset_peak_memory([os.getpid()])
            for result in BENCHMARKS[name]():
                results.append(result)
                print(result.as_json(), flush=True)
        except Exception as exc:
            failures.append(name)
            kind = "" if isinstance(exc, BenchmarkError) else f"{type(exc).__name__}: "
            reason = " ".join(str(exc).split())  # on one line
            print(f"bench: {name} failed: {kind}{reason}", file=sys.stderr, flush=True)
    # The state at a glance, on stderr: stdout stays one JSON line per result.
    print(summary_table(results, failures), file=sys.stderr, flush=True)
    return 1 if failures else 0


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def summary_table(results: list[Result], failures: list[str]) -> str:
    """Every result on one line: benchmark, median and p95, peer, ratio, target, met or missed;
    then the benchmarks that could not be measured."""
    verdicts = {True: "met", False: "MISSED", None: ""}
    rows = [("benchmark", "median", "p95", "peer", "ratio", "target", "result")]
    for result in results:
        rows.append((
            result.name, _duration(result.median_s), _duration(result.p95_s),
            result.peer.name if result.peer else "",
            f"{result.ratio:.2f}" if result.ratio is not None else "",
            result.target or "", verdicts[result.meets_target],
        ))  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["", "Summary"] + [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines += [f"{name}: failed (see above)" for name in failures]
    return "\n".join(lines)


@contextlib.contextmanager
def scratch_postgres_database(url: str) -> Iterator[str]:
    """The address of a new, empty database on the PostgreSQL server of ``url``; dropped after."""
    import psycopg

    name = f"casm_bench_{secrets.token_hex(4)}"
    admin_url = _with_database(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def postgres_unavailable_reason() -> str | None:
    """Why a throw-away PostgreSQL cannot be started here, or None when it can."""
    if shutil.which("pg_config") or any(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return None
    return "PostgreSQL is not installed and no CASM_DATABASE_URL names a server"


def child_environment(var_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment of a benchmark's worker process: its own data folder and database."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CASM_")}
    environment.update(
        {key: value for key, value in os.environ.items() if key.startswith("CASM_BENCH_")}
    )
    environment.update(
        CASM_VAR_DIR=str(var_dir),
        CASM_SECRET_KEY=secrets.token_hex(25),
        CASM_DEBUG="0",
        CASM_LOG_LEVEL="WARNING",
    )
    if database_url:
        environment["CASM_DATABASE_URL"] = database_url
    return environment


def run_worker(
    command: list[str], environment: dict[str, str], cwd: Path, *, what: str, timeout: int
) -> dict:
    """Run a worker process; its last line of output is its figures, in JSON."""
    try:
        done = subprocess.run(
            command,
            env=environment,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchmarkError(f"the {what} worker ran longer than {timeout} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchmarkError(f"the {what} worker failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


WorkerRun = Callable[[list[str], dict[str, str], Path], dict]


def worker_on_each_database(
    name: str, run: WorkerRun, *, sqlite_only: bool = False, postgresql_only: bool = False
) -> Iterator[dict]:
    """The figures of a benchmark's worker on SQLite, then on PostgreSQL (or on one of them).

    ``run(command_prefix, environment, folder)`` starts the worker. PostgreSQL is a scratch
    database on the server of CASM_DATABASE_URL when one is given, else a throw-away cluster
    (scripts/with-postgres.sh); it is skipped, with a line on stderr, when neither can be had.
    """
    if not postgresql_only:
        with tempfile.TemporaryDirectory(prefix=f"casm-bench-{name}-") as folder:
            yield run([], child_environment(Path(folder), None), Path(folder))
    if sqlite_only:
        return
    given = os.environ.get("CASM_DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        with (
            scratch_postgres_database(given) as database_url,
            tempfile.TemporaryDirectory(prefix=f"casm-bench-{name}-") as folder,
        ):
            yield run([], child_environment(Path(folder), database_url), Path(folder))
        return
    reason = postgres_unavailable_reason()
    if reason:
        print(f"PostgreSQL: skipped ({reason})", file=sys.stderr, flush=True)
        return
    script = str(Path(__file__).resolve().parents[1] / "scripts" / "with-postgres.sh")
    with tempfile.TemporaryDirectory(prefix=f"casm-bench-{name}-") as folder:
        yield run([script], child_environment(Path(folder), None), Path(folder))
