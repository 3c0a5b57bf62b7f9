import io

import pytest
from django.core.management import CommandError, call_command

from casm.accounts.models import Organisation
from casm.network.bulk import organisations_csv, organisations_import

pytestmark = pytest.mark.django_db

CSV = (
    "name,acronym,type,country,website,countries_of_work\n"
    "Artisanal Gold Council,AGC,ngo,CA,https://artisanalgold.org,SN;BF\n"
    "Bad Type,,mining,GH,,\n"
    "Nowhere,,ngo,XX,,ZZ\n"
    ",,ngo,GH,,\n"
    "Ghana Minerals Commission,,government agency,gh,,\n"
)


def test_it_imports_organisations_and_names_the_bad_rows(tmp_path, capsys):
    path = tmp_path / "orgs.csv"
    path.write_text(CSV)
    with pytest.raises(CommandError):
        call_command("network", "import-organisations", str(path))
    captured = capsys.readouterr()
    assert "2 created, 0 updated, 0 unchanged, 3 rows with problems" in captured.out
    assert "orgs.csv, row 3, type: unknown type “mining”" in captured.err
    assert "orgs.csv, row 4, country: Unknown country “XX”" in captured.err
    assert "orgs.csv, row 4, countries_of_work: unknown countries of work: ZZ" in captured.err
    assert "orgs.csv, row 5, name: name is empty" in captured.err
    agc = Organisation.objects.get(name="Artisanal Gold Council")
    assert sorted(c.alpha2 for c in agc.countries_of_work.all()) == ["BF", "CA", "SN"]
    assert Organisation.objects.get(name="Ghana Minerals Commission").kind == "government"


def test_running_it_again_changes_nothing_and_a_change_updates(tmp_path):
    first = organisations_import(actor=None, stream=io.StringIO(CSV))
    again = organisations_import(actor=None, stream=io.StringIO(CSV))
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    changed = CSV.replace("https://artisanalgold.org", "https://example.org")
    third = organisations_import(actor=None, stream=io.StringIO(changed))
    assert third.updated == 1
    assert Organisation.objects.filter(name="Artisanal Gold Council").count() == 1


def test_the_export_reads_back_in(tmp_path, capsys):
    organisations_import(actor=None, stream=io.StringIO(CSV))
    text = organisations_csv(Organisation.objects.order_by("name"))
    assert (
        text.splitlines()[1]
        == "Artisanal Gold Council,AGC,ngo,CA,https://artisanalgold.org,BF;CA;SN"
    )
    call_command("network", "export-organisations")
    assert "Ghana Minerals Commission" in capsys.readouterr().out
    assert organisations_import(actor=None, stream=io.StringIO(text)).unchanged == 2


def test_a_member_cannot_import(member):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        organisations_import(actor=member, stream=io.StringIO(CSV))


def test_a_dry_run_counts_what_would_change_and_writes_nothing():
    result = organisations_import(actor=None, stream=io.StringIO(CSV), dry_run=True)
    assert (result.created, result.invalid_rows, result.committed) == (2, 3, False)
    assert not Organisation.objects.filter(name="Artisanal Gold Council").exists()
    assert str(result.summary).startswith("Dry run, nothing written: 2 would be created")


def test_countries_are_found_by_their_common_names(tmp_path):
    text = (
        "name,acronym,type,country,website,countries_of_work\n"
        "Coopérative de Kamituga,,miners,Democratic Republic of the Congo,,Rwanda;RDC\n"
        "Hanoi Gold,,trader,Vietnam,,Türkiye;Cape Verde\n"
    )
    result = organisations_import(actor=None, stream=io.StringIO(text))
    assert (result.created, result.invalid_rows) == (2, 0)
    kamituga = Organisation.objects.get(name="Coopérative de Kamituga")
    assert kamituga.country.alpha2 == "CD"
    assert sorted(c.alpha2 for c in kamituga.countries_of_work.all()) == ["CD", "RW"]
    hanoi = Organisation.objects.get(name="Hanoi Gold")
    assert sorted(c.alpha2 for c in hanoi.countries_of_work.all()) == ["CV", "TR", "VN"]
