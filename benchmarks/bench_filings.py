"""Filings under load: 200 applicants file at the same moment for overlapping areas, against
gunicorn (2 workers) on 127.0.0.1, on SQLite and on PostgreSQL.

Each run installs a throw-away site, makes a licence type of DR Congo (an example) and 400
cooperatives each with a member and an API token, starts gunicorn, and from this second
process sends 200 filings at once (one thread and connection per applicant, released together
by a barrier) to POST /api/v1/licensing/applications, each area a 0.01° square shifted by a
hundred-thousandth of a degree from the last, so that all overlap; then, as the peer, 200 more
one after another from one client. It then checks in the database that none was lost (400
applications, places 1…400 in the register without a gap), that receipt seconds never go down
along the register, and that each application's stored screening names exactly the
applications before it as holding it: priority exactly in receipt order.

Sizes: CASM_BENCH_FILINGS (200); CASM_BENCH_FILINGS_DATABASES=sqlite for SQLite only.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench_seats import LOOPBACK, REQUEST_TIMEOUT_S, WORKER_TIMEOUT_S, _run, _size, site_prepared
from harness import (
    Result,
    benchmark,
    run_worker,
    worker_on_each_database,
)

ROOT = Path(__file__).resolve().parents[1]
WEST, SOUTH = 15.80, -4.32
SIDE = 0.01
SHIFT = 0.00001


def setup_main(applicants: int, out: Path) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from casm.accounts.models import Organisation, User
    from casm.accounts.services import api_token_create
    from casm.core.models import Commodity, Country
    from casm.licensing.models import LicenceType

    congo = Country.objects.get(alpha2="CD")
    kind = LicenceType.objects.create(
        country=congo, code="BENCH", name_en="Benchmark permit (an example)",
        category="small_scale", holders=["cooperative"], source="benchmark", is_example=True,
    )  # fmt: skip
    kind.commodities.set(Commodity.objects.filter(code="gold"))
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Coopérative {number}", kind="miners", country=congo)
        for number in range(applicants)
    )
    users = User.objects.bulk_create(
        User(username=f"applicant{number}", email=f"applicant{number}@example.org",
             organisation=organisation)
        for number, organisation in enumerate(organisations)
    )  # fmt: skip
    tokens = [api_token_create(actor=user, name="filings benchmark")[1] for user in users]
    out.write_text(json.dumps({"tokens": tokens,
                               "organisations": [o.pk for o in organisations]}))  # fmt: skip


def count_main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.db import connection

    from casm.licensing.models import Application

    rows = list(Application.objects.order_by("sequence").prefetch_related("screenings"))
    sequences = [a.sequence for a in rows]
    times = [a.received_at for a in rows]
    in_order = True
    for place, application in enumerate(rows):
        screening = application.screenings.all()[0]
        held = sorted(f["params"]["number"] for f in screening.findings
                      if f["code"] == "earlier_application")  # fmt: skip
        if held != sorted(a.number for a in rows[:place]):
            in_order = False
            break
    print(json.dumps({
        "vendor": connection.vendor, "applications": len(rows),
        "places_without_gap": sequences == list(range(1, len(rows) + 1)),
        "receipt_never_goes_down": all(a <= b for a, b in zip(times, times[1:], strict=False)),
        "held_by_exactly_the_earlier": in_order,
    }))  # fmt: skip


def _body(index: int, organisation: int) -> str:
    west = WEST + index * SHIFT
    ring = [[west, SOUTH], [west + SIDE, SOUTH], [west + SIDE, SOUTH + SIDE],
            [west, SOUTH + SIDE], [west, SOUTH]]  # fmt: skip
    return json.dumps({
        "country": "CD", "licence_type": "BENCH", "holder_kind": "cooperative",
        "organisation": organisation, "commodities": ["gold"],
        "area": {"type": "Polygon", "coordinates": [ring]},
    })  # fmt: skip


def _file_all(port: int, tokens: list[str], organisations: list[int], together: bool) -> dict:
    """Send one filing per applicant: all at once (``together``), or one after another."""
    count = len(tokens)
    barrier = threading.Barrier(count) if together else None
    outcomes: list[tuple[int | None, float]] = [(None, 0.0)] * count

    def file(index: int) -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT_S)
        headers = {"Authorization": f"Bearer {tokens[index]}", "Content-Type": "application/json"}
        try:
            connection.connect()
            if barrier is not None:
                barrier.wait(timeout=60)
            started = time.perf_counter()
            connection.request("POST", "/api/v1/licensing/applications",
                               _body(index, organisations[index]), headers)  # fmt: skip
            response = connection.getresponse()
            response.read()
            outcomes[index] = (response.status, time.perf_counter() - started)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError):
            outcomes[index] = (None, 0.0)
        finally:
            connection.close()

    started = time.perf_counter()
    if together:
        threads = [threading.Thread(target=file, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for index in range(count):
            file(index)
    return {
        "wall_s": time.perf_counter() - started,
        "latencies": [seconds for code, seconds in outcomes if code is not None],
        "http": dict(Counter(str(code) for code, _s in outcomes)),
    }


def site_main(applicants: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_web import running_gunicorn

    me = str(Path(__file__).resolve())
    environment, var_dir = site_prepared(me, str(2 * applicants))
    made = json.loads((var_dir / "filings.json").read_text())
    tokens, organisations = made["tokens"], made["organisations"]
    with running_gunicorn(environment, var_dir) as server:
        # All at once first; then the peer, as many one after another.
        load = _file_all(server.port, tokens[:applicants], organisations[:applicants],
                         together=True)  # fmt: skip
        serial = _file_all(server.port, tokens[applicants:], organisations[applicants:],
                           together=False)  # fmt: skip
    counted = json.loads(
        _run([sys.executable, me, "--count"], environment, var_dir).strip().splitlines()[-1]
    )
    print(json.dumps({**counted, "serial": serial, "load": load}))


def _worker(prefix: list[str], environment: dict[str, str], applicants: int) -> dict:
    command = [*prefix, sys.executable, str(Path(__file__).resolve()), "--site", str(applicants)]
    cwd = Path(environment["CASM_VAR_DIR"])
    return run_worker(command, environment, cwd, what="filings", timeout=WORKER_TIMEOUT_S)


def _results(figures: dict, applicants: int) -> Iterator[Result]:
    exact = (
        figures["applications"] == 2 * applicants and figures["places_without_gap"]
        and figures["receipt_never_goes_down"] and figures["held_by_exactly_the_earlier"]
    )  # fmt: skip
    for label, part in (("simultaneous", figures["load"]), ("one_by_one", figures["serial"])):
        count = len(part["latencies"])
        yield Result(
            name=f"licensing.filings.{figures['vendor']}.{label}",
            size=f"{count} filings over overlapping areas ({label.replace('_', ' ')}), "
            "gunicorn 2 workers, into a register of "
            f"{0 if label == 'simultaneous' else applicants}",
            timings=part["latencies"], peak_memory_mb=None, memory_of="not measured",
            target=f"{2 * applicants} in the register, none lost, priority in receipt order",
            meets_target=exact,
            extra={
                "applications": figures["applications"],
                "places_without_gap": figures["places_without_gap"],
                "receipt_never_goes_down": figures["receipt_never_goes_down"],
                "held_by_exactly_the_earlier": figures["held_by_exactly_the_earlier"],
                "http_status": part["http"], "wall_s": round(part["wall_s"], 3),
                "filings_per_s": round(count / part["wall_s"], 1) if part["wall_s"] else None,
                "mean_s": round(statistics.mean(part["latencies"]), 6)
                if part["latencies"] else None,
            },
        )  # fmt: skip


@benchmark("licensing.filings")
def filings_under_load() -> Iterator[Result]:
    """200 simultaneous filings over overlapping areas, then 200 one by one, both databases."""
    applicants = _size("CASM_BENCH_FILINGS", 200)
    sqlite_only = os.environ.get("CASM_BENCH_FILINGS_DATABASES", "") == "sqlite"

    def run(prefix: list[str], environment: dict[str, str], _folder: Path) -> dict:
        return _worker(prefix, environment, applicants)

    for figures in worker_on_each_database("filings", run, sqlite_only=sqlite_only):
        yield from _results(figures, applicants)


if __name__ == "__main__" and len(sys.argv) > 1:
    if sys.argv[1] == "--setup":
        setup_main(int(sys.argv[2]), Path.cwd() / "filings.json")
    elif sys.argv[1] == "--count":
        count_main()
    elif sys.argv[1] == "--site":
        site_main(int(sys.argv[2]))
