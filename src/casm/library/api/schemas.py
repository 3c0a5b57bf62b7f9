"""The library API's input and output schemas; output schemas read their models through
their resolvers (absolute addresses from the request in ninja's context)."""

import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema

from casm.core.api_types import ApiName, CommodityCode, CountryCode, NotNull, RecordId
from casm.core.models import Country
from casm.library import dcat, selectors, services
from casm.library.models import (
    LICENCE_URLS,
    Collection,
    Document,
    DocumentAuthor,
    DocumentFile,
    DocumentType,
    Language,
    Licence,
    Review,
    Theme,
)
from casm.library.search import SearchHit
from casm.library.uploads import UploadLimit

AuthorKind = Annotated[DocumentAuthor.Kind, ApiName("AuthorKind")]


DocumentStatus = Annotated[Document.Status, ApiName("DocumentStatus")]


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _absolute(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


class SearchParams(Schema):
    q: str = Field("", description='Words, "a phrase", prefix*, -excluded, OR')
    type: list[DocumentType] = Field(default_factory=list, description="Document type codes")
    pillar: list[str] = Field(default_factory=list, description="Pillar codes")
    theme: list[Theme] = Field(default_factory=list, description="Theme codes")
    country: list[CountryCode] = Field(default_factory=list, description="ISO alpha-2 codes")
    commodity: list[CommodityCode] = Field(default_factory=list, description="Commodity codes")
    language: list[Language] = Field(default_factory=list, description="ISO 639-1 codes")
    publisher: list[str] = Field(default_factory=list)
    year_from: int | None = Field(None, ge=1000, le=9999)
    year_to: int | None = Field(None, ge=1000, le=9999)
    sort: Literal["relevance", "date", "popularity"] = "relevance"
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class FacetValueOut(Schema):
    value: str
    label: str
    count: int


class SearchItemOut(Schema):
    id: int
    title: str
    type: str
    year: int | None
    authors: list[str]
    snippet: str = Field(..., description="Safe HTML: escaped text, matches in <mark>")
    url: str
    score: float

    @staticmethod
    def resolve_id(hit: SearchHit) -> int:
        return hit.document.pk

    @staticmethod
    def resolve_title(hit: SearchHit) -> str:
        return hit.document.title

    @staticmethod
    def resolve_type(hit: SearchHit) -> str:
        return hit.document.doc_type

    @staticmethod
    def resolve_year(hit: SearchHit) -> int | None:
        return hit.document.year

    @staticmethod
    def resolve_authors(hit: SearchHit) -> list[str]:
        return [author.name for author in hit.document.authors.all()]

    @staticmethod
    def resolve_url(hit: SearchHit, context: dict[str, Any]) -> str:
        return _absolute(context["request"], "library:document_detail", hit.document.pk)


class SearchOut(Schema):
    count: int
    items: list[SearchItemOut]
    facets: dict[str, list[FacetValueOut]]


class AuthorIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    kind: AuthorKind = DocumentAuthor.Kind.PERSON


class AuthorOut(Schema):
    name: str
    kind: str
    organisation: int | None = Field(None, alias="organisation_id")


class FileOut(Schema):
    id: int
    name: str
    media_type: str
    size: int
    page_count: int | None
    language: str
    extraction: str
    created_at: datetime.datetime
    download_url: str

    @staticmethod
    def resolve_download_url(file: DocumentFile, context: dict[str, Any]) -> str:
        return context["request"].build_absolute_uri(
            reverse(
                "api:library_file_download",
                kwargs={"document_id": file.document_id, "file_id": file.pk},
            )
        )


class ReviewOut(Schema):
    decision: str
    comment: str
    created_at: datetime.datetime


class DocumentSummaryOut(Schema):
    id: int
    title: str
    type: str
    year: int | None
    status: str
    authors: list[str]
    languages: list[str]
    countries: list[str]
    updated_at: datetime.datetime
    page_url: str

    @staticmethod
    def resolve_type(document: Document) -> str:
        return document.doc_type

    @staticmethod
    def resolve_authors(document: Document) -> list[str]:
        return [author.name for author in document.authors.all()]

    @staticmethod
    def resolve_countries(document: Document) -> list[str]:
        return sorted(c.alpha2 for c in document.countries.all())

    @staticmethod
    def resolve_page_url(document: Document, context: dict[str, Any]) -> str:
        return _absolute(context["request"], "library:document_detail", document.pk)


class DocumentOut(Schema):
    id: int
    title: str
    subtitle: str
    abstract: str
    authors: list[AuthorOut]
    publisher: str
    published_on: datetime.date | None
    year: int | None
    type: str
    languages: list[str]
    pillars: list[str]
    themes: list[str]
    countries: list[str]
    commodities: list[str]
    licence: str
    licence_url: str | None
    url: str
    doi: str
    isbn: str
    version: str
    supersedes: int | None
    status: str
    can_edit: bool
    last_review: ReviewOut | None = Field(
        None, description="The latest editor's decision, shown to the submitter and editors"
    )
    published_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    view_count: int
    download_count: int
    page_url: str
    files: list[FileOut]

    @staticmethod
    def resolve_authors(document: Document) -> list[DocumentAuthor]:
        return list(document.authors.all())

    @staticmethod
    def resolve_type(document: Document) -> str:
        return document.doc_type

    @staticmethod
    def resolve_countries(document: Document) -> list[str]:
        return sorted(c.alpha2 for c in document.countries.all())

    @staticmethod
    def resolve_commodities(document: Document) -> list[str]:
        return sorted(c.code for c in document.commodities.all())

    @staticmethod
    def resolve_licence_url(document: Document) -> str | None:
        if document.licence not in Licence.values:
            return None
        return LICENCE_URLS.get(Licence(document.licence))

    @staticmethod
    def resolve_supersedes(document: Document) -> int | None:
        return document.supersedes_id

    @staticmethod
    def resolve_can_edit(document: Document, context: dict[str, Any]) -> bool:
        return services.can_edit_document(context["request"].user, document)

    @staticmethod
    def resolve_last_review(document: Document, context: dict[str, Any]) -> Review | None:
        # The latest decision is the submitter's and the editors' to see, nobody else's.
        user = context["request"].user
        can_see_reviews = services.is_library_editor(user) or (
            user.is_authenticated and document.submitted_by_id == user.pk
        )
        return document.reviews.first() if can_see_reviews else None

    @staticmethod
    def resolve_page_url(document: Document, context: dict[str, Any]) -> str:
        return _absolute(context["request"], "library:document_detail", document.pk)

    @staticmethod
    def resolve_files(document: Document) -> list[DocumentFile]:
        return list(document.files.all())


class DocumentFields(Schema):
    subtitle: str = Field("", max_length=500)
    abstract: str = Field("", max_length=20_000)
    authors: list[AuthorIn | str] = Field(default_factory=list)
    publisher: str = Field("", max_length=200)
    published_on: datetime.date | None = None
    year: int | None = None
    languages: list[Language] = Field(default_factory=list)
    pillars: list[str] = Field(default_factory=list, description="Pillar codes")
    themes: list[Theme] = Field(default_factory=list)
    countries: list[CountryCode] = Field(default_factory=list, description="ISO alpha-2 codes")
    commodities: list[CommodityCode] = Field(default_factory=list, description="Commodity codes")
    licence: Licence = Licence.UNKNOWN
    url: str = Field("", max_length=1000, description="Where the document is on the web")
    doi: str = Field("", max_length=200)
    isbn: str = Field("", max_length=20)
    version: str = Field("", max_length=40)
    supersedes: RecordId | None = Field(None, description="Id of the document this one replaces")


class DocumentIn(DocumentFields):
    title: str = Field(..., min_length=1, max_length=500)
    type: DocumentType
    publish: bool = Field(False, description="Publish at once (editors only)")


class DocumentPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=500)
    subtitle: str | None = Field(None, max_length=500)
    abstract: str | None = Field(None, max_length=20_000)
    authors: NotNull[list[AuthorIn | str]] = None
    publisher: str | None = Field(None, max_length=200)
    published_on: datetime.date | None = None
    year: int | None = None
    type: DocumentType | None = None
    languages: NotNull[list[Language]] = None
    pillars: NotNull[list[str]] = None
    themes: NotNull[list[Theme]] = None
    countries: NotNull[list[CountryCode]] = None
    commodities: NotNull[list[CommodityCode]] = None
    licence: Licence | None = None
    url: str | None = Field(None, max_length=1000)
    doi: str | None = Field(None, max_length=200)
    isbn: str | None = Field(None, max_length=20)
    version: str | None = Field(None, max_length=40)
    supersedes: RecordId | None = None


