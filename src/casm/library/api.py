"""The library's API: search with facets, documents and their files, the review workflow,
collections, and the harvesting endpoints (OAI-PMH and a DCAT catalogue).

Reads are open to anyone for published documents; a signed-in member (token or session) also
sees their own drafts, and editors see everything. Anything else is 404. Writes go through the
services: no right to do it is 403. Countries are ISO alpha-2 codes; commodities, types,
themes, pillars and languages are codes.
"""

import datetime
import json
from typing import Annotated, Any, BinaryIO, Literal, cast

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, File, Query, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from casm.core.api_router import Router
from casm.core.api_types import ApiName, CommodityCode, CountryCode, NotNull, RecordId
from casm.core.models import Commodity, Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.library import dcat, oai, selectors, services
from casm.library.models import (
    LICENCE_URLS,
    PILLAR_CHOICES,
    Collection,
    Document,
    DocumentAuthor,
    DocumentFile,
    DocumentType,
    Hit,
    Language,
    Licence,
    Theme,
)
from casm.library.search import SearchRequest, document_search
from casm.library.uploads import UploadLimit

AuthorKind = Annotated[DocumentAuthor.Kind, ApiName("AuthorKind")]
DocumentStatus = Annotated[Document.Status, ApiName("DocumentStatus")]

