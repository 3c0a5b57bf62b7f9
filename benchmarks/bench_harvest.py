"""Harvest: a complete OAI-PMH harvest of 10,000 published documents over HTTP.

The site is installed in a temporary folder (``casm migrate``, SQLite) and given 10,000
published documents (CASM_BENCH_HARVEST_RECORDS), written in bulk with the generator of the
``search`` benchmark: authors, countries, commodities, themes, abstracts. gunicorn serves it
with 2 workers on 127.0.0.1, as in ``web``. A harvester then asks for
``/api/v1/library/oai?verb=ListRecords&metadataPrefix=oai_dc`` and follows the resumption
tokens to the end, one request after the other as harvesters do, checking that every record
came exactly once (target: the whole harvest in under 20 s).

The peer, in the same run: the same documents read as JSON from the library's own API
(``/api/v1/library/documents?limit=100&offset=...``), in as many pages of 100. It is what a
client written for this site would do instead; the ratio says what the protocol costs.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench_web import running_gunicorn
from harness import (
    BenchmarkError,
    Result,
    benchmark,
    cpu_seconds,
    peak_memory_mb,
    process_and_children,
    reset_peak_memory,
)

LOOPBACK = "127.0.0.1"  # the only address this benchmark ever sends a request to
PAGE = 100
SEED = 11
BODY_CHARS = 300  # the harvest does not carry the text; the documents still have some
TARGET_S = 20.0
POPULATE_TIMEOUT_S = 600
REQUEST_TIMEOUT_S = 60
OAI_PATH = "/api/v1/library/oai"
JSON_PATH = "/api/v1/library/documents"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "casm-bench-harvester/1.0"}


def records_wanted() -> int:
    value = os.environ.get("CASM_BENCH_HARVEST_RECORDS", "")
    return int(value) if value.strip().isdigit() else 10_000


# --- The site's data (in a child process, with the site's settings) ---------------------------


def populate_main() -> None:
    """Migrate the site's database and write the published documents."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from bench_search import Vocabulary, load_documents, make_document
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    vocabulary = Vocabulary()
    rng = random.Random(SEED)
    documents = (make_document(vocabulary, rng, BODY_CHARS) for _ in range(records_wanted()))
    written = len(load_documents(documents))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(json.dumps({"documents": written}))


def _site_environment(var_dir: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CASM_")}
    environment.update(
        {key: value for key, value in os.environ.items() if key.startswith("CASM_BENCH_")},
        CASM_VAR_DIR=str(var_dir),
        CASM_SECRET_KEY=secrets.token_hex(25),
        CASM_DEBUG="0",
        CASM_LOG_LEVEL="WARNING",
    )
    return environment


def _populate(environment: dict[str, str], var_dir: Path) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--populate"],
            env=environment,
            cwd=var_dir,
            capture_output=True,
            text=True,
            timeout=POPULATE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchmarkError(
            f"writing the documents took longer than {POPULATE_TIMEOUT_S} s"
        ) from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchmarkError(f"writing the documents failed: {last}")
    written = json.loads(done.stdout.strip().splitlines()[-1])["documents"]
    return written, time.perf_counter() - started


# --- The harvester ------------------------------------------------------------------------


@dataclass
class Harvest:
    """What one client saw: each page's duration, the records' identifiers, the bytes."""

    timings: list[float] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    bytes_uncompressed: int = 0
    total_s: float = 0.0


def _get(port: int, path: str) -> tuple[float, bytes, int]:
    """One GET on a fresh connection (gunicorn's sync workers close each one).

    Returns the time to the whole answer, the body (decompressed) and its size as sent.
    """
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=REQUEST_TIMEOUT_S)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise BenchmarkError(f"{path} got no answer: {error}") from None
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise BenchmarkError(f"{path} answered {response.status}")
    sent = len(body)
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return elapsed, body, sent


def _walk(port: int, first_path: str, next_page: Callable[[bytes], tuple[list[str], str | None]]):
    """Follow pages from ``first_path`` until ``next_page`` gives no next path."""
    harvest = Harvest()
    path: str | None = first_path
    started = time.perf_counter()
    while path:
        elapsed, body, sent = _get(port, path)
        identifiers, path = next_page(body)
        harvest.timings.append(elapsed)
        harvest.identifiers += identifiers
        harvest.bytes_sent += sent
        harvest.bytes_uncompressed += len(body)
    harvest.total_s = time.perf_counter() - started
    return harvest


