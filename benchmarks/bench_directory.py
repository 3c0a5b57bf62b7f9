"""Directory: the network directory searched with filters at the scale of a large network.

A fresh database gets CASM_BENCH_DIRECTORY_SIZE organisations (50,000 unless set) listed in the
directory, each working in one to three countries, as many people (three in four with a public
profile), and one project for every ten organisations, with themes. The public directory pages
are then asked a mix of searches through Django's whole middleware stack by the test client:
text (a word of the names), type, country (based or working there), theme (of the projects)
and their combinations, each page counting its results and showing the first 25.

- ``directory.<db>.healthz``: the peer, /healthz, in the same run (the framework's floor);
- ``directory.<db>.organisations``: /network/?… searches; target p95 < 50 ms;
- ``directory.<db>.people``: /network/people/?… searches; target p95 < 50 ms.

SQLite in a temporary folder always; PostgreSQL on a fresh database of the server named by
CASM_DATABASE_URL when one is given, else a throw-away cluster made by scripts/with-postgres.sh
when PostgreSQL is installed, otherwise a line says why it was skipped;
CASM_BENCH_DIRECTORY_DATABASES=sqlite runs SQLite only.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from harness import (
    Result,
    benchmark,
    own_peak_memory_mb,
    run_worker,
    worker_on_each_database,
)

RUNS_PER_QUERY = 10
TARGET_S = 0.050
WORKER_TIMEOUT_S = 1200
PEER_URL = "/healthz"
BATCH = 2000
WORDS = [
    "Umoja", "Tuungane", "Amani", "Sika", "Akwaaba", "Esperanza", "Oro Verde", "Minas Unidas",
    "Golden Hope", "Riverbank", "Highland", "Kivu", "Sahel", "Andes", "Pacific", "Savanna",
    "Mercury Free", "Women Miners", "Fair Gold", "Green Stone",
]  # fmt: skip
FORMS = ["Association", "Cooperative", "Foundation", "Institute", "Network", "Agency"]
FIRST = ["Ama", "Kofi", "Mariam", "Jean", "Ana", "Luis", "Bolor", "Siti", "Ravi", "Grace"]
LAST = ["Mensah", "Diallo", "Mukendi", "Quispe", "Rojas", "Wijaya", "Sharma", "Okafor", "Moyo"]
COUNTRIES = ["GH", "CD", "TZ", "PE", "CO", "BF", "ML", "MN", "PH", "ID", "IN", "ZW", "SL", "MG"]
THEMES = ["mercury", "gender", "formalization", "child_labour", "health_safety", "water"]

ORGANISATION_QUERIES = [
    "q=kivu",
    "q=gold",
    "kind=ngo",
    "country=GH",
    "kind=miners&country=CD",
    "q=women&country=PE",
    "q=cooperative&kind=miners&country=TZ",
    "theme=mercury",
    "theme=gender&country=GH",
    "q=sa&kind=ngo&country=BF&theme=water",
    "",
    "page=3&kind=academia",
]
PEOPLE_QUERIES = ["q=mensah", "country=GH", "kind=ngo", "q=ana&country=PE", "", "page=5"]


def size() -> int:
    value = os.environ.get("CASM_BENCH_DIRECTORY_SIZE", "")
    return int(value) if value.strip().isdigit() else 50_000


# --- The child process ----------------------------------------------------------------------


def _populate(count: int) -> None:
    import datetime

    from django.db import connection, transaction

    from casm.accounts.models import Organisation
    from casm.core.models import Country
    from casm.network.models import Person, Project

    rng = random.Random(2001)
    countries = {c.alpha2: c.pk for c in Country.objects.filter(alpha2__in=COUNTRIES)}
    kinds = list(Organisation.Kind.values)
    with transaction.atomic():
        Organisation.objects.bulk_create(
            (
                Organisation(
                    name=f"{rng.choice(WORDS)} {rng.choice(FORMS)} {number}",
                    kind=kinds[number % len(kinds)],
                    country_id=countries[rng.choice(COUNTRIES)],
                    is_network_member=True,
                )
                for number in range(count)
            ),
            batch_size=BATCH,
        )
        based = dict(Organisation.objects.values_list("pk", "country_id"))
        ids = sorted(based)
        through = Organisation.countries_of_work.through
        # Where an organisation is based is one of its countries of work, as the services keep it.
        through.objects.bulk_create(
            (
                through(organisation_id=pk, country_id=country_id)
                for pk in ids
                for country_id in {based[pk]}
                | {countries[code] for code in rng.sample(COUNTRIES, rng.randint(0, 2))}
            ),
            batch_size=BATCH,
        )
        Person.objects.bulk_create(
            (
                Person(
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {number}",
                    organisation_id=ids[number % len(ids)],
                    email=f"person{number}@example.org",
                    public_profile=number % 4 != 0,
                )
                for number in range(count)
            ),
            batch_size=BATCH,
        )
        people = Person.countries.through
        people.objects.bulk_create(
            (
                people(person_id=pk, country_id=countries[rng.choice(COUNTRIES)])
                for pk in Person.objects.values_list("pk", flat=True)
            ),
            batch_size=BATCH,
        )
        Project.objects.bulk_create(
            (
                Project(
                    title=f"Project {number}",
                    lead_organisation_id=ids[(number * 7) % len(ids)],
                    themes=sorted(rng.sample(THEMES, 2)),
                    start=datetime.date(2001 + number % 12, 1, 1),
                )
                for number in range(count // 10)
            ),
            batch_size=BATCH,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed_get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def _measure(client, path: str, queries: list[str]) -> list[float]:
    urls = [f"{path}?{query}" if query else path for query in queries]
    for url in urls:
        _timed_get(client, url)  # warm up
    return [_timed_get(client, url) for _ in range(RUNS_PER_QUERY) for url in urls]


def worker_main() -> None:
    """Run in the child: migrate, populate, measure, print one JSON object."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    _populate(size())
    populate_s = time.perf_counter() - started
    client = Client()
    peer = _measure(client, PEER_URL, [""] * len(ORGANISATION_QUERIES))
    organisations = _measure(client, "/network/", ORGANISATION_QUERIES)
    people = _measure(client, "/network/people/", PEOPLE_QUERIES)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "populate_s": populate_s,
                "peer": peer,
                "organisations": organisations,
                "people": people,
                "peak_memory_mb": own_peak_memory_mb(),
            }
        )
    )


