"""Library documents: list, read, write, their files and the review workflow."""

from typing import Any, BinaryIO, cast

from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Query, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from casm.core.models import Commodity, Country
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.library import selectors, services
from casm.library.api import router
from casm.library.api.schemas import (
    DocumentIn,
    DocumentListParams,
    DocumentOut,
    DocumentPatch,
    DocumentSummaryOut,
    FileOut,
    LimitedUploadAuth,
    ReviewIn,
    WithdrawIn,
    _invalid,
    _summaries,
)
from casm.library.models import Hit


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


@router.get("/library/documents", response=list[DocumentSummaryOut])
@paginate(LimitOffset)
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


@router.get("/library/documents/{document_id}", response=DocumentOut)
@endpoint(PUBLIC)
def document_detail(request: HttpRequest, document_id: int):
    """A document's metadata, files (with download links) and status."""
    return selectors.document_get_for_user(request.user, document_id)


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
    return Status(201, selectors.document_get_for_user(request.user, document.pk))


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
    return selectors.document_get_for_user(request.user, document_id)


@router.delete("/library/documents/{document_id}", response={204: None})
@endpoint(SIGNED_IN)
def document_delete(request: HttpRequest, document_id: int):
    """Delete a draft; a published document is withdrawn instead."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_delete(actor=request.user, document=document)
    return Status(204, None)


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
    return Status(201, stored)


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
    return selectors.document_get_for_user(request.user, document_id)


@router.post("/library/documents/{document_id}/review", response=DocumentOut)
@endpoint("library.edit")
def document_review(request: HttpRequest, document_id: int, payload: ReviewIn):
    """An editor's decision: approve (publishes), revise or reject (both need a comment)."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_review(
        actor=request.user, document=document, decision=payload.decision, comment=payload.comment
    )
    return selectors.document_get_for_user(request.user, document_id)


@router.post("/library/documents/{document_id}/withdraw", response=DocumentOut)
@endpoint("library.edit")
def document_withdraw(request: HttpRequest, document_id: int, payload: WithdrawIn):
    """Withdraw a published document (editors): its address stays, saying it was withdrawn."""
    document = selectors.document_get_for_user(request.user, document_id)
    services.document_withdraw(actor=request.user, document=document, reason=payload.reason)
    return selectors.document_get_for_user(request.user, document_id)
