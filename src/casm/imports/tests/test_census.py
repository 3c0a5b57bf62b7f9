"""The census importer: formats, matching, re-import and bad input."""

from __future__ import annotations

import json
import zipfile

import pytest

from casm.core.models import AuditEvent
from casm.imports.census import census_import, parse_date
from casm.imports.mapping import mapping_from_dict
from casm.registry.models import Site, SiteVisit

HEADER = (
    "_uuid,_submission_time,site_name,site_code,country,_location_latitude,_location_longitude,"
    "date,workers,men,women,boys_under_15,girls_under_15,boys_15_17,girls_15_17,commodities,"
    "mercury_use,armed_presence,state_services\n"
)


def _csv(tmp_path, rows, name="census.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes((header + "".join(row + "\n" for row in rows)).encode(encoding))
    return path


ROW_A = (
    "u-1,2024-03-05T10:11:12.000+01:00,Kamituga,,CD,-3.06,28.18,2024-03-05,10,5,3,1,0,1,0,gold,yes,no,"
    "police mines"
)
ROW_B = (
    "u-2,2024-04-05T10:11:12.000+01:00,Kamituga,,CD,-3.0601,28.1801,2024-04-05,12,6,4,1,1,0,0,"
    "gold tin,no,no,"
)
ROW_C = "u-3,2024-04-06T10:11:12Z,Twangiza,,CD,-2.85,28.72,06/04/2024,,,,,,,,tin,,,"


def test_it_imports_a_kobo_csv_and_repeated_sites_become_visits(db, congo_officer, tmp_path):
    result = census_import(actor=congo_officer, path=_csv(tmp_path, [ROW_A, ROW_B, ROW_C]))

    assert result.committed, result.problems
    assert (result.visits_created, result.sites_created) == (3, 2)
    kamituga = Site.objects.get(name="Kamituga")
    assert kamituga.visits.count() == 2
    assert sorted(kamituga.commodities.values_list("code", flat=True)) == ["gold", "tin"]
    assert kamituga.workers == 12 and kamituga.mercury_use is False
    assert kamituga.children == 2 and kamituga.children_present is True
    assert str(kamituga.first_visit) == "2024-03-05" and str(kamituga.last_visit) == "2024-04-05"
    assert SiteVisit.objects.get(submission_id="u-1").state_services == ["police", "mines"]
    assert AuditEvent.objects.filter(source="import").count() == 1


def test_it_changes_nothing_when_the_same_file_is_imported_again(db, congo_officer, tmp_path):
    path = _csv(tmp_path, [ROW_A, ROW_B, ROW_C])
    census_import(actor=congo_officer, path=path)

    again = census_import(actor=congo_officer, path=path)

    assert again.committed and again.visits_created == 0 and again.visits_unchanged == 3
    assert SiteVisit.objects.count() == 3 and Site.objects.count() == 2


def test_a_dry_run_reports_every_problem_and_writes_nothing(db, congo_officer, tmp_path):
    rows = [
        ROW_A,
        ROW_A,  # same uuid
        "u-4,,Bad,,CD,abc,28.1,2024-01-01,ten,,,,,,,gold,,,",
        "u-5,,Swapped,,CD,28.18,-3.06,2024-01-01,,,,,,,,gold,,,",
        "u-6,,Far,,CD,95,28.1,2099-01-01,,,,,,,,unobtainium,,,",
    ]
    result = census_import(actor=congo_officer, path=_csv(tmp_path, rows), dry_run=True)

    messages = {(p.row, p.column): p.text for p in result.problems}
    assert "appears again (first in row 2)" in messages[(3, "_uuid")]
    assert messages[(4, "_location_latitude")] == "“abc” is not a number."
    assert messages[(4, "workers")] == "“ten” is not a whole number."
    assert "swapped" in messages[(5, "_location_latitude")]
    assert "outside −90 to 90" in messages[(6, "_location_latitude")]
    assert "in the future" in messages[(6, "date")]
    assert "Unknown commodity" in messages[(6, "commodities")]
    assert Site.objects.count() == 0 and SiteVisit.objects.count() == 0


def test_all_or_nothing_writes_nothing_and_skip_invalid_keeps_the_good_rows(
    db, congo_officer, tmp_path
):
    path = _csv(tmp_path, [ROW_A, "u-9,,X,,CD,-3.1,28.1,31/02/2024,,,,,,,,gold,,,", ROW_C])

    failed = census_import(actor=congo_officer, path=path)
    assert not failed.committed and SiteVisit.objects.count() == 0
    assert failed.problems[0].text.startswith("“31/02/2024” is not a date")

    report = tmp_path / "report.csv"
    kept = census_import(actor=congo_officer, path=path, skip_invalid=True, report_path=report)
    assert kept.committed and kept.visits_created == 2 and kept.invalid_rows == 1
    assert "31/02/2024" in report.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("encoding", "separator", "bom"),
    [("latin-1", ";", b""), ("utf-8", ";", b"\xef\xbb\xbf"), ("utf-8", "\t", b"")],
)
def test_it_reads_latin1_bom_and_semicolons(db, congo_officer, tmp_path, encoding, separator, bom):
    header = "site_name;country;latitude;longitude;date;commodities\n".replace(";", separator)
    row = "Mine de la Rivière;CD;-3,06;28,18;05/03/2024;gold".replace(";", separator)
    path = tmp_path / "plain.csv"
    path.write_bytes(bom + (header + row + "\n").encode(encoding))

    result = census_import(actor=congo_officer, path=path)

    assert result.committed, result.problems
    assert Site.objects.get().name == "Mine de la Rivière"


