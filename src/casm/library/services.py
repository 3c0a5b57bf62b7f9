"""Writes of the library: documents, files, the review workflow, comments, votes, visits and
collections. Every rule is here, so the web pages, the API and ``casm library import`` agree.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import audit_record, model_create, model_delete, model_update
from casm.core.mail import mail_to
from casm.core.models import AuditEvent
from casm.library import extraction
from casm.library.models import (
    PILLAR_CHOICES,
    Collection,
    CollectionItem,
    Comment,
    Document,
    DocumentAuthor,
    DocumentFile,
    DocumentType,
    Hit,
    Language,
    Review,
    Theme,
    Vote,
)
from casm.library.search import search_index_document

logger = logging.getLogger(__name__)

DOCUMENT_FIELDS = [
    "title",
    "subtitle",
    "abstract",
    "publisher",
    "published_on",
    "year",
    "doc_type",
    "languages",
    "pillars",
    "themes",
    "countries",
    "commodities",
    "licence",
    "url",
    "doi",
    "isbn",
    "version",
    "supersedes",
]
Status = Document.Status

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ISBN_CHARS = re.compile(r"[^0-9Xx]")


def is_library_editor(user: Any) -> bool:
    """Editors (and administrators) publish, review and moderate."""
    return user is not None and permissions.can(user, "library.edit")


def _require_member(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to contribute to the library."))


def _require_editor(actor: Any) -> None:
    permissions.require(actor, "library.edit")


def can_edit_document(user: Any, document: Document) -> bool:
    """Editors always; the submitter while the document is a draft of theirs."""
    if is_library_editor(user):
        return True
    return (
        getattr(user, "is_authenticated", False)
        and document.submitted_by_id == user.pk
        and document.status == Status.DRAFT
    )


# --- Validation -------------------------------------------------------------------------


def _clean_document_data(data: dict[str, Any]) -> dict[str, Any]:
    """Check the list fields and identifiers; raise one ValidationError naming every field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(data)
    for name, choices in (
        ("languages", Language.values),
        ("pillars", [slug for slug, _title in PILLAR_CHOICES]),
        ("themes", Theme.values),
    ):
        if name not in cleaned:
            continue
        values = cleaned[name] or []
        if isinstance(values, str) or not isinstance(values, list | tuple):
            errors.setdefault(name, []).append(_("Give a list of codes."))
            continue
        unknown = [str(v) for v in values if v not in choices]
        if unknown:
            errors.setdefault(name, []).append(
                _("Unknown value(s): %(values)s. Allowed: %(allowed)s.")
                % {"values": ", ".join(unknown)[:200], "allowed": ", ".join(choices)}
            )
        cleaned[name] = list(dict.fromkeys(values))
    if "doc_type" in cleaned and cleaned["doc_type"] not in DocumentType.values:
        errors.setdefault("doc_type", []).append(_("Unknown document type."))
    doi = (cleaned.get("doi") or "").strip()
    if doi:
        doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", doi, flags=re.I)
        if not _DOI.match(doi):
            errors.setdefault("doi", []).append(_("A DOI looks like 10.1234/abc-567."))
        cleaned["doi"] = doi
    isbn = (cleaned.get("isbn") or "").strip()
    if isbn:
        digits = _ISBN_CHARS.sub("", isbn).upper()
        if not _isbn_valid(digits):
            errors.setdefault("isbn", []).append(_("This is not a valid ISBN-10 or ISBN-13."))
        cleaned["isbn"] = digits
    published_on = cleaned.get("published_on")
    if isinstance(published_on, datetime.date) and published_on > timezone.localdate():
        errors.setdefault("published_on", []).append(_("The date cannot be in the future."))
    year = cleaned.get("year")
    if year is not None and not (1900 <= int(year) <= timezone.localdate().year):
        errors.setdefault("year", []).append(
            _("The year must be between 1900 and %(year)s.") % {"year": timezone.localdate().year}
        )
    if isinstance(published_on, datetime.date) and year is None:
        cleaned["year"] = published_on.year
    elif isinstance(published_on, datetime.date) and year and published_on.year != int(year):
        errors.setdefault("year", []).append(_("The year and the date disagree."))
    for name in ("title", "subtitle", "publisher", "abstract"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = extraction.clean_text(cleaned[name])
    if errors:
        raise ValidationError(errors)
    return cleaned


def _isbn_valid(digits: str) -> bool:
    if len(digits) == 10 and digits[:9].isdigit():
        total = sum((10 - i) * (10 if ch == "X" else int(ch)) for i, ch in enumerate(digits))
        return (digits[9].isdigit() or digits[9] == "X") and total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(ch) * (1 if i % 2 == 0 else 3) for i, ch in enumerate(digits))
        return total % 10 == 0
    return False


