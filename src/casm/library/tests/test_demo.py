"""The demo library: generated documents are found by search, with facets, ranking and queues."""

from __future__ import annotations

import random
import time

import pytest

from casm.accounts import demo as accounts_demo
from casm.library import demo, selectors
from casm.library.models import Collection, Comment, Document, DocumentFile
from casm.library.search import SearchRequest, document_search


@pytest.fixture
def demo_library(db, monkeypatch, tmp_path):
    """The people of the demo and its library, without the shared corpus (tested elsewhere)."""
    monkeypatch.setenv("CASM_SAMPLE_DATA_CORPUS", str(tmp_path / "no-corpus"))
    said: list[str] = []
    rng = random.Random(2001)
    accounts_demo.build(rng, said.append)
    started = time.monotonic()
    demo.build(rng, said.append)
    return {"said": said, "seconds": time.monotonic() - started}


def test_the_demo_library_is_searchable_with_facets(demo_library):
    published = Document.objects.filter(status=Document.Status.PUBLISHED)
    assert published.count() >= demo.GENERATED
    assert demo_library["seconds"] < 60
    assert "library:" in demo_library["said"][-1]

    everything = document_search(SearchRequest(limit=1))
    facets = {name: dict(values) for name, values in everything.facets.items()}
    assert everything.total == published.count()
    assert set(facets["language"]) >= {"en", "fr", "es", "pt"}
    assert facets["language"]["en"] > facets["language"]["fr"] > facets["language"]["es"]
    assert len(facets["type"]) >= 10
    assert len(facets["theme"]) >= 10
    assert {"GH", "CD", "PE", "BR"} <= set(facets["country"])
    assert "gold" in facets["commodity"]
    years = [int(year) for year in facets["year"]]
    assert min(years) >= 2000 and max(years) <= 2025

    mercury = document_search(SearchRequest(text="mercury", filters={"language": ["en"]}))
    assert mercury.total > 10
    for hit in mercury.hits:
        if "mercury" in hit.document.abstract.lower():
            assert "<mark>" in hit.snippet.lower()
    french = document_search(SearchRequest(text="orpaillage"))
    assert french.total > 0
    assert all("fr" in hit.document.languages for hit in french.hits)


def test_the_demo_has_files_with_text_collections_ranking_and_queues(demo_library):
    files = DocumentFile.objects.all()
    kinds = set(files.values_list("media_type", flat=True))
    assert kinds >= {"application/pdf", "text/plain", "text/html"}
    assert files.filter(extraction=DocumentFile.Extraction.DONE).count() == files.count()
    assert files.filter(page_count__gte=3, media_type="application/pdf").exists()
    pdf = files.filter(media_type="application/pdf").first()
    word = pdf.text.split()[-3].strip(".,;:")
    assert document_search(SearchRequest(text=word)).total > 0

    titles = set(Collection.objects.values_list("title", flat=True))
    assert titles == {"Annual conference 2008 proceedings", "Mercury toolkit"}
    toolkit = selectors.collection_documents(Collection.objects.get(slug="mercury-toolkit"))
    assert len(toolkit) == 5 and all("mercury" in d.themes for d in toolkit)

    popular = document_search(SearchRequest(sort="popularity", limit=3)).hits
    views = [hit.document.popularity for hit in popular]
    assert views == sorted(views, reverse=True) and views[0] > views[-1] > 0
    rank = selectors.document_popularity_rank(popular[0].document)
    assert rank is not None and rank[0] == 1 and rank[1] > 1

    assert selectors.review_queue().count() >= 5
    assert Document.objects.filter(status=Document.Status.DRAFT).exists()
    assert Comment.objects.filter(status=Comment.Status.APPROVED).count() >= 5
    assert selectors.comments_waiting().exists()


def test_the_same_seed_gives_the_same_documents(db):
    def titles(seed):
        writer = demo._Writer(random.Random(seed))
        return [writer.document()["data"]["title"] for _ in range(50)]

    assert titles(7) == titles(7)
    assert titles(7) != titles(8)
