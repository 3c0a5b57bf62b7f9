#!/usr/bin/env python3
"""Build the offline reference data files under src/casm/core/data/.

Writes:

* ``countries.json``   ISO 3166-1 countries (pycountry) with English and French
                       names and their UN M49 region and sub-region;
* ``commodities.json`` the commodities of the sector, with HS 2022 codes;
* ``outlines.geojson`` simplified country outlines from Natural Earth 1:110m.

Dev-time only: the application never imports this script, it loads the JSON
files it writes. Needs ``pip install pycountry pyshp shapely``.

Usage::

    python scripts/build_reference_data.py [PATH-TO-ne_110m_admin_0_countries.zip]

Without an argument the Natural Earth zip is looked for at
``../shared/data/naturalearth-110m/ne_110m_admin_0_countries.zip`` next to the
repository. The script is deterministic: re-running it with the same package
versions and input rewrites identical files.
"""

from __future__ import annotations

import argparse
import gettext
import io
import json
import sys
import zipfile
from pathlib import Path

try:
    import pycountry
    import shapefile  # pyshp
    import shapely
    from shapely.geometry import MultiPolygon, Polygon, mapping, shape
    from shapely.geometry.polygon import orient
except ImportError as exc:  # pragma: no cover - dev-time guard
    sys.exit(f"error: missing package ({exc.name}); run: pip install pycountry pyshp shapely")

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "src" / "casm" / "core" / "data"
DEFAULT_NE_ZIP = (
    REPO_ROOT.parent / "shared" / "data" / "naturalearth-110m" / "ne_110m_admin_0_countries.zip"
)

# --------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------

# UN M49 regions (code -> English, French).
REGIONS = {
    "002": ("Africa", "Afrique"),
    "019": ("Americas", "Amériques"),
    "142": ("Asia", "Asie"),
    "150": ("Europe", "Europe"),
    "009": ("Oceania", "Océanie"),
}

# UN M49 sub-regions (code -> region code, English, French).
SUBREGIONS = {
    "015": ("002", "Northern Africa", "Afrique du Nord"),
    "202": ("002", "Sub-Saharan Africa", "Afrique subsaharienne"),
    "419": ("019", "Latin America and the Caribbean", "Amérique latine et Caraïbes"),
    "021": ("019", "Northern America", "Amérique septentrionale"),
    "143": ("142", "Central Asia", "Asie centrale"),
    "030": ("142", "Eastern Asia", "Asie de l'Est"),
    "035": ("142", "South-eastern Asia", "Asie du Sud-Est"),
    "034": ("142", "Southern Asia", "Asie du Sud"),
    "145": ("142", "Western Asia", "Asie occidentale"),
    "151": ("150", "Eastern Europe", "Europe orientale"),
    "154": ("150", "Northern Europe", "Europe septentrionale"),
    "039": ("150", "Southern Europe", "Europe méridionale"),
    "155": ("150", "Western Europe", "Europe occidentale"),
    "053": ("009", "Australia and New Zealand", "Australie et Nouvelle-Zélande"),
    "054": ("009", "Melanesia", "Mélanésie"),
    "057": ("009", "Micronesia", "Micronésie"),
    "061": ("009", "Polynesia", "Polynésie"),
}

