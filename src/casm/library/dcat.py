"""The library as a DCAT catalogue in JSON-LD, for data portals and harvesters.

The catalogue is a ``dcat:Catalog`` whose datasets are the published documents, each with its
files as ``dcat:Distribution``. Large catalogues come in pages: ``?limit=&offset=``, linked by a
``hydra:PartialCollectionView`` (first, previous, next, last).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from casm.core.models import Country
from casm.library.models import (
    LICENCE_URLS,
    Document,
    DocumentAuthor,
    DocumentFile,
    DocumentType,
    Licence,
    Theme,
)
from casm.library.selectors import published_documents

DEFAULT_LIMIT = 1000
MAX_LIMIT = 1000
TITLE = "CASM knowledge library"
DESCRIPTION = (
    "Guidance notes, toolkits, training materials, research and policy briefs on artisanal and"
    " small-scale mining, published by the CASM platform."
)
CATALOGUE_LANGUAGES = ("en", "fr", "es", "pt")

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
}
LANGUAGE_IRI = "http://id.loc.gov/vocabulary/iso639-1/"
COUNTRY_IRI = "http://publications.europa.eu/resource/authority/country/"
MEDIA_TYPE_IRI = "https://www.iana.org/assignments/media-types/"

_THEMES = dict(Theme.choices)
_TYPES = dict(DocumentType.choices)
_LICENCES = dict(Licence.choices)


def _iri(value: str) -> dict[str, str]:
    return {"@id": value}


def _typed(value: str, datatype: str) -> dict[str, str]:
    return {"@value": value, "@type": datatype}


def _language(code: str) -> dict[str, str]:
    return _iri(f"{LANGUAGE_IRI}{code}")


def catalogue_documents() -> Any:
    """Published documents with what a dataset shows, in one query per kind of row."""
    return (
        published_documents()
        .only(
            "id",
            "title",
            "subtitle",
            "abstract",
            "publisher",
            "published_on",
            "year",
            "doc_type",
            "languages",
            "themes",
            "licence",
            "url",
            "doi",
            "published_at",
            "updated_at",
            "created_at",
        )
        .prefetch_related(
            Prefetch(
                "countries", queryset=Country.objects.only("id", "alpha2", "alpha3", "name_en")
            ),
            Prefetch(
                "authors",
                queryset=DocumentAuthor.objects.only(
                    "id", "document_id", "name", "kind", "position"
                ),
            ),
            Prefetch(
                "files",
                queryset=DocumentFile.objects.only(
                    "id", "document_id", "name", "media_type", "size"
                ),
            ),
        )
        .order_by("pk")
    )


def catalogue(request: HttpRequest, limit: int = DEFAULT_LIMIT, offset: int = 0) -> dict[str, Any]:
    """The JSON-LD document of one page of the catalogue."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    documents = catalogue_documents()
    total = documents.count()
    page = list(documents[offset : offset + limit])
    self_url = request.build_absolute_uri(request.path)
    home = request.build_absolute_uri(reverse("library:document_search"))
    with translation.override("en"):
        datasets = [_dataset(request, document) for document in page]
    node: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": self_url,
        "@type": "dcat:Catalog",
        "dct:title": {"@value": TITLE, "@language": "en"},
        "dct:description": {"@value": DESCRIPTION, "@language": "en"},
        "dct:publisher": {
            "@type": "foaf:Organization",
            "foaf:name": "CASM",
            "foaf:homepage": _iri(request.build_absolute_uri("/")),
        },
        "foaf:homepage": _iri(home),
        "dct:language": [_language(code) for code in CATALOGUE_LANGUAGES],
        "dcat:dataset": datasets,
    }
    if offset or total > len(page):
        node["hydra:view"] = _view(self_url, total, limit, offset)
    return node


def _page_url(base: str, limit: int, offset: int) -> dict[str, str]:
    return _iri(f"{base}?{urlencode({'limit': limit, 'offset': offset})}")


