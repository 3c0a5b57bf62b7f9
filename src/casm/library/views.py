"""Public pages of the library: search with facets, a document's page, citations, downloads,
votes, comments, collections and the Atom feed.

Who sees a document is decided by ``selectors.document_get_for_user`` (published documents for
everybody, drafts for their submitter and the editors; anything else is a 404). The pages
where members contribute and editors review are in ``workflow_views``.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from casm.core.models import Commodity, Country
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.library import citation, search, selectors, services
from casm.library.feeds import LatestDocumentsFeed
from casm.library.linked_data import document_jsonld, jsonld_script
from casm.library.models import (
    DOCUMENT_TYPE_PLURALS,
    LICENCE_URLS,
    PILLAR_CHOICES,
    Document,
    DocumentFile,
    DocumentType,
    Hit,
    Language,
    Licence,
    Theme,
    Vote,
)

__all__ = ["LatestDocumentsFeed"]

PAGE_SIZE = 20
MAX_PAGE = 500  # 10,000 results deep is as far as anyone pages
MAX_FILTER_VALUES = 20
MAX_FILTER_CHARS = 100
FIRST_YEAR, LAST_YEAR = 1900, 2100

# The facets offered as checkbox lists, in the order shown; years are a range instead.
FILTER_FACETS: list[tuple[str, Any]] = [
    ("type", gettext_lazy("Type")),
    ("theme", gettext_lazy("Theme")),
    ("country", gettext_lazy("Country")),
    ("language", gettext_lazy("Language")),
    ("pillar", gettext_lazy("Pillar")),
    ("commodity", gettext_lazy("Commodity")),
    ("publisher", gettext_lazy("Publisher")),
]
OPEN_FACETS = ("type", "theme")  # unfolded even when nothing in them is ticked
FACET_SHOWN = 8  # values shown before "more"
SORT_CHOICES = [
    ("relevance", gettext_lazy("relevance")),
    ("date", gettext_lazy("newest first")),
    ("popularity", gettext_lazy("most viewed")),
]
PILLAR_LABELS = dict(PILLAR_CHOICES)


# --- Search ------------------------------------------------------------------------------


def _int_param(value: str | None, lowest: int, highest: int) -> int | None:
    """A whole number within bounds, or None for anything else ("", "abc", "1e9")."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if lowest <= number <= highest else None


def _filters_from(params: Any) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for facet, _label in FILTER_FACETS:
        values = [v.strip()[:MAX_FILTER_CHARS] for v in params.getlist(facet) if v.strip()]
        if values:
            filters[facet] = list(dict.fromkeys(values))[:MAX_FILTER_VALUES]
    return filters


def _facet_labels(facet: str, values: list[str]) -> dict[str, str]:
    """What a person reads for each facet value: a country's or language's name, not its code."""
    if facet == "type":
        return {v: str(DocumentType(v).label) for v in values if v in DocumentType.values}
    if facet == "theme":
        return {v: str(Theme(v).label) for v in values if v in Theme.values}
    if facet == "language":
        return {v: str(Language(v).label) for v in values if v in Language.values}
    if facet == "pillar":
        return {v: str(PILLAR_LABELS[v]) for v in values if v in PILLAR_LABELS}
    if facet == "country":
        return {c.alpha2: c.name for c in Country.objects.filter(alpha2__in=values)}
    if facet == "commodity":
        return {c.code: c.name for c in Commodity.objects.filter(code__in=values)}
    return {v: v for v in values}


def _facet_groups(
    result: search.SearchResult, filters: dict[str, list[str]], params: Any
) -> list[dict[str, Any]]:
    """Each facet's checkbox list: the values found, with counts, and the ticked ones first."""
    groups = []
    for facet, label in FILTER_FACETS:
        counts = dict(result.facets.get(facet, []))
        chosen = filters.get(facet, [])
        values = chosen + [v for v in counts if v not in chosen]
        if not values:
            continue
        labels = _facet_labels(facet, values)
        options: list[dict[str, Any]] = [
            {
                "value": value,
                "label": labels.get(value, value),
                "count": counts.get(value, 0),
                "checked": value in chosen,
                "remove_query": _query_without(params, facet, value),
            }
            for value in values
        ]
        # Ticked values first, then the biggest.
        options.sort(key=lambda o: (not o["checked"], -o["count"], o["label"].casefold()))
        groups.append(
            {
                "name": facet,
                "label": label,
                "options": options,
                "open": bool(chosen) or facet in OPEN_FACETS,
                "chosen": [o for o in options if o["checked"]],
                "shown": options[:FACET_SHOWN],
                "more": options[FACET_SHOWN:],
            }
        )
    return groups