def _set_authors(document: Document, authors: Sequence[dict[str, Any] | str], actor: Any) -> None:
    old = [a.name for a in document.authors.all()]
    rows = []
    for position, author in enumerate(authors):
        item = {"name": author} if isinstance(author, str) else dict(author)
        name = extraction.clean_text(str(item.get("name") or ""))[:200]
        if not name:
            continue
        kind = item.get("kind") or DocumentAuthor.Kind.PERSON
        if kind not in DocumentAuthor.Kind.values:
            raise ValidationError({"authors": _("An author is a person or an organisation.")})
        rows.append(
            DocumentAuthor(
                document=document,
                position=position,
                name=name,
                kind=kind,
                organisation_id=item.get("organisation") or None,
            )
        )
    new = [row.name for row in rows]
    if new == old:
        return
    document.authors.all().delete()
    DocumentAuthor.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=document,
        changes={"authors": [old, new]},
    )


# --- Documents --------------------------------------------------------------------------


def document_create(
    *,
    actor: Any,
    data: dict[str, Any],
    authors: Sequence[dict[str, Any] | str] = (),
    publish: bool = False,
) -> Document:
    """A new document: a member's draft, or (for an editor asking for it) published at once."""
    _require_member(actor)
    if publish:
        _require_editor(actor)
    values = _clean_document_data({k: v for k, v in data.items() if k in DOCUMENT_FIELDS})
    now = timezone.now()
    values.update(
        status=Status.PUBLISHED if publish else Status.DRAFT,
        submitted_by=actor,
        published_at=now if publish else None,
    )
    with transaction.atomic():
        document = model_create(model=Document, actor=actor, data=values)
        _set_authors(document, authors, actor)
        search_index_document(document)
    return document


def document_update(
    *,
    actor: Any,
    document: Document,
    data: dict[str, Any],
    authors: Sequence[dict[str, Any] | str] | None = None,
) -> Document:
    if not can_edit_document(actor, document):
        raise PermissionDenied(_("You cannot change this document now."))
    values = _clean_document_data({k: v for k, v in data.items() if k in DOCUMENT_FIELDS})
    if (
        values.get("supersedes") is not None
        and getattr(values["supersedes"], "pk", values["supersedes"]) == document.pk
    ):
        raise ValidationError({"supersedes": _("A document cannot supersede itself.")})
    with transaction.atomic():
        document, _changes = model_update(instance=document, actor=actor, data=values)
        if authors is not None:
            _set_authors(document, authors, actor)
        search_index_document(document)
    return document


def document_delete(*, actor: Any, document: Document) -> None:
    """Drafts only; a published document is withdrawn instead, so its address keeps working."""
    if not can_edit_document(actor, document) or document.status == Status.PUBLISHED:
        raise PermissionDenied(_("Only drafts can be deleted; withdraw a published document."))
    paths = [f.file.name or "" for f in document.files.all()]
    with transaction.atomic():
        model_delete(instance=document, actor=actor)  # the index rows go with it
        transaction.on_commit(lambda: _delete_all_stored(paths))


def _delete_all_stored(names: list[str]) -> None:
    for name in names:
        _delete_stored(name)


def _delete_stored(name: str) -> None:
    from django.core.files.storage import default_storage

    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not delete %s", name)


# --- Files ------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(settings.LIBRARY_MAX_UPLOAD_BYTES)


def upload_too_large_message(size: int) -> str:
    return _("The file is %(size)s; files may be at most %(limit)s.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(max_upload_bytes()),
    }


