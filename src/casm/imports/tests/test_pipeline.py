"""The import pipeline as a census user meets it: messages kept as codes and said in the
reader's language, plural forms, mapping mistakes named, every field usable in ``defaults``."""

import json

import pytest
from django.utils import translation

from casm.core import messages
from casm.imports.census import census_import
from casm.imports.mapping import mapping_from_dict, mapping_load
from casm.imports.pipeline import Problem
from casm.imports.readers import ImportFileError
from casm.registry.models import Site

pytestmark = pytest.mark.django_db


def _file(tmp_path, text, name="census.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_problem_is_kept_as_a_code_and_read_in_each_language(congo_officer, tmp_path):
    path = _file(tmp_path, "site_name,country,latitude,longitude,date,workers\n"
                           "Kamituga,CD,-3.06,28.18,2024-03-05,-4\n")  # fmt: skip
    result = census_import(actor=congo_officer, path=path, dry_run=True)
    stored = result.as_dict()["problems"][0]
    assert (stored["code"], stored["row"], stored["column"]) == (
        "registry.count_negative", 2, "workers",
    )  # fmt: skip
    problem = Problem.from_dict(json.loads(json.dumps(stored)))
    assert problem.text == "A count cannot be negative."
    with translation.override("fr"):
        assert problem.text == "Un effectif ne peut pas être négatif."
        assert str(result.summary).startswith("Essai à blanc de census.csv")


@pytest.mark.parametrize(
    ("problems", "english", "french"),
    [(1, "1 problem;", "1 problème"), (2, "2 problems;", "2 problèmes")],
)
def test_counts_take_their_plural_form(problems, english, french):
    summary = messages.Message(
        "imports.not_imported", file="a.csv",
        problems=messages.Message("imports.n_problems", count=problems),
    )  # fmt: skip
    assert english in str(summary)
    with translation.override("fr"):
        assert french in str(summary)


def test_what_happened_to_the_rows_agrees_with_their_number_in_french(tmp_path):
    path = _file(tmp_path, "site_name,country,latitude,longitude,date,workers\n"
                           "Kamituga,CD,-3.06,28.18,2024-03-05,12\n")  # fmt: skip
    result = census_import(actor=None, path=path)
    assert str(result.summary).startswith("census.csv: 1 visit imported, 0 already there")
    assert str(result.summary).endswith("0 rows skipped.")
    with translation.override("fr"):
        said = str(result.summary)
    assert said.startswith("census.csv\u00a0: 1 visite importée, 0 déjà présentes")
    assert said.endswith("0 ligne ignorée.")
    old = messages.from_dict(
        {"code": "imports.done_summary", "params": {"file": "a.csv", "rows": "4 rows",
                                                    "skipped": "0 rows"}}
    )  # fmt: skip
    assert str(old) == "a.csv: 4 rows imported, 0 rows skipped."  # a result stored before


def test_a_stale_or_unknown_code_never_breaks_a_page():
    assert messages.render("imports.gone_away", {"text": "kept"}) == "kept"
    assert messages.render("registry.groups_not_total", {"sum": 3}) != ""
    assert str(messages.from_dict("an old English sentence")) == "an old English sentence"


@pytest.mark.parametrize(
    ("mapping", "named"),
    [
        ({"defaults": {"site_nam": "X"}}, "defaults: “site_nam” is not a field"),
        ({"values": {"commodity": ["gold"]}}, "“values.commodity” must be a JSON object"),
        ({"separators": {"colour": ","}}, "separators: “colour” is not a field"),
        ({"column": {"a": "site_name"}}, "“column” is not a part of a mapping"),
        ({"columns": {"mine": "site"}}, "column “mine” maps to “site”, which is not a field"),
    ],
)
def test_a_mapping_mistake_names_the_file_and_the_key(tmp_path, mapping, named):
    path = _file(tmp_path, json.dumps(mapping), name="ipis.json")
    with pytest.raises(ImportFileError) as caught:
        mapping_load(path)
    assert str(caught.value).startswith("ipis.json: ")
    assert named in str(caught.value)


def test_every_field_works_in_defaults(congo_officer, tmp_path):
    path = _file(tmp_path, "latitude,longitude,workers\n-3.06,28.18,10\n-3.5,28.6,4\n")
    mapping = mapping_from_dict(
        {"defaults": {"site_name": "Unnamed pit", "country": "CD", "date": "2024-01-31",
                      "commodities": "gold tin"}},
        "defaults.json",
    )  # fmt: skip
    result = census_import(actor=congo_officer, path=path, mapping=mapping)
    assert result.committed, [p.text for p in result.problems]
    assert result.sites_created == 2
    site = Site.objects.order_by("pk").first()
    assert site.name == "Unnamed pit"
    assert sorted(site.commodities.values_list("code", flat=True)) == ["gold", "tin"]


def test_a_row_outside_the_country_with_a_bad_count_reports_both(congo_officer, tmp_path):
    path = _file(tmp_path, "site_name,country,latitude,longitude,date,workers\n"
                           "Accra,CD,5.6,-0.2,2024-03-05,-1\n")  # fmt: skip
    result = census_import(actor=congo_officer, path=path, dry_run=True)
    codes = {problem.message.code for problem in result.problems}
    assert codes == {"registry.count_negative", "registry.location_outside"}


def test_the_command_speaks_the_shells_language(tmp_path, settings):
    from conftest import run_casm

    path = _file(tmp_path, "site_name,country,latitude,longitude,date\nKamituga,CD,-3.06,28.18,x\n")
    env = {"CASM_VAR_DIR": str(tmp_path / "var"), "LANG": "fr_FR.UTF-8"}
    assert run_casm("migrate", "--verbosity", "0", env=env).returncode == 0
    checked = run_casm("import", "census", str(path), "--dry-run", "--quiet", env=env)
    said = checked.stdout.replace("\u00a0", " ") + checked.stderr.replace("\u00a0", " ")
    assert "census.csv, ligne 2, date: « x » n’est pas une date" in said
    assert "Essai à blanc de census.csv : 1 ligne, 0 valides, 1 problème ;" in said


def test_a_country_without_an_outline_is_said_not_checked(tmp_path, make_user):
    from casm.accounts.models import User
    from casm.core.models import Country
    from casm.registry.validation import _outlines

    bare = Country.objects.exclude(alpha3__in=list(_outlines())).order_by("alpha2").first()
    officer = make_user("tala", role=User.Role.DATA_OFFICER, countries=[bare.alpha2])
    path = _file(
        tmp_path, f"site_name,country,latitude,longitude,date\nPit,{bare.alpha2},1,1,2024-01-02\n"
    )
    result = census_import(actor=officer, path=path)
    assert result.committed
    assert [str(note) for note in result.notes] == [
        f"No outline for {bare.name}: the location was not checked."
    ]
    assert result.as_dict()["notes"] == [
        {"code": "registry.no_outline", "params": {"country": bare.name}}
    ]


def test_a_public_profile_names_who_collected_never_the_file(client, congo_officer, tmp_path):
    from casm.registry.models import Site

    text = "site_name,country,latitude,longitude,date\nKamituga,CD,-3.06,28.18,2024-03-05\n"
    path = _file(tmp_path, text, name="xss-upload.csv")
    assert census_import(actor=congo_officer, path=path).committed
    assert Site.objects.get().source != "xss-upload.csv"
    Site.objects.create(
        country=Site.objects.get().country,
        code="OLD-1",
        name="Older",
        latitude=-3.1,
        longitude=28.2,
        source="good.csv",
    )  # an older import
    page = client.get("/profiles/CD/").content.decode()
    assert "xss-upload.csv" not in page and "good.csv" not in page


def test_a_dry_run_says_it_committed_nothing(congo_officer, tmp_path):
    path = _file(tmp_path, "site_name,country,latitude,longitude,date,workers\n"
                           "Kamituga,CD,-3.06,28.18,2024-03-05,12\n")  # fmt: skip
    stored = json.loads(
        json.dumps(census_import(actor=congo_officer, path=path, dry_run=True).as_dict())
    )
    assert stored["committed"] is False
    assert not Site.objects.exists()


def test_an_import_with_a_problem_says_it_committed_nothing(congo_officer, tmp_path):
    path = _file(tmp_path, "site_name,country,latitude,longitude,date,workers\n"
                           "Kamituga,CD,-3.06,28.18,2024-03-05,12\n"
                           "Lugushwa,CD,-3.3,27.9,2024-03-05,-1\n")  # fmt: skip
    stored = json.loads(json.dumps(census_import(actor=congo_officer, path=path).as_dict()))
    assert stored["committed"] is False
    assert stored["problem_count"] == 1
    assert not Site.objects.exists()
