"""The demo cadastre of DR Congo: invented shapes around the demo's sites, so that the public
cadastre, the pre-check and the layer import can be tried. Not DR Congo's cadastre: the real
one (``../shared/data/drc-cadastre``) imports with the shipped mappings."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping

from casm.core.models import Country
from casm.registry.models import Site

from .layers import layer_import

SOURCE = "Demo: invented shapes around the demo sites, not DR Congo's cadastre"
HOLDERS = ["Demo Mining SARL", "Kivu Demo Resources SA", "Société Démo de l'Ituri"]


def _square(site: Site, half: float) -> Any:
    return box(site.longitude - half, site.latitude - half,
               site.longitude + half, site.latitude + half)  # fmt: skip


def _write(folder: Path, name: str, features: list[dict[str, Any]]) -> Path:
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    congo = Country.objects.get(alpha2="CD")
    sites = list(Site.objects.filter(country=congo).order_by("code")[:40])
    if len(sites) < 12:
        return
    local = random.Random(4242)  # noqa: S311 (repeatable demo data)
    titles, parks, restricted = [], [], []
    for number, site in enumerate(sites[:6], start=1):
        titles.append({"type": "Feature", "geometry": mapping(_square(site, 0.03)),
                       "properties": {"code": f"ZEA-D{number:02d}", "type": "ZEA",
                                      "holder": "", "status": "Actif", "granted": ""}})  # fmt: skip
    for number, site in enumerate(sites[6:10], start=1):
        kind = "PE" if number % 2 else "PR"
        titles.append({"type": "Feature", "geometry": mapping(_square(site, 0.05)),
                       "properties": {"code": f"{kind}-D{number:02d}", "type": kind,
                                      "holder": local.choice(HOLDERS), "status": "Actif",
                                      "granted": f"201{number}-0{number}-15"}})  # fmt: skip
    parks.append({"type": "Feature", "geometry": mapping(_square(sites[10], 0.2)),
                  "properties": {"name": "Réserve démo"}})  # fmt: skip
    restricted.append({"type": "Feature", "geometry": mapping(_square(sites[11], 0.04)),
                       "properties": {"code": "R-D01", "name": "Captage démo",
                                      "rule": "consultation", "reason": "water"}})  # fmt: skip
    title_mapping = {
        "code": "code", "title_type": "type", "holder": "holder", "status": "status",
        "granted_on": "granted", "kinds": {"field": "type", "values": {"ZEA": "asm_zone"}},
        "source": SOURCE, "holders_public": True,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for name, kind, features, layer_mapping in (
            ("titles.geojson", "title", titles, title_mapping),
            ("parks.geojson", "protected", parks,
             {"code": "name", "name": "name", "source": SOURCE}),
            ("restricted.geojson", "restriction", restricted,
             {"code": "code", "name": "name", "rule": "rule", "reason": "reason",
              "source": SOURCE}),
        ):  # fmt: skip
            result = layer_import(
                actor=None, path=_write(Path(folder), name, features), country=congo,
                kind=kind, mapping=layer_mapping,
            )  # fmt: skip
            assert result.committed, [p.text for p in result.problems]
    say(f"demo: cadastre of DR Congo with {len(titles)} titles and zones, 1 protected area, "
        "1 restriction zone (invented shapes)")  # fmt: skip
