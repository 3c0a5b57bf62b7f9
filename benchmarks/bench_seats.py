"""Seats under load: 200 people register at the same moment for an event of 100 seats, against
gunicorn (2 workers) on 127.0.0.1, on SQLite and on PostgreSQL.

Each run installs a throw-away site (its own folder and database), makes the event and the
people (each with an API token), starts gunicorn, and from this second process sends every
registration at once (one thread and connection per person, released together by a barrier)
to POST /api/v1/events/{id}/register. It then counts in the database: exactly 100 confirmed,
100 on the waiting list numbered 1…100, and no seat oversold. PostgreSQL runs on the server of
CASM_DATABASE_URL when it names one, otherwise on a throw-away cluster
(scripts/with-postgres.sh); a line on stderr says when PostgreSQL is not installed.

Sizes: CASM_BENCH_SEATS (100) and CASM_BENCH_SEATS_PEOPLE (200); CASM_BENCH_SEATS_DATABASES=sqlite
for SQLite only.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from harness import (
    BenchmarkError,
    Result,
    benchmark,
    run_worker,
    worker_on_each_database,
)

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"  # the only address this benchmark ever sends a request to
REQUEST_TIMEOUT_S = 60.0
WORKER_TIMEOUT_S = 600
SETUP_TIMEOUT_S = 300


def _size(name: str, default: int) -> int:
    value = int(os.environ.get(name, default))
    if value < 1:
        raise BenchmarkError(f"{name} must be at least 1")
    return value


# --- Inside the site's environment: make the event and the people; count the outcome ----------


def setup_main(seats: int, people: int, out: Path) -> None:
    """Make an event of ``seats`` seats and ``people`` members with API tokens."""
    import datetime

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from casm.accounts.models import User
    from casm.accounts.services import api_token_create
    from casm.core.models import Country
    from casm.events.models import Event

    today = datetime.date.today()
    event = Event.objects.create(
        kind=Event.Kind.CONFERENCE,
        title="Seats under load",
        year=today.year,
        host_country=Country.objects.get(alpha2="GH"),
        starts_on=today + datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=62),
        capacity=seats,
    )
    users = User.objects.bulk_create(
        User(username=f"person{number}", email=f"person{number}@example.org")
        for number in range(people)
    )
    raws = [api_token_create(actor=user, name="seats benchmark")[1] for user in users]
    out.write_text(json.dumps({"event": event.pk, "tokens": raws}))


def count_main(event_id: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.db import connection

    from casm.events.models import Event, Registration

    event = Event.objects.get(pk=event_id)
    rows = Registration.objects.filter(event=event)
    waiting = sorted(
        rows.filter(status="waiting").values_list("waiting_position", flat=True), key=int
    )
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "capacity": event.capacity,
                "confirmed": rows.filter(status="confirmed").count(),
                "waiting": len(waiting),
                "waiting_positions_1_to_n": waiting == list(range(1, len(waiting) + 1)),
            }
        )
    )


# --- The site worker: migrate, set up, serve with gunicorn, load, count ----------------------


def _run(command: list[str], environment: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        command, env=environment, cwd=cwd, capture_output=True, text=True,
        timeout=SETUP_TIMEOUT_S, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchmarkError(f"{' '.join(command[:3])} failed: {last}")
    return done.stdout


def site_prepared(script: str, *setup: str) -> tuple[dict[str, str], Path]:
    """In a worker: its environment and data folder (CASM_VAR_DIR), the database migrated and
    the benchmark's own ``script --setup ...`` run."""
    environment = dict(os.environ)
    var_dir = Path(environment["CASM_VAR_DIR"])
    casm = str(Path(sys.executable).with_name("casm"))
    _run([casm, "migrate", "--noinput"], environment, var_dir)
    _run([sys.executable, script, "--setup", *setup], environment, var_dir)
    return environment, var_dir


