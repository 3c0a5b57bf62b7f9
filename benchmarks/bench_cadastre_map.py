"""The public cadastre's map with 100,000 titles and ASM zones, drawn in Chromium.

``licensing.cadastre_map``: DR Congo gets CASM_BENCH_CADASTRE_MAP_FEATURES shapes (100,000
unless set; generated squares over the country, 0.005–0.05° a side, one in ten an ASM zone),
stored through the layers' models in a fresh SQLite database. The site is served by gunicorn
on 127.0.0.1 as in the ``web`` benchmark and ``/licensing/map/`` opened in Debian's Chromium
(Playwright), each load in a fresh browser context, so with an empty cache.

Measured, each the median of several loads:

- ``licensing.cadastre_map.first_draw``: from navigation start until the map says it has drawn
  the shapes in view (``data-drawn="1"``, set once Leaflet has added them), and every byte sent
  to the browser meanwhile (page, styles, scripts, outlines, shapes: bodies as transferred
  plus headers, from Chromium's own count). Target: < 2 MB and < 2 s.
- ``licensing.cadastre_map.zoom_redraw``: one click on "zoom in", until the map has drawn the
  shapes of the new view (Leaflet's zoom animation included).
- ``licensing.cadastre_map.cadastre_list`` (the peer): the cadastre's list page, until its
  load event.

Chromium resolves no host but 127.0.0.1 and every request leaving it is counted.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench_map import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOADS,
    TARGET_MAP_BYTES,
    TARGET_MAP_DRAW_S,
    Load,
    _median,
    _server_memory,
    load_map,
    load_page,
)
from bench_web import LOOPBACK, SETUP_TIMEOUT_S, _run_casm, _site_environment, running_gunicorn
from harness import (
    BenchmarkError,
    Result,
    bench_size,
    benchmark,
    process_and_children,
    reset_peak_memory,
)

ROOT = Path(__file__).resolve().parents[1]
MAP_PATH = "/licensing/map/"
LIST_PATH = "/licensing/?country=CD"


def setup_main(count: int) -> None:
    """In the site's environment: the country's titles and zones, through the models."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    django.setup()
    from django.db import connection, transaction
    from shapely.geometry import box

    from casm.core.models import Country
    from casm.lib.geometry import area_hectares, as_geojson
    from casm.licensing.models import Layer, LayerFeature

    rng = random.Random(17)
    congo = Country.objects.get(alpha2="CD")
    with transaction.atomic():
        layers = {kind: Layer.objects.create(country=congo, kind=kind, version=1,
                                             holders_public=True)
                  for kind in ("title", "asm_zone")}  # fmt: skip
        batch = []
        for number in range(count):
            x, y = rng.uniform(12.5, 31), rng.uniform(-13.5, 5)
            side = rng.uniform(0.005, 0.05)
            shape = box(x, y, x + side, y + side)
            kind = "asm_zone" if number % 10 == 0 else "title"
            batch.append(LayerFeature(
                layer=layers[kind], code=f"T{number}", name=f"Titre {number}",
                title_type="ZEA" if kind == "asm_zone" else "PE", holder=f"Société {number % 700}",
                status="valid", geometry=as_geojson(shape), min_x=x, min_y=y, max_x=x + side,
                max_y=y + side, area_ha=area_hectares(shape),
            ))  # fmt: skip
            if len(batch) == 5000:
                LayerFeature.objects.bulk_create(batch)
                batch.clear()
        LayerFeature.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def load_cadastre_map(browser: object, base: str) -> Load:
    """Open the map, wait until drawn, zoom in once and wait until drawn again."""
    return load_map(browser, base, MAP_PATH, zoom=True, status="#cadastre-map-status")


@benchmark("licensing.cadastre_map")
def cadastre_map() -> Iterator[Result]:
    """The cadastre map of 100,000 shapes in Chromium, against the cadastre's list page."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BenchmarkError(f"{CHROMIUM} is missing: apt-get install chromium")
    import subprocess

    from playwright.sync_api import sync_playwright

    count = bench_size("CADASTRE_MAP", "FEATURES", 100_000)
    size = f"{count} titles and ASM zones in CD"
    with tempfile.TemporaryDirectory(prefix="casm-bench-cadastre-map-") as folder:
        var_dir = Path(folder)
        environment = _site_environment(var_dir)
        _run_casm(environment, var_dir, "migrate", "--noinput")
        _run_casm(environment, var_dir, "collectstatic", "--noinput", "-v", "0")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--setup", str(count)],
            env={**environment, "PYTHONPATH": str(ROOT / "src")}, cwd=var_dir,
            capture_output=True, text=True, timeout=SETUP_TIMEOUT_S * 4, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise BenchmarkError(f"setup failed: {done.stderr.strip().splitlines()[-3:]}")
        setup_s = time.perf_counter() - started
        with running_gunicorn(environment, var_dir) as server, sync_playwright() as playwright:
            base = f"http://{LOOPBACK}:{server.port}"
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                load_page(browser, base, LIST_PATH)  # the workers warmed up first
                load_cadastre_map(browser, base)
                reset_peak_memory(process_and_children(server.process.pid))
                lists = [load_page(browser, base, LIST_PATH) for _ in range(LOADS)]
                memory, memory_of = _server_memory(server)
                peer = Result(
                    name="licensing.cadastre_map.cadastre_list", size=size,
                    timings=[load.seconds for load in lists], peak_memory_mb=memory,
                    memory_of=memory_of,
                    extra={"url": LIST_PATH, "bytes": _median([load.bytes for load in lists]),
                           "setup_s": round(setup_s, 1)},
                )  # fmt: skip
                yield peer
                maps = [load_cadastre_map(browser, base) for _ in range(LOADS)]
                memory, memory_of = _server_memory(server)
                sent = _median([load.bytes for load in maps])
                first = Result(
                    name="licensing.cadastre_map.first_draw", size=size,
                    timings=[load.seconds for load in maps], peak_memory_mb=memory,
                    memory_of=memory_of, peer=peer,
                    target="under 2 MB sent and drawn in under 2 s (medians)",
                    extra={"url": MAP_PATH, "bytes": sent, "bytes_by_path": maps[-1].by_path,
                           "requests": maps[-1].requests, "status": maps[-1].status,
                           "outside_requests": sum(len(load.outside) for load in maps)},
                )  # fmt: skip
                first.meets_target = (
                    sent < TARGET_MAP_BYTES
                    and first.median_s is not None
                    and first.median_s < TARGET_MAP_DRAW_S
                )
                yield first
                yield Result(
                    name="licensing.cadastre_map.zoom_redraw", size=size,
                    timings=[load.zoom_seconds or 0.0 for load in maps], peak_memory_mb=memory,
                    memory_of=memory_of,
                    extra={"bytes": _median([load.zoom_bytes or 0 for load in maps])},
                )  # fmt: skip
            finally:
                browser.close()


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "--setup":
    setup_main(int(sys.argv[2]))
