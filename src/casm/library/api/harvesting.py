"""Harvesting the library: OAI-PMH 2.0 and a DCAT catalogue in JSON-LD."""

import json

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import Query

from casm.core.permissions import PUBLIC, endpoint
from casm.library import dcat, oai
from casm.library.api import router
from casm.library.api.schemas import (
    CatalogueParams,
)

_OAI_PARAMETERS = [
    {"name": name, "in": "query", "required": name == "verb", "schema": {"type": "string"}}
    | ({"description": description} if description else {})
    for name, description in (
        (
            "verb",
            "Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords, GetRecord",
        ),
        ("identifier", "oai:<repository id>:library/<id>"),
        ("metadataPrefix", "oai_dc"),
        ("from", "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
        ("until", "YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"),
        ("set", "type:<code>, theme:<code> or country:<alpha-2>"),
        ("resumptionToken", ""),
    )
]


@router.api_operation(
    ["GET", "POST"],
    "/library/oai",
    tags=["library", "harvesting"],
    openapi_extra={
        "parameters": _OAI_PARAMETERS,
        "responses": {
            200: {
                "description": "An OAI-PMH response (errors too, as the protocol wants)",
                "content": {"text/xml": {"schema": {"type": "string"}}},
            }
        },
    },
)
@csrf_exempt  # harvesters POST their arguments as a form; nothing is written
@endpoint(PUBLIC)
def oai_pmh(request: HttpRequest):
    """OAI-PMH 2.0 provider: the published documents as Dublin Core (``oai_dc``) records.

    Verbs: ``Identify`` (the repository), ``ListMetadataFormats`` (``oai_dc``, optionally for
    one ``identifier``), ``ListSets`` (``type:<code>``, ``theme:<code>``, ``country:<alpha-2>``),
    ``ListIdentifiers`` and ``ListRecords`` (``metadataPrefix``, optional ``from``, ``until``
    and ``set``; pages of 100 continued with ``resumptionToken``), ``GetRecord``
    (``identifier``, ``metadataPrefix``). Arguments come as the query string (GET) or a form
    body (POST). Withdrawn documents appear as deleted headers. Errors are the protocol's
    (``badArgument``, ``badResumptionToken``, ``badVerb``, ``cannotDisseminateFormat``,
    ``idDoesNotExist``, ``noRecordsMatch``), always with status 200.
    """
    return oai.oai_response(request)


@router.get(
    "/library/catalog.jsonld",
    tags=["library", "harvesting"],
    openapi_extra={
        "responses": {
            200: {
                "description": "A dcat:Catalog",
                "content": {"application/ld+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
@endpoint(PUBLIC)
def dcat_catalogue(request: HttpRequest, params: Query[CatalogueParams]):
    """The library as a DCAT catalogue in JSON-LD: each published document is a dcat:Dataset
    with its files as distributions. Pages of up to 1,000 documents, linked by hydra:next."""
    body = dcat.catalogue(request, limit=params.limit, offset=params.offset)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/ld+json; charset=utf-8"
    )