# alpha3 -> M49 sub-region, following the UN Statistics Division "Standard
# country or area codes for statistical use" (M49). Intermediate regions
# (Eastern Africa, Caribbean, ...) are folded into their sub-region.
# Taiwan is not listed separately in M49; it is placed in Eastern Asia here.
# Antarctica (ATA) belongs to no region and is deliberately absent.
_M49_MEMBERS = {
    "015": "DZA EGY ESH LBY MAR SDN TUN",
    "202": (
        # Eastern Africa
        "ATF BDI COM DJI ERI ETH IOT KEN MDG MOZ MUS MWI MYT REU RWA SOM SSD"
        " SYC TZA UGA ZMB ZWE"
        # Middle Africa
        " AGO CAF CMR COD COG GAB GNQ STP TCD"
        # Southern Africa
        " BWA LSO NAM SWZ ZAF"
        # Western Africa
        " BEN BFA CIV CPV GHA GIN GMB GNB LBR MLI MRT NER NGA SEN SHN SLE TGO"
    ),
    "419": (
        # Caribbean
        "ABW AIA ATG BES BHS BLM BRB CUB CUW CYM DMA DOM GLP GRD HTI JAM KNA"
        " LCA MAF MSR MTQ PRI SXM TCA TTO VCT VGB VIR"
        # Central America
        " BLZ CRI GTM HND MEX NIC PAN SLV"
        # South America
        " ARG BOL BRA BVT CHL COL ECU FLK GUF GUY PER PRY SGS SUR URY VEN"
    ),
    "021": "BMU CAN GRL SPM USA",
    "143": "KAZ KGZ TJK TKM UZB",
    "030": "CHN HKG JPN KOR MAC MNG PRK TWN",
    "035": "BRN IDN KHM LAO MMR MYS PHL SGP THA TLS VNM",
    "034": "AFG BGD BTN IND IRN LKA MDV NPL PAK",
    "145": "ARE ARM AZE BHR CYP GEO IRQ ISR JOR KWT LBN OMN PSE QAT SAU SYR TUR YEM",
    "151": "BGR BLR CZE HUN MDA POL ROU RUS SVK UKR",
    "154": "ALA DNK EST FIN FRO GBR GGY IMN IRL ISL JEY LTU LVA NOR SJM SWE",
    "039": "ALB AND BIH ESP GIB GRC HRV ITA MKD MLT MNE PRT SMR SRB SVN VAT",
    "155": "AUT BEL CHE DEU FRA LIE LUX MCO NLD",
    "053": "AUS CCK CXR HMD NFK NZL",
    "054": "FJI NCL PNG SLB VUT",
    "057": "FSM GUM KIR MHL MNP NRU PLW UMI",
    "061": "ASM COK NIU PCN PYF TKL TON TUV WLF WSM",
}

NO_REGION = {"ATA"}

# Readable short names where the ISO names are awkward ("Korea, Republic of").
NAME_EN_OVERRIDES = {
    "BO": "Bolivia",
    "CD": "Congo, Democratic Republic of the",
    "CG": "Congo",
    "FM": "Micronesia",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "RU": "Russia",
    "SY": "Syria",
    "TZ": "Tanzania",
    "VE": "Venezuela",
    "VN": "Viet Nam",
}

# The French counterparts of the English overrides above.
NAME_FR_OVERRIDES = {
    "BO": "Bolivie",
    "CD": "Congo, République démocratique du",
    "CG": "Congo",
    "FM": "Micronésie",
    "IR": "Iran",
    "KP": "Corée du Nord",
    "KR": "Corée du Sud",
    "LA": "Laos",
    "MD": "Moldavie",
    "RU": "Russie",
    "SY": "Syrie",
    "TZ": "Tanzanie",
    "VE": "Venezuela",
    "VN": "Viêt Nam",
}


def m49_table() -> dict[str, str]:
    """Return alpha3 -> sub-region code, checking the literal table."""
    table: dict[str, str] = {}
    for sub, members in _M49_MEMBERS.items():
        if sub not in SUBREGIONS:
            raise SystemExit(f"error: unknown M49 sub-region {sub}")
        for alpha3 in members.split():
            if alpha3 in table:
                raise SystemExit(f"error: {alpha3} listed in M49 {table[alpha3]} and {sub}")
            table[alpha3] = sub
    return table


