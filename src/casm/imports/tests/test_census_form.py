"""The standard census form: valid for pyxform, and its exports import without a mapping."""

from __future__ import annotations

import openpyxl
import pytest

from casm.imports.census import census_import
from casm.imports.census_form import census_form_write
from casm.registry.models import Site, SiteVisit
from conftest import run_casm

pyxform = pytest.importorskip("pyxform.xls2xform")


def _kobo_export(form_path, out_path):
    """Submissions as KoBoToolbox exports them to XLSX: main sheet plus one sheet per repeat."""
    survey = openpyxl.load_workbook(form_path)["survey"]
    names = []
    in_repeat = False
    for row in survey.iter_rows(min_row=2, values_only=True):
        kind, name = row[0], row[1]
        if kind == "begin_repeat":
            in_repeat = True
        elif kind == "end_repeat":
            in_repeat = False
        elif not in_repeat and name:
            names.append(name)
            if kind == "geopoint":
                names += [
                    f"_{name}_{part}" for part in ("latitude", "longitude", "altitude", "precision")
                ]
    answers = [
        {
            "site_code": "", "site_name": "Kamituga Mobale", "country": "CD", "admin1": "Sud-Kivu",
            "location": "-3.0601 28.1801 1000 5", "_location_latitude": -3.0601,
            "_location_longitude": 28.1801, "date": "2024-03-05", "reached": "yes",
            "workers": 40, "men": 25, "women": 10, "boys_under_15": 2, "girls_under_15": 1,
            "boys_15_17": 1, "girls_15_17": 1, "pits": 6, "max_depth_m": 12.5,
            "state_services": "mines police", "armed_presence": "yes",
            "armed_activities": "taxation", "mercury_use": "yes", "women_work": "washer trader",
            "children_work": "washer", "_uuid": "0b4a6b1e-kobo-1", "_index": 1,
            "_submission_time": "2024-03-05T17:02:11",
        },
        {
            "site_name": "Lugushwa", "country": "CD", "location": "-3.35 27.9 0 0",
            "_location_latitude": -3.35, "_location_longitude": 27.9, "date": "2024-03-06",
            "reached": "no", "not_reached_reason": "security", "_uuid": "0b4a6b1e-kobo-2",
            "_index": 2, "_submission_time": "2024-03-06T09:00:00",
        },
    ]  # fmt: skip
    workbook = openpyxl.Workbook()
    main = workbook.active
    main.title = "CASM site census"
    header = [*names, "_id", "_uuid", "_submission_time", "_index"]
    main.append(header)
    for answer in answers:
        main.append([answer.get(column, "") for column in header])
    repeat = workbook.create_sheet("commodities")
    repeat.append(["commodity", "selling_point", "destination", "_index", "_parent_table_name",
                   "_parent_index", "_submission__uuid"])  # fmt: skip
    repeat.append(["gold", "Kamituga", "Bukavu", 1, "CASM site census", 1, "0b4a6b1e-kobo-1"])
    repeat.append(["tin", "Kamituga", "Goma", 2, "CASM site census", 1, "0b4a6b1e-kobo-1"])
    workbook.save(out_path)
    return out_path


def test_the_census_form_converts_and_its_kobo_export_imports_without_mapping(
    db, congo_officer, tmp_path
):
    form = census_form_write(tmp_path / "census.xlsx")
    converted = pyxform.convert(xlsform=str(form), validate=False)
    assert "<h:title>CASM site census</h:title>" in converted.xform
    assert 'lang="French (fr)"' in converted.xform

    result = census_import(actor=congo_officer, path=_kobo_export(form, tmp_path / "export.xlsx"))

    assert result.committed, result.problems
    visit = SiteVisit.objects.get(submission_id="0b4a6b1e-kobo-1")
    assert (visit.workers, visit.women, visit.boys_under_15, visit.pits) == (40, 10, 2, 6)
    assert visit.state_services == ["mines", "police"]
    assert visit.armed_activities == ["taxation"] and visit.mercury_use is True
    assert [c["commodity"] for c in visit.commodities] == ["gold", "tin"]
    assert visit.commodities[1]["destination"] == "Goma"
    site = Site.objects.get(name="Kamituga Mobale")
    assert site.admin1 == "Sud-Kivu" and site.armed_presence is True and site.children == 5
    not_reached = SiteVisit.objects.get(submission_id="0b4a6b1e-kobo-2")
    assert not not_reached.reached and not_reached.not_reached_reason == "security"


def test_casm_census_form_writes_the_form(tmp_path, installation_copy):
    out = tmp_path / "form.xlsx"
    env = {"CASM_VAR_DIR": str(installation_copy(tmp_path / "var"))}

    done = run_casm("census-form", str(out), env=env)

    assert done.returncode == 0, done.stderr
    assert {"survey", "choices", "settings"} <= set(openpyxl.load_workbook(out).sheetnames)
    assert "census-form" in run_casm("--help", env=env).stdout


def test_casm_import_census_reports_problems_and_fails(tmp_path, installation_copy):
    env = {"CASM_VAR_DIR": str(installation_copy(tmp_path / "var"))}
    good = tmp_path / "good.csv"
    good.write_text("site_name,latitude,longitude,date,_uuid\nKamituga,-3.06,28.18,2024-03-05,a\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("site_name,latitude,longitude,date,_uuid\nKamituga,abc,28.18,2024-03-05,b\n")

    failed = run_casm("import", "census", str(bad), "--country", "CD", env=env)
    assert failed.returncode != 0
    assert "bad.csv, row 2, latitude: “abc” is not a number." in failed.stderr

    done = run_casm("import", "census", str(good), "--country", "CD", env=env)
    assert done.returncode == 0, done.stderr
    assert "1 visit imported" in done.stdout
    assert "[" in done.stderr  # the progress bar