def document_file_add(
    *,
    actor: Any,
    document: Document,
    handle: BinaryIO,
    name: str,
    extract_now: bool = False,
) -> DocumentFile:
    """Check a file (size, real type, readable PDF), store it and have its text extracted.

    The text is read by a background job (``library.extract``); ``extract_now`` reads it here
    (bulk imports and demo data). Nothing is stored when a check fails.
    """
    if not can_edit_document(actor, document):
        raise PermissionDenied(_("You cannot add files to this document now."))
    name = Path(name.replace("\\", "/")).name[:255] or "file"
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    if size > max_upload_bytes():
        raise ValidationError({"file": upload_too_large_message(size)})
    if size == 0:
        raise ValidationError({"file": _("“%(name)s” is empty.") % {"name": name}})
    try:
        media_type = extraction.sniff(extraction.read_head(handle), name, handle)
        if media_type == extraction.PDF:
            extraction.pdf_check(handle, name)
    except extraction.FileTypeError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    sha256 = digest.hexdigest()
    if document.files.filter(sha256=sha256).exists():
        raise ValidationError(
            {"file": _("“%(name)s” is already attached to this document.") % {"name": name}}
        )
    stored = DocumentFile(
        document=document,
        name=name,
        media_type=media_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    stored.file.save(name, File(handle, name=name), save=False)
    try:
        with transaction.atomic():
            stored.full_clean(exclude=["file"])
            stored.save()
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                instance=stored,
                changes={"name": [None, name], "size": [None, size], "sha256": [None, sha256]},
            )
            if not extract_now:
                from casm.core.services import job_enqueue

                job_enqueue(
                    kind="library.extract",
                    title=(_("Read the text of %(name)s") % {"name": name})[:150],
                    actor=actor,
                    params={"file": stored.pk},
                )
    except BaseException:
        _delete_stored(stored.file.name or "")  # nothing half-saved: no file without its record
        raise
    if extract_now:
        document_file_extract(file=stored)
    return stored


def document_file_extract(*, file: DocumentFile) -> DocumentFile:
    """Read a stored file's text and put it in the search index (when published)."""
    result = extraction.extract_text(Path(file.file.path), file.media_type)
    with transaction.atomic():
        DocumentFile.objects.filter(pk=file.pk).update(
            text=result.text,
            page_count=result.pages,
            language=result.language[:5],
            extraction=result.status,
            extraction_message=result.message[:500],
        )
        file.refresh_from_db()
        document = file.document
        if not document.languages and result.language in Language.values:
            document.languages = [result.language]
            Document.objects.filter(pk=document.pk).update(languages=document.languages)
        search_index_document(document)
    return file


def document_file_remove(*, actor: Any, file: DocumentFile) -> None:
    document = file.document
    if not can_edit_document(actor, document):
        raise PermissionDenied(_("You cannot remove files from this document now."))
    name = file.file.name or ""
    with transaction.atomic():
        model_delete(instance=file, actor=actor)
        search_index_document(document)
        transaction.on_commit(lambda: _delete_stored(name))


# --- Review workflow --------------------------------------------------------------------


def document_submit(*, actor: Any, document: Document) -> Document:
    """The submitter sends a draft to the editors."""
    if document.submitted_by_id != getattr(actor, "pk", None) and not is_library_editor(actor):
        raise PermissionDenied(_("Only the person who wrote this draft can submit it."))
    if document.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted."))
    if not document.url and not document.files.exists():
        raise ValidationError(
            _("Attach a file or give the document's address before submitting it.")
        )
    with transaction.atomic():
        document, _changes = model_update(
            instance=document,
            actor=actor,
            data={"status": Status.SUBMITTED, "submitted_at": timezone.now()},
        )
        editors = _editors()
        transaction.on_commit(lambda: _mail_editors(document, editors))
    return document


def document_review(*, actor: Any, document: Document, decision: str, comment: str = "") -> Review:
    """An editor approves (publishes), asks for revisions or rejects, with a comment."""
    _require_editor(actor)
    comment = extraction.clean_text(comment or "")
    if decision not in Review.Decision.values:
        raise ValidationError({"decision": _("Choose approve, revise or reject.")})
    allowed_from = (
        (Status.SUBMITTED, Status.DRAFT)
        if decision == Review.Decision.APPROVE
        else (Status.SUBMITTED,)
    )
    if document.status not in allowed_from:
        raise ValidationError(
            _("This document is %(status)s; it cannot be reviewed now.")
            % {"status": document.get_status_display()}
        )
    if decision != Review.Decision.APPROVE and not comment:
        raise ValidationError(
            {"comment": _("Say what should change, or why the document is rejected.")}
        )
    new_status: str = {
        Review.Decision.APPROVE: Status.PUBLISHED,
        Review.Decision.REVISE: Status.DRAFT,
        Review.Decision.REJECT: Status.REJECTED,
    }[Review.Decision(decision)]
    changes: dict[str, Any] = {"status": new_status}
    if new_status == Status.PUBLISHED and document.published_at is None:
        changes["published_at"] = timezone.now()
    with transaction.atomic():
        review = model_create(
            model=Review,
            actor=actor,
            data={"document": document, "editor": actor, "decision": decision, "comment": comment},
        )
        document, _changes = model_update(instance=document, actor=actor, data=changes)
        search_index_document(document)
        transaction.on_commit(lambda: _mail_submitter(document, review))
    return review


