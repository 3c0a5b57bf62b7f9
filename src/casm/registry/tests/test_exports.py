import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from casm.core.models import Commodity
from casm.registry import exports
from casm.registry.models import Site, SiteVisit
from casm.registry.selectors import PUBLIC_SITE_FIELDS, public_site_list, site_list
from casm.registry.tests import factories

LAST_YEAR = datetime.date.today().year - 1
PUBLIC_COLUMNS = {"country" if f == "country__alpha2" else f for f in PUBLIC_SITE_FIELDS} | {
    "commodities"
}


def read(export):
    return b"".join(export.chunks)


def csv_rows(data: bytes):
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def sites(make_site):
    gold = Commodity.objects.get(code="gold")
    tin = Commodity.objects.get(code="tin")
    prestea = make_site("Prestea", "GH", commodities=[gold], source="Census 2024")
    factories.make_visit(prestea, datetime.date(LAST_YEAR, 2, 1), workers=25, women=5)
    make_site('=HYPERLINK("http://evil")', "GH", latitude=7.0, longitude=-1.5)
    make_site("Kalimbi", "CD", commodities=[tin, gold])
    operator = factories.make_operator(
        "Prestea Diggers", contact_phone="+233 20 000 0000", sites=[prestea]
    )
    factories.make_production(
        operator=operator, period="quarter", period_number=2, quantity=3, unit="kg"
    )
    return prestea


def test_a_csv_export_has_every_field_and_commodity_codes(sites):
    export = exports.sites_export(Site.objects.all(), "csv")
    assert export.filename.endswith(".csv")
    assert export.content_type.startswith("text/csv")
    data = read(export)
    assert data.startswith("\ufeff".encode())  # spreadsheets read the accents right
    rows = {row["name"]: row for row in csv_rows(data)}
    assert rows["Prestea"]["workers"] == "25"
    assert rows["Prestea"]["commodities"] == "gold"
    assert rows["Prestea"]["source"] == "Census 2024"
    assert rows["Kalimbi"]["commodities"] == "gold;tin"
    assert rows["Kalimbi"]["country"] == "CD"


def test_text_that_a_spreadsheet_would_run_is_defused(sites):
    rows = csv_rows(read(exports.sites_export(Site.objects.all(), "csv")))
    assert '\'=HYPERLINK("http://evil")' in {row["name"] for row in rows}
    sheet = load_workbook(io.BytesIO(read(exports.sites_export(Site.objects.all(), "xlsx")))).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil")' in names
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_xlsx_export_opens_with_one_row_per_site(sites):
    export = exports.sites_export(Site.objects.all(), "xlsx")
    assert export.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(read(export)), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("id", "code", "name")
    assert len(rows) == 4
    by_name = {row[2]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_name["Prestea"]["last_visit"].date() == datetime.date(LAST_YEAR, 2, 1)


def test_a_geojson_export_is_a_feature_collection_of_points(sites):
    collection = json.loads(read(exports.sites_export(Site.objects.all(), "geojson")))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 3
    prestea = next(f for f in collection["features"] if f["properties"]["name"] == "Prestea")
    assert prestea["geometry"] == {"type": "Point", "coordinates": [-1.7, 6.2]}
    assert prestea["properties"]["commodities"] == ["gold"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_a_public_export_holds_public_fields_only(sites, fmt):
    data = read(exports.sites_export(public_site_list(), fmt, public=True))
    if fmt == "csv":
        columns = set(csv_rows(data)[0])
    elif fmt == "xlsx":
        columns = set(next(load_workbook(io.BytesIO(data), read_only=True).active.values))
    else:
        feature = json.loads(data)["features"][0]
        columns = set(feature["properties"]) | {"latitude", "longitude"}
    assert columns == PUBLIC_COLUMNS
    assert b"Census 2024" not in data  # the source is not public


def test_a_public_export_of_a_full_queryset_still_reads_public_fields(sites):
    rows = csv_rows(read(exports.sites_export(Site.objects.all(), "csv", public=True)))
    assert set(rows[0]) == PUBLIC_COLUMNS


def test_an_export_keeps_to_the_users_scope(sites, ghana_officer):
    rows = csv_rows(read(exports.sites_export(site_list(user=ghana_officer), "csv")))
    assert {row["country"] for row in rows} == {"GH"}


def test_a_large_export_is_read_in_chunks_each_row_once(
    sites, make_site, monkeypatch, django_assert_max_num_queries
):
    for number in range(8):
        make_site(f"Pit {number}", "GH", latitude=6 + number / 10, longitude=-2.0)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    export = exports.sites_export(Site.objects.all(), "csv")
    # 11 sites in 4 chunks: one query for the rows and one for the commodities each.
    with django_assert_max_num_queries(8):
        rows = csv_rows(read(export))
    assert len(rows) == 11
    assert len({row["id"] for row in rows}) == 11


def test_visits_operators_and_production_export(sites):
    visits = csv_rows(read(exports.visits_export(SiteVisit.objects.all(), "csv")))
    assert visits[0]["site_code"] == sites.code
    assert visits[0]["workers"] == "25"
    from casm.registry.models import Operator, ProductionRecord

    operators = csv_rows(read(exports.operators_export(Operator.objects.all(), "csv")))
    assert operators[0]["contact_phone"] == "'+233 20 000 0000"
    assert operators[0]["sites"] == sites.code
    production = csv_rows(read(exports.production_export(ProductionRecord.objects.all(), "csv")))
    assert (production[0]["operator"], production[0]["commodity"]) == ("Prestea Diggers", "gold")
    with pytest.raises(exports.ExportError):
        exports.operators_export(Operator.objects.all(), "geojson")
    with pytest.raises(exports.ExportError):
        exports.sites_export(Site.objects.all(), "pdf")


def test_the_command_exports_a_country(sites, tmp_path):
    output = tmp_path / "gh.csv"
    call_command("export", "sites", "--format", "csv", "--country", "GH", "--output", str(output))
    rows = csv_rows(output.read_bytes())
    assert {row["country"] for row in rows} == {"GH"}
    assert "workers" in rows[0]
    workbook = tmp_path / "cd.xlsx"
    call_command("export", "sites", "--format", "xlsx", "--commodity", "tin", "-o", str(workbook))
    names = [row[2] for row in load_workbook(workbook).active.iter_rows(values_only=True)]
    assert names == ["name", "Kalimbi"]


def test_the_command_writes_a_public_export_and_refuses_public_visits(sites, tmp_path, capsys):
    output = tmp_path / "public.geojson"
    call_command("export", "sites", "--public", "--format", "geojson", "--output", str(output))
    features = json.loads(output.read_text())["features"]
    assert len(features) == 3
    assert "workers" not in features[0]["properties"]
    with pytest.raises(CommandError, match="Only sites"):
        call_command("export", "visits", "--public")
    with pytest.raises(CommandError, match="unknown country"):
        call_command("export", "sites", "--country", "XX")


def test_the_command_exports_operators_and_production_of_a_country(sites, tmp_path):
    output = tmp_path / "operators.csv"
    call_command("export", "operators", "--country", "GH", "--output", str(output))
    assert [row["name"] for row in csv_rows(output.read_bytes())] == ["Prestea Diggers"]
    call_command("export", "production", "--country", "CD", "--output", str(output))
    assert csv_rows(output.read_bytes()) == []
    call_command("export", "visits", "--country", "GH", "--mercury-use", "no", "-o", str(output))
    assert csv_rows(output.read_bytes()) == []
