"""Library collections: the curated lists of published documents."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja.pagination import paginate

from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, endpoint
from casm.library import selectors
from casm.library.api import router
from casm.library.api.schemas import CollectionDetailOut, CollectionOut


@router.get("/library/collections", response=list[CollectionOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def collection_list(request: HttpRequest):
    """Collections of documents, by title."""
    return selectors.collection_list().order_by("title", "pk")


@router.get("/library/collections/{slug}", response=CollectionDetailOut)
@endpoint(PUBLIC)
def collection_detail(request: HttpRequest, slug: str):
    """A collection and its published documents, in order."""
    return get_object_or_404(selectors.collection_list(), slug=slug)