def _query_without(params: Any, facet: str, value: str) -> str:
    query = params.copy()
    query.pop("page", None)
    query.setlist(facet, [v for v in query.getlist(facet) if v != value])
    return query.urlencode()


def _query_without_page(params: Any) -> str:
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def _run_search(request_: search.SearchRequest, page_param: str | None) -> tuple[Any, Page]:
    """The search for the asked page; a page past the end shows the last one."""
    wanted = _int_param(page_param, 1, MAX_PAGE) or 1
    request_.offset, request_.limit = (wanted - 1) * PAGE_SIZE, PAGE_SIZE
    result = search.document_search(request_)
    page = Paginator(range(min(result.total, MAX_PAGE * PAGE_SIZE)), PAGE_SIZE).get_page(wanted)
    if result.total and page.number != wanted:
        request_.offset, request_.with_facets = (page.number - 1) * PAGE_SIZE, False
        facets = result.facets
        result = search.document_search(request_)
        result.facets = facets
    return result, page


@require_safe
@endpoint(PUBLIC)
def document_search(request: HttpRequest) -> HttpResponse:
    """The library's home: the search box, facets with counts and the results."""
    params = request.GET
    text = params.get("q", "")
    filters = _filters_from(params)
    year_from = _int_param(params.get("year_from"), FIRST_YEAR, LAST_YEAR)
    year_to = _int_param(params.get("year_to"), FIRST_YEAR, LAST_YEAR)
    if year_from and year_to and year_from > year_to:
        year_from, year_to = year_to, year_from
    sort = params.get("sort", "")
    search_request = search.SearchRequest(
        text=text,
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        sort=sort if sort in search.SORTS else "relevance",
    )
    result, page = _run_search(search_request, params.get("page"))
    documents = [hit.document for hit in result.hits]
    prefetch_related_objects(documents, "authors")
    years = sorted(int(value) for value, _count in result.facets.get("year", []) if value.isdigit())
    searched = bool(result.query) or bool(filters) or year_from is not None or year_to is not None
    return render(
        request,
        "library/document_search.html",
        {
            "q": text,
            "result": result,
            # Snippets are escaped by the search, with only <mark> added.
            "hits": [
                {"document": hit.document, "snippet": mark_safe(hit.snippet)}  # noqa: S308
                for hit in result.hits
            ],
            "page": page,
            "query": _query_without_page(params),
            "facet_groups": _facet_groups(result, filters, params),
            "year_from": year_from,
            "year_to": year_to,
            "year_min": years[0] if years else None,
            "year_max": years[-1] if years else None,
            # The chosen order stays chosen; without words, "relevance" falls back to the date.
            "sort": search_request.sort,
            "sort_choices": SORT_CHOICES,
            "searched": searched,
            "is_editor": services.is_library_editor(request.user),
        },
    )


# --- A document --------------------------------------------------------------------------


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def _visitor_vote(document: Document, voter: str) -> bool | None:
    """The visitor's own answer to "was this helpful?", if they gave one."""
    return (
        Vote.objects.filter(document=document, voter=voter)
        .values_list("helpful", flat=True)
        .first()
    )


def _file_rows(files: list[DocumentFile]) -> list[dict[str, Any]]:
    rows = []
    for f in files:
        note = ""
        if f.extraction == DocumentFile.Extraction.NO_TEXT:
            note = _("scanned: no text layer, so its words cannot be searched")
        elif f.extraction != DocumentFile.Extraction.DONE:
            note = str(f.get_extraction_display())
        rows.append({"file": f, "note": note})
    return rows


def _popularity_text(document: Document) -> str:
    ranked = selectors.document_popularity_rank(document)
    if ranked is None:
        return ""
    rank, total = ranked
    kinds = DOCUMENT_TYPE_PLURALS.get(document.doc_type, document.doc_type)  # type: ignore[call-overload]
    return _("#%(rank)s of %(total)s %(kinds)s") % {"rank": rank, "total": total, "kinds": kinds}