router = Router(tags=["library"])


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _absolute(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


# --- Search ----------------------------------------------------------------------------------


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


class SearchOut(Schema):
    count: int
    items: list[SearchItemOut]
    facets: dict[str, list[FacetValueOut]]


_PILLARS = dict(PILLAR_CHOICES)
_TYPES = dict(DocumentType.choices)
_THEMES = dict(Theme.choices)
_LANGUAGES = dict(Language.choices)


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


def _facet_labels(facets: dict[str, list[tuple[str, int]]]) -> dict[str, list[dict[str, Any]]]:
    countries = {
        c.alpha2: c.name
        for c in Country.objects.filter(alpha2__in=[v for v, _n in facets.get("country", [])])
    }
    commodities = {
        c.code: c.name
        for c in Commodity.objects.filter(code__in=[v for v, _n in facets.get("commodity", [])])
    }
    labels: dict[str, dict[str, Any]] = {
        "type": _TYPES,
        "pillar": _PILLARS,
        "theme": _THEMES,
        "language": _LANGUAGES,
        "country": countries,
        "commodity": commodities,
    }
    return {
        facet: [
            {"value": value, "label": str(labels.get(facet, {}).get(value, value)), "count": count}
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
    ids = [hit.document.pk for hit in result.hits]
    authors: dict[int, list[str]] = {}
    for document_id, name in (
        DocumentAuthor.objects.filter(document_id__in=ids)
        .order_by("document_id", "position")
        .values_list("document_id", "name")
    ):
        authors.setdefault(document_id, []).append(name)
    return {
        "count": result.total,
        "items": [
            {
                "id": hit.document.pk,
                "title": hit.document.title,
                "type": hit.document.doc_type,
                "year": hit.document.year,
                "authors": authors.get(hit.document.pk, []),
                "snippet": hit.snippet,
                "url": _absolute(request, "library:document_detail", hit.document.pk),
                "score": hit.score,
            }
            for hit in result.hits
        ],
        "facets": _facet_labels(result.facets),
    }


# --- Documents -------------------------------------------------------------------------------


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


def _document_data(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The services' fields from an API body: codes become rows, enums become strings."""
    if "type" in data:
        data["doc_type"] = data.pop("type")
    for key in ("doc_type", "licence"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    for key in ("languages", "themes"):
        if data.get(key) is not None:
            data[key] = [str(value) for value in data[key]]
    if data.get("countries") is not None:
        codes = [code.upper() for code in data["countries"]]
        found = {c.alpha2: c for c in Country.objects.filter(alpha2__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise _invalid("countries", f"Unknown country codes: {', '.join(unknown)[:200]}.")
        data["countries"] = [found[code] for code in dict.fromkeys(codes)]
    if data.get("commodities") is not None:
        codes = data["commodities"]
        found_commodities = {c.code: c for c in Commodity.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found_commodities]
        if unknown:
            raise _invalid("commodities", f"Unknown commodities: {', '.join(unknown)[:200]}.")
        data["commodities"] = [found_commodities[code] for code in dict.fromkeys(codes)]
    if data.get("supersedes") is not None:
        older = selectors.document_list_for_user(request.user).filter(pk=data["supersedes"])
        data["supersedes"] = older.first()
        if data["supersedes"] is None:
            raise _invalid("supersedes", "Unknown document.")
    for key in ("title", "subtitle", "abstract", "publisher", "url", "doi", "isbn", "version"):
        if key in data and data[key] is None:
            data[key] = ""
    return data


def _authors(authors: list[Any]) -> list[dict[str, Any] | str]:
    return [
        author if isinstance(author, str) else {"name": author.name, "kind": str(author.kind)}
        for author in authors
    ]


def _document_out(request: HttpRequest, document: Document) -> dict[str, Any]:
    can_see_reviews = services.is_library_editor(request.user) or (
        request.user.is_authenticated and document.submitted_by_id == request.user.pk
    )
    review = document.reviews.first() if can_see_reviews else None
    licence_url = (
        LICENCE_URLS.get(Licence(document.licence)) if document.licence in Licence.values else None
    )
    return {
        "id": document.pk,
        "title": document.title,
        "subtitle": document.subtitle,
        "abstract": document.abstract,
        "authors": list(document.authors.all()),
        "publisher": document.publisher,
        "published_on": document.published_on,
        "year": document.year,
        "type": document.doc_type,
        "languages": document.languages,
        "pillars": document.pillars,
        "themes": document.themes,
        "countries": sorted(c.alpha2 for c in document.countries.all()),
        "commodities": sorted(c.code for c in document.commodities.all()),
        "licence": document.licence,
        "licence_url": licence_url,
        "url": document.url,
        "doi": document.doi,
        "isbn": document.isbn,
        "version": document.version,
        "supersedes": document.supersedes_id,
        "status": document.status,
        "can_edit": services.can_edit_document(request.user, document),
        "last_review": review,
        "published_at": document.published_at,
        "created_at": document.created_at,
        "updated_at": document.updated_at,
        "view_count": document.view_count,
        "download_count": document.download_count,
        "page_url": _absolute(request, "library:document_detail", document.pk),
        "files": [_file_out(request, file) for file in document.files.all()],
    }


def _file_out(request: HttpRequest, file: DocumentFile) -> dict[str, Any]:
    return {
        "id": file.pk,
        "name": file.name,
        "media_type": file.media_type,
        "size": file.size,
        "page_count": file.page_count,
        "language": file.language,
        "extraction": file.extraction,
        "created_at": file.created_at,
        "download_url": request.build_absolute_uri(
            reverse(
                "api:library_file_download",
                kwargs={"document_id": file.document_id, "file_id": file.pk},
            )
        ),
    }


def _summary_out(request: HttpRequest, document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "title": document.title,
        "type": document.doc_type,
        "year": document.year,
        "status": document.status,
        "authors": [author.name for author in document.authors.all()],
        "languages": document.languages,
        "countries": sorted(c.alpha2 for c in document.countries.all()),
        "updated_at": document.updated_at,
        "page_url": _absolute(request, "library:document_detail", document.pk),
    }


def _summaries(documents: QuerySet[Document]) -> QuerySet[Document]:
    return documents.defer("abstract").prefetch_related(
        Prefetch(
            "authors", queryset=DocumentAuthor.objects.only("document_id", "name", "position")
        ),
        Prefetch("countries", queryset=Country.objects.only("id", "alpha2")),
    )


class DocumentLimitOffset(LimitOffset):
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, pagination: LimitOffset.Input, request: Any = None, **params: Any
    ) -> dict[str, Any]:
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        page["items"] = [_summary_out(request, document) for document in page["items"]]
        return page


@router.get("/library/documents", response=list[DocumentSummaryOut])
@paginate(DocumentLimitOffset)
@endpoint(PUBLIC)
def document_list(request: HttpRequest, filters: Query[DocumentListParams]):
    """Documents you may see, newest first: published ones, your own, and (for editors) all."""
    documents = selectors.document_list_for_user(request.user)
    if filters.status is not None:
        documents = documents.filter(status=str(filters.status))
    if filters.type is not None:
        documents = documents.filter(doc_type=str(filters.type))
    if filters.mine:
        if not request.user.is_authenticated:
            return documents.none()
        documents = documents.filter(submitted_by=request.user)
    return _summaries(documents).order_by("-pk")


def _document_response(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _document_out(request, selectors.document_get_for_user(request.user, pk))


@router.get("/library/documents/{document_id}", response=DocumentOut)
@endpoint(PUBLIC)
def document_detail(request: HttpRequest, document_id: int):
    """A document's metadata, files (with download links) and status."""
    return _document_response(request, document_id)


@router.post("/library/documents", response={201: DocumentOut})
@endpoint(SIGNED_IN)
def document_create(request: HttpRequest, payload: DocumentIn):
    """A new draft (any signed-in member); editors may publish it at once with publish=true.

    Add files with POST …/files, then submit the draft for review."""
    data = payload.dict()
    publish = data.pop("publish")
    authors = _authors(payload.authors)
    data.pop("authors")
    document = services.document_create(
        actor=request.user,
        data=_document_data(request, data),
        authors=authors,
        publish=publish,
    )
    return Status(201, _document_response(request, document.pk))


@router.patch("/library/documents/{document_id}", response=DocumentOut)
@endpoint(SIGNED_IN)
def document_update(request: HttpRequest, document_id: int, payload: DocumentPatch):
    """Change a document: the submitter while it is a draft, editors at any time."""
    document = selectors.document_get_for_user(request.user, document_id)
    data = payload.dict(exclude_unset=True)
    data.pop("authors", None)
    authors = _authors(payload.authors) if payload.authors is not None else None
    services.document_update(
        actor=request.user,
        document=document,
        data=_document_data(request, data),
        authors=authors,
    )
    return _document_response(request, document_id)


@router.delete("/library/documents/{document_id}", response={204: None})
@endpoint(SIGNED_IN)
def document_delete(request: HttpRequest, document_id: int):
    """Delete a draft; a published document is withdrawn instead."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_delete(actor=request.user, document=document)
    return Status(204, None)


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


@router.post(
    "/library/documents/{document_id}/files",
    response={201: FileOut},
    auth=[LimitedUploadAuth()],
)
@endpoint(SIGNED_IN)
def document_file_add(
    request: HttpRequest,
    document_id: int,
    file: UploadedFile | None = File(None),  # noqa: B008 (ninja's way of declaring an upload)
):
    """Attach a file (PDF, DOCX, ODT, HTML, TXT, Markdown) as multipart form data.

    Its real type is checked, whatever its name says; an encrypted or broken PDF and a file
    over the size limit are refused (422, with the reason). The text is read in the background.
    """
    document = selectors.document_get_for_user(request.user, document_id)
    limit = getattr(request, "library_upload_limit", None)
    if limit is not None and limit.refused_size is not None:
        raise _invalid("file", services.upload_too_large_message(limit.refused_size))
    if file is None:
        raise _invalid("file", "Send the file as multipart form data, in the field 'file'.")
    stored = services.document_file_add(
        actor=request.user,
        document=document,
        handle=cast(BinaryIO, file),  # an upload reads, seeks and tells like a binary file
        name=file.name or "file",
    )
    return Status(201, _file_out(request, stored))


@router.get(
    "/library/documents/{document_id}/files/{file_id}",
    url_name="library_file_download",
    openapi_extra={"responses": {200: {"description": "The file, as an attachment"}}},
)
@endpoint(PUBLIC)
def document_file_download(request: HttpRequest, document_id: int, file_id: int):
    """Download a file; counts one download per visitor and day (bots are not counted)."""
    stored = selectors.document_file_get_for_user(request.user, document_id, file_id)
    try:
        handle = stored.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    services.hit_record(
        document=stored.document,
        kind=Hit.Kind.DOWNLOAD,
        visitor=services.visitor_key(request, cookie=False),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    return FileResponse(
        handle, as_attachment=True, filename=stored.name, content_type=stored.media_type
    )


@router.post("/library/documents/{document_id}/submit", response=DocumentOut)
@endpoint(SIGNED_IN)
def document_submit(request: HttpRequest, document_id: int):
    """Send your draft to the editors (it needs a file or an external address)."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_submit(actor=request.user, document=document)
    return _document_response(request, document_id)


@router.post("/library/documents/{document_id}/review", response=DocumentOut)
@endpoint("library.edit")
def document_review(request: HttpRequest, document_id: int, payload: ReviewIn):
    """An editor's decision: approve (publishes), revise or reject (both need a comment)."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_review(
        actor=request.user, document=document, decision=payload.decision, comment=payload.comment
    )
    return _document_response(request, document_id)


@router.post("/library/documents/{document_id}/withdraw", response=DocumentOut)
@endpoint("library.edit")
def document_withdraw(request: HttpRequest, document_id: int, payload: WithdrawIn):
    """Withdraw a published document (editors): its address stays, saying it was withdrawn."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_withdraw(actor=request.user, document=document, reason=payload.reason)
    return _document_response(request, document_id)


# --- Collections -----------------------------------------------------------------------------


class CollectionOut(Schema):
    slug: str
    title: str
    description: str
    size: int = Field(..., description="Published documents in it")
    page_url: str


class CollectionDetailOut(CollectionOut):
    documents: list[DocumentSummaryOut]


def _collection_out(request: HttpRequest, collection: Collection, size: int) -> dict[str, Any]:
    return {
        "slug": collection.slug,
        "title": collection.title,
        "description": collection.description,
        "size": size,
        "page_url": _absolute(request, "library:collection_detail", collection.slug),
    }


class CollectionLimitOffset(LimitOffset):
    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, pagination: LimitOffset.Input, request: Any = None, **params: Any
    ) -> dict[str, Any]:
        page = super().paginate_queryset(queryset, pagination, request=request, **params)
        page["items"] = [_collection_out(request, c, c.size) for c in page["items"]]
        return page


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


# --- Harvesting ------------------------------------------------------------------------------

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


class CatalogueParams(Schema):
    limit: int = Field(dcat.DEFAULT_LIMIT, ge=1, le=dcat.MAX_LIMIT)
    offset: int = Field(0, ge=0)


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