def build_countries() -> list[dict]:
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    m49 = m49_table()
    iso_alpha3 = {c.alpha_3 for c in pycountry.countries}

    missing = sorted(iso_alpha3 - set(m49) - NO_REGION)
    if missing:
        raise SystemExit(f"error: no M49 sub-region for: {', '.join(missing)}")
    stale = sorted(set(m49) - iso_alpha3)
    if stale:
        raise SystemExit(f"error: M49 table lists unknown alpha3: {', '.join(stale)}")

    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        name_en = NAME_EN_OVERRIDES.get(c.alpha_2) or getattr(c, "common_name", None) or c.name
        name_fr = NAME_FR_OVERRIDES.get(c.alpha_2) or fr.gettext(c.name)
        row = {
            "alpha2": c.alpha_2,
            "alpha3": c.alpha_3,
            "numeric": c.numeric,
            "name_en": name_en,
            "name_fr": name_fr,
            "region_m49": None,
            "region_en": None,
            "region_fr": None,
            "subregion_m49": None,
            "subregion_en": None,
            "subregion_fr": None,
        }
        sub = m49.get(c.alpha_3)
        if sub is not None:
            region, sub_en, sub_fr = SUBREGIONS[sub]
            region_en, region_fr = REGIONS[region]
            row.update(
                region_m49=region,
                region_en=region_en,
                region_fr=region_fr,
                subregion_m49=sub,
                subregion_en=sub_en,
                subregion_fr=sub_fr,
            )
        rows.append(row)
    return rows


# --------------------------------------------------------------------------
# Commodities
# --------------------------------------------------------------------------

# HS codes are from the Harmonized System 2022 nomenclature. Where several
# subheadings apply, the one for the form in which artisanal and small-scale
# production is usually traded is used (unwrought metal, ores and
# concentrates, rough stones); a four-digit heading is given where the
# commodity spans its subheadings; null where no single code fits.
# ICGLR regional certification codes: gold 7108.12, cassiterite 2609.00,
# wolframite 2611.00, coltan 2615.90.
# Lithium: spodumene and lepidolite concentrates have no subheading of their
# own and are commonly declared under 2530.90 (mineral substances n.e.s.).
_COMMODITIES = [
    # code, en, fr, es, pt, group, hs_code, unit
    ("gold", "Gold", "Or", "Oro", "Ouro", "precious metals", "7108.12", "g"),
    ("silver", "Silver", "Argent", "Plata", "Prata", "precious metals", "7106.91", "g"),
    (
        "pgm",
        "Platinum group metals",
        "Métaux du groupe du platine",
        "Metales del grupo del platino",
        "Metais do grupo da platina",
        "precious metals",
        "7110",
        "g",
    ),
    (
        "diamond",
        "Diamonds (rough)",
        "Diamants (bruts)",
        "Diamantes (en bruto)",
        "Diamantes (brutos)",
        "gemstones",
        "7102.10",
        "ct",
    ),
    (
        "coloured_gemstones",
        "Coloured gemstones",
        "Pierres de couleur",
        "Gemas de color",
        "Gemas coradas",
        "gemstones",
        "7103.10",
        "ct",
    ),
    ("sapphire", "Sapphire", "Saphir", "Zafiro", "Safira", "gemstones", "7103.10", "ct"),
    ("ruby", "Ruby", "Rubis", "Rubí", "Rubi", "gemstones", "7103.10", "ct"),
    ("emerald", "Emerald", "Émeraude", "Esmeralda", "Esmeralda", "gemstones", "7103.10", "ct"),
    (
        "tourmaline",
        "Tourmaline",
        "Tourmaline",
        "Turmalina",
        "Turmalina",
        "gemstones",
        "7103.10",
        "ct",
    ),
    ("jade", "Jade", "Jade", "Jade", "Jade", "gemstones", "7103.10", "kg"),
    (
        "tin",
        "Tin (cassiterite)",
        "Étain (cassitérite)",
        "Estaño (casiterita)",
        "Estanho (cassiterita)",
        "3T minerals",
        "2609.00",
        "kg",
    ),
    (
        "tantalum",
        "Tantalum (coltan)",
        "Tantale (coltan)",
        "Tantalio (coltán)",
        "Tântalo (coltan)",
        "3T minerals",
        "2615.90",
        "kg",
    ),
    (
        "tungsten",
        "Tungsten (wolframite)",
        "Tungstène (wolframite)",
        "Wolframio (wolframita)",
        "Tungstênio (volframita)",
        "3T minerals",
        "2611.00",
        "kg",
    ),
    ("cobalt", "Cobalt", "Cobalt", "Cobalto", "Cobalto", "battery minerals", "2605.00", "kg"),
    ("lithium", "Lithium", "Lithium", "Litio", "Lítio", "battery minerals", "2530.90", "t"),
    (
        "manganese",
        "Manganese",
        "Manganèse",
        "Manganeso",
        "Manganês",
        "battery minerals",
        "2602.00",
        "t",
    ),
    ("copper", "Copper", "Cuivre", "Cobre", "Cobre", "base metals", "2603.00", "t"),
    ("coal", "Coal", "Charbon", "Carbón", "Carvão", "energy minerals", "2701", "t"),
    ("sand", "Sand", "Sable", "Arena", "Areia", "development minerals", "2505", "t"),
    ("gravel", "Gravel", "Gravier", "Grava", "Cascalho", "development minerals", "2517.10", "t"),
    ("clay", "Clay", "Argile", "Arcilla", "Argila", "development minerals", "2508", "t"),
    (
        "limestone",
        "Limestone",
        "Calcaire",
        "Caliza",
        "Calcário",
        "development minerals",
        "2521.00",
        "t",
    ),
    (
        "dimension_stone",
        "Dimension stone",
        "Pierre de taille",
        "Piedra dimensional",
        "Rocha ornamental",
        "development minerals",
        "2516",
        "t",
    ),
    ("salt", "Salt", "Sel", "Sal", "Sal", "development minerals", "2501.00", "t"),
    ("gypsum", "Gypsum", "Gypse", "Yeso", "Gipsita", "development minerals", "2520.10", "t"),
]

