"""The search benchmark: its bulk index is the one the services build, and it runs small."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def bench_search(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import bench_search

    return bench_search


def _index_as_searched(queries: list[str]) -> dict:
    """Everything a search reads or shows: index rows, vectors, hits, snippets, facet counts."""
    from casm.library.models import DocumentFacet, SearchEntry
    from casm.library.search import SearchRequest, document_search

    vectors = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT document_id, vector::text FROM library_searchentry ORDER BY document_id"
            )
            vectors = cursor.fetchall()
    searches = []
    for text in queries:
        result = document_search(SearchRequest(text=text, limit=5))
        assert not result.failed
        searches.append(
            (result.total, [(h.document.pk, h.snippet) for h in result.hits], result.facets)
        )
    return {
        "entries": list(SearchEntry.objects.order_by("document_id").values()),
        "facets": sorted(DocumentFacet.objects.values_list("document_id", "facet", "value")),
        "vectors": vectors,
        "searches": searches,
    }


@pytest.mark.django_db
def test_the_bulk_index_is_the_one_the_services_build(bench_search):
    from casm.library.models import Document, DocumentFacet, DocumentFile, SearchEntry
    from casm.library.search import search_index_document

    vocabulary = bench_search.Vocabulary()
    rng = random.Random(3)
    corpus = [bench_search.make_document(vocabulary, rng, body_chars=3000) for _ in range(12)]
    corpus[0]["languages"] = ["fr", "en"]
    corpus[1]["subtitle"] = "Rapport — édition révisée"
    queries = bench_search.make_queries(vocabulary, 8, seed=5) + ["mercury", "orpaillage"]

    ids = bench_search.load_documents(corpus)
    assert len(ids) == 12
    bulk = _index_as_searched(queries)
    assert any(total for total, _hits, _facets in bulk["searches"])

    # The same documents indexed one by one by the service, their text in a file.
    SearchEntry.objects.all().delete()
    DocumentFacet.objects.all().delete()
    for pk, data in zip(ids, corpus, strict=True):
        DocumentFile.objects.create(
            document_id=pk,
            file=f"library/bench/{pk}.pdf",
            name=f"{pk}.pdf",
            media_type="application/pdf",
            size=len(data["body"]),
            sha256="0" * 64,
            text=data["body"],
            extraction=DocumentFile.Extraction.DONE,
        )
        search_index_document(Document.objects.get(pk=pk))
    assert _index_as_searched(queries) == bulk


def test_the_search_benchmark_runs_small(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASM_", "DJANGO_"))}
    if os.environ.get("CASM_DATABASE_URL", "").startswith("postgres"):
        env["CASM_DATABASE_URL"] = os.environ["CASM_DATABASE_URL"]
    env.update(
        CASM_BENCH_SEARCH_DOCUMENTS="40",
        CASM_BENCH_SEARCH_BODY_CHARS="2000",
        CASM_BENCH_SEARCH_QUERIES="10",
        TMPDIR=str(tmp_path),
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "search"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {line["name"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert {"search.sqlite.icontains", "search.sqlite.full_text"} <= set(results)
    for vendor in ("sqlite", "postgresql"):
        if f"search.{vendor}.full_text" not in results:
            assert vendor == "postgresql" and "PostgreSQL: skipped" in done.stderr
            continue
        searched = results[f"search.{vendor}.full_text"]
        assert searched["peer"] == f"search.{vendor}.icontains"
        assert searched["runs"] == 10
        assert searched["size"].startswith("40 documents")
        assert searched["mean_found"] > 0
        assert searched["index_mb"] > 0
