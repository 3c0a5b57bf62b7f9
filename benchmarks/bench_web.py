"""Web: the home page and an API list served by gunicorn (2 workers) on SQLite with the demo data.

The site is installed in a temporary folder and served on 127.0.0.1 by gunicorn, as in
production. The load comes from a second process: 10 clients, each a thread with its own HTTP
connection (kept alive where the server allows it: gunicorn's sync workers close it after each
answer), send a bounded number of requests to one URL after the other and time each answer.
/healthz, the smallest Django response that touches the database, is measured in the same run
as the peer of the others: the floor of the framework.
"""

from __future__ import annotations

import gzip
import http.client
import multiprocessing
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gunicorn
from harness import (
    BenchmarkError,
    Result,
    benchmark,
    cpu_seconds,
    own_peak_memory_mb,
    peak_memory_mb,
    process_and_children,
    reset_peak_memory,
)

LOOPBACK = "127.0.0.1"  # the only address this benchmark ever sends a request to
WORKERS = 2
CLIENTS = 10
REQUESTS_PER_URL = 2000
WARMUP_REQUESTS = 50
TIME_LIMIT_PER_URL_S = 25.0
REQUEST_TIMEOUT_S = 10.0
SETUP_TIMEOUT_S = 120.0
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
TARGET_P95_S = 0.050
TARGET = "p95 < 50 ms at 10 concurrent clients"
# What a browser sends: the answers are measured as they travel, compressed where the site does.
REQUEST_HEADERS = {"Accept": "text/html,application/json;q=0.9", "Accept-Encoding": "gzip"}

PEER_URL = ("web.healthz", "/healthz")
MEASURED_URLS = [
    ("web.home", "/"),
    ("web.api_countries", "/api/v1/countries?limit=50"),
]


@dataclass
class ClientTally:
    """What clients saw: the latency of each answer, answers other than 200, requests unanswered.

    An answer other than 200 has a latency and counts as an error; a request that got no answer
    (refused, reset, timed out) has none and counts as an error too.
    """

    latencies: list[float]
    not_ok: int
    unanswered: int

    @property
    def errors(self) -> int:
        """Requests that did not get a 200."""
        return self.not_ok + self.unanswered

    @property
    def requests_sent(self) -> int:
        """Requests sent, answered or not."""
        return len(self.latencies) + self.unanswered


@dataclass
class LoadReport:
    """What the load process measured on one URL, sent back to the benchmark process."""

    latencies: list[float]
    errors: int
    elapsed_s: float
    requests_sent: int
    response_bytes: int
    uncompressed_bytes: int
    client_peak_memory_mb: float


@dataclass
class Server:
    """A running gunicorn: its master process and the port it listens on."""

    process: subprocess.Popen[bytes]
    port: int


def _client(port: int, path: str, budget: threading.Semaphore, deadline: float) -> ClientTally:
    """Send requests on one connection while the budget and the time last; time each answer."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT_S)
    tally = ClientTally(latencies=[], not_ok=0, unanswered=0)
    try:
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers=REQUEST_HEADERS)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                tally.unanswered += 1
                connection.close()  # the next request opens a new connection
                continue
            tally.latencies.append(time.perf_counter() - start)
            if response.status != 200:
                tally.not_ok += 1
    finally:
        connection.close()
    return tally


def _send_concurrently(port: int, path: str, requests: int, time_limit_s: float) -> ClientTally:
    """Have CLIENTS threads share ``requests`` requests to ``path``; merge what they saw."""
    budget = threading.Semaphore(requests)
    deadline = time.monotonic() + time_limit_s
    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        futures = [clients.submit(_client, port, path, budget, deadline) for _ in range(CLIENTS)]
        tallies = [future.result() for future in futures]
    return ClientTally(
        latencies=[latency for tally in tallies for latency in tally.latencies],
        not_ok=sum(tally.not_ok for tally in tallies),
        unanswered=sum(tally.unanswered for tally in tallies),
    )


def _response_sizes(port: int, path: str) -> tuple[int, int]:
    """The body size of one answer as sent and once decompressed, in bytes."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path, headers=REQUEST_HEADERS)
        response = connection.getresponse()
        body = response.read()
        compressed = response.getheader("Content-Encoding") == "gzip"
    finally:
        connection.close()
    return len(body), len(gzip.decompress(body)) if compressed else len(body)


