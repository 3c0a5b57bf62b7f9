"""Map: the site map of one country with 100,000 sites in Chromium, and its site list API.

One country (DR Congo) gets CASM_BENCH_MAP_SITES sites (100,000 unless set), written straight
into a fresh SQLite database, a third of them linked to gold and most to some commodity. The
site is served by gunicorn on 127.0.0.1 as in the ``web`` benchmark and opened in Debian's
Chromium (Playwright), each load in a fresh browser context, so with an empty cache.

Measured, each the median of several loads:

- ``map.site_list`` (the peer): the site list of the country, until the page's load event;
- ``map.first_draw``: the map page, from navigation start until the map says it has drawn
  (``data-drawn="1"``), and every byte sent to the browser meanwhile (page, styles, scripts,
  outlines, cluster answers: bodies as transferred plus headers, from Chromium's own count);
- ``map.zoom_redraw``: one click on "zoom in", until the map has drawn again (Leaflet's
  250 ms zoom animation included);
- ``map.clusters_json``: the map's cluster answer for its first view, requested alone;
- ``map.healthz`` (the peer of the API lines) and ``map.api_*``: one client, one request after
  the other, a filtered page of the site list API (``country=CD&commodity=gold&limit=50``),
  public and with an administrator's token.

Chromium resolves no host but 127.0.0.1 and every request leaving it is counted.
"""

from __future__ import annotations

import http.client
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_web import (
    LOOPBACK,
    REQUEST_HEADERS,
    SETUP_TIMEOUT_S,
    Server,
    _run_casm,
    _site_environment,
    running_gunicorn,
)
from harness import (
    BenchmarkError,
    Result,
    benchmark,
    peak_memory_mb,
    process_and_children,
    reset_peak_memory,
)

SITES = int(os.environ.get("CASM_BENCH_MAP_SITES", "100000"))
COUNTRY = "CD"
LOADS = 5
API_RUNS = 20
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing but the benchmark's own server can be reached.
    f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}",
]
VIEWPORT = {"width": 1280, "height": 800}
PAGE_TIMEOUT_MS = 30_000
TARGET_MAP_BYTES = 2_000_000
TARGET_MAP_DRAW_S = 2.0
TARGET_API_S = 0.050
API_QUERY = f"country={COUNTRY}&commodity=gold&limit=50"

# Record when the map says it has drawn: each time data-drawn is set, even to the same value.
RECORD_DRAWS = """
window.__casmDraws = [];
new MutationObserver(function (records) {
  records.forEach(function (record) {
    var map = record.target.id === "site-map" || record.target.id === "cadastre-map";
    if (map && record.target.dataset.drawn === "1") {
      window.__casmDraws.push(performance.now());
    }
  });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-drawn"] });
"""

# Rough regions of DR Congo where sites gather (lon, lat, spread in degrees, share of sites),
# the rest scattered over the country's middle.
HOTSPOTS = [
    (28.8, -2.5, 0.8, 0.25),  # South Kivu
    (29.0, -0.8, 0.7, 0.15),  # North Kivu
    (30.0, 1.8, 0.8, 0.15),  # Ituri
    (26.5, -3.0, 1.0, 0.10),  # Maniema
    (26.0, -10.8, 0.9, 0.10),  # Haut-Katanga and Lualaba
    (21.5, -6.0, 1.0, 0.05),  # Kasai
]
COMMODITIES = ["gold", "tin", "tantalum", "tungsten", "cobalt", "copper", "diamond"]


def _site_point(rng: random.Random) -> tuple[float, float]:
    """A plausible (longitude, latitude) in DR Congo."""
    pick = rng.random()
    for lon, lat, spread, share in HOTSPOTS:
        if pick < share:
            return (
                min(31.0, max(12.5, rng.gauss(lon, spread))),
                min(5.0, max(-13.3, rng.gauss(lat, spread))),
            )
        pick -= share
    return rng.uniform(18.0, 29.0), rng.uniform(-10.0, 3.0)