def oai_next_page(body: bytes) -> tuple[list[str], str | None]:
    """The identifiers of a ListRecords page and the path of the next one (None at the end)."""
    root = ET.fromstring(body)  # noqa: S314 (the answer of the server this benchmark started)
    error = root.find(f"{OAI}error")
    if error is not None:
        raise BenchmarkError(f"OAI-PMH error {error.get('code')}: {error.text}")
    records = root.findall(f"{OAI}ListRecords/{OAI}record")
    identifiers = [r.findtext(f"{OAI}header/{OAI}identifier") or "" for r in records]
    token = root.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
    if not token:
        return identifiers, None
    return identifiers, f"{OAI_PATH}?{urlencode({'verb': 'ListRecords', 'resumptionToken': token})}"


def oai_first_path() -> str:
    return f"{OAI_PATH}?{urlencode({'verb': 'ListRecords', 'metadataPrefix': 'oai_dc'})}"


def json_pages(total: int) -> Callable[[bytes], tuple[list[str], str | None]]:
    """The next-page function of the JSON list: offsets of PAGE until ``total``."""
    offset = 0

    def next_page(body: bytes) -> tuple[list[str], str | None]:
        nonlocal offset
        identifiers = [str(item["id"]) for item in json.loads(body)["items"]]
        offset += PAGE
        if offset >= total or not identifiers:
            return identifiers, None
        return identifiers, json_path(offset)

    return next_page


def json_path(offset: int) -> str:
    return f"{JSON_PATH}?{urlencode({'limit': PAGE, 'offset': offset})}"


@dataclass
class Measured:
    """A harvest and what it cost the server: CPU seconds, peak memory and whose memory."""

    harvest: Harvest
    server_cpu_s: float | None
    peak_memory_mb: float | None
    memory_of: str


def _measured(server_pid: int, work: Callable[[], Harvest]) -> Measured:
    """Run ``work`` and read what it cost the gunicorn master and workers."""
    pids = process_and_children(server_pid)
    reset_done = reset_peak_memory(pids)
    cpu_before = cpu_seconds(pids)
    harvest = work()
    cpu_after = cpu_seconds(pids)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    period = "during this harvest" if reset_done else "since the server started"
    return Measured(
        harvest=harvest,
        server_cpu_s=cpu,
        peak_memory_mb=peak_memory_mb(process_and_children(server_pid)),
        memory_of=f"server: gunicorn master + {len(pids) - 1} workers, sum of peak RSS {period}",
    )


def _result(name: str, measured: Measured, documents: int, peer: Result | None) -> Result:
    harvest = measured.harvest
    return Result(
        name=name,
        size=f"{documents} published documents",
        timings=harvest.timings,
        peak_memory_mb=measured.peak_memory_mb,
        memory_of=measured.memory_of,
        peer=peer,
        extra={
            "what": "one page of 100 records (median_s, p95_s); the whole harvest: total_s",
            "total_s": round(harvest.total_s, 3),
            "pages": len(harvest.timings),
            "records": len(harvest.identifiers),
            "records_once_each": len(set(harvest.identifiers))
            == len(harvest.identifiers)
            == documents,
            "records_per_s": round(len(harvest.identifiers) / harvest.total_s, 1),
            "bytes": harvest.bytes_sent,
            "bytes_uncompressed": harvest.bytes_uncompressed,
            "server_cpu_s": None
            if measured.server_cpu_s is None
            else round(measured.server_cpu_s, 2),
        },
    )


@benchmark("harvest")
def oai_pmh_harvest() -> Iterator[Result]:
    """ListRecords over 10,000 documents, following resumption tokens, against a JSON list."""
    with tempfile.TemporaryDirectory(prefix="casm-bench-harvest-") as folder:
        var_dir = Path(folder)
        environment = _site_environment(var_dir)
        documents, populate_s = _populate(environment, var_dir)
        with running_gunicorn(environment, var_dir) as server:
            pid, port = server.process.pid, server.port
            # Both workers warmed up: imports, connections, the first queries.
            for _ in range(4):
                _get(port, f"{OAI_PATH}?verb=Identify")
                _get(port, json_path(0))
            json_list = _measured(pid, lambda: _walk(port, json_path(0), json_pages(documents)))
            peer = _result("harvest.json_list", json_list, documents, None)
            peer.extra["url"] = json_path(0)
            yield peer
            oai_pmh = _measured(pid, lambda: _walk(port, oai_first_path(), oai_next_page))
            result = _result("harvest.oai_pmh", oai_pmh, documents, peer)
            result.extra.update(url=oai_first_path(), populate_s=round(populate_s, 1))
            result.target = "the whole harvest in < 20 s, every record once"
            result.meets_target = (
                oai_pmh.harvest.total_s < TARGET_S and result.extra["records_once_each"]
            )
            yield result


if __name__ == "__main__" and "--populate" in sys.argv:
    populate_main()
