"""Search as a reader meets it: ranking, snippets, facets, filters, sorting, hostile input."""

from __future__ import annotations

import io

import pytest

from casm.library import services
from casm.library.models import Document
from casm.library.search import SearchRequest, document_search


@pytest.fixture
def editor(make_user):
    return make_user("editor", role="library_editor")


@pytest.fixture
def publish(editor, country):
    def make(title, body="", abstract="", **data):
        countries = [country(code) for code in data.pop("countries", [])]
        document = services.document_create(
            actor=editor,
            data={
                "title": title,
                "abstract": abstract,
                "doc_type": data.pop("doc_type", "report"),
                "countries": countries,
                **data,
            },
            publish=True,
        )
        if body:
            services.document_file_add(
                actor=editor,
                document=document,
                handle=io.BytesIO(body.encode()),
                name="body.txt",
                extract_now=True,
            )
        return document

    return make


def titles(result):
    return [hit.document.title for hit in result.hits]


def search(text="", **options):
    return document_search(SearchRequest(text=text, **options))


def test_title_ranks_above_abstract_above_body(publish):
    publish("Notes", body="A long text that mentions cooperatives once.")
    publish("Notes on finance", abstract="How cooperatives borrow.")
    publish("Cooperatives and credit")
    assert titles(search("cooperatives")) == [
        "Cooperatives and credit",
        "Notes on finance",
        "Notes",
    ]


def test_snippets_mark_the_matches_and_escape_the_text(publish):
    publish("Toolkit", body="<script>alert(1)</script> Retorts cut mercury losses by 95%.")
    [hit] = search("mercury").hits
    assert "<mark>mercury</mark>" in hit.snippet
    # SQLite shows the tag escaped, PostgreSQL leaves tags out: never as markup.
    assert "<script" not in hit.snippet


def test_accents_stems_phrases_and_prefixes(publish):
    publish("Guide", body="Réduire l'utilisation du mercure dans l'orpaillage", languages=["fr"])
    publish("Mining guide", body="Miners mining in small-scale mines")
    assert titles(search("MERCURE")) == ["Guide"]
    assert titles(search("mercúre")) == ["Guide"]
    assert titles(search("orpaillage")) == ["Guide"]
    assert titles(search("mine")) == ["Mining guide"]
    assert titles(search('"small scale mines"')) == ["Mining guide"]
    assert titles(search('"mines small"')) == []
    assert titles(search("orpail*")) == ["Guide"]
    assert titles(search("guide -mercure")) == ["Mining guide"]
    assert sorted(titles(search("mercure OR miners"))) == ["Guide", "Mining guide"]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unbalanced',
        "*",
        "NEAR(",
        "NEAR(a b",
        "gold AND",
        "OR",
        "((gold",
        "gold)",
        "-",
        "-gold",
        "title:gold",
        "a & b | !c <-> d:*",
        "'; DROP TABLE library_document; --",
        "x" * 5000,
        "word " * 2000,
        "\x00\x02\x03",
        "🙂 金 ذهب",
    ],
)
def test_hostile_queries_never_fail(publish, text):
    publish("Gold", body="gold mining")
    result = search(text)
    assert not result.failed
    assert Document.objects.count() == 1


def test_facets_count_the_matches_and_ignore_their_own_filter(publish):
    publish("Gold in Ghana", body="gold", countries=["GH"], themes=["mercury"], year=2010)
    publish("Gold in Peru", body="gold", countries=["PE"], themes=["mercury", "gender"], year=2012)
    publish("Tin in Congo", body="tin", countries=["CD"], themes=["conflict"], year=2012)
    result = search("gold")
    assert result.total == 2
    assert dict(result.facets["country"]) == {"GH": 1, "PE": 1}
    assert dict(result.facets["theme"]) == {"mercury": 2, "gender": 1}
    filtered = search("gold", filters={"country": ["GH"]})
    assert titles(filtered) == ["Gold in Ghana"]
    # The country facet still offers Peru, so a reader can add it.
    assert dict(filtered.facets["country"]) == {"GH": 1, "PE": 1}
    assert dict(filtered.facets["theme"]) == {"mercury": 1}
    assert titles(search(year_from=2011)) and set(titles(search(year_from=2011))) == {
        "Gold in Peru",
        "Tin in Congo",
    }
    assert search(filters={"nonsense": ["x"]}).total == 3


def test_facets_of_a_word_found_in_most_documents_follow_every_change_of_the_library(
    publish, editor
):
    # Found in three of four (most of the library: PostgreSQL counts the one it is not in and
    # takes it from the whole library's counts, kept until the library changes).
    ghana = publish("Gold in Ghana", body="gold", countries=["GH"], themes=["mercury"])
    publish("Gold in Peru", body="gold", countries=["PE"], themes=["mercury", "gender"])
    publish("Gold in Mali", body="gold", countries=["ML"], themes=["gender"])
    publish("Tin in Congo", body="tin", countries=["CD"], themes=["conflict"])
    result = search("gold")
    assert result.total == 3
    assert dict(result.facets["country"]) == {"GH": 1, "PE": 1, "ML": 1}
    assert dict(result.facets["theme"]) == {"mercury": 2, "gender": 2}
    assert dict(result.facets["type"]) == {"report": 3}
    # A change of the library shows at once: one withdrawn, one more found, a theme changed.
    services.document_withdraw(actor=editor, document=ghana, reason="Outdated")
    publish("Gold in Burkina Faso", body="gold", countries=["BF"], themes=["finance"])
    result = search("gold")
    assert result.total == 3
    assert dict(result.facets["country"]) == {"PE": 1, "ML": 1, "BF": 1}
    assert dict(result.facets["theme"]) == {"gender": 2, "mercury": 1, "finance": 1}
    # The best first, as ever, and a page past the last is empty but counted.
    assert titles(search("gold peru")) == ["Gold in Peru"]
    past = search("gold", offset=10)
    assert past.total == 3 and past.hits == []