def write_sites(database: Path, count: int, seed: int = 3) -> None:
    """Insert ``count`` sites of the country and their commodity links in one transaction."""
    rng = random.Random(seed)
    now = "2026-01-01 00:00:00"
    with sqlite3.connect(database) as connection:
        (country_id,) = connection.execute(
            "SELECT id FROM core_country WHERE alpha2 = ?", (COUNTRY,)
        ).fetchone()
        commodity_ids = dict(connection.execute("SELECT code, id FROM core_commodity").fetchall())
        (first_id,) = connection.execute(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM registry_site"
        ).fetchone()
        legal = ["licensed", "asm_zone", "informal", "unknown"]
        certification = ["", "", "green", "yellow", "red", "blue"]
        sites = []
        links = []
        for number in range(count):
            site_id = first_id + number
            lon, lat = _site_point(rng)
            sites.append(
                (
                    site_id, f"CD-{number:06d}", f"Site {number} {rng.choice('ABCDEFGHJKLMN')}",
                    "", "", "", "", "", lat, lon, "", None, "[]", "[]", "active",
                    rng.choice(legal), rng.choice(certification), None, None, None, None,
                    None, None, None, None, None, None, False, "benchmark", now, now,
                    country_id, None,
                )
            )  # fmt: skip
            if rng.random() < 0.33:
                links.append((site_id, commodity_ids["gold"]))
            if rng.random() < 0.6:
                other = rng.choice(COMMODITIES[1:])
                links.append((site_id, commodity_ids[other]))
        connection.executemany(
            "INSERT INTO registry_site (id, code, name, other_names, admin1, admin2, admin3, "
            "admin4, latitude, longitude, location_note, footprint, mining_methods, "
            "processing_methods, activity_status, legal_status, certification_status, "
            "certification_valid_from, certification_valid_until, first_visit, last_visit, "
            "workers, women, children, children_present, armed_presence, mercury_use, "
            "duplicate_dismissed, source, created_at, updated_at, country_id, duplicate_of_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?)",
            sites,
        )
        connection.executemany(
            "INSERT INTO registry_site_commodities (site_id, commodity_id) VALUES (?, ?)", links
        )
        connection.execute("ANALYZE")


