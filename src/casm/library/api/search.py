"""Library search: full text with facets, each facet's values labelled."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, JsonResponse
from ninja import Query

from casm.core.models import Commodity, Country
from casm.core.permissions import PUBLIC, endpoint
from casm.library.api import router
from casm.library.api.schemas import (
    FacetValueOut,
    SearchOut,
    SearchParams,
    _invalid,
)
from casm.library.models import (
    PILLAR_CHOICES,
    DocumentAuthor,
    DocumentType,
    Language,
    Theme,
)
from casm.library.search import SearchHit, SearchRequest, document_search

_PILLARS = dict(PILLAR_CHOICES)


_TYPES = dict(DocumentType.choices)


_THEMES = dict(Theme.choices)


_LANGUAGES = dict(Language.choices)


@dataclass
class SearchPage:
    """One page of search results, as ``SearchOut`` reads it."""

    count: int
    items: list[SearchHit]
    facets: dict[str, list[FacetValueOut]]


def _search_filters(params: SearchParams) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {
        "type": [str(v) for v in params.type],
        "theme": [str(v) for v in params.theme],
        "language": [str(v) for v in params.language],
        "publisher": [v for v in params.publisher if v],
    }
    unknown = [v for v in params.pillar if v not in _PILLARS]
    if unknown:
        raise _invalid("pillar", f"Unknown pillar {unknown[0]!r}; one of {', '.join(_PILLARS)}.")
    filters["pillar"] = list(params.pillar)
    countries = [code.upper() for code in params.country]
    found = set(Country.objects.filter(alpha2__in=countries).values_list("alpha2", flat=True))
    unknown = [code for code in countries if code not in found]
    if unknown:
        raise _invalid("country", f"Unknown country code {unknown[0]!r}.")
    filters["country"] = countries
    found = set(Commodity.objects.filter(code__in=params.commodity).values_list("code", flat=True))
    unknown = [code for code in params.commodity if code not in found]
    if unknown:
        raise _invalid("commodity", f"Unknown commodity {unknown[0]!r}.")
    filters["commodity"] = list(params.commodity)
    if params.year_from and params.year_to and params.year_from > params.year_to:
        raise _invalid("year_from", "year_from is after year_to.")
    return {facet: values for facet, values in filters.items() if values}


def _facet_labels(facets: dict[str, list[tuple[str, int]]]) -> dict[str, list[FacetValueOut]]:
    """Each facet's values with their labels, in the engine's order."""
    countries = {
        c.alpha2: c.name
        for c in Country.objects.filter(alpha2__in=[v for v, _n in facets.get("country", [])])
    }
    commodities = {
        c.code: c.name
        for c in Commodity.objects.filter(code__in=[v for v, _n in facets.get("commodity", [])])
    }
    labels: dict[str, Mapping[str, Any]] = {
        "type": _TYPES,
        "pillar": _PILLARS,
        "theme": _THEMES,
        "language": _LANGUAGES,
        "country": countries,
        "commodity": commodities,
    }
    return {
        facet: [
            FacetValueOut(
                value=value, label=str(labels.get(facet, {}).get(value, value)), count=count
            )
            for value, count in values
        ]
        for facet, values in facets.items()
    }


@router.get("/library/search", response=SearchOut)
@endpoint(PUBLIC)
def library_search(request: HttpRequest, params: Query[SearchParams]):
    """Full-text search of published documents, ranked, with snippets and facet counts.

    Repeat a facet parameter for several values (``?theme=mercury&theme=gender``): a document
    matches any of them. Any text is a valid query; the engines' own syntax is read as words.
    """
    result = document_search(
        SearchRequest(
            text=params.q,
            filters=_search_filters(params),
            year_from=params.year_from,
            year_to=params.year_to,
            sort=params.sort,
            offset=params.offset,
            limit=params.limit,
        )
    )
    if result.failed:
        return JsonResponse(
            {
                "error": {
                    "code": "unavailable",
                    "message": "The search could not be run now; try again or other words.",
                    "details": None,
                }
            },
            status=503,
        )
    prefetch_related_objects(
        [hit.document for hit in result.hits],
        Prefetch(
            "authors", queryset=DocumentAuthor.objects.only("document_id", "name", "position")
        ),
    )
    return SearchPage(count=result.total, items=result.hits, facets=_facet_labels(result.facets))