UNITS = {"g", "ct", "kg", "t"}


def build_commodities() -> list[dict]:
    rows = []
    seen = set()
    for code, en, fr, es, pt, group, hs_code, unit in _COMMODITIES:
        if code in seen:
            raise SystemExit(f"error: duplicate commodity code {code}")
        if unit not in UNITS:
            raise SystemExit(f"error: commodity {code} has unknown unit {unit}")
        seen.add(code)
        rows.append(
            {
                "code": code,
                "name_en": en,
                "name_fr": fr,
                "name_es": es,
                "name_pt": pt,
                "group": group,
                "hs_code": hs_code,
                "unit": unit,
            }
        )
    return rows


# --------------------------------------------------------------------------
# Outlines
# --------------------------------------------------------------------------

SIMPLIFY_TOLERANCE = 0.05  # degrees
GRID = 0.001  # coordinates snapped to 3 decimals
OUTLINES_SOURCE = "Natural Earth 1:110m Admin 0 – Countries (public domain), simplified"
KOSOVO = "XKX"  # user-assigned code, not in ISO 3166-1

# Natural Earth's own codes for units without a (proper) ISO code, by name or
# by the code Natural Earth puts in iso_a3 / ADM0_A3. Areas that ISO 3166-1
# counts as part of a country are merged into it.
NE_CODE_FIXES = {
    "KOS": KOSOVO,
    "PSX": "PSE",
    "SAH": "ESH",
    "SDS": "SSD",
    "CYN": "CYP",  # Northern Cyprus
    "SOL": "SOM",  # Somaliland
}
NE_NAME_FIXES = {
    "France": "FRA",
    "Norway": "NOR",
    "Kosovo": KOSOVO,
    "N. Cyprus": "CYP",
    "Northern Cyprus": "CYP",
    "Somaliland": "SOM",
}


def _read_shapefile(zip_path: Path):
    """Yield (record dict, shapely geometry) from the shapefile in the zip."""
    with zipfile.ZipFile(zip_path) as zf:
        names = {Path(n).suffix.lower(): n for n in zf.namelist()}
        if ".shp" not in names or ".dbf" not in names:
            raise SystemExit(f"error: no .shp/.dbf inside {zip_path}")
        members = {
            ext: io.BytesIO(zf.read(names[ext])) if ext in names else None
            for ext in (".shp", ".dbf", ".shx")
        }
        encoding = "utf-8"
        if ".cpg" in names:
            encoding = zf.read(names[".cpg"]).decode("ascii").strip() or encoding
    reader = shapefile.Reader(
        shp=members[".shp"], dbf=members[".dbf"], shx=members[".shx"], encoding=encoding
    )
    for sr in reader.iterShapeRecords():
        yield sr.record.as_dict(), shape(sr.shape.__geo_interface__)