def test_sort_by_date_and_popularity(publish):
    old = publish("Old report", year=2001)
    new = publish("New report", year=2020)
    assert titles(search(sort="date")) == ["New report", "Old report"]
    Document.objects.filter(pk=old.pk).update(download_count=5)
    assert titles(search(sort="popularity")) == ["Old report", "New report"]
    assert new.pk


def test_only_published_documents_are_found(publish, editor, member):
    draft = services.document_create(
        actor=member, data={"title": "Secret draft", "doc_type": "report"}
    )
    shown = publish("Public report")
    assert titles(search("report")) == ["Public report"]
    services.document_withdraw(actor=editor, document=shown, reason="Outdated")
    assert search("report").total == 0
    assert draft.status == "draft"


def test_the_index_follows_edits_and_new_files(publish, editor):
    document = publish("Toolkit")
    assert search("retort").total == 0
    services.document_file_add(
        actor=editor, document=document, handle=io.BytesIO(b"Use a retort."), name="r.txt",
        extract_now=True,
    )  # fmt: skip
    assert search("retort").total == 1
    services.document_update(actor=editor, document=document, data={"title": "Retort guide"})
    assert titles(search("guide")) == ["Retort guide"]
    services.document_file_remove(actor=editor, file=document.files.get())
    assert titles(search("retort")) == ["Retort guide"]  # still in the title
    assert search("use").total == 0


def test_paging(publish):
    for number in range(25):
        publish(f"Report {number:02d}", year=2000 + number)
    first = search(sort="date", limit=10)
    third = search(sort="date", limit=10, offset=20)
    assert first.total == 25
    assert len(first.hits) == 10 and len(third.hits) == 5
    assert titles(third)[-1] == "Report 00"


def test_exclusions_alone_find_everything_else(publish):
    publish("Mercury guide", body="mercury retorts")
    publish("Cyanide guide", body="cyanide leaching")
    publish("Tin report", body="tin")
    assert sorted(titles(search("-mercury"))) == ["Cyanide guide", "Tin report"]
    assert titles(search("-mercury -cyan*")) == ["Tin report"]
    assert search("-mercury", filters={"type": ["report"]}).total == 2


def test_a_hyphen_inside_a_word_joins_it(publish):
    publish("Small-scale mining in Sud-Kivu", body="Small-scale miners of Sud-Kivu.")
    publish("Large mines", body="Large-scale mining is not small; its scale is large.")
    publish("Electronics", body="E-waste recycling recovers gold from circuit boards.")
    publish("Écrits", body="Cooperativas e mineração e garimpo e ouro.", languages=["pt"])
    publish("Kivu written solid", body="The smallscale mining sites of Sudkivu province.")
    assert sorted(titles(search("small-scale mining"))) == [
        "Kivu written solid",
        "Small-scale mining in Sud-Kivu",
    ]
    assert sorted(titles(search("Sud-Kivu"))) == [
        "Kivu written solid",
        "Small-scale mining in Sud-Kivu",
    ]
    assert titles(search("e-waste")) == ["Electronics"]
    assert sorted(titles(search("small-sca*"))) == [
        "Kivu written solid",
        "Small-scale mining in Sud-Kivu",
    ]
    assert sorted(titles(search("-small-scale"))) == ["Electronics", "Large mines", "Écrits"]
    [hit, *_rest] = search("Sud-Kivu").hits
    assert "<mark>" in hit.snippet


def test_a_hyphen_before_a_term_excludes_it(publish):
    publish("Gold by gravity", body="gold panning, gravity concentration")
    publish("Gold and mercury", body="gold amalgamation with mercury retorts")
    publish("Tin", body="tin and mercury-free processing")
    assert titles(search("gold -mercury")) == ["Gold by gravity"]
    assert titles(search("mercury-free")) == ["Tin"]
    assert sorted(titles(search("-small-scale"))) == sorted(
        ["Gold by gravity", "Gold and mercury", "Tin"]
    )
    assert titles(search("processing -mercury-free")) == []
    publish("Gold and cyanide", body="gold leaching with cyanide")
    assert titles(search("gold -mercury -cyanide")) == ["Gold by gravity"]


def test_a_match_deep_in_a_long_text_is_shown_in_the_snippet(publish):
    filler = "Gravity concentration of alluvial ore in sluices. " * 800  # 40,000 characters
    publish("Long report", body=filler + "Cobalt miners of Kolwezi. " + filler)
    [hit] = search("cobalt kolwezi").hits
    assert "<mark>Cobalt</mark>" in hit.snippet or "<mark>cobalt</mark>" in hit.snippet
    assert "Kolwezi" in hit.snippet