def test_it_names_missing_columns_and_empty_files(db, congo_officer, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert census_import(actor=congo_officer, path=empty).problems[0].text == (
        "empty.csv is empty."
    )
    result = census_import(actor=congo_officer, path=_csv(tmp_path, ["a,b"], header="x,y\n"))
    assert "Required columns are missing" in result.problems[0].text


def test_rows_outside_the_officers_countries_are_refused(db, ghana_officer, tmp_path):
    result = census_import(actor=ghana_officer, path=_csv(tmp_path, [ROW_A]))
    assert result.problems[0].text == "This country is outside your scope."
    assert SiteVisit.objects.count() == 0


def test_it_reads_dates_in_several_formats():
    assert str(parse_date("2024-03-05T23:11:12.000+01:00")) == "2024-03-05"
    assert str(parse_date("05/03/2024")) == "2024-03-05"
    assert str(parse_date("03/05/2024", "mdy")) == "2024-03-05"
    assert str(parse_date("5.3.2024")) == "2024-03-05"


def _feature(name, lon, lat, **properties):
    return {
        "type": "Feature",
        "properties": {"name": name, **properties},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


MAPPING = {
    "columns": {"name": "site_name", "mineral1": "commodities", "mineral2": "commodities"},
    "values": {"commodities": {"Or": "gold", "Cassitérite": "tin", "Fer": None}},
    "defaults": {"country": "CD", "date": "2015-01-01"},
}


def test_it_imports_geojson_with_a_mapping_and_flags_similar_names(db, congo_officer, tmp_path):
    path = tmp_path / "sites.geojson"
    features = [
        _feature("Mukungwe", 28.70, -2.70, mineral1="Or", mineral2="Fer"),
        _feature("Mukungwe", 28.70, -2.70, mineral1="Cassitérite", mineral2=None),
        _feature("Mukungwe 2", 28.701, -2.70, mineral1="Or", mineral2=None),
        {"type": "Feature", "properties": {"name": "Bowtie"}, "geometry": {
            "type": "Polygon",
            "coordinates": [[[28, -2], [29, -3], [29, -2], [28, -3], [28, -2]]]}},
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    mapping = mapping_from_dict(MAPPING, "test.json")

    dry = census_import(actor=congo_officer, path=path, mapping=mapping, dry_run=True)
    assert "crosses itself" in dry.problems[0].text and dry.problems[0].row == 4

    result = census_import(actor=congo_officer, path=path, mapping=mapping, skip_invalid=True)
    assert result.visits_created == 3 and result.sites_created == 2 and result.sites_flagged == 1
    first = Site.objects.get(name="Mukungwe")
    assert first.visits.count() == 2
    assert sorted(first.commodities.values_list("code", flat=True)) == ["gold", "tin"]
    assert Site.objects.get(name="Mukungwe 2").duplicate_of == first
    again = census_import(actor=congo_officer, path=path, mapping=mapping, skip_invalid=True)
    assert again.visits_created == 0 and again.visits_unchanged == 3


def test_it_imports_an_odk_central_zip_with_repeats(db, congo_officer, tmp_path):
    path = tmp_path / "census.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "census.csv",
            "SubmissionDate,site-site_name,site-country,location-Latitude,location-Longitude,"
            "date,KEY\n2024-03-05T10:00:00.000Z,Lugushwa,CD,-3.3,27.9,2024-03-04,uuid:abc\n",
        )
        archive.writestr(
            "census-commodities.csv",
            "commodity,selling_point,destination,PARENT_KEY,KEY\n"
            "gold,Kamituga,Bukavu,uuid:abc,uuid:abc/commodities[1]\n",
        )

    result = census_import(actor=congo_officer, path=path)

    assert result.committed, result.problems
    visit = SiteVisit.objects.get(submission_id="uuid:abc")
    assert visit.commodities == [
        {"commodity": "gold", "selling_point": "Kamituga", "destination": "Bukavu"}
    ]


def test_it_refuses_zip_bombs_and_macros(db, congo_officer, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("census.csv", b"0" * (50 * 1024 * 1024))
    assert "zip bomb" in census_import(actor=congo_officer, path=bomb).problems[0].text

    macro = tmp_path / "census.xlsm"
    macro.write_bytes(b"PK")
    assert (
        ".xlsm files are refused" in census_import(actor=congo_officer, path=macro).problems[0].text
    )


def test_it_reads_xlsx_formulas_only_with_a_saved_result(db, congo_officer, tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["site_name", "country", "latitude", "longitude", "date", "workers"])
    sheet.append(["Kamituga", "CD", -3.06, 28.18, "2024-03-05", "=2+3"])
    path = tmp_path / "formula.xlsx"
    workbook.save(path)

    result = census_import(actor=congo_officer, path=path)

    assert "F2 holds a formula without a saved result" in result.problems[0].text


def test_a_point_outside_the_country_is_an_error_unless_the_mapping_accepts_it(
    db, congo_officer, tmp_path
):
    path = _csv(
        tmp_path,
        ["Accra Hill,CD,5.6,-0.2,2024-01-01"],
        header="site_name,country,latitude,longitude,date\n",
    )
    refused = census_import(actor=congo_officer, path=path)
    assert refused.problems[0].text == "The point (5.6, -0.2) is outside the country's outline."

    accepting = mapping_from_dict({"outside_country": "accept"}, "accept.json")
    accepted = census_import(actor=congo_officer, path=path, mapping=accepting)
    assert accepted.committed
    assert "outside the outline" in Site.objects.get().location_note


def test_a_negative_count_is_refused_even_when_the_counts_add_up(db, congo_officer, tmp_path):
    row = "u-7,,Kamituga,,CD,-3.06,28.18,2024-03-05,5,10,-5,0,0,0,0,gold,,,"

    result = census_import(actor=congo_officer, path=_csv(tmp_path, [row]), dry_run=True)

    messages = {(p.row, p.column): p.text for p in result.problems}
    assert messages == {(2, "women"): "A count cannot be negative."}


def test_it_imports_in_small_batches_as_in_one(db, congo_officer, tmp_path, monkeypatch):
    monkeypatch.setattr("casm.imports.census.importer.CHUNK_ROWS", 1)
    monkeypatch.setattr("casm.imports.census.importer.FLUSH_ROWS", 2)
    rows = [ROW_A, ROW_C, ROW_B, ROW_A.replace("u-1,", "u-8,").replace("Kamituga", "Kamitunga")]

    result = census_import(actor=congo_officer, path=_csv(tmp_path, rows))

    assert result.committed, result.problems
    assert (result.visits_created, result.sites_created, result.sites_flagged) == (4, 3, 1)
    kamituga = Site.objects.get(name="Kamituga")
    assert Site.objects.get(name="Kamitunga").duplicate_of == kamituga
    assert kamituga.visits.count() == 2 and kamituga.workers == 12
    assert str(kamituga.first_visit) == "2024-03-05" and str(kamituga.last_visit) == "2024-04-05"
    assert sorted(kamituga.commodities.values_list("code", flat=True)) == ["gold", "tin"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_is_read_with_or_without_its_byte_order_mark(congo_officer, tmp_path, encoding):
    # Excel's "Unicode text" is UTF-16 with a mark; some tools write it without one.
    path = _csv(tmp_path, [ROW_A], encoding=encoding)
    result = census_import(actor=congo_officer, path=path, dry_run=True)
    assert [problem.text for problem in result.problems] == []
    assert (result.rows, result.valid_rows) == (1, 1)


def test_the_country_column_takes_common_names_and_names_an_unknown_one(
    db, congo_officer, tmp_path
):
    rows = [
        ROW_A.replace(",CD,", ",Democratic Republic of the Congo,"),
        ROW_B.replace(",CD,", ",RDC,"),
        ROW_C.replace(",CD,", ",Atlantis,"),
    ]
    result = census_import(actor=congo_officer, path=_csv(tmp_path, rows), dry_run=True)
    [problem] = result.problems
    assert (problem.row, problem.column, problem.value) == (4, "country", "Atlantis")
    assert "Unknown country “Atlantis”" in problem.text
    assert result.valid_rows == 2