def drive_load(port: int, path: str) -> LoadReport:
    """Measure one URL; runs in the load process, apart from the server and the benchmark.

    One request gives the size of the answer, WARMUP_REQUESTS more warm the workers up, then
    the clients send REQUESTS_PER_URL requests, or fewer if TIME_LIMIT_PER_URL_S runs out.
    """
    reset_peak_memory([os.getpid()])
    response_bytes, uncompressed_bytes = _response_sizes(port, path)
    warmup = _send_concurrently(port, path, WARMUP_REQUESTS, TIME_LIMIT_PER_URL_S)
    start = time.perf_counter()
    measured = _send_concurrently(port, path, REQUESTS_PER_URL, TIME_LIMIT_PER_URL_S)
    elapsed_s = time.perf_counter() - start
    return LoadReport(
        latencies=measured.latencies,
        errors=measured.errors,
        elapsed_s=elapsed_s,
        requests_sent=1 + warmup.requests_sent + measured.requests_sent,
        response_bytes=response_bytes,
        uncompressed_bytes=uncompressed_bytes,
        client_peak_memory_mb=own_peak_memory_mb(),
    )


def _last_line(text: str | bytes | None) -> str:
    """The last non-blank line of a command's output, to explain a failure in one line."""
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _site_environment(var_dir: Path) -> dict[str, str]:
    """This process's environment without CASM_* settings, plus those of the throwaway site."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CASM_")}
    environment.update(
        CASM_VAR_DIR=str(var_dir),
        CASM_SECRET_KEY=secrets.token_hex(25),  # 50 characters
        CASM_DEBUG="0",
        # Every request comes from 127.0.0.1: the rates that keep one address from flooding
        # the API would answer most of the load with 429, which is not what is measured here.
        CASM_API_RATE="1000000/min",
        CASM_API_RATE_ANONYMOUS="1000000/min",
    )
    return environment


def _run_casm(environment: dict[str, str], var_dir: Path, *arguments: str) -> None:
    """Run one `casm` command for the throwaway site; a failure stops the benchmark."""
    casm = Path(sys.executable).with_name("casm")
    try:
        subprocess.run(
            [str(casm), *arguments],
            env=environment,
            cwd=var_dir,
            check=True,
            capture_output=True,
            timeout=SETUP_TIMEOUT_S,
        )
    except subprocess.CalledProcessError as error:
        raise BenchmarkError(
            f"casm {arguments[0]} failed with status {error.returncode}: "
            f"{_last_line(error.stderr or error.stdout)}"
        ) from None
    except subprocess.TimeoutExpired:
        raise BenchmarkError(
            f"casm {arguments[0]} ran longer than {SETUP_TIMEOUT_S:.0f} s"
        ) from None
    except OSError as error:
        raise BenchmarkError(f"cannot run {casm}: {error.strerror}") from None


def _free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _status_of(port: int, path: str) -> int | None:
    """The HTTP status of one GET, or None when the server does not answer."""
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _wait_until_healthy(server: Server, log_path: Path) -> None:
    """Wait until /healthz answers 200; fail if gunicorn exits or STARTUP_TIMEOUT_S runs out."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchmarkError(
                f"gunicorn exited with status {server.process.returncode}: "
                f"{_last_line(log_path.read_bytes())}"
            )
        if _status_of(server.port, "/healthz") == 200:
            return
        time.sleep(0.2)
    raise BenchmarkError(
        f"/healthz did not answer 200 within {STARTUP_TIMEOUT_S:.0f} s: "
        f"{_last_line(log_path.read_bytes())}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask gunicorn to stop (SIGTERM) and wait; kill it if it takes longer than STOP_TIMEOUT_S."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _without_control_socket() -> list[str]:
    """The option that keeps gunicorn off the control socket it opens from version 25.1 on.

    That socket has one path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), so the
    benchmark's server would take it from, and on exit remove it under, any other gunicorn.
    """
    return ["--no-control-socket"] if gunicorn.version_info >= (25, 1) else []


@contextmanager
def running_gunicorn(environment: dict[str, str], var_dir: Path) -> Iterator[Server]:
    """Serve the site with gunicorn on a free port of 127.0.0.1 until the block ends."""
    log_path = var_dir / "gunicorn.log"
    with log_path.open("wb") as log:
        port = _free_port()
        process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn",
                "--workers", str(WORKERS),
                "--bind", f"{LOOPBACK}:{port}",
                *_without_control_socket(),
                "casm.wsgi:application",
            ],
            env=environment,
            cwd=var_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        server = Server(process=process, port=port)
        try:
            _wait_until_healthy(server, log_path)
            yield server
        finally:
            _stop(process)
    if process.returncode != 0:
        raise BenchmarkError(
            f"gunicorn stopped with status {process.returncode}: "
            f"{_last_line(log_path.read_bytes())}"
        )