def _view(base: str, total: int, limit: int, offset: int) -> dict[str, Any]:
    last = max(0, (total - 1) // limit * limit)
    view: dict[str, Any] = {
        "@id": _page_url(base, limit, offset)["@id"],
        "@type": "hydra:PartialCollectionView",
        "hydra:totalItems": _typed(str(total), "xsd:nonNegativeInteger"),
        "hydra:first": _page_url(base, limit, 0),
        "hydra:last": _page_url(base, limit, last),
    }
    if offset > 0:
        view["hydra:previous"] = _page_url(base, limit, max(0, offset - limit))
    if offset + limit < total:
        view["hydra:next"] = _page_url(base, limit, offset + limit)
    return view


def _dataset(request: HttpRequest, document: Document) -> dict[str, Any]:
    page_url = request.build_absolute_uri(reverse("library:document_detail", args=[document.pk]))
    title = document.title + (f": {document.subtitle}" if document.subtitle else "")
    dataset: dict[str, Any] = {
        "@id": page_url,
        "@type": "dcat:Dataset",
        "dct:identifier": str(document.pk),
        "dct:title": title,
        "dcat:landingPage": _iri(page_url),
        "dct:type": str(_TYPES.get(document.doc_type, document.doc_type)),
        "dct:modified": _typed(document.updated_at.isoformat(), "xsd:dateTime"),
    }
    if document.abstract:
        dataset["dct:description"] = document.abstract
    if document.published_on:
        dataset["dct:issued"] = _typed(document.published_on.isoformat(), "xsd:date")
    elif document.year:
        dataset["dct:issued"] = _typed(str(document.year), "xsd:gYear")
    authors = [
        {
            "@type": "foaf:Organization"
            if author.kind == DocumentAuthor.Kind.ORGANISATION
            else "foaf:Person",
            "foaf:name": author.name,
        }
        for author in document.authors.all()
    ]
    if authors:
        dataset["dct:creator"] = authors
    if document.publisher:
        dataset["dct:publisher"] = {"@type": "foaf:Organization", "foaf:name": document.publisher}
    languages = [_language(code) for code in document.languages if code != "other"]
    if languages:
        dataset["dct:language"] = languages
    countries = [
        {"@id": f"{COUNTRY_IRI}{country.alpha3}", "rdfs:label": country.name_en}
        for country in document.countries.all()
    ]
    if countries:
        dataset["dct:spatial"] = countries
    keywords = [str(_THEMES.get(theme, theme)) for theme in document.themes]
    if keywords:
        dataset["dcat:keyword"] = keywords
    licence_url = (
        LICENCE_URLS.get(Licence(document.licence)) if document.licence in Licence.values else None
    )
    if licence_url:
        dataset["dct:license"] = _iri(licence_url)
    elif document.licence != Licence.UNKNOWN:
        dataset["dct:rights"] = str(_LICENCES.get(document.licence, document.licence))
    if document.doi:
        dataset["dct:identifier"] = [str(document.pk), f"https://doi.org/{document.doi}"]
    distributions = [
        _distribution(request, document, file, licence_url) for file in document.files.all()
    ]
    if document.url:
        distributions.append({"@type": "dcat:Distribution", "dcat:accessURL": _iri(document.url)})
    if distributions:
        dataset["dcat:distribution"] = distributions
    return dataset


def _distribution(
    request: HttpRequest, document: Document, file: DocumentFile, licence_url: str | None
) -> dict[str, Any]:
    url = request.build_absolute_uri(reverse("library:file_download", args=[document.pk, file.pk]))
    distribution: dict[str, Any] = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": file.name,
        "dcat:downloadURL": _iri(url),
        "dcat:accessURL": _iri(url),
        "dcat:mediaType": _iri(f"{MEDIA_TYPE_IRI}{file.media_type}"),
        "dcat:byteSize": _typed(str(file.size), "xsd:nonNegativeInteger"),
    }
    if licence_url:
        distribution["dct:license"] = _iri(licence_url)
    return distribution