def _remember_visitor(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Give a new anonymous visitor the cookie that counts their views and vote once."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        new = getattr(request, "casm_new_visitor", None)
        if new:
            response.set_cookie(
                services.VISITOR_COOKIE,
                new,
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return wrapped


@require_safe
@_remember_visitor
@endpoint(PUBLIC)
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for_user(request.user, pk)
    visitor = services.visitor_key(request)
    if request.method == "GET" and services.hit_record(
        document=document, kind=Hit.Kind.VIEW, visitor=visitor, user_agent=_user_agent(request)
    ):
        document.view_count += 1
    user = request.user
    visible = selectors.document_list_for_user(user)
    supersedes = (
        document.supersedes
        if document.supersedes_id and visible.filter(pk=document.supersedes_id).exists()
        else None
    )
    is_public = document.is_public
    is_submitter = user.is_authenticated and document.submitted_by_id == user.pk
    latest_review = None if is_public else document.reviews.first()
    licence = Licence(document.licence) if document.licence in Licence.values else None
    # The model only takes http(s) addresses; checked again here because it becomes a link.
    external_url = document.url if document.url.lower().startswith(("http://", "https://")) else ""
    return render(
        request,
        "library/document_detail.html",
        {
            "document": document,
            "authors": list(document.authors.all()),
            "files": _file_rows(list(document.files.all())),
            "themes": [(t, Theme(t).label) for t in document.themes if t in Theme.values],
            "pillars": [PILLAR_LABELS[p] for p in document.pillars if p in PILLAR_LABELS],
            "language_labels": [
                Language(c).label for c in document.languages if c in Language.values
            ],
            "licence_label": licence.label if licence else "",
            "licence_url": LICENCE_URLS.get(licence) if licence else None,
            "external_url": external_url,
            "supersedes": supersedes,
            "superseded_by": list(visible.filter(supersedes=document).order_by("-published_at")),
            "apa": citation.apa_html(document),
            "related": selectors.document_related(document) if is_public else [],
            "popularity": _popularity_text(document),
            "my_vote": _visitor_vote(document, visitor) if is_public else None,
            "comments": list(selectors.document_comments_for_user(user, document)),
            "latest_review": latest_review,
            "can_edit": services.can_edit_document(user, document),
            "is_editor": services.is_library_editor(user),
            "is_submitter": is_submitter,
            "can_submit": document.status == Document.Status.DRAFT
            and (is_submitter or services.is_library_editor(user)),
            "jsonld": jsonld_script(document_jsonld(document)) if is_public else "",
        },
    )


@require_safe
@endpoint(PUBLIC)
def document_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    """The document's BibTeX entry, as a file."""
    document = selectors.document_get_for_user(request.user, pk)
    response = HttpResponse(
        citation.bibtex(document), content_type="application/x-bibtex; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{citation.bibtex_key(document)}.bib"'
    return response


def _safe_filename(name: str, fallback: str) -> str:
    """The stored name without folders, control characters or quotes."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"').strip(
        " ."
    )
    return name or fallback


@require_safe
@_remember_visitor
@endpoint(PUBLIC)
def file_download(request: HttpRequest, pk: int, file_id: int) -> HttpResponseBase:
    """The file itself, as an attachment; a download is counted once per visitor and day."""
    stored = selectors.document_file_get_for_user(request.user, pk, file_id)
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    if request.method == "GET":
        services.hit_record(
            document=stored.document,
            kind=Hit.Kind.DOWNLOAD,
            visitor=services.visitor_key(request),
            user_agent=_user_agent(request),
        )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_safe_filename(stored.name, f"document-{pk}-{file_id}"),
        content_type=stored.media_type or "application/octet-stream",
    )


def _back_to(document: Document, anchor: str) -> HttpResponse:
    return redirect(reverse("library:document_detail", args=[document.pk]) + anchor)


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@require_POST
@_remember_visitor
@endpoint(PUBLIC)
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    """'Was this helpful?': one answer per visitor, signed in or not; a new answer replaces it."""
    document = selectors.document_get_for_user(request.user, pk)
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        messages.error(request, _("Answer yes or no."))
        return _back_to(document, "#helpful")
    try:
        services.vote_record(
            actor=request.user if request.user.is_authenticated else None,
            document=document,
            voter=services.visitor_key(request),
            helpful=answer == "yes",
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Thank you for your answer."))
    return _back_to(document, "#helpful")


@require_POST
@endpoint(SIGNED_IN)
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's comment; it waits for an editor before others see it."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("library:document_detail", args=[pk]) + "#comments")
    document = selectors.document_get_for_user(request.user, pk)
    try:
        services.comment_add(
            actor=request.user, document=document, body=request.POST.get("body", "")
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(
            request, _("Thank you. Your comment will be shown once an editor has approved it.")
        )
    return _back_to(document, "#comments")


# --- Collections -------------------------------------------------------------------------


@require_safe
@endpoint(PUBLIC)
def collection_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/collection_list.html",
        {
            "collections": selectors.collection_list(),
            "is_editor": services.is_library_editor(request.user),
        },
    )


@require_safe
@endpoint(PUBLIC)
def collection_detail(request: HttpRequest, slug: str) -> HttpResponse:
    collection = selectors.collection_get(slug)
    documents = selectors.collection_documents(collection)
    prefetch_related_objects(documents, "authors")
    return render(
        request,
        "library/collection_detail.html",
        {
            "collection": collection,
            "documents": documents,
            "is_editor": services.is_library_editor(request.user),
        },
    )
