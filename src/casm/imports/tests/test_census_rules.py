"""Every rule of the census import, one broken row each: the problems a user reads, row by row.

This is the import's regression test: a faster import must still find exactly these problems
(the same row, column, value and message), write nothing when any row is bad (even the last row
of the last chunk) and keep only the good rows with ``skip_invalid``.
"""

from __future__ import annotations

import csv
import json

import pytest

from casm.imports.areas import admin_areas_import
from casm.imports.census import census_import
from casm.registry.models import Site, SiteVisit

pytestmark = pytest.mark.django_db

# The columns of a KoBoToolbox export, as the benchmark's generated file has them.
COLUMNS = [
    "start", "site_code", "site_name", "country", "admin1", "location", "_location_latitude",
    "_location_longitude", "date", "reached", "not_reached_reason", "workers", "men", "women",
    "boys_under_15", "girls_under_15", "boys_15_17", "girls_15_17", "pits", "max_depth_m",
    "commodities", "state_services", "armed_presence", "mercury_use", "_uuid",
    "_submission_time",
]  # fmt: skip
GOOD = {
    "start": "2024-03-05T10:11:12.000+01:00", "site_code": "", "site_name": "Kamituga",
    "country": "CD", "admin1": "Sud-Kivu", "location": "", "_location_latitude": "-3.06",
    "_location_longitude": "28.18", "date": "2024-03-05", "reached": "yes",
    "not_reached_reason": "", "workers": "10", "men": "5", "women": "3", "boys_under_15": "1",
    "girls_under_15": "0", "boys_15_17": "1", "girls_15_17": "0", "pits": "4",
    "max_depth_m": "12.5", "commodities": "gold", "state_services": "mines police",
    "armed_presence": "no", "mercury_use": "yes", "_uuid": "",
    "_submission_time": "2024-03-05T10:11:12.000+01:00",
}  # fmt: skip
# One row for each rule: what it changes in a good row, and the problems it must give
# (column, value, message code). Row numbers are the file's (the header is row 1).
BROKEN = [
    ("a good row", {}, []),
    ("latitude not a number", {"_location_latitude": "abc"},
     [("_location_latitude", "abc", "imports.not_a_number")]),
    ("longitude out of range", {"_location_longitude": "181"},
     [("_location_longitude", "181.0", "registry.coordinate_range")]),
    ("no point at all", {"_location_latitude": "", "_location_longitude": ""},
     [("_location_latitude", "", "registry.coordinate_missing"),
      ("_location_longitude", "", "registry.coordinate_missing")]),
    ("a location that is not one", {"_location_latitude": "", "_location_longitude": "",
                                    "location": "somewhere"},
     [("location", "somewhere", "imports.not_a_location"),
      ("_location_latitude", "", "registry.coordinate_missing"),
      ("_location_longitude", "", "registry.coordinate_missing")]),
    ("outside the country", {"_location_latitude": "5.6", "_location_longitude": "-0.2",
                             "admin1": ""},
     [("_location_latitude", "5.6, -0.2", "registry.location_outside")]),
    ("latitude and longitude swapped", {"_location_latitude": "28.18",
                                        "_location_longitude": "-3.06", "admin1": ""},
     [("_location_latitude", "28.18, -3.06", "registry.location_swapped")]),
    ("a province the point is not in", {"admin1": "Nord-Kivu"},
     [("admin1", "Nord-Kivu", "registry.area_contradicts")]),
    ("a date that is not one", {"date": "31/02/2024"},
     [("date", "31/02/2024", "imports.not_a_date")]),
    ("a date in the future", {"date": "2099-01-01"},
     [("date", "2099-01-01", "registry.date_future")]),
    ("a count that is not a whole number", {"pits": "ten"},
     [("pits", "ten", "imports.not_whole_number")]),
    ("counts that do not add up", {"workers": "11"},
     [("workers", "11", "registry.groups_not_total")]),
    ("a negative count", {"men": "-5", "women": "13"},
     [("men", "-5", "registry.count_negative")]),
    ("a depth that is not a number", {"max_depth_m": "deep"},
     [("max_depth_m", "deep", "imports.not_a_number")]),
    ("an unknown commodity", {"commodities": "gold unobtainium"},
     [("commodities", "unobtainium", "registry.commodity_unknown")]),
    ("an unknown state service", {"state_services": "mines wizards"},
     [("state_services", "mines wizards", "registry.not_allowed")]),
    ("a yes/no answer that is neither", {"mercury_use": "maybe"},
     [("mercury_use", "maybe", "imports.not_yes_no")]),
    ("not reached, no reason", {"reached": "no"},
     [("not_reached_reason", "", "registry.reason_needed")]),
    ("no name nor code", {"site_name": ""}, [("site_name", "", "registry.name_or_code")]),
    ("an unknown country", {"country": "Atlantis"},
     [("country", "Atlantis", "core.country_unknown")]),
    ("a country out of the officer's scope", {"country": "GH"},
     [("country", "GH", "imports.country_out_of_scope")]),
    ("a submission given twice", {"_uuid": "uuid-1"},
     [("_uuid", "uuid-1", "imports.submission_repeated")]),
]  # fmt: skip
ROWS = len(BROKEN)
GOOD_ROWS = sum(1 for _label, _changes, problems in BROKEN if not problems)