class ReviewIn(Schema):
    decision: Literal["approve", "revise", "reject"]
    comment: str = Field("", max_length=5000)


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=5000)


class DocumentListParams(Schema):
    status: DocumentStatus | None = Field(None, description="Editors see every status")
    type: DocumentType | None = None
    mine: bool = Field(False, description="Only documents you submitted")


def _summaries(documents: QuerySet[Document]) -> QuerySet[Document]:
    return documents.defer("abstract").prefetch_related(
        Prefetch(
            "authors", queryset=DocumentAuthor.objects.only("document_id", "name", "position")
        ),
        Prefetch("countries", queryset=Country.objects.only("id", "alpha2")),
    )


class LimitedUploadAuth:
    """The API's sign-in, with the library's upload limit put in place before anything reads
    the request's body (checking a session's CSRF token does), so an upload over the limit is
    skipped instead of being written to a temporary file."""

    def __call__(self, request: HttpRequest) -> Any:
        from casm.api import api  # at request time: casm.api imports this module

        limit = UploadLimit(request, services.max_upload_bytes())
        request.upload_handlers.insert(0, limit)
        request.library_upload_limit = limit  # type: ignore[attr-defined]
        authenticators = api.auth if isinstance(api.auth, list | tuple) else []
        for authenticate in authenticators:
            user = authenticate(request)
            if user:
                return user
        return None


class CollectionOut(Schema):
    slug: str
    title: str
    description: str
    size: int = Field(..., description="Published documents in it")
    page_url: str

    @staticmethod
    def resolve_page_url(collection: Collection, context: dict[str, Any]) -> str:
        return _absolute(context["request"], "library:collection_detail", collection.slug)


class CollectionDetailOut(CollectionOut):
    documents: list[DocumentSummaryOut]

    @staticmethod
    def resolve_documents(collection: Collection) -> list[Document]:
        order = [d.pk for d in selectors.collection_documents(collection)]
        found = _summaries(Document.objects.filter(pk__in=order)).in_bulk(order)
        return [found[pk] for pk in order if pk in found]


class CatalogueParams(Schema):
    limit: int = Field(dcat.DEFAULT_LIMIT, ge=1, le=dcat.MAX_LIMIT)
    offset: int = Field(0, ge=0)