def _administrator_token(environment: dict[str, str], var_dir: Path) -> str:
    """Make an administrator with an API token and return the token."""
    script = (
        "from casm.accounts.services import api_token_create, user_make_administrator\n"
        "user = user_make_administrator(username='bench-admin', email='', password='')\n"
        "print(api_token_create(actor=user, name='bench')[1])\n"
    )
    casm = Path(sys.executable).with_name("casm")
    done = subprocess.run(
        [str(casm), "shell", "-c", script],
        env=environment,
        cwd=var_dir,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"could not make a token: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Traffic:
    """What Chromium received, per request, from its DevTools network events."""

    urls: dict[str, str] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    outside: list[str] = field(default_factory=list)

    def listen(self, session: Any) -> None:
        session.send("Network.enable")
        session.on("Network.requestWillBeSent", self._sent)
        session.on("Network.loadingFinished", self._finished)

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        self.urls[event["requestId"]] = url
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).hostname != LOOPBACK:
            self.outside.append(url)

    def _finished(self, event: dict[str, Any]) -> None:
        # Bytes received for the request: headers and the body as it travelled (compressed).
        self.received[event["requestId"]] = int(event["encodedDataLength"])

    def total(self) -> int:
        return sum(self.received.values())

    def by_path(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for request_id, size in self.received.items():
            path = urlsplit(self.urls.get(request_id, "?")).path
            sizes[path] = sizes.get(path, 0) + size
        return sizes


@dataclass
class Load:
    """One load of a page in a fresh browser context."""

    seconds: float
    bytes: int
    by_path: dict[str, int]
    outside: list[str]
    requests: int
    zoom_seconds: float | None = None
    zoom_bytes: int | None = None
    clusters_url: str | None = None
    cluster_requests: int = 0
    status: str = ""


def _open(browser: Any) -> tuple[Any, Any, Traffic]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    context.add_init_script(RECORD_DRAWS)
    page = context.new_page()
    traffic = Traffic()
    traffic.listen(context.new_cdp_session(page))
    return context, page, traffic


def wait_until(page: Any, expression: str) -> None:
    """Poll ``expression`` in the page until it is true. Playwright's ``wait_for_function``
    evaluates a string with ``eval``, which the site's Content Security Policy refuses; the
    moments measured are recorded in the page itself, so polling does not change them."""
    deadline = time.perf_counter() + PAGE_TIMEOUT_MS / 1000
    while not page.evaluate(expression):
        if time.perf_counter() > deadline:
            raise BenchmarkError(f"the page never had {expression}")
        page.wait_for_timeout(20)


def load_map(
    browser: Any, base: str, path: str, zoom: bool, status: str = "#site-map-status"
) -> Load:
    """Open the map, wait until drawn, optionally zoom in once and wait until drawn again;
    ``status`` is the element where the map says what it shows."""
    context, page, traffic = _open(browser)
    try:
        page.goto(base + path, wait_until="commit")
        wait_until(page, "window.__casmDraws && window.__casmDraws.length > 0")
        draws = page.evaluate("window.__casmDraws")
        # Let any request still on its way (a superseded cluster answer) finish and count.
        page.wait_for_load_state("networkidle")
        load = Load(
            seconds=draws[0] / 1000,
            bytes=traffic.total(),
            by_path=traffic.by_path(),
            outside=list(traffic.outside),
            requests=len(traffic.urls),
            clusters_url=next(
                (url for url in reversed(traffic.urls.values()) if "clusters.json" in url), None
            ),
            status=page.locator(status).inner_text(),
            cluster_requests=sum("clusters.json" in url for url in traffic.urls.values()),
        )
        if zoom:
            drawn = page.evaluate("window.__casmDraws.length")
            before = traffic.total()
            start = page.evaluate("performance.now()")
            page.locator(".leaflet-control-zoom-in").click()
            wait_until(page, f"window.__casmDraws.length > {drawn}")
            end = page.evaluate(f"window.__casmDraws[{drawn}]")
            page.wait_for_load_state("networkidle")
            load.zoom_seconds = (end - start) / 1000
            load.zoom_bytes = traffic.total() - before
            load.outside = list(traffic.outside)
        return load
    finally:
        context.close()


def load_page(browser: Any, base: str, path: str) -> Load:
    """Open a plain page until its load event."""
    context, page, traffic = _open(browser)
    try:
        page.goto(base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        load_end = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        return Load(
            seconds=load_end / 1000,
            bytes=traffic.total(),
            by_path=traffic.by_path(),
            outside=list(traffic.outside),
            requests=len(traffic.urls),
        )
    finally:
        context.close()


def time_requests(
    port: int, path: str, runs: int, headers: dict[str, str]
) -> tuple[list[float], int]:
    """Time ``runs`` GETs of ``path`` one after the other, after two to warm up; body size."""
    timings = []
    size = 0
    for number in range(runs + 2):
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        try:
            start = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - start
        finally:
            connection.close()
        if response.status != 200:
            raise BenchmarkError(f"{path} answered {response.status}: {body[:200]!r}")
        size = len(body)
        if number >= 2:
            timings.append(elapsed)
    return timings, size


def _server_memory(server: Server) -> tuple[float | None, str]:
    pids = process_and_children(server.process.pid)
    return peak_memory_mb(pids), f"server: gunicorn master + {len(pids) - 1} workers, peak RSS"


def _median(values: list[int]) -> int:
    return int(statistics.median(values))


@benchmark("map")
def site_map() -> Iterator[Result]:
    """The map of 100,000 sites in Chromium against the site list; the filtered site list API."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BenchmarkError(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    size = f"{SITES} sites in {COUNTRY}"
    with tempfile.TemporaryDirectory(prefix="casm-bench-map-") as temporary_folder:
        var_dir = Path(temporary_folder)
        environment = _site_environment(var_dir)
        _run_casm(environment, var_dir, "migrate", "--noinput")
        _run_casm(environment, var_dir, "collectstatic", "--noinput", "-v", "0")
        started = time.perf_counter()
        write_sites(var_dir / "casm.db", SITES)
        setup_s = time.perf_counter() - started
        token = _administrator_token(environment, var_dir)

        with running_gunicorn(environment, var_dir) as server, sync_playwright() as playwright:
            base = f"http://{LOOPBACK}:{server.port}"
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                list_path = f"/registry/sites/?country={COUNTRY}"
                map_path = f"/registry/sites/map/?country={COUNTRY}"
                # Warm the workers up (imports, first queries) before measuring.
                load_page(browser, base, list_path)
                load_map(browser, base, map_path, zoom=False)

                server_pids = process_and_children(server.process.pid)
                reset_peak_memory(server_pids)
                lists = [load_page(browser, base, list_path) for _ in range(LOADS)]
                memory, memory_of = _server_memory(server)
                peer = Result(
                    name="map.site_list",
                    size=size,
                    timings=[load.seconds for load in lists],
                    peak_memory_mb=memory,
                    memory_of=memory_of,
                    extra={
                        "url": list_path,
                        "bytes": _median([load.bytes for load in lists]),
                        "bytes_by_path": lists[-1].by_path,
                        "requests": lists[-1].requests,
                        "outside_requests": sum(len(load.outside) for load in lists),
                        "setup_s": round(setup_s, 1),
                    },
                )
                yield peer

                reset_peak_memory(server_pids)
                maps = [load_map(browser, base, map_path, zoom=True) for _ in range(LOADS)]
                memory, memory_of = _server_memory(server)
                map_bytes = _median([load.bytes for load in maps])
                first = Result(
                    name="map.first_draw",
                    size=size,
                    timings=[load.seconds for load in maps],
                    peak_memory_mb=memory,
                    memory_of=memory_of,
                    peer=peer,
                    target="under 2 MB sent and drawn in under 2 s (medians)",
                    extra={
                        "url": map_path,
                        "bytes": map_bytes,
                        "bytes_by_path": maps[-1].by_path,
                        "requests": maps[-1].requests,
                        "cluster_requests": maps[-1].cluster_requests,
                        "status": maps[-1].status,
                        "outside_requests": sum(len(load.outside) for load in maps),
                    },
                )
                first.meets_target = (
                    map_bytes < TARGET_MAP_BYTES
                    and first.median_s is not None
                    and first.median_s < TARGET_MAP_DRAW_S
                )
                yield first
                yield Result(
                    name="map.zoom_redraw",
                    size=size,
                    timings=[load.zoom_seconds for load in maps if load.zoom_seconds is not None],
                    peak_memory_mb=memory,
                    memory_of=memory_of,
                    peer=first,
                    extra={
                        "bytes": _median([load.zoom_bytes or 0 for load in maps]),
                        "note": "one click on zoom in, 250 ms animation included",
                    },
                )

                clusters_url = maps[-1].clusters_url
                if clusters_url:
                    split = urlsplit(clusters_url)
                    clusters_path = f"{split.path}?{split.query}"
                    reset_peak_memory(server_pids)
                    timings, body_size = time_requests(
                        server.port, clusters_path, API_RUNS, REQUEST_HEADERS
                    )
                    memory, memory_of = _server_memory(server)
                    yield Result(
                        name="map.clusters_json",
                        size=size,
                        timings=timings,
                        peak_memory_mb=memory,
                        memory_of=memory_of,
                        peer=first,
                        extra={"url": clusters_path, "bytes": body_size},
                    )
            finally:
                browser.close()

            timings, body_size = time_requests(server.port, "/healthz", API_RUNS, REQUEST_HEADERS)
            memory, memory_of = _server_memory(server)
            api_peer = Result(
                name="map.healthz",
                size=size,
                timings=timings,
                peak_memory_mb=memory,
                memory_of=memory_of,
                extra={"url": "/healthz", "bytes": body_size},
            )
            yield api_peer
            authorised = {**REQUEST_HEADERS, "Authorization": f"Bearer {token}"}
            for name, path, headers in [
                ("map.api_public_sites", f"/api/v1/public/sites?{API_QUERY}", REQUEST_HEADERS),
                ("map.api_sites", f"/api/v1/sites?{API_QUERY}", authorised),
                ("map.list_page_filtered", f"/registry/sites/?{API_QUERY}", REQUEST_HEADERS),
            ]:
                reset_peak_memory(server_pids)
                timings, body_size = time_requests(server.port, path, API_RUNS, headers)
                memory, memory_of = _server_memory(server)
                result = Result(
                    name=name,
                    size=size,
                    timings=timings,
                    peak_memory_mb=memory,
                    memory_of=memory_of,
                    peer=api_peer,
                    target="median < 50 ms, one client",
                    extra={"url": path, "bytes": body_size},
                )
                result.meets_target = result.median_s is not None and (
                    result.median_s < TARGET_API_S
                )
                yield result
