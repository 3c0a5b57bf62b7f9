"""Contribution pages of the library: a member writes and submits a document, an editor reviews
it, moderates comments and arranges collections.

Every page needs a signed-in user; a document the user cannot see is a 404 (as in
``selectors.document_get_for_user``), an action the user may not take on a document they see
is a 403, as in the registry.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casm.core.forms import form_errors_from
from casm.core.permissions import SIGNED_IN, endpoint
from casm.library import forms, selectors, services
from casm.library.models import (
    PILLAR_CHOICES,
    Comment,
    Document,
    DocumentFile,
    Language,
    Review,
    Theme,
)
from casm.library.uploads import UploadLimit, limit_uploads

PAGE_SIZE = 50
Status = Document.Status

# --- Helpers ------------------------------------------------------------------------------


def _require_editor(user: Any) -> None:
    if not services.is_library_editor(user):
        raise PermissionDenied(_("Only library editors may do this."))


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _labels(document: Document) -> dict[str, list[str]]:
    """The names of the codes kept in a document's list fields."""
    languages, pillars, themes = dict(Language.choices), dict(PILLAR_CHOICES), dict(Theme.choices)
    return {
        "languages": [str(languages.get(code, code)) for code in document.languages],
        "pillars": [str(pillars.get(code, code)) for code in document.pillars],
        "themes": [str(themes.get(code, code)) for code in document.themes],
    }


def _latest_review(document: Document) -> Review | None:
    return next(iter(document.reviews.all()), None)