def _rows():
    rows = []
    for number, (_label, changes, _problems) in enumerate(BROKEN, start=1):
        row = {**GOOD, "_uuid": f"uuid-{number}", **changes}
        if "site_name" not in changes:
            row["site_name"] = f"{GOOD['site_name']} {number}"
        rows.append(row)
    return rows


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def kivu(tmp_path, country):
    """Two provinces of DR Congo, cut at 1.5° S (made up for the test)."""
    features = [
        {"type": "Feature", "properties": {"PCODE": code, "NAME": name},
         "geometry": {"type": "Polygon", "coordinates": [[[27.5, south], [29.5, south],
                                                          [29.5, north], [27.5, north],
                                                          [27.5, south]]]}}
        for code, name, south, north in (("CD-SK", "Sud-Kivu", -5.0, -1.5),
                                          ("CD-NK", "Nord-Kivu", -1.5, 1.0))
    ]  # fmt: skip
    path = tmp_path / "kivu.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = admin_areas_import(
        actor=None, path=path, country=country("CD"), level=1, code_field="PCODE",
        name_field="NAME",
    )  # fmt: skip
    assert result.created == 2, result.problems


def _expected():
    return [
        (number, column, value, code)
        for number, (_label, _changes, problems) in enumerate(BROKEN, start=2)
        for column, value, code in problems
    ]


def _found(result):
    return [(p.row, p.column, p.value, p.message.code) for p in result.problems]


def test_each_broken_rule_gives_its_problem_at_its_row(congo_officer, kivu, tmp_path):
    path = _write(tmp_path / "census.csv", _rows())

    result = census_import(actor=congo_officer, path=path, dry_run=True)

    assert _found(result) == _expected()
    assert (result.rows, result.valid_rows, result.invalid_rows) == (ROWS, GOOD_ROWS, ROWS - 1)
    assert SiteVisit.objects.count() == 0


def test_the_problems_are_said_in_french_with_their_place(congo_officer, kivu, tmp_path):
    from django.utils import translation

    path = _write(tmp_path / "census.csv", _rows())
    result = census_import(actor=congo_officer, path=path, dry_run=True)

    by_row = {problem.row: problem for problem in result.problems}
    with translation.override("fr"):
        assert by_row[10].text.startswith("«\u00a031/02/2024\u00a0» n’est pas une date")
        assert by_row[10].where() == "census.csv, ligne 10, date"
        assert by_row[9].text.startswith("Le point se trouve dans Sud-Kivu (CD-SK), pas dans")


def test_any_bad_row_writes_nothing_and_skip_invalid_keeps_the_good_ones(
    congo_officer, kivu, tmp_path
):
    path = _write(tmp_path / "census.csv", _rows())

    refused = census_import(actor=congo_officer, path=path)
    assert not refused.committed
    assert (SiteVisit.objects.count(), Site.objects.count()) == (0, 0)

    report = tmp_path / "report.csv"
    kept = census_import(actor=congo_officer, path=path, skip_invalid=True, report_path=report)
    assert kept.committed and kept.visits_created == GOOD_ROWS
    assert list(SiteVisit.objects.values_list("submission_id", flat=True)) == ["uuid-1"]
    with report.open(encoding="utf-8") as handle:
        reported = list(csv.reader(handle))[1:]
    # A value that a spreadsheet would take for a formula ("-5") is written quoted.
    assert [(int(row[2]), row[3], row[4].removeprefix("'")) for row in reported] == [
        (number, column, value) for number, column, value, _code in _expected()
    ]