def _measure_url(
    load_process: Executor, server: Server, name: str, path: str, peer: Result | None
) -> Result:
    """Load one URL from the load process and read what it cost the server."""
    server_pids = process_and_children(server.process.pid)
    reset_done = reset_peak_memory(server_pids)
    cpu_before = cpu_seconds(server_pids)
    report = load_process.submit(drive_load, server.port, path).result()
    pids_after = process_and_children(server.process.pid)
    workers_restarted = pids_after != server_pids
    cpu_after = None if workers_restarted else cpu_seconds(server_pids)
    server_memory_mb = peak_memory_mb(pids_after)

    if server_memory_mb is not None:
        processes = f"gunicorn master + {len(pids_after) - 1} workers"
        period = "while this URL was measured" if reset_done else "since the server started"
        restarts = " (a worker restarted meanwhile)" if workers_restarted else ""
        memory_of = f"server: {processes}, sum of peak RSS {period}{restarts}"
        memory_mb = server_memory_mb
    else:
        memory_of = "client: the load process (the server's memory is not readable)"
        memory_mb = report.client_peak_memory_mb
    server_cpu_ms = (
        None
        if cpu_before is None or cpu_after is None
        else round((cpu_after - cpu_before) / report.requests_sent * 1000, 2)
    )
    result = Result(
        name=name,
        size="demo data",
        timings=report.latencies,
        peak_memory_mb=memory_mb,
        memory_of=memory_of,
        peer=peer,
        target=TARGET,
        extra={
            "url": path,
            "bytes": report.response_bytes,
            "bytes_uncompressed": report.uncompressed_bytes,
            "requests_per_s": round(len(report.latencies) / report.elapsed_s, 1),
            "errors": report.errors,
            "clients": CLIENTS,
            "server_cpu_ms_per_request": server_cpu_ms,
        },
    )
    result.meets_target = (
        report.errors == 0 and result.p95_s is not None and result.p95_s < TARGET_P95_S
    )
    return result


@benchmark("web")
def web_pages() -> Iterator[Result]:
    """The home page and an API list against /healthz, under 10 concurrent clients."""
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, not a copy of this one
    with (
        tempfile.TemporaryDirectory(prefix="casm-bench-web-") as temporary_folder,
        ProcessPoolExecutor(max_workers=1, mp_context=spawn) as load_process,
    ):
        var_dir = Path(temporary_folder)
        environment = _site_environment(var_dir)
        _run_casm(environment, var_dir, "migrate", "--noinput")
        _run_casm(environment, var_dir, "collectstatic", "--noinput", "-v", "0")
        _run_casm(environment, var_dir, "demo")
        with running_gunicorn(environment, var_dir) as server:
            peer_name, peer_path = PEER_URL
            peer = _measure_url(load_process, server, peer_name, peer_path, peer=None)
            yield peer
            for name, path in MEASURED_URLS:
                yield _measure_url(load_process, server, name, path, peer=peer)
