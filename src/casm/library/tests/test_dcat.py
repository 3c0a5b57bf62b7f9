"""The DCAT catalogue: JSON-LD that rdflib reads into the right triples, published documents
only, in pages linked by hydra:next."""

from __future__ import annotations

import datetime
import io

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, XSD

from casm.accounts.models import User
from casm.library import services

pytestmark = pytest.mark.django_db

URL = "/api/v1/library/catalog.jsonld"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")


@pytest.fixture
def editor(make_user):
    return make_user("edith", role=User.Role.LIBRARY_EDITOR)


def publish(editor, title, **data):
    data.setdefault("doc_type", "report")
    authors = data.pop("authors", [])
    return services.document_create(
        actor=editor, data={"title": title, **data}, authors=authors, publish=True
    )


def add_file(editor, document, data, name):
    return services.document_file_add(
        actor=editor, document=document, handle=io.BytesIO(data), name=name
    )


def graph_of(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/ld+json")
    return Graph().parse(data=response.content.decode(), format="json-ld")


@pytest.fixture
def library(editor, member, country):
    toolkit = publish(
        editor,
        "Mercury-free gold processing",
        doc_type="toolkit",
        abstract="Retorts and concentration tables.",
        authors=["Ama Mensah", {"name": "planetGOLD", "kind": "organisation"}],
        themes=["mercury", "health_safety"],
        languages=["en", "fr"],
        countries=[country("GH")],
        licence="CC-BY-4.0",
        publisher="UNEP",
        published_on=datetime.date(2015, 6, 1),
    )
    add_file(editor, toolkit, b"Retorts recover mercury.", "retorts.txt")
    add_file(editor, toolkit, b"<html><body><p>Retorts.</p></body></html>", "retorts.html")
    brief = publish(editor, "Gender and mining", doc_type="policy_brief", year=2019)
    withdrawn = publish(editor, "An outdated guide")
    services.document_withdraw(actor=editor, document=withdrawn, reason="Superseded.")
    draft = services.document_create(actor=member, data={"title": "Not yet", "doc_type": "news"})
    return {"toolkit": toolkit, "brief": brief, "withdrawn": withdrawn, "draft": draft}


def page(document):
    return URIRef(f"http://testserver/library/{document.pk}/")


def test_the_catalogue_parses_into_the_right_triples(client, library):
    graph = graph_of(client.get(URL))
    catalogue = URIRef(f"http://testserver{URL}")
    assert (catalogue, RDF.type, DCAT.Catalog) in graph
    assert graph.value(catalogue, DCTERMS.title) == Literal("CASM knowledge library", lang="en")
    assert graph.value(catalogue, DCTERMS.description) is not None
    assert graph.value(catalogue, FOAF.homepage) == URIRef("http://testserver/library/")
    publisher = graph.value(catalogue, DCTERMS.publisher)
    assert graph.value(publisher, FOAF.name) == Literal("CASM")
    assert URIRef("http://id.loc.gov/vocabulary/iso639-1/fr") in set(
        graph.objects(catalogue, DCTERMS.language)
    )

    datasets = set(graph.objects(catalogue, DCAT.dataset))
    assert datasets == {page(library["toolkit"]), page(library["brief"])}  # published only
    toolkit = page(library["toolkit"])
    assert (toolkit, RDF.type, DCAT.Dataset) in graph
    assert graph.value(toolkit, DCTERMS.title) == Literal("Mercury-free gold processing")
    assert graph.value(toolkit, DCTERMS.description) == Literal("Retorts and concentration tables.")
    assert graph.value(toolkit, DCTERMS.issued) == Literal("2015-06-01", datatype=XSD.date)
    assert graph.value(toolkit, DCTERMS.modified).datatype == XSD.dateTime
    assert graph.value(toolkit, DCAT.landingPage) == toolkit
    creators = {
        graph.value(c, FOAF.name).toPython(): graph.value(c, RDF.type)
        for c in graph.objects(toolkit, DCTERMS.creator)
    }
    assert creators == {"Ama Mensah": FOAF.Person, "planetGOLD": FOAF.Organization}
    assert graph.value(graph.value(toolkit, DCTERMS.publisher), FOAF.name) == Literal("UNEP")
    assert set(graph.objects(toolkit, DCTERMS.language)) == {
        URIRef("http://id.loc.gov/vocabulary/iso639-1/en"),
        URIRef("http://id.loc.gov/vocabulary/iso639-1/fr"),
    }
    assert set(graph.objects(toolkit, DCTERMS.spatial)) == {
        URIRef("http://publications.europa.eu/resource/authority/country/GHA")
    }
    assert {str(k) for k in graph.objects(toolkit, DCAT.keyword)} == {
        "mercury",
        "health and safety",
    }
    assert graph.value(toolkit, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )

    distributions = list(graph.objects(toolkit, DCAT.distribution))
    assert len(distributions) == 2
    described = {
        str(graph.value(d, DCTERMS.title)): (
            graph.value(d, DCAT.downloadURL),
            graph.value(d, DCAT.mediaType),
            graph.value(d, DCAT.byteSize).toPython(),
        )
        for d in distributions
    }
    files = {f.name: f for f in library["toolkit"].files.all()}
    assert described["retorts.txt"] == (
        URIRef(
            f"http://testserver/library/{library['toolkit'].pk}/files/{files['retorts.txt'].pk}/"
        ),
        URIRef("https://www.iana.org/assignments/media-types/text/plain"),
        len(b"Retorts recover mercury."),
    )
    assert described["retorts.html"][1] == URIRef(
        "https://www.iana.org/assignments/media-types/text/html"
    )
    brief = page(library["brief"])
    assert graph.value(brief, DCTERMS.issued) == Literal("2019", datatype=XSD.gYear)
    assert list(graph.objects(brief, DCAT.distribution)) == []
    assert (catalogue, HYDRA.view, None) not in graph  # one page: no paging


def test_large_catalogues_come_in_linked_pages(client, editor, db):
    made = [publish(editor, f"Brief {n}") for n in range(5)]
    seen = []
    url = f"{URL}?limit=2"
    pages = 0
    while url:
        graph = graph_of(client.get(url))
        pages += 1
        catalogue = URIRef(f"http://testserver{URL}")
        seen += sorted(str(d) for d in graph.objects(catalogue, DCAT.dataset))
        view = graph.value(catalogue, HYDRA.view)
        assert graph.value(view, HYDRA.totalItems).toPython() == 5
        following = graph.value(view, HYDRA.next)
        url = str(following).removeprefix("http://testserver") if following else None
    assert pages == 3
    assert sorted(seen) == sorted(str(page(d)) for d in made)


@pytest.mark.parametrize("query", ["limit=0", "limit=5000", "offset=-1", "limit=ten"])
def test_bad_paging_is_refused(client, db, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_the_catalogue_is_read_in_a_fixed_number_of_queries(client, editor, country, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(20):
        document = publish(editor, f"Brief {n}", authors=[f"A{n}"], countries=[country("GH")])
        add_file(editor, document, f"Text {n}".encode(), "brief.txt")
    with CaptureQueriesContext(connection) as queries:
        graph = graph_of(client.get(URL))
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 20
    assert len(queries.captured_queries) <= 5