@pytest.mark.parametrize("where", ["first chunk", "last row of the last chunk"])
def test_one_bad_row_anywhere_in_a_long_file_leaves_nothing_written(
    congo_officer, tmp_path, monkeypatch, where
):
    # Chunks of 7 rows and writes every 10: the file is read and written in many pieces.
    monkeypatch.setattr("casm.imports.census.importer.CHUNK_ROWS", 7)
    monkeypatch.setattr("casm.imports.census.importer.FLUSH_ROWS", 10)
    rows = [
        {**GOOD, "_uuid": f"u-{n}", "site_name": f"Site {n}", "site_code": f"CD-T{n:03d}"}
        for n in range(50)
    ]
    bad = 0 if where == "first chunk" else len(rows) - 1
    rows[bad]["date"] = "not a date"
    path = _write(tmp_path / "long.csv", rows)

    result = census_import(actor=congo_officer, path=path)

    assert not result.committed
    assert _found(result) == [(bad + 2, "date", "not a date", "imports.not_a_date")]
    assert (SiteVisit.objects.count(), Site.objects.count()) == (0, 0)
    rows[bad]["date"] = GOOD["date"]
    fixed = census_import(actor=congo_officer, path=_write(tmp_path / "long.csv", rows))
    assert fixed.committed and SiteVisit.objects.count() == len(rows)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_reference_to_nothing_written_during_an_import_rolls_it_back(
    congo_officer, tmp_path, monkeypatch
):
    # On SQLite the import checks its foreign keys once before committing, not at each insert:
    # a dangling reference planted in its transaction must still undo the whole import.
    from django.db import IntegrityError, connection

    import casm.imports.census as census

    def dangling(*args, **kwargs):
        table = connection.ops.quote_name(Site.commodities.through._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (site_id, commodity_id) VALUES (999999, 1)")  # noqa: S608

    monkeypatch.setattr(census, "_audit_import", dangling)
    path = _write(tmp_path / "census.csv", _rows()[:1])

    if connection.vendor == "sqlite":
        with pytest.raises(IntegrityError, match="999999"):
            census_import(actor=congo_officer, path=path)
    else:
        with pytest.raises(IntegrityError):
            census_import(actor=congo_officer, path=path)
    assert (SiteVisit.objects.count(), Site.objects.count()) == (0, 0)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys" if connection.vendor == "sqlite" else "SELECT 1")
        assert cursor.fetchone()[0] == 1  # checks are on again after the import


def test_a_later_chunk_with_a_new_country_is_read_while_the_visits_are_being_written(
    tmp_path, monkeypatch
):
    # On PostgreSQL the visits go into a COPY kept open across chunks: the sites of a country
    # first met in a later chunk must still be looked up (the COPY pauses for it).
    monkeypatch.setattr("casm.imports.census.importer.CHUNK_ROWS", 7)
    congo = [
        {**GOOD, "_uuid": f"cd-{n}", "site_name": f"Site {n}", "site_code": f"CD-T{n:03d}"}
        for n in range(20)
    ]
    rwanda = [
        {**GOOD, "_uuid": f"rw-{n}", "site_name": f"Rutongo {n}", "site_code": f"RW-T{n:03d}",
         "country": "RW", "admin1": "", "_location_latitude": "-1.9641",
         "_location_longitude": "30.0619"}
        for n in range(5)
    ]  # fmt: skip
    path = _write(tmp_path / "two.csv", congo + rwanda)

    result = census_import(actor=None, path=path)

    assert result.committed, result.problems
    assert (result.visits_created, result.sites_created) == (25, 25)
    assert Site.objects.filter(country__alpha2="RW").count() == 5
    assert Site.objects.get(code="RW-T004").workers == 10  # the figures of its visit


def test_an_error_in_the_middle_of_the_writes_leaves_nothing_and_the_database_usable(
    congo_officer, tmp_path, monkeypatch
):
    from casm.imports.census.writing import VisitWriter

    monkeypatch.setattr("casm.imports.census.importer.CHUNK_ROWS", 7)
    original = VisitWriter._queue_visits
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(VisitWriter, "_queue_visits", failing)
    rows = [
        {**GOOD, "_uuid": f"u-{n}", "site_name": f"Site {n}", "site_code": f"CD-T{n:03d}"}
        for n in range(30)
    ]
    with pytest.raises(RuntimeError, match="disk full"):
        census_import(actor=congo_officer, path=_write(tmp_path / "census.csv", rows))

    assert (SiteVisit.objects.count(), Site.objects.count()) == (0, 0)
