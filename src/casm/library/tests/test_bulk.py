"""`casm library import`: a folder of files and a CSV of their metadata, as an editor runs it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from casm.library.bulk import documents_import
from casm.library.models import Document, DocumentAuthor, DocumentFile
from casm.library.search import SearchRequest, document_search
from conftest import run_casm

HEADER = "file,title,year,type,publisher,language,pillars,themes,countries"


@pytest.fixture
def editor(make_user):
    return make_user("edna", role="library_editor")


def make_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@pytest.fixture
def folder(tmp_path):
    """A folder with two good files and the CSV the test writes."""
    path = tmp_path / "docs"
    path.mkdir()
    (path / "guide.txt").write_text(
        "Retorts capture mercury vapour when gold amalgam is burned.", encoding="utf-8"
    )
    (path / "report.pdf").write_bytes(
        make_pdf(["Cooperatives in Ghana.", "Credit for small miners.", "Tantalum prices."])
    )
    return path


def write_csv(folder, lines, name="metadata.csv", encoding="utf-8"):
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


GOOD = [
    HEADER,
    "guide.txt,Mercury retorts,2012,brief,World Bank,en,environment,health;biodiversity,GHA;CD",
    'report.pdf,"Cooperatives, credit and coltan",2015,research paper,IIED,,'
    "governance;knowledge,finance;supply chains,TZ",
]


def titles(result):
    return sorted(hit.document.title for hit in result.hits)


def test_it_imports_documents_with_their_metadata_and_text(editor, folder):
    write_csv(folder, GOOD)

    result = documents_import(actor=editor, folder=folder)

    assert result.summary.startswith("2 rows: 2 created, 0 updated, 0 unchanged, 0 skipped")
    guide = Document.objects.get(title="Mercury retorts")
    assert guide.status == Document.Status.PUBLISHED
    assert (guide.year, guide.doc_type, guide.publisher) == (2012, "policy_brief", "World Bank")
    assert guide.themes == ["health_safety", "environment"]
    assert guide.pillars == ["environment"]
    assert guide.languages == ["en"]
    assert sorted(c.alpha2 for c in guide.countries.all()) == ["CD", "GH"]
    report = Document.objects.get(title="Cooperatives, credit and coltan")
    assert report.themes == ["finance", "supply_chains"]
    assert report.languages == ["en"]  # detected from the text when not given
    pdf = report.files.get()
    assert (pdf.page_count, pdf.extraction) == (3, DocumentFile.Extraction.DONE)
    assert titles(document_search(SearchRequest(text="tantalum"))) == [report.title]
    assert titles(document_search(SearchRequest(text="retorts"))) == [guide.title]


def test_it_reads_the_optional_columns_and_codes_or_labels(editor, folder, make_organisation):
    make_organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    write_csv(
        folder,
        [
            "file,title,subtitle,abstract,authors,date,type,language,themes,countries,"
            "commodities,licence,url,doi,isbn,version",
            'guide.txt,Retorts,A field guide,"How to, briefly",ARM;Jane Doe;Ministère des Mines,'
            "2019-05-02,Guidance note,French,Mercury;ASM–LSM relations,Ghana;COD,coltan;Gold,"
            "CC BY 4.0,https://example.org/retorts,https://doi.org/10.1234/abc,978-0-306-40615-7,"
            "2.1",
        ],
    )

    result = documents_import(actor=editor, folder=folder)

    assert result.count("created") == 1, result.all_problems
    document = Document.objects.get()
    assert (document.subtitle, document.abstract) == ("A field guide", "How to, briefly")
    assert (str(document.published_on), document.year) == ("2019-05-02", 2019)
    assert (document.doc_type, document.languages) == ("guidance_note", ["fr"])
    assert document.themes == ["mercury", "asm_lsm"]
    assert sorted(c.code for c in document.commodities.all()) == ["gold", "tantalum"]
    assert (document.licence, document.doi, document.isbn) == (
        "CC-BY-4.0",
        "10.1234/abc",
        "9780306406157",
    )
    assert (document.url, document.version) == ("https://example.org/retorts", "2.1")
    authors = [(a.name, a.kind, a.organisation is not None) for a in document.authors.all()]
    assert authors == [
        ("ARM", DocumentAuthor.Kind.ORGANISATION, True),
        ("Jane Doe", DocumentAuthor.Kind.PERSON, False),
        ("Ministère des Mines", DocumentAuthor.Kind.ORGANISATION, False),
    ]


def test_each_problem_is_reported_with_its_row_column_and_value(editor, folder, tmp_path):
    (folder / "setup.pdf").write_bytes(b"MZ\x90\x00 an executable that says it is a PDF")
    write_csv(
        folder,
        [
            *GOOD,
            "missing.txt,Lost file,2010,report,,,,,",
            "setup.pdf,Disguised program,2010,report,,,,,",
            ",,2010,report,,,,,",
            ",Unknown codes,2010,manifesto,,xx,roads,mercury;astrology,GH;ZZZ",
            ",Bad year,20X0,report,,,,,",
            '../outside.txt,"Escape",2010,report,,,,,',
        ],
    )
    (tmp_path / "outside.txt").write_text("not for import")
    report = tmp_path / "report.csv"

    result = documents_import(actor=editor, folder=folder, report_path=report)

    assert result.count("created") == 2
    assert result.count("skipped") == 6
    found = {(p.row, p.column, p.value) for p in result.all_problems}
    assert {
        (4, "file", "missing.txt"),
        (5, "file", "setup.pdf"),
        (6, "title", ""),
        (7, "type", "manifesto"),
        (7, "language", "xx"),
        (7, "pillars", "roads"),
        (7, "themes", "astrology"),
        (7, "countries", "ZZZ"),
        (8, "year", "20X0"),
        (9, "file", "../outside.txt"),
    } <= found
    messages = {(p.row, p.column): p.text for p in result.all_problems}
    assert "No such file" in messages[(4, "file")]
    assert "refused" in messages[(5, "file")]
    assert "title is missing" in messages[(6, "title")]
    assert "Unknown country “ZZZ”" in messages[(7, "countries")]
    assert Document.objects.count() == 2
    assert "skipped" in result.summary
    with report.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {(r["row"], r["outcome"]) for r in rows} >= {("2", "created"), ("4", "skipped")}
    assert {"row": "7", "column": "countries", "value": "ZZZ"}.items() <= next(
        r for r in rows if r["column"] == "countries"
    ).items()


def test_a_row_the_services_refuse_is_reported_and_nothing_of_it_stays(editor, folder):
    write_csv(
        folder,
        [
            "file,title,type,doi,date",
            "guide.txt,Bad identifier,report,not-a-doi,",
            "report.pdf,From the future,report,,2999-01-01",
        ],
    )

    result = documents_import(actor=editor, folder=folder)

    assert result.count("skipped") == 2
    problems = {(p.row, p.column, p.value) for p in result.all_problems}
    assert problems == {(2, "doi", "not-a-doi"), (3, "date", "2999-01-01")}
    assert not Document.objects.exists()
    assert not DocumentFile.objects.exists()


def test_a_row_the_database_refuses_is_reported_and_the_next_rows_go_on(
    editor, folder, monkeypatch
):
    from django.db import DataError

    from casm.library import services

    original = services.document_create

    def refuse_the_guide(**kwargs):
        if kwargs["data"]["title"] == "Mercury retorts":
            raise DataError("value too long for type character varying(20)")
        return original(**kwargs)

    monkeypatch.setattr(services, "document_create", refuse_the_guide)
    write_csv(folder, GOOD)

    result = documents_import(actor=editor, folder=folder)

    assert (result.count("skipped"), result.count("created")) == (1, 1)
    assert "database refused the row" in result.all_problems[0].text
    assert list(Document.objects.values_list("title", flat=True)) == [
        "Cooperatives, credit and coltan"
    ]


def test_a_second_import_changes_nothing_and_a_changed_row_updates_its_document(
    editor, folder, settings
):
    write_csv(folder, [*GOOD, ",Web only,2020,web page,,en,,,"])
    documents_import(actor=editor, folder=folder)
    stored = sorted(p.name for p in (settings.MEDIA_ROOT).rglob("*") if p.is_file())
    updated_at = dict(Document.objects.values_list("pk", "updated_at"))

    again = documents_import(actor=editor, folder=folder)

    assert again.summary.startswith("3 rows: 0 created, 0 updated, 3 unchanged, 0 skipped")
    assert dict(Document.objects.values_list("pk", "updated_at")) == updated_at
    assert sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == stored

    write_csv(folder, [GOOD[0], GOOD[1].replace("Mercury retorts", "Mercury retorts (2nd ed.)")])
    third = documents_import(actor=editor, folder=folder)

    assert (third.count("updated"), third.count("created")) == (1, 0)
    assert Document.objects.count() == 3
    assert titles(document_search(SearchRequest(text="retorts"))) == ["Mercury retorts (2nd ed.)"]


def test_the_same_file_twice_in_the_metadata_is_reported(editor, folder):
    write_csv(folder, [GOOD[0], GOOD[1], GOOD[1].replace("Mercury retorts", "Copy")])

    result = documents_import(actor=editor, folder=folder)

    assert result.count("created") == 1
    assert [(p.row, p.column) for p in result.all_problems] == [(3, "file")]


def test_a_dry_run_writes_nothing_but_reports_everything(editor, folder, settings):
    write_csv(folder, [*GOOD, ",,2010,report,,,,,"])

    result = documents_import(actor=editor, folder=folder, dry_run=True)

    assert result.summary.startswith("Dry run, nothing written: 3 rows: 2 would be created")
    assert [(p.row, p.column) for p in result.all_problems] == [(4, "title")]
    assert not Document.objects.exists()
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.*"))


def test_a_csv_in_windows_encoding_is_read_and_an_unreadable_one_refused(editor, folder):
    write_csv(folder, [HEADER, ",Étude minière à Kédougou,2011,report,,fr,,,SN"], encoding="cp1252")
    assert documents_import(actor=editor, folder=folder).count("created") == 1
    assert Document.objects.get().title == "Étude minière à Kédougou"

    (folder / "broken.csv").write_bytes(b"file,title\n,\x81\x8d\x90\n")
    result = documents_import(actor=editor, folder=folder, metadata=folder / "broken.csv")
    assert result.failed
    assert "encoding" in result.problems[0].text
    assert result.summary == "broken.csv: not imported (1 problem)"


def test_semicolon_separated_csv_and_blank_lines_are_understood(editor, folder):
    write_csv(folder, ["file;title;type;themes", "guide.txt;Retorts;toolkit;mercury", ";;;"])

    result = documents_import(actor=editor, folder=folder)

    assert result.count("created") == 1
    assert Document.objects.get().themes == ["mercury"]


def test_members_cannot_publish_but_may_import_drafts(member, folder):
    write_csv(folder, GOOD)
    with pytest.raises(PermissionDenied, match="editors"):
        documents_import(actor=member, folder=folder)

    result = documents_import(actor=member, folder=folder, publish=False)

    assert result.count("created") == 2
    assert set(Document.objects.values_list("status", flat=True)) == {"draft"}
    assert document_search(SearchRequest(text="retorts")).total == 0


# --- The command ------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("library", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_as_the_first_administrator_and_writes_a_report(
    admin_user, folder, tmp_path
):
    write_csv(folder, GOOD, name="list.csv")
    report = tmp_path / "out.csv"

    out, err = run("import", str(folder), "--metadata", str(folder / "list.csv"),
                   "--report", str(report))  # fmt: skip

    assert "2 rows: 2 created" in out
    assert "[2/2]" in err
    assert Document.objects.filter(submitted_by=admin_user).count() == 2
    assert report.read_text(encoding="utf-8").startswith("row,file,title,outcome")
    out, _err = run("import", str(folder), "--metadata", str(folder / "list.csv"), "--quiet")
    assert "0 created, 0 updated, 2 unchanged" in out


def test_the_command_fails_on_skipped_rows_and_lists_the_problems(admin_user, folder):
    write_csv(folder, [*GOOD, "missing.txt,Lost,2010,report,,,,,"])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 rows skipped"):
        call_command("library", "import", str(folder), stdout=io.StringIO(), stderr=err)
    assert "metadata.csv, row 4, file: “missing.txt” No such file" in err.getvalue()
    assert Document.objects.count() == 2


def test_the_command_dry_run_writes_nothing(admin_user, folder):
    write_csv(folder, GOOD)
    out, _err = run("import", str(folder), "--dry-run", "--quiet")
    assert "Dry run, nothing written" in out
    assert not Document.objects.exists()


def test_the_command_needs_an_administrator_or_an_editor(db, member, folder):
    write_csv(folder, GOOD)
    with pytest.raises(CommandError, match="no administrator"):
        run("import", str(folder))
    with pytest.raises(CommandError, match="not a library editor"):
        run("import", str(folder), "--as", member.username)
    with pytest.raises(CommandError, match="no active user"):
        run("import", str(folder), "--as", "nobody")
    out, _err = run("import", str(folder), "--as", member.username, "--draft", "--quiet")
    assert "2 created" in out


def test_the_command_checks_its_folder_and_metadata(admin_user, tmp_path):
    with pytest.raises(CommandError, match="not a folder"):
        run("import", str(tmp_path / "nowhere"))
    with pytest.raises(CommandError, match="no metadata file"):
        run("import", str(tmp_path))


def test_casm_help_lists_the_library_command():
    assert "library" in run_casm("--help", env={}).stdout


def test_a_utf16_metadata_file_is_read(editor, folder):
    write_csv(folder, [HEADER, ",Étude minière à Kédougou,2011,report,,fr,,,SN"], encoding="utf-16")
    assert documents_import(actor=editor, folder=folder).count("created") == 1
    assert Document.objects.get().title == "Étude minière à Kédougou"


COMMON_NAMES = [
    "Democratic Republic of the Congo",
    "Vietnam",
    "Turkey",
    "United States of America",
    "Cape Verde",
    "Ivory Coast",
    "Côte d'Ivoire",
    "RDC",
    "Congo-Kinshasa",
    "República Democrática do Congo",
]


def test_countries_are_found_by_their_official_short_and_common_names(editor, folder):
    rows = [f',Report on {name},2015,report,,,,,"{name}"' for name in COMMON_NAMES]
    write_csv(folder, [HEADER, *rows])
    result = documents_import(actor=editor, folder=folder)
    assert result.count("created") == len(COMMON_NAMES), result.all_problems
    found = {
        document.title.removeprefix("Report on "): document.countries.get().alpha2
        for document in Document.objects.prefetch_related("countries")
    }
    assert found == {
        "Democratic Republic of the Congo": "CD",
        "Vietnam": "VN",
        "Turkey": "TR",
        "United States of America": "US",
        "Cape Verde": "CV",
        "Ivory Coast": "CI",
        "Côte d'Ivoire": "CI",
        "RDC": "CD",
        "Congo-Kinshasa": "CD",
        "República Democrática do Congo": "CD",
    }


def test_an_unknown_country_is_named_with_its_row_and_column_in_the_readers_language(
    editor, folder
):
    from django.utils import translation

    write_csv(folder, [HEADER, ",Atlantis notes,2015,report,,,,,Atlantis;Ghana"])
    result = documents_import(actor=editor, folder=folder)
    [problem] = result.all_problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "metadata.csv", 2, "countries", "Atlantis"
    )  # fmt: skip
    assert "Unknown country “Atlantis”" in problem.text
    with translation.override("fr"):
        assert "Pays inconnu" in problem.text


def test_a_publication_year_or_date_after_today_is_refused(editor, folder):
    import datetime

    next_year = datetime.date.today().year + 1
    write_csv(
        folder,
        [
            "title,type,year,date",
            f"Future report,report,{next_year},",
            f"Future brief,report,,{next_year}-01-15",
            "Old report,report,2012,",
        ],
    )
    result = documents_import(actor=editor, folder=folder)
    problems = {(p.row, p.column): p.text for p in result.all_problems}
    assert f"The year {next_year} is after this year" in problems[(2, "year")]
    assert "after today" in problems[(3, "date")]
    assert result.count("created") == 1


def test_the_command_help_lists_the_allowed_values():
    shown = run_casm("library", "--help", env={}).stdout
    for value in ("research_paper", "child_labour", "CC-BY-ND-4.0", "gold", "Ivory Coast"):
        assert value in shown