def _register_all(port: int, event_id: int, tokens: list[str]) -> dict:
    """Send one registration per token, all at once; time each answer."""
    barrier = threading.Barrier(len(tokens))
    outcomes: list[tuple[int | None, str, float]] = [(None, "", 0.0)] * len(tokens)
    body = json.dumps({"country": "GH", "gender": "woman"})

    def register(index: int) -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT_S)
        headers = {
            "Authorization": f"Bearer {tokens[index]}",
            "Content-Type": "application/json",
        }
        try:
            connection.connect()
            barrier.wait(timeout=60)
            started = time.perf_counter()
            connection.request("POST", f"/api/v1/events/{event_id}/register", body, headers)
            response = connection.getresponse()
            answer = response.read()
            status = ""
            if response.status == 201:
                status = json.loads(answer)["status"]
            outcomes[index] = (response.status, status, time.perf_counter() - started)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError):
            outcomes[index] = (None, "", 0.0)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(len(tokens))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies = [seconds for code, _s, seconds in outcomes if code is not None]
    return {
        "wall_s": wall,
        "latencies": latencies,
        "http": dict(Counter(str(code) for code, _s, _t in outcomes)),
        "answered": dict(Counter(status for _c, status, _t in outcomes if status)),
    }


def site_main(seats: int, people: int) -> None:
    """The whole run for the database of CASM_DATABASE_URL (or SQLite in CASM_VAR_DIR)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_web import running_gunicorn  # the same gunicorn as the web benchmark

    me = str(Path(__file__).resolve())
    environment, var_dir = site_prepared(me, str(seats), str(people))
    made = json.loads((var_dir / "seats.json").read_text())
    with running_gunicorn(environment, var_dir) as server:
        load = _register_all(server.port, made["event"], made["tokens"])
    counted = json.loads(
        _run([sys.executable, me, "--count", str(made["event"])], environment, var_dir)
        .strip()
        .splitlines()[-1]
    )
    print(json.dumps({**counted, **load}))


# --- The parent ------------------------------------------------------------------------------


def _worker(prefix: list[str], environment: dict[str, str], seats: int, people: int) -> dict:
    command = [*prefix, sys.executable, str(Path(__file__).resolve()), "--site", str(seats),
               str(people)]  # fmt: skip
    cwd = Path(environment["CASM_VAR_DIR"])
    return run_worker(command, environment, cwd, what="seats", timeout=WORKER_TIMEOUT_S)


def _result(figures: dict, seats: int, people: int) -> Result:
    confirmed, waiting = figures["confirmed"], figures["waiting"]
    expected_waiting = max(people - seats, 0)
    oversold = max(confirmed - figures["capacity"], 0)
    exact = (
        confirmed == min(seats, people)
        and waiting == expected_waiting
        and oversold == 0
        and figures["waiting_positions_1_to_n"]
    )
    return Result(
        name=f"seats.{figures['vendor']}.register",
        size=f"{people} concurrent registrations for {seats} seats, gunicorn 2 workers",
        timings=figures["latencies"],
        peak_memory_mb=None,
        memory_of="not measured",
        target=f"exactly {min(seats, people)} confirmed, {expected_waiting} waiting, 0 oversold",
        meets_target=exact,
        extra={
            "confirmed": confirmed,
            "waiting": waiting,
            "oversold": oversold,
            "waiting_positions_1_to_n": figures["waiting_positions_1_to_n"],
            "http_status": figures["http"],
            "answers": figures["answered"],
            "wall_s": round(figures["wall_s"], 3),
            "registrations_per_s": round(people / figures["wall_s"], 1),
            "max_s": round(max(figures["latencies"], default=0.0), 6),
            "mean_s": round(statistics.mean(figures["latencies"]), 6)
            if figures["latencies"]
            else None,
        },
    )


@benchmark("seats")
def seats_under_load() -> Iterator[Result]:
    """200 simultaneous registrations for 100 seats, on SQLite and on PostgreSQL."""
    seats = _size("CASM_BENCH_SEATS", 100)
    people = _size("CASM_BENCH_SEATS_PEOPLE", 200)
    sqlite_only = os.environ.get("CASM_BENCH_SEATS_DATABASES", "") == "sqlite"

    def run(prefix: list[str], environment: dict[str, str], _folder: Path) -> dict:
        return _worker(prefix, environment, seats, people)

    for figures in worker_on_each_database("seats", run, sqlite_only=sqlite_only):
        yield _result(figures, seats, people)


if __name__ == "__main__" and len(sys.argv) > 1:
    if sys.argv[1] == "--setup":
        setup_main(int(sys.argv[2]), int(sys.argv[3]), Path.cwd() / "seats.json")
    elif sys.argv[1] == "--count":
        count_main(int(sys.argv[2]))
    elif sys.argv[1] == "--site":
        site_main(int(sys.argv[2]), int(sys.argv[3]))