def _alpha3_for(record: dict, iso_alpha3: set[str]) -> str | None:
    fields = {k.lower(): str(v).strip() for k, v in record.items()}
    candidates = [fields.get(k) for k in ("iso_a3", "iso_a3_eh", "adm0_a3", "adm0_iso")]
    for code in candidates:
        if code in iso_alpha3:
            return code
    for code in candidates:
        if code in NE_CODE_FIXES:
            return NE_CODE_FIXES[code]
    for key in ("name", "name_long", "admin", "sovereignt"):
        if fields.get(key) in NE_NAME_FIXES:
            return NE_NAME_FIXES[fields[key]]
    return None


def _polygonal(geom):
    """Keep only the polygonal parts of geom, as a (Multi)Polygon or None."""
    if geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = []
    for part in getattr(geom, "geoms", []):
        p = _polygonal(part)
        if p is not None:
            parts.extend(p.geoms if isinstance(p, MultiPolygon) else [p])
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _clean(geom):
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return _polygonal(geom)


def _orient(geom):
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946)."""
    if isinstance(geom, Polygon):
        return orient(geom, 1.0)
    return MultiPolygon([orient(p, 1.0) for p in geom.geoms])


def _round(obj):
    if isinstance(obj, float):
        return round(obj, 3)
    if isinstance(obj, (list, tuple)):
        return [_round(x) for x in obj]
    return obj


def build_outlines(zip_path: Path, names_en: dict[str, str]) -> dict:
    iso_alpha3 = {c.alpha_3 for c in pycountry.countries}
    grouped: dict[str, list] = {}
    ne_names: dict[str, str] = {}
    for record, geom in _read_shapefile(zip_path):
        alpha3 = _alpha3_for(record, iso_alpha3)
        name = next((str(v) for k, v in record.items() if k.lower() == "name"), "?")
        if alpha3 is None:
            raise SystemExit(f"error: no ISO alpha3 for Natural Earth feature {name!r}")
        geom = _clean(geom)
        if geom is None:
            continue
        grouped.setdefault(alpha3, []).append(geom)
        ne_names.setdefault(alpha3, name)

    features = []
    for alpha3 in sorted(grouped):
        geom = shapely.union_all(grouped[alpha3])
        geom = geom.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
        geom = shapely.set_precision(geom, GRID)
        geom = _clean(geom)
        if geom is None or not geom.is_valid:
            raise SystemExit(f"error: could not make a valid outline for {alpha3}")
        geometry = mapping(_orient(geom))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "alpha3": alpha3,
                    "name": names_en.get(alpha3, ne_names[alpha3]),
                },
                "geometry": {
                    "type": geometry["type"],
                    "coordinates": _round(geometry["coordinates"]),
                },
            }
        )
    return {"type": "FeatureCollection", "source": OUTLINES_SOURCE, "features": features}


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_geojson(path: Path, collection: dict) -> None:
    """Compact GeoJSON with one feature per line (small, yet diffable)."""

    def dump(obj) -> str:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [dump(head)[:-1] + ',"features":[']
    feats = [dump(f) for f in collection["features"]]
    lines.extend(f + "," for f in feats[:-1])
    lines.extend(feats[-1:])
    lines.append("]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "ne_zip",
        nargs="?",
        type=Path,
        default=DEFAULT_NE_ZIP,
        help="path to Natural Earth's ne_110m_admin_0_countries.zip (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if not args.ne_zip.is_file():
        sys.exit(
            f"error: Natural Earth zip not found: {args.ne_zip}"
            " (pass the path to ne_110m_admin_0_countries.zip)"
        )

    DATA_DIR.mkdir(parents=True, exist_ok=True)

    countries = build_countries()
    write_json(DATA_DIR / "countries.json", countries)

    commodities = build_commodities()
    write_json(DATA_DIR / "commodities.json", commodities)

    names_en = {c["alpha3"]: c["name_en"] for c in countries}
    outlines = build_outlines(args.ne_zip, names_en)
    write_geojson(DATA_DIR / "outlines.geojson", outlines)

    print(
        f"wrote {len(countries)} countries, {len(commodities)} commodities,"
        f" {len(outlines['features'])} outlines to {DATA_DIR.relative_to(REPO_ROOT)}/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