# --- Writing a document -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@limit_uploads
@endpoint(SIGNED_IN)
def document_create(request: HttpRequest, limit: UploadLimit) -> HttpResponse:
    editor = services.is_library_editor(request.user)
    if request.method != "POST":
        form = forms.DocumentForm(editor=editor)
        return render(request, "library/document_form.html", {"form": form, "document": None})
    form = forms.DocumentForm(
        request.POST, request.FILES, editor=editor, refused_size=limit.refused_size
    )
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        try:
            # The draft and its file are kept together or not at all; the file service
            # removes the stored copy itself when it refuses the file.
            with transaction.atomic():
                document = services.document_create(
                    actor=request.user,
                    data=form.document_data(),
                    authors=form.author_list(),
                    publish=bool(form.cleaned_data.get("publish")),
                )
                if upload is not None:
                    services.document_file_add(
                        actor=request.user, document=document, handle=upload, name=upload.name
                    )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if document.status == Status.PUBLISHED:
                messages.success(request, _("Published."))
                return redirect("library:document_detail", document.pk)
            messages.success(
                request,
                _("Draft saved. Add files if needed, then submit it for review when it is ready."),
            )
            return redirect("library:my_documents")
    return render(
        request, "library/document_form.html", {"form": form, "document": None}, status=400
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint(SIGNED_IN)
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for_user(request.user, pk)
    if not services.can_edit_document(request.user, document):
        raise PermissionDenied(_("You cannot change this document now."))
    form = forms.DocumentForm(request.POST or None, document=document)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_update(
                actor=request.user,
                document=document,
                data=form.document_data(),
                authors=form.author_list(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
            document.refresh_from_db()  # the page shows the saved title, not the refused one
        else:
            messages.success(request, _("Saved."))
            if document.status == Status.SUBMITTED:
                return redirect("library:document_review", document.pk)  # an editor reviewing
            if document.submitted_by_id == request.user.pk and document.status == Status.DRAFT:
                return redirect("library:my_documents")
            return redirect("library:document_detail", document.pk)
    return render(
        request,
        "library/document_form.html",
        {"form": form, "document": document},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@limit_uploads
@endpoint(SIGNED_IN)
def document_files(request: HttpRequest, pk: int, limit: UploadLimit) -> HttpResponse:
    """A document's files: their text extraction, another upload, a removal (confirmed)."""
    document = selectors.document_get_for_user(request.user, pk)
    can_edit = services.can_edit_document(request.user, document)
    files = list(document.files.all())
    form = forms.FileUploadForm()
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You cannot change the files of this document now."))
        if "remove" in request.POST:
            return _file_remove(request, document, files)
        form = forms.FileUploadForm(request.POST, request.FILES, refused_size=limit.refused_size)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.document_file_add(
                    actor=request.user, document=document, handle=upload, name=upload.name
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(
                    request,
                    _("“%(name)s” added; its text is being read.") % {"name": upload.name},
                )
                return redirect("library:document_files", document.pk)
        status = 400
    confirm = None
    if can_edit and request.method == "GET" and request.GET.get("remove", "").isdigit():
        confirm = next((f for f in files if f.pk == int(request.GET["remove"])), None)
    return render(
        request,
        "library/document_files.html",
        {
            "document": document,
            "files": files,
            "form": form,
            "can_edit": can_edit,
            "can_submit": _can_submit(request.user, document),
            "confirm": confirm,
            "pending": DocumentFile.Extraction.PENDING,
        },
        status=status,
    )


def _file_remove(
    request: HttpRequest, document: Document, files: list[DocumentFile]
) -> HttpResponse:
    file = next((f for f in files if str(f.pk) == request.POST.get("remove")), None)
    if file is None:
        messages.error(request, _("This file is no longer attached to the document."))
    else:
        services.document_file_remove(actor=request.user, file=file)
        messages.success(request, _("“%(name)s” removed.") % {"name": file.name})
    return redirect("library:document_files", document.pk)


def _can_submit(user: Any, document: Document) -> bool:
    return document.status == Status.DRAFT and (
        document.submitted_by_id == user.pk or services.is_library_editor(user)
    )


@login_required
@require_GET
@endpoint(SIGNED_IN)
def my_documents(request: HttpRequest) -> HttpResponse:
    documents = (
        selectors.document_list_for_user(request.user)
        .filter(submitted_by_id=request.user.pk)
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.order_by("-created_at", "-id"))
        )
        .order_by("-updated_at", "-id")
    )
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "document": document,
            "review": _latest_review(document),
            "can_edit": services.can_edit_document(request.user, document),
            "can_submit": _can_submit(request.user, document),
        }
        for document in page.object_list
    ]
    return render(
        request,
        "library/my_documents.html",
        {"page": page, "rows": rows, "is_editor": services.is_library_editor(request.user)},
    )


@login_required
@require_POST
@endpoint(SIGNED_IN)
def document_submit(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for_user(request.user, pk)
    if document.status == Status.SUBMITTED:
        # A second click, or a second tab: the first submission stands.
        messages.info(request, _("This document is already submitted; an editor will review it."))
        return redirect("library:my_documents")
    try:
        services.document_submit(actor=request.user, document=document)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_safe_next(request, reverse("library:my_documents")))
    messages.success(request, _("Submitted; an editor will review it."))
    return redirect("library:my_documents")


# --- Reviewing ------------------------------------------------------------------------------


@login_required
@require_GET
@endpoint("library.edit")
def review_queue(request: HttpRequest) -> HttpResponse:
    _require_editor(request.user)
    return render(
        request,
        "library/review_queue.html",
        {
            "documents": selectors.review_queue().prefetch_related("files")[:200],
            "comments": selectors.comments_waiting().order_by("created_at", "id")[:200],
            "is_editor": True,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("library.edit")
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for_user(request.user, pk)
    _require_editor(request.user)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            services.document_review(
                actor=request.user,
                document=document,
                decision=decision,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                # Decided meanwhile (by another editor, or in another tab): say so on the page.
                messages.error(request, _error_text(exc))
                return redirect("library:document_review", document.pk)
            form_errors_from(form, exc)
        else:
            messages.success(
                request,
                {
                    Review.Decision.APPROVE: _("“%(title)s” is published."),
                    Review.Decision.REVISE: _(
                        "“%(title)s” went back to its submitter for revisions."
                    ),
                    Review.Decision.REJECT: _(
                        "“%(title)s” was rejected; the submitter is told why."
                    ),
                }[Review.Decision(decision)]
                % {"title": document.title},
            )
            return redirect("library:review_queue")
    return render(
        request,
        "library/document_review.html",
        {
            "document": document,
            "labels": _labels(document),
            "authors": document.authors.all(),
            "files": document.files.all(),
            "reviews": document.reviews.select_related("editor"),
            "form": form,
            "can_review": document.status in (Status.SUBMITTED, Status.DRAFT),
            "withdraw_form": forms.WithdrawForm(),
            "pending": DocumentFile.Extraction.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@endpoint("library.edit")
def document_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for_user(request.user, pk)
    _require_editor(request.user)
    form = forms.WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the document is withdrawn."))
    else:
        try:
            services.document_withdraw(
                actor=request.user, document=document, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request, _("“%(title)s” is withdrawn from the library.") % {"title": document.title}
            )
    return redirect("library:document_review", document.pk)


@login_required
@require_POST
@endpoint("library.edit")
def comment_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_editor(request.user)
    comment = get_object_or_404(Comment.objects.select_related("document"), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or to reject the comment."))
    else:
        services.comment_moderate(
            actor=request.user, comment=comment, approve=decision == "approve"
        )
        messages.success(
            request,
            _("Comment approved.") if decision == "approve" else _("Comment rejected."),
        )
    return redirect(_safe_next(request, reverse("library:review_queue")))


# --- Collections ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("library.edit")
def collection_create(request: HttpRequest) -> HttpResponse:
    _require_editor(request.user)
    form = forms.CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = services.collection_create(
                actor=request.user,
                data=form.collection_data(),
                documents=form.cleaned_data["documents"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Collection saved."))
            return redirect("library:collection_detail", collection.slug)
    return render(
        request,
        "library/collection_form.html",
        {"form": form, "collection": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("library.edit")
def collection_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_editor(request.user)
    collection = selectors.collection_get(slug)
    form = forms.CollectionForm(request.POST or None, collection=collection)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.collection_update(
                    actor=request.user, collection=collection, data=form.collection_data()
                )
                services.collection_set_documents(
                    actor=request.user,
                    collection=collection,
                    documents=form.cleaned_data["documents"],
                )
        except ValidationError as exc:
            form_errors_from(form, exc)
            collection.refresh_from_db()  # links keep the saved short name
        else:
            messages.success(request, _("Collection saved."))
            return redirect("library:collection_detail", collection.slug)
    return render(
        request,
        "library/collection_form.html",
        {"form": form, "collection": collection},
        status=400 if request.method == "POST" else 200,
    )
