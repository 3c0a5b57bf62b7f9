"""Acceptance: the five documents of the shared corpus import with their metadata and are found.

The corpus is not part of the repository: the test runs where it is present, in the folder
named by CASM_SAMPLE_DATA_CORPUS or else ``../shared/corpus`` next to the repository.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from casm.library.bulk import documents_import
from casm.library.models import Document
from casm.library.search import SearchRequest, document_search

REPOSITORY = Path(__file__).resolve().parents[4]
CORPUS = Path(os.environ.get("CASM_SAMPLE_DATA_CORPUS", REPOSITORY.parent / "shared" / "corpus"))
METADATA = CORPUS / "metadata.csv"

pytestmark = pytest.mark.skipif(
    not METADATA.is_file(), reason=f"the shared corpus is not on this machine ({CORPUS})"
)

TYPES = {
    "fact sheet": "fact_sheet",
    "news": "news",
    "web page": "web_page",
    "brief": "policy_brief",
}


@pytest.fixture
def editor(make_user):
    return make_user("librarian", role="library_editor")


def corpus_rows() -> list[dict[str, str]]:
    with METADATA.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def search(text: str):
    return document_search(SearchRequest(text=text, limit=50))


def test_the_corpus_imports_is_found_and_a_second_import_changes_nothing(editor, tmp_path):
    rows = corpus_rows()

    result = documents_import(actor=editor, folder=CORPUS, metadata=METADATA)

    assert not result.all_problems, result.all_problems
    assert result.count("created") == len(rows) == 5
    by_title_and_year = {(d.title, d.year): d for d in Document.objects.all()}
    for row in rows:
        document = by_title_and_year[(row["title"], int(row["year"]) if row["year"] else None)]
        assert document.status == Document.Status.PUBLISHED
        assert document.doc_type == TYPES[row["type"]]
        assert document.publisher == row["publisher"]
        assert document.languages == [row["language"]]
        assert document.pillars == row["pillars"].split(";")
        expected_countries = sorted(filter(None, row["countries"].split(";")))
        assert sorted(c.alpha3 for c in document.countries.all()) == expected_countries
        assert len(document.themes) == len(set(document.themes)) > 0
        assert document.files.get().text  # the text was extracted
    news = Document.objects.get(doc_type="news")
    assert (news.year, news.themes) == (2012, ["finance", "mercury"])
    brief = Document.objects.get(doc_type="policy_brief")
    assert brief.themes == [
        "formalization", "mercury", "health_safety", "asm_lsm", "livelihoods",
        "supply_chains", "finance",
    ]  # fmt: skip
    igf = Document.objects.get(publisher="IGF")
    assert igf.themes == [
        "gender", "environment", "water", "governance", "illicit_flows", "conflict",
    ]  # fmt: skip

    # Exactly the documents whose text or metadata mention mercury, with highlighted snippets.
    mentioning = {
        row["title"]
        for row in rows
        if "mercury" in (CORPUS / row["file"]).read_text(encoding="utf-8").lower()
        or "mercury" in " ".join(row.values()).lower()
    }
    found = search("mercury")
    assert {hit.document.title for hit in found.hits} == mentioning
    assert found.total == len(found.hits) == 4
    assert all("<mark>" in hit.snippet.lower() for hit in found.hits)

    again = documents_import(actor=editor, folder=CORPUS, metadata=METADATA)
    assert (again.count("unchanged"), again.count("created"), again.count("updated")) == (5, 0, 0)
    assert Document.objects.count() == 5

    # A French document is found by a French word, with or without accents or capitals.
    french = tmp_path / "fr"
    french.mkdir()
    (french / "orpaillage.txt").write_text(
        "Réduire l'utilisation du mercure dans l'orpaillage : les cornues permettent de "
        "récupérer le mercure lors du brûlage de l'amalgame, et les coopératives "
        "d'orpailleurs du Burkina Faso les adoptent peu à peu.",
        encoding="utf-8",
    )
    (french / "metadata.csv").write_text(
        "file,title,year,type,language,themes,countries\n"
        "orpaillage.txt,Moins de mercure dans l'orpaillage,2019,guidance note,fr,mercury,BFA\n",
        encoding="utf-8",
    )
    added = documents_import(actor=editor, folder=french)
    assert added.count("created") == 1
    for query in ("mercure", "mercúre", "MERCURE"):
        hits = search(query).hits
        assert [hit.document.title for hit in hits] == ["Moins de mercure dans l'orpaillage"]
        assert "<mark>" in hits[0].snippet
