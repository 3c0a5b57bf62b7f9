"""The one table writer: what a person typed never runs as a formula in their spreadsheet.

Each export of the platform is tried with a hostile value where the public or a member can type
one (an attendee's name, an organisation, an audit row, a site name), in CSV and XLSX.
"""

import csv
import io

import pytest
from openpyxl import load_workbook

from casm.core import tables

LEADS = ["=", "+", "-", "@", "\t", "\r", "\n"]
CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f"]


@pytest.mark.parametrize("lead", LEADS)
def test_a_formula_lead_is_made_inert(lead):
    assert tables.cell_value(f'{lead}HYPERLINK("http://x")') == f'\'{lead}HYPERLINK("http://x")'


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_a_control_character_before_a_formula_does_not_hide_it(control, lead):
    assert tables.cell_value(f"{control}{lead}1+1") == f"'{lead}1+1"


def test_ordinary_values_pass_unchanged():
    assert tables.cell_value("Prestea Gold Pit") == "Prestea Gold Pit"
    assert tables.cell_value("a=b") == "a=b"
    assert tables.cell_value(-5) == -5  # a number is not text
    assert tables.cell_value(["gold", "tin"]) == "gold;tin"
    assert tables.cell_value(["=cmd", "tin"]) == "'=cmd;tin"
    assert tables.cell_value({"a": "=b"}) == '{"a": "=b"}'


def test_csv_text_and_csv_writer_neutralise_every_cell(tmp_path):
    text = tables.csv_text([["name", "note"], ["=1+1", "\x01@SUM(A1)"]])
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=1+1", "'@SUM(A1)"]
    path = tmp_path / "report.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        tables.csv_writer(handle).writerow(["-2+3+cmd|' /C calc'!A0", None, True])
    assert next(csv.reader(path.open(encoding="utf-8"))) == ["'-2+3+cmd|' /C calc'!A0", "", "true"]


def _read(export):
    return b"".join(export.chunks)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_site_name_that_is_a_formula_exports_inert(make_site, fmt):
    from casm.registry import exports
    from casm.registry.models import Site

    make_site("-2+3+cmd|' /C calc'!A0", "GH")
    make_site('\x01=HYPERLINK("http://evil")', "GH", latitude=6.3)
    data = _read(exports.sites_export(Site.objects.order_by("pk"), fmt, public=True))
    if fmt == "csv":
        names = [row["name"] for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))]
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        header = [cell.value for cell in sheet[1]]
        names = [row[header.index("name")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["'-2+3+cmd|' /C calc'!A0", '\'=HYPERLINK("http://evil")']


def test_an_attendee_named_as_a_formula_exports_inert(member):
    from casm.events.exports import attendees_csv
    from casm.events.services import registration_create
    from casm.events.tests.factories import make_event, registration_data

    event = make_event(registration_deadline=None, capacity=5)
    registration_create(
        actor=member,
        event=event,
        data=registration_data(
            full_name='=HYPERLINK("http://evil","click")', organisation_name="+cmd"
        ),
    )
    row = list(csv.reader(io.StringIO(attendees_csv(event))))[1]
    assert row[:2] == ['\'=HYPERLINK("http://evil","click")', "'+cmd"]


def test_an_organisation_named_as_a_formula_exports_inert(make_organisation):
    from casm.accounts.models import Organisation
    from casm.network.bulk import organisations_csv

    make_organisation("@SUM(1+1)", "GH", acronym="\t=1")
    row = list(csv.reader(io.StringIO(organisations_csv(Organisation.objects.all()))))[1]
    assert row[:2] == ["'@SUM(1+1)", "'\t=1"]


def test_an_audit_row_that_is_a_formula_exports_inert(admin_user, make_organisation):
    from casm.core.jobs import worker_loop
    from casm.core.services import job_enqueue

    make_organisation('=HYPERLINK("http://evil")', "GH")
    job = job_enqueue(kind="core.audit_export", title="Audit export", actor=admin_user)
    worker_loop(once=True, echo=lambda line: None)
    job.refresh_from_db()
    rows = list(csv.reader(io.StringIO(job.result_file.read().decode())))
    what = [row[7] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in what
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_a_csv_cell_reads_as_written_lists_json_dates_and_booleans():
    import datetime

    stamp = datetime.datetime(2026, 3, 5, 10, 30, 15, 123456)
    text = tables.csv_text(
        [
            ["=SUM(A1)", [{"pays": "Côte d'Ivoire"}], {"site": "Kéniéba"}, ["=A", "B"]],
            [stamp, True, False, None],
        ],
        delimiter=";",
    )
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "'=SUM(A1)",
        '[{"pays": "Côte d\'Ivoire"}]',
        '{"site": "Kéniéba"}',
        "'=A;B",
    ]
    assert rows[1] == ["2026-03-05T10:30:15", "true", "false", ""]
