"""The chain's open data: production by site with the census workers suppressed below five,
exports shared among their origin provinces by what was produced there, red flags by kind;
the page in English and French, the downloads and the API; nothing names a lot, an actor or a
person."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from casm.core.models import Country
from casm.registry import services as registry
from casm.traceability import open_data, services

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _export(chain, lots):
    """Sell ``lots`` to the trader, combine them, sell the combination to the exporter and
    export it; the exported lot."""
    bought = [chain.sell(lot) for lot in lots]
    combined = services.lots_combine(actor=chain.trader_user, lots=bought)
    held = chain.sell(combined, to=chain.exporter)
    operation = services.lot_export(
        actor=chain.exporter_user, lot=held, importer="Refinery AG",
        destination=Country.objects.get(alpha2="CH"), route="Bukavu – Kigali",
    )  # fmt: skip
    return operation.inputs.get()


@pytest.fixture
def traded(chain):
    chain.site_a.admin1 = "Sud-Kivu"
    chain.site_a.save()
    chain.site_b.admin1 = "Maniema"
    chain.site_b.save()
    registry.site_visit_record(actor=None, site=chain.site_a, date=timezone.localdate(),
                               workers=4, men=4)  # fmt: skip
    registry.site_visit_record(actor=None, site=chain.site_b, date=timezone.localdate(),
                               workers=5, men=5)  # fmt: skip
    a1 = chain.produce("CD-A-0001", "300", unit="g")
    a2 = chain.produce("CD-A-0002", "300", unit="g")
    b1 = chain.produce("CD-B-0001", "400", unit="g", site=chain.site_b)
    exported = _export(chain, [a1, a2, b1])
    return chain, exported


def test_production_by_site_hides_workers_below_five(traded):
    chain, _exported = traded
    rows = {row["site_code"]: row for row in
            open_data.production_rows(open_data.production_by_site())}  # fmt: skip
    a, b = rows[chain.site_a.code], rows[chain.site_b.code]
    assert (a["lots"], a["mass_kg"], a["province"], a["year"]) == (
        2, Decimal("0.600"), "Sud-Kivu", YEAR)  # fmt: skip
    assert a["workers"] is None  # 4 workers: suppressed
    assert b["workers"] == 5  # 5: shown


def test_exports_are_shared_among_origin_provinces_by_what_was_produced(traded):
    chain, exported = traded
    shares = {share.origin_province: share for share in open_data.exports_by_province()}
    assert set(shares) == {"Sud-Kivu", "Maniema"}
    mass = exported.mass_kg
    assert shares["Sud-Kivu"].mass_kg == (mass * Decimal("0.6")).quantize(Decimal("0.001"))
    assert shares["Maniema"].mass_kg == (mass * Decimal("0.4")).quantize(Decimal("0.001"))
    assert shares["Sud-Kivu"].exports == 1 and shares["Sud-Kivu"].year == YEAR
    other_year = open_data.exports_by_province({"year": YEAR - 1})
    assert other_year == []


def test_the_page_and_downloads_name_no_lot_actor_or_person(traded):
    chain, exported = traded
    services.flag_raise(actor=chain.inspector, country=chain.country, kind="bribery",
                        text="Un acheteur signale des lots déclarés à tort.",
                        supplier=chain.trader)  # fmt: skip
    page = Client().get("/traceability/open-data/")
    text = page.content.decode()
    assert page.status_code == 200 and "Sud-Kivu" in text and "Maniema" in text
    for private in (exported.number, "Négoce Mwenga", "Comptoir de Bukavu", "déclarés à tort"):
        assert private not in text
    flags = list(csv.DictReader(io.StringIO(b"".join(
        Client().get("/traceability/open-data/flags.csv").streaming_content
    ).decode("utf-8-sig"))))  # fmt: skip
    assert {(row["kind"], row["raised"], row["closed"]) for row in flags} == {("bribery", "1", "0")}
    production = b"".join(
        Client().get("/traceability/open-data/production.csv").streaming_content
    ).decode("utf-8-sig")
    assert chain.site_a.code in production and exported.number not in production
    assert Client().get("/traceability/open-data/nothing.csv").status_code == 404
    assert Client().get("/traceability/open-data/flags.geojson").status_code == 404
    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get("/traceability/open-data/").content.decode()
    assert "Exportations par province d’origine" in french


def test_the_api_answers_anyone_with_the_same_figures(traded):
    chain, _exported = traded
    client = Client()
    production = client.get("/api/v1/traceability/open-data/production?country=CD").json()
    assert production["count"] == 2
    by_site = {item["site_code"]: item for item in production["items"]}
    assert by_site[chain.site_a.code]["workers"] is None
    assert by_site[chain.site_b.code]["mass_kg"] == "0.400"
    exports = client.get("/api/v1/traceability/open-data/exports?mineral=gold").json()
    assert sorted(item["origin_province"] for item in exports["items"]) == ["Maniema", "Sud-Kivu"]
    assert client.get("/api/v1/traceability/open-data/exports?mineral=tin").json()["count"] == 0
    assert client.get("/api/v1/traceability/open-data/flags?year=1980").status_code == 422