# --- The parent -----------------------------------------------------------------------------


def _run_worker(command_prefix: list[str], environment: dict[str, str], cwd: Path) -> dict:
    command = [*command_prefix, sys.executable, str(Path(__file__).resolve()), "--worker"]
    return run_worker(command, environment, cwd, what="directory", timeout=WORKER_TIMEOUT_S)


def _results(figures: dict, count: int) -> Iterator[Result]:
    vendor = figures["vendor"]
    label = f"{count} organisations, {count} people, {count // 10} projects"
    memory_of = "benchmark worker process (data generation included)"
    peer = Result(
        name=f"directory.{vendor}.healthz",
        size=label,
        timings=figures["peer"],
        peak_memory_mb=figures["peak_memory_mb"],
        memory_of=memory_of,
    )
    yield peer
    for name, path, queries in (
        ("organisations", "/network/", ORGANISATION_QUERIES),
        ("people", "/network/people/", PEOPLE_QUERIES),
    ):
        result = Result(
            name=f"directory.{vendor}.{name}",
            size=label,
            timings=figures[name],
            peak_memory_mb=figures["peak_memory_mb"],
            memory_of=memory_of,
            peer=peer,
            target="p95 < 50 ms",
            extra={
                "url": path,
                "queries": len(queries),
                "populate_s": round(figures["populate_s"], 1),
            },
        )
        result.meets_target = result.p95_s is not None and result.p95_s < TARGET_S
        yield result


@benchmark("directory")
def directory_search() -> Iterator[Result]:
    """Directory searches with filters over 50,000 organisations and 50,000 people."""
    count = size()
    sqlite_only = os.environ.get("CASM_BENCH_DIRECTORY_DATABASES", "").strip() == "sqlite"
    for figures in worker_on_each_database("directory", _run_worker, sqlite_only=sqlite_only):
        yield from _results(figures, count)


if __name__ == "__main__" and "--worker" in sys.argv:
    worker_main()