def document_withdraw(*, actor: Any, document: Document, reason: str) -> Document:
    _require_editor(actor)
    reason = extraction.clean_text(reason or "")
    if document.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published document can be withdrawn."))
    if not reason:
        raise ValidationError({"reason": _("Say why the document is withdrawn.")})
    with transaction.atomic():
        review = model_create(
            model=Review,
            actor=actor,
            data={
                "document": document,
                "editor": actor,
                "decision": Review.Decision.WITHDRAW,
                "comment": reason,
            },
        )
        document, _changes = model_update(
            instance=document, actor=actor, data={"status": Status.WITHDRAWN}
        )
        search_index_document(document)
        transaction.on_commit(lambda: _mail_submitter(document, review))
    return document


def _editors() -> list[Any]:
    from casm.accounts.selectors import users_holding

    return list(users_holding(permissions.Role.LIBRARY_EDITOR).exclude(email=""))


def _absolute(path: str) -> str:
    return settings.CASM_SITE_URL.rstrip("/") + path


def _mail_editors(document: Document, editors: list[Any]) -> None:
    link = _absolute(reverse("library:review_queue"))
    for editor in editors:
        mail_to(
            editor,
            lambda: (
                _("Document submitted for review: %(title)s") % {"title": document.title[:120]},
                _("“%(title)s” was submitted to the library and waits for review:\n%(link)s\n")
                % {"title": document.title, "link": link},
            ),
        )


def _mail_submitter(document: Document, review: Review) -> None:
    user = document.submitted_by
    if user is None or not user.email or user.pk == review.editor_id:
        return
    link = _absolute(reverse("library:document_detail", args=[document.pk]))

    def write() -> tuple[str, str]:
        subject = {
            Review.Decision.APPROVE: _("Your document is published: %(title)s"),
            Review.Decision.REVISE: _("Revisions requested: %(title)s"),
            Review.Decision.REJECT: _("Your document was not accepted: %(title)s"),
            Review.Decision.WITHDRAW: _("Your document was withdrawn: %(title)s"),
        }[Review.Decision(review.decision)] % {"title": document.title[:120]}
        parts = [
            _("Decision: %(decision)s") % {"decision": review.get_decision_display()},
            review.comment,
            link,
        ]
        return subject, "\n\n".join(part for part in parts if part) + "\n"

    mail_to(user, write)


# --- Comments, votes and visits ---------------------------------------------------------


def comment_add(*, actor: Any, document: Document, body: str) -> Comment:
    _require_member(actor)
    if document.status != Status.PUBLISHED:
        raise ValidationError(_("Comments are open on published documents only."))
    body = extraction.clean_text(body or "")
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > 5000:
        raise ValidationError({"body": _("A comment may be at most 5,000 characters.")})
    since = timezone.now() - datetime.timedelta(minutes=10)
    if Comment.objects.filter(
        document=document, author=actor, body=body, created_at__gte=since
    ).exists():
        raise ValidationError({"body": _("You have just sent this comment.")})
    return model_create(
        model=Comment, actor=actor, data={"document": document, "author": actor, "body": body}
    )


def comment_moderate(*, actor: Any, comment: Comment, approve: bool) -> Comment:
    _require_editor(actor)
    status = Comment.Status.APPROVED if approve else Comment.Status.REJECTED
    comment, _changes = model_update(
        instance=comment, actor=actor, data={"status": status, "moderated_by": actor}
    )
    return comment


