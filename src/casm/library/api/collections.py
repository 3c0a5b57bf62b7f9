"""Library collections: the curated lists of published documents."""

from django.http import HttpRequest
from ninja.pagination import paginate

from casm.core.permissions import PUBLIC, endpoint
from casm.library import selectors
from casm.library.api import router
from casm.library.api.schemas import (
    CollectionDetailOut,
    CollectionLimitOffset,
    CollectionOut,
    _collection_out,
    _summaries,
    _summary_out,
)
from casm.library.models import (
    Document,
)


@router.get("/library/collections", response=list[CollectionOut])
@paginate(CollectionLimitOffset)
@endpoint(PUBLIC)
def collection_list(request: HttpRequest):
    """Collections of documents, by title."""
    return selectors.collection_list().order_by("title", "pk")


@router.get("/library/collections/{slug}", response=CollectionDetailOut)
@endpoint(PUBLIC)
def collection_detail(request: HttpRequest, slug: str):
    """A collection and its published documents, in order."""
    collection = selectors.collection_get(slug)
    order = [d.pk for d in selectors.collection_documents(collection)]
    found = _summaries(Document.objects.filter(pk__in=order)).in_bulk(order)
    documents = [found[pk] for pk in order if pk in found]
    return {
        **_collection_out(request, collection, len(documents)),
        "documents": [_summary_out(request, document) for document in documents],
    }
