"""Reads of the library: who sees which document, related documents, popularity and
collections. Search itself is in ``search.py``.

Everybody sees published documents. A signed-in member also sees their own drafts,
submissions and rejected documents; editors see everything. Anything else is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from casm.library.models import (
    Collection,
    CollectionItem,
    Comment,
    Document,
    DocumentFacet,
    DocumentFile,
)
from casm.library.services import is_library_editor

Status = Document.Status


def document_list_for_user(user: Any) -> QuerySet[Document]:
    documents = Document.objects.all()
    if is_library_editor(user):
        return documents
    visible = Q(status=Status.PUBLISHED)
    if getattr(user, "is_authenticated", False):
        visible |= Q(submitted_by=user)
    return documents.filter(visible)


def document_get_for_user(user: Any, pk: Any) -> Document:
    document = (
        document_list_for_user(user)
        .select_related("supersedes", "submitted_by")
        .prefetch_related(
            "authors",
            "countries",
            "commodities",
            Prefetch("files", queryset=DocumentFile.objects.defer("text")),
        )
        .filter(pk=pk)
        .first()
    )
    if document is None:
        raise Http404
    return document


def document_file_get_for_user(user: Any, document_pk: Any, file_pk: Any) -> DocumentFile:
    document = document_get_for_user(user, document_pk)
    file = DocumentFile.objects.defer("text").filter(document=document, pk=file_pk).first()
    if file is None:
        raise Http404
    return file


def published_documents() -> QuerySet[Document]:
    return Document.objects.filter(status=Status.PUBLISHED)


def document_related(document: Document, limit: int = 5) -> list[Document]:
    """Published documents sharing the most themes and countries with ``document``."""
    shared = DocumentFacet.objects.filter(document=document, facet__in=("theme", "country"))
    pairs = list(shared.values_list("facet", "value"))
    if not pairs:
        return []
    condition = Q()
    for facet, value in pairs:
        condition |= Q(facet=facet, value=value)
    ranked = (
        DocumentFacet.objects.filter(condition)
        .exclude(document=document)
        .values("document")
        .annotate(shared=Count("id"))
        .order_by("-shared", "-document")[:limit]
    )
    ids = [row["document"] for row in ranked]
    found = published_documents().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def document_popularity_rank(document: Document) -> tuple[int, int] | None:
    """(rank, total) of a published document among published documents of its type."""
    if document.status != Status.PUBLISHED:
        return None
    same_type = published_documents().filter(doc_type=document.doc_type)
    score = F("view_count") + 3 * F("download_count")
    ahead = (
        same_type.alias(score=score)
        .filter(Q(score__gt=document.popularity) | Q(score=document.popularity, pk__lt=document.pk))
        .count()
    )
    return ahead + 1, same_type.count()


def document_comments_for_user(user: Any, document: Document) -> QuerySet[Comment]:
    """Approved comments, plus the reader's own waiting ones (and all of them for editors)."""
    comments = document.comments.select_related("author")
    if is_library_editor(user):
        return comments.exclude(status=Comment.Status.REJECTED)
    visible = Q(status=Comment.Status.APPROVED)
    if getattr(user, "is_authenticated", False):
        visible |= Q(author=user, status=Comment.Status.PENDING)
    return comments.filter(visible)


def review_queue() -> QuerySet[Document]:
    return (
        Document.objects.filter(status=Status.SUBMITTED)
        .select_related("submitted_by")
        .order_by("submitted_at", "id")
    )


def comments_waiting() -> QuerySet[Comment]:
    return Comment.objects.filter(status=Comment.Status.PENDING).select_related(
        "author", "document"
    )


def collection_list() -> QuerySet[Collection]:
    return Collection.objects.annotate(
        size=Count("items", filter=Q(items__document__status=Status.PUBLISHED))
    )


def collection_get(slug: str) -> Collection:
    collection = Collection.objects.filter(slug=slug).first()
    if collection is None:
        raise Http404
    return collection


def collection_documents(collection: Collection) -> list[Document]:
    items = CollectionItem.objects.filter(
        collection=collection, document__status=Status.PUBLISHED
    ).select_related("document")
    return [item.document for item in items]
