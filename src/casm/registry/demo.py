"""Demo registry: about 2,000 sites, 20,000 miners, 10,000 visits and production 2015–2025 in
the countries the shared facts name. Invented, deterministic and plausible; no real person.

Rows are written in bulk (the demo is the platform itself writing, like an import), then the
sites' current figures are refreshed in one statement.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from casm.core.models import Commodity, Country
from casm.registry import validation
from casm.registry.models import (
    CertificationRecord,
    Miner,
    Operator,
    ProductionRecord,
    Site,
    SiteVisit,
)
from casm.registry.services import (
    registry_version_bump,
    sites_assign_areas,
    sites_refresh_current,
)

# alpha-2: (sites, commodities with weights, first-level administrative areas)
COUNTRIES: dict[str, tuple[int, list[tuple[str, int]], list[str]]] = {
    "CD": (
        420,
        [("gold", 50), ("tin", 20), ("tantalum", 15), ("tungsten", 5), ("copper", 4),
         ("cobalt", 4), ("diamond", 2)],
        ["Sud-Kivu", "Nord-Kivu", "Maniema", "Ituri", "Tanganyika", "Haut-Katanga", "Lualaba"],
    ),
    "GH": (200, [("gold", 90), ("diamond", 10)],
           ["Ashanti", "Western", "Eastern", "Upper East", "Central"]),
    "TZ": (200, [("gold", 80), ("coloured_gemstones", 20)],
           ["Geita", "Mara", "Shinyanga", "Mbeya", "Manyara"]),
    "SL": (110, [("diamond", 60), ("gold", 40)], ["Eastern", "Northern", "Southern"]),
    "ET": (100, [("gold", 80), ("coloured_gemstones", 20)],
           ["Oromia", "Benishangul-Gumuz", "Tigray"]),
    "MN": (90, [("gold", 85), ("coal", 15)], ["Töv", "Bayankhongor", "Övörkhangai"]),
    "PG": (90, [("gold", 100)], ["Morobe", "Eastern Highlands", "Enga"]),
    "MG": (100, [("sapphire", 60), ("gold", 40)], ["Atsimo-Andrefana", "Diana", "Anosy"]),
    "MZ": (100, [("gold", 70), ("ruby", 30)], ["Manica", "Niassa", "Cabo Delgado"]),
    "NG": (100, [("gold", 50), ("tin", 30), ("lithium", 20)], ["Zamfara", "Niger", "Plateau"]),
    "EC": (90, [("gold", 100)], ["Zamora Chinchipe", "El Oro", "Azuay"]),
    "BF": (110, [("gold", 100)], ["Centre-Nord", "Sahel", "Sud-Ouest"]),
    "ML": (100, [("gold", 100)], ["Kayes", "Sikasso", "Koulikoro"]),
    "NE": (70, [("gold", 100)], ["Tillabéri", "Agadez"]),
    "ZW": (120, [("gold", 80), ("lithium", 20)],
           ["Midlands", "Mashonaland West", "Matabeleland South"]),
}  # fmt: skip

SYLLABLES = ["ka", "mi", "tu", "ga", "lu", "ba", "ngo", "ma", "ki", "wa", "so", "ri", "ne", "ya"]
FIRST_NAMES_F = ["Amina", "Grace", "Fatou", "Esther", "Mariam", "Neema", "Aïcha", "Rosa", "Oyun"]
FIRST_NAMES_M = ["Joseph", "Kwame", "Moussa", "Baraka", "Jean", "Issa", "Juan", "Bat", "Tendai"]
LAST_NAMES = ["Mukendi", "Mensah", "Traoré", "Mwakyusa", "Kamara", "Bekele", "Rakoto", "Banda"]
TEAMS = ["Ministry field team", "Provincial mines division", "Joint census team"]
SERVICES = ["mines", "asm_support", "police", "mining_police", "customs"]
ARMED = ["taxation", "digging", "forced_labour", "pillaging", "buying", "monopoly"]
WORK = ["digger", "washer", "processor", "transporter", "trader", "cook"]
AMALGAMATING = {"gold"}
# Plausible yearly output of one site, in the commodity's unit (g, ct, kg or t).
YEARLY_OUTPUT = {
    "gold": (200, 8000),
    "diamond": (50, 3000),
    "sapphire": (100, 5000),
    "ruby": (50, 2000),
    "coloured_gemstones": (100, 4000),
    "tin": (500, 20000),
    "tantalum": (200, 8000),
    "tungsten": (100, 5000),
    "copper": (5, 200),
    "cobalt": (1000, 50000),
    "lithium": (5, 100),
    "coal": (50, 2000),
}


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _name(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return word.capitalize()


def _point(
    rng: random.Random,
    country: Country,
    box: tuple[float, float, float, float],
    *,
    placed: bool = False,
) -> tuple:
    """A point in the country (and, when ``placed``, inside one of its provinces)."""
    from casm.core.areas import areas_for_point

    west, south, east, north = box
    for _attempt in range(200):
        lat, lon = round(rng.uniform(south, north), 5), round(rng.uniform(west, east), 5)
        if not validation.point_in_country(country.alpha3, lat, lon):
            continue
        if not placed or areas_for_point(country.pk, lon, lat):
            return lat, lon
    return round((south + north) / 2, 5), round((west + east) / 2, 5)


def _country_box(alpha3: str) -> tuple[float, float, float, float]:
    import json

    from shapely.geometry import shape

    from casm.core.maps import OUTLINES_PATH

    for feature in json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))["features"]:
        if feature["properties"]["alpha3"] == alpha3:
            return shape(feature["geometry"]).bounds
    raise LookupError(alpha3)


DEMO_AREA_SOURCE = "Demo: the country's outline cut into strips, not official boundaries"


def _demo_areas(country: Country, regions: list[str]) -> tuple[float, float]:
    """Give the country one made-up province per region name: its outline cut into strips
    from west to east, imported as any boundary file is. Returns (west, strip width), so that
    each site can name the province its point lies in."""
    import json
    import tempfile
    from pathlib import Path

    from shapely.geometry import box, mapping, shape

    from casm.core.maps import OUTLINES_PATH
    from casm.imports.areas import admin_areas_import

    features = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))["features"]
    outline = next(
        shape(f["geometry"]) for f in features if f["properties"]["alpha3"] == country.alpha3
    )
    west, south, east, north = outline.bounds
    width = (east - west) / len(regions)
    strips = []
    for number, name in enumerate(regions):
        cut = box(west + number * width, south - 1, west + (number + 1) * width, north + 1)
        piece = outline.intersection(cut)
        if not piece.is_empty and piece.geom_type in ("Polygon", "MultiPolygon"):
            code = f"{country.alpha2}-DEMO-{number + 1}"
            strips.append({"type": "Feature", "geometry": mapping(piece),
                           "properties": {"code": code, "name": name}})  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{country.alpha2}-demo-areas.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": strips}))
        result = admin_areas_import(
            actor=None, path=path, country=country, level=1, code_field="code",
            name_field="name", source=DEMO_AREA_SOURCE, repair=True,
        )  # fmt: skip
    if not result.committed:
        raise RuntimeError(f"demo areas of {country.alpha2}: {result.problems[:3]}")
    return west, width


def _region_of(longitude: float, west: float, width: float, regions: list[str]) -> str:
    """The made-up province (strip) a longitude falls in."""
    return regions[min(len(regions) - 1, max(0, int((longitude - west) // width)))]


def _visit(rng: random.Random, site: Site, date: datetime.date, commodity: str, n: int) -> dict:
    if rng.random() < 0.04:
        return {"reached": False, "not_reached_reason": rng.choice(["security", "access"])}
    workers = rng.randint(8, 600)
    women = int(workers * rng.uniform(0.05, 0.5))
    children = [rng.randint(0, 6) if rng.random() < 0.3 else 0 for _ in range(4)]
    if sum(children) > workers // 2:
        children = [0, 0, 0, 0]
    men = workers - women - sum(children)
    if men < 0:
        men, women = 0, workers - sum(children)
    armed = rng.random() < (0.25 if site.country.alpha2 == "CD" else 0.05)
    return {
        "reached": True,
        "workers": workers,
        "men": men,
        "women": women,
        "boys_under_15": children[0],
        "girls_under_15": children[1],
        "boys_15_17": children[2],
        "girls_15_17": children[3],
        "pits": rng.randint(1, 80),
        "max_depth_m": round(rng.uniform(2, 45), 1),
        "commodities": [
            {
                "commodity": commodity,
                "selling_point": f"{site.admin2 or site.admin1} market",
                "destination": rng.choice(["local trader", "provincial comptoir", "export"]),
            }
        ],
        "state_services": rng.sample(SERVICES, rng.randint(0, 3)),
        "armed_presence": armed,
        "armed_activities": rng.sample(ARMED, rng.randint(1, 2)) if armed else [],
        "traceability_scheme": rng.choice(["", "", "iTSCi", "Better Mining"])
        if commodity in {"tin", "tantalum", "tungsten"}
        else "",
        "mercury_use": commodity in AMALGAMATING and rng.random() < 0.6,
        "women_work": rng.sample(WORK, rng.randint(1, 3)) if women else [],
        "children_work": rng.sample(WORK, rng.randint(1, 2)) if sum(children) else [],
        "submission_id": f"demo:{site.code}:{n}",
    }


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    commodities = {c.code: c for c in Commodity.objects.all()}
    countries = {c.alpha2: c for c in Country.objects.filter(alpha2__in=COUNTRIES)}
    sites: list[Site] = []
    site_main: dict[str, str] = {}
    for code, (count, weights, regions) in COUNTRIES.items():
        country = countries[code]
        box = _country_box(country.alpha3)
        west, width = _demo_areas(country, regions)
        for number in range(1, count + 1):
            lat, lon = _point(rng, country, box, placed=True)
            region = _region_of(lon, west, width, regions)
            main = _weighted(rng, weights)
            method = "alluvial" if rng.random() < 0.55 else rng.choice(["underground", "open_pit"])
            legal = rng.choices(
                ["licensed", "asm_zone", "informal", "unknown"], weights=[20, 15, 55, 10]
            )[0]
            site = Site(
                country=country,
                code=validation.site_code_format(code, lat, lon, number),
                name=f"{_name(rng)} {rng.choice(['', '', 'I', 'II', 'Nord', 'Sud'])}".strip(),
                admin1=region,
                admin2=f"{_name(rng)} district",
                latitude=lat,
                longitude=lon,
                mining_methods=[method],
                processing_methods=(
                    [rng.choice(["whole_ore_amalgamation", "concentrate_amalgamation"])]
                    if main in AMALGAMATING and rng.random() < 0.6
                    else ["gravity"]
                ),
                activity_status=rng.choices(
                    ["active", "seasonal", "suspended", "abandoned"], weights=[70, 15, 8, 7]
                )[0],
                legal_status=legal,
                source="Demo census",
            )
            sites.append(site)
            site_main[site.code] = main
    Site.objects.bulk_create(sites, batch_size=500)
    for country in countries.values():
        sites_assign_areas(country_id=country.pk)
    sites = list(Site.objects.select_related("country").order_by("pk"))
    through = Site.commodities.through
    links = []
    for site in sites:
        links.append(through(site_id=site.pk, commodity_id=commodities[site_main[site.code]].pk))
        if rng.random() < 0.15:
            extra = rng.choice(list(YEARLY_OUTPUT))
            if extra != site_main[site.code]:
                links.append(through(site_id=site.pk, commodity_id=commodities[extra].pk))
    through.objects.bulk_create(links, batch_size=1000)
    say(f"  {len(sites)} sites")

    # A few near-duplicates, as a census brings them: same name, a hundred metres away.
    twins = []
    for number, site in enumerate(rng.sample(sites, 20), start=9001):
        twins.append(
            Site(
                country=site.country,
                code=validation.site_code_format(
                    site.country.alpha2, site.latitude + 0.001, site.longitude, number
                ),
                name=site.name,
                admin1=site.admin1,
                latitude=round(site.latitude + 0.001, 5),
                longitude=site.longitude,
                legal_status="unknown",
                duplicate_of=site,
                source="Demo census, second team",
            )
        )
    Site.objects.bulk_create(twins)
    for country in countries.values():
        sites_assign_areas(country_id=country.pk, unplaced_only=True)

    visits = []
    today = datetime.date(2025, 12, 31)
    for site in sites:
        for n in range(rng.choice([3, 4, 5, 5, 6, 7])):
            date = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randint(0, 4017))
            data = _visit(rng, site, min(date, today), site_main[site.code], n)
            visits.append(
                SiteVisit(
                    site=site, country=site.country, date=date, team=rng.choice(TEAMS), **data
                )
            )
    SiteVisit.objects.bulk_create(visits, batch_size=1000)
    say(f"  {len(visits)} visits")

    operators = []
    for code in COUNTRIES:
        for number in range(COUNTRIES[code][0] // 5):
            kind = rng.choices(
                ["cooperative", "association", "company", "individual"], weights=[60, 15, 10, 15]
            )[0]
            label = {"cooperative": "Coopérative", "association": "Association"}.get(kind, "")
            operators.append(
                Operator(
                    country=countries[code],
                    kind=kind,
                    name=f"{label} {_name(rng)} {number + 1}".strip(),
                    registration_number=f"{code}-OP-{number + 1:04d}",
                    member_count=rng.randint(5, 300),
                    contact_name=f"{rng.choice(FIRST_NAMES_M)} {rng.choice(LAST_NAMES)}",
                    contact_phone=f"+000 {rng.randint(100000, 999999)}",
                )
            )
    Operator.objects.bulk_create(operators, batch_size=500)
    operators = list(Operator.objects.order_by("pk"))
    by_country: dict[int, list[Site]] = {}
    for site in sites:
        by_country.setdefault(site.country_id, []).append(site)
    operator_sites = []
    for operator in operators:
        for site in rng.sample(by_country[operator.country_id], rng.randint(1, 3)):
            operator_sites.append(Operator.sites.through(operator_id=operator.pk, site_id=site.pk))
    Operator.sites.through.objects.bulk_create(
        operator_sites, batch_size=1000, ignore_conflicts=True
    )
    say(f"  {len(operators)} operators")

    miners = []
    miner_sites = []
    for number in range(20_000):
        operator = rng.choice(operators)
        sex = "f" if rng.random() < 0.35 else "m"
        first = rng.choice(FIRST_NAMES_F if sex == "f" else FIRST_NAMES_M)
        miners.append(
            Miner(
                country_id=operator.country_id,
                name=f"{first} {rng.choice(LAST_NAMES)} {number + 1}",
                sex=sex,
                year_of_birth=rng.randint(1960, 2007),
                id_number=f"DEMO-{number + 1:06d}" if rng.random() < 0.4 else "",
                roles=rng.sample(WORK, rng.randint(1, 2)),
                operator=operator,
            )
        )
    Miner.objects.bulk_create(miners, batch_size=1000)
    operator_site_ids: dict[int, list[int]] = {}
    for link in operator_sites:
        operator_site_ids.setdefault(link.operator_id, []).append(link.site_id)
    for miner in Miner.objects.order_by("pk").only("pk", "operator_id"):
        site_id = rng.choice(operator_site_ids[miner.operator_id or 0])
        miner_sites.append(Miner.sites.through(miner_id=miner.pk, site_id=site_id))
    Miner.sites.through.objects.bulk_create(miner_sites, batch_size=2000)
    say(f"  {len(miners)} miners")

    production = []
    for site in rng.sample(sites, len(sites) // 2):
        commodity = commodities[site_main[site.code]]
        low, high = YEARLY_OUTPUT.get(commodity.code, (10, 100))
        level = rng.uniform(low, high)
        for year in range(2015, 2026):
            level *= rng.uniform(0.85, 1.2)
            quantity = Decimal(str(round(level, 1)))
            production.append(
                ProductionRecord(
                    country=site.country,
                    site=site,
                    commodity=commodity,
                    period="year",
                    year=year,
                    quantity=quantity,
                    unit=commodity.unit,
                    quantity_base=float(quantity),
                    source="Demo: declared to the provincial mines office",
                )
            )
    ProductionRecord.objects.bulk_create(production, batch_size=1000)
    say(f"  {len(production)} production records")

    certifications = []
    for site in by_country[countries["CD"].pk]:
        if site_main[site.code] in {"tin", "tantalum", "tungsten", "gold"} and rng.random() < 0.5:
            start = datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randint(0, 1800))
            status = rng.choices(["green", "yellow", "red", "blue"], weights=[50, 15, 10, 25])[0]
            certifications.append(
                CertificationRecord(
                    site=site,
                    status=status,
                    valid_from=start,
                    valid_until=validation.certification_default_until(status, start),
                    note="Demo joint validation mission",
                )
            )
            site.certification_status = status
            site.certification_valid_from = start
            site.certification_valid_until = validation.certification_default_until(status, start)
    CertificationRecord.objects.bulk_create(certifications)
    Site.objects.bulk_update(
        [s for s in sites if s.certification_status],
        ["certification_status", "certification_valid_from", "certification_valid_until"],
        batch_size=500,
    )
    sites_refresh_current()
    registry_version_bump(countries[code].pk for code in COUNTRIES)