def vote_record(*, actor: Any, document: Document, voter: str, helpful: bool) -> Vote:
    """One answer per voter; a second answer replaces the first."""
    if document.status != Status.PUBLISHED:
        raise ValidationError(_("Only published documents can be rated."))
    with transaction.atomic():
        vote = Vote.objects.select_for_update().filter(document=document, voter=voter).first()
        if vote is not None and vote.helpful == helpful:
            return vote
        if vote is None:
            vote = model_create(
                model=Vote,
                actor=actor,
                data={"document": document, "voter": voter, "helpful": helpful},
            )
            delta = {
                "helpful_yes" if helpful else "helpful_no": F(
                    "helpful_yes" if helpful else "helpful_no"
                )
                + 1
            }
        else:
            vote, _changes = model_update(instance=vote, actor=actor, data={"helpful": helpful})
            delta = {
                "helpful_yes": F("helpful_yes") + (1 if helpful else -1),
                "helpful_no": F("helpful_no") + (-1 if helpful else 1),
            }
        Document.objects.filter(pk=document.pk).update(**delta)
    return vote


_BOTS = re.compile(
    r"bot|crawl|spider|slurp|fetch|curl|wget|python-requests|httpx|scrapy|headless|monitor|preview|"
    r"facebookexternalhit|bingpreview|archive|feed|^$",
    re.I,
)


def is_bot(user_agent: str) -> bool:
    return bool(_BOTS.search(user_agent or ""))


def hit_record(*, document: Document, kind: str, visitor: str, user_agent: str) -> bool:
    """Count a view or download once per visitor and day; bots are not counted.

    Visits are counters, not edits, so they are not written to the audit log.
    """
    if document.status != Status.PUBLISHED or is_bot(user_agent):
        return False
    try:
        with transaction.atomic():
            Hit.objects.create(
                document=document, kind=kind, visitor=visitor[:64], day=timezone.localdate()
            )
    except IntegrityError:
        return False
    counter = "view_count" if kind == Hit.Kind.VIEW else "download_count"
    Document.objects.filter(pk=document.pk).update(**{counter: F(counter) + 1})
    return True


VISITOR_COOKIE = "casm_visitor"
_VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")


def visitor_key(request: Any, *, cookie: bool = True) -> str:
    """Who is visiting: the signed-in user, or an anonymous visitor's random cookie.

    A visitor without the cookie gets a new random id, kept on the request for the view to
    send back (``request.casm_new_visitor``). Clients that keep no cookies (the API:
    ``cookie=False``) are told apart by a hash of their address and browser string; neither
    is stored as such.
    """
    if getattr(request.user, "is_authenticated", False):
        return f"u{request.user.pk}"
    if not cookie:
        raw = "|".join(
            [
                settings.SECRET_KEY,
                request.META.get("REMOTE_ADDR", ""),
                request.META.get("HTTP_USER_AGENT", ""),
            ]
        )
        return "a" + hashlib.sha256(raw.encode()).hexdigest()[:40]
    value = request.COOKIES.get(VISITOR_COOKIE, "")
    if _VISITOR_ID.match(value):
        return "c" + value
    new = getattr(request, "casm_new_visitor", None) or secrets.token_hex(16)
    request.casm_new_visitor = new
    return "c" + new


# --- Collections ------------------------------------------------------------------------


def collection_create(
    *, actor: Any, data: dict[str, Any], documents: Iterable[Document] = ()
) -> Collection:
    _require_editor(actor)
    with transaction.atomic():
        collection = model_create(
            model=Collection,
            actor=actor,
            data={k: data[k] for k in ("title", "slug", "description") if k in data},
        )
        collection_set_documents(actor=actor, collection=collection, documents=documents)
    return collection


def collection_update(*, actor: Any, collection: Collection, data: dict[str, Any]) -> Collection:
    _require_editor(actor)
    collection, _changes = model_update(
        instance=collection, actor=actor, data=data, fields=("title", "slug", "description")
    )
    return collection


def collection_delete(*, actor: Any, collection: Collection) -> None:
    _require_editor(actor)
    model_delete(instance=collection, actor=actor)


def collection_set_documents(
    *, actor: Any, collection: Collection, documents: Iterable[Document]
) -> None:
    """Replace the collection's documents with ``documents``, in that order."""
    _require_editor(actor)
    ordered = list(dict.fromkeys(documents))
    old = list(collection.items.values_list("document_id", flat=True))
    new = [d.pk for d in ordered]
    if old == new:
        return
    with transaction.atomic():
        collection.items.all().delete()
        CollectionItem.objects.bulk_create(
            CollectionItem(collection=collection, document=d, position=i)
            for i, d in enumerate(ordered)
        )
        Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=collection,
            changes={"documents": [old, new]},
        )
