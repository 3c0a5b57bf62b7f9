"""The library's rules, whatever the door: files checked before anything is kept, the review
workflow's steps and e-mails, comments, votes and visits."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.jobs import worker_loop
from casm.core.models import AuditEvent, Job
from casm.library import services
from casm.library.models import Comment, Document, DocumentFile, Hit, Review
from casm.library.tests.test_extraction import make_pdf


@pytest.fixture
def editor(make_user):
    return make_user("editor", role="library_editor")


@pytest.fixture
def draft(member):
    return services.document_create(
        actor=member,
        data={"title": "Retorts in practice", "doc_type": "guidance_note", "year": 2011},
        authors=["A. Author", {"name": "planetGOLD", "kind": "organisation"}],
    )


def add(actor, document, data, name, **options):
    return services.document_file_add(
        actor=actor, document=document, handle=io.BytesIO(data), name=name, **options
    )


def stored_files(settings):
    root = settings.MEDIA_ROOT / "library"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_member_creates_a_draft_with_authors(draft, member):
    assert draft.status == Document.Status.DRAFT
    assert draft.submitted_by == member
    assert [a.name for a in draft.authors.all()] == ["A. Author", "planetGOLD"]
    assert AuditEvent.objects.filter(model="library.document", object_id=str(draft.pk)).exists()


def test_metadata_is_checked(member):
    with pytest.raises(ValidationError) as caught:
        services.document_create(
            actor=member,
            data={
                "title": "X",
                "doc_type": "novel",
                "themes": ["mercury", "astrology"],
                "doi": "not a doi",
                "isbn": "123",
                "year": 1500,
            },
        )
    assert set(caught.value.message_dict) >= {"doc_type", "themes", "doi", "isbn", "year"}
    assert not Document.objects.exists()


def test_identifiers_are_normalised(member):
    document = services.document_create(
        actor=member,
        data={
            "title": "X",
            "doc_type": "report",
            "doi": "https://doi.org/10.1596/978-0-8213-9470-2",
            "isbn": "978-0-306-40615-7",
        },
    )
    assert document.doi == "10.1596/978-0-8213-9470-2"
    assert document.isbn == "9780306406157"


def test_only_editors_publish_directly(member):
    with pytest.raises(PermissionDenied):
        services.document_create(
            actor=member, data={"title": "X", "doc_type": "report"}, publish=True
        )


def test_an_upload_is_extracted_by_the_worker(draft, member):
    file = add(member, draft, make_pdf(["one", "two", "third page word zirconquartz"]), "g.pdf")
    assert file.extraction == DocumentFile.Extraction.PENDING
    assert Job.objects.get().kind == "library.extract"
    assert worker_loop(once=True) == 1
    file.refresh_from_db()
    assert file.extraction == DocumentFile.Extraction.DONE
    assert file.page_count == 3
    assert "zirconquartz" in file.text
    assert Job.objects.get().status == Job.Status.DONE


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 64, "toolkit.pdf", "not a real PDF"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "broken.pdf", "damaged"),
        (b"", "empty.txt", "empty"),
        (b"#!/bin/sh\nrm -rf /", "run.sh", "not accepted"),
    ],
)
def test_a_refused_file_leaves_nothing_behind(draft, member, settings, data, name, message):
    with pytest.raises(ValidationError, match=message):
        add(member, draft, data, name)
    assert not DocumentFile.objects.exists()
    assert not Job.objects.exists()
    assert stored_files(settings) == []


def test_the_size_limit_is_said_in_plain_words(draft, member, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 2048
    with pytest.raises(ValidationError) as caught:
        add(member, draft, b"x" * 5000, "big.txt")
    assert caught.value.messages == ["The file is 4.9\xa0KB; files may be at most 2.0\xa0KB."]
    assert stored_files(settings) == []


def test_the_same_file_twice_is_refused(draft, member):
    add(member, draft, b"some text", "a.txt")
    with pytest.raises(ValidationError, match="already attached"):
        add(member, draft, b"some text", "copy.txt")


def test_another_member_cannot_touch_a_draft(draft, make_user):
    stranger = make_user("stranger")
    with pytest.raises(PermissionDenied):
        services.document_update(actor=stranger, document=draft, data={"title": "Mine now"})
    with pytest.raises(PermissionDenied):
        add(stranger, draft, b"text", "a.txt")
    with pytest.raises(PermissionDenied):
        services.document_submit(actor=stranger, document=draft)


@pytest.fixture
def on_commit(monkeypatch):
    """Run what services leave for after the commit (e-mails, file removal) at once."""
    monkeypatch.setattr(
        "casm.library.services.transaction.on_commit", lambda function, *a, **k: function()
    )


@pytest.mark.usefixtures("on_commit")
def test_review_workflow_with_emails(draft, member, editor):
    with pytest.raises(ValidationError, match="Attach a file"):
        services.document_submit(actor=member, document=draft)
    add(member, draft, b"Use a retort to recover mercury.", "r.txt", extract_now=True)
    services.document_submit(actor=member, document=draft)
    assert draft.status == Document.Status.SUBMITTED
    assert [m.to for m in mail.outbox] == [["editor@example.org"]]
    with pytest.raises(ValidationError, match="Only a draft"):
        services.document_submit(actor=member, document=draft)

    with pytest.raises(PermissionDenied):
        services.document_review(actor=member, document=draft, decision="approve")
    with pytest.raises(ValidationError):
        services.document_review(actor=editor, document=draft, decision="revise")
    services.document_review(
        actor=editor, document=draft, decision="revise", comment="Add the year of the field work."
    )
    assert draft.status == Document.Status.DRAFT
    assert "Add the year" in mail.outbox[-1].body
    assert mail.outbox[-1].to == [member.email]

    services.document_update(actor=member, document=draft, data={"year": 2012})
    services.document_submit(actor=member, document=draft)
    services.document_review(actor=editor, document=draft, decision="approve")
    assert draft.status == Document.Status.PUBLISHED
    assert draft.published_at is not None
    assert "published" in mail.outbox[-1].subject
    with pytest.raises(PermissionDenied):
        services.document_update(actor=member, document=draft, data={"title": "Changed"})
    assert list(draft.reviews.values_list("decision", flat=True)) == ["approve", "revise"]


def test_rejection_needs_a_justification(draft, member, editor):
    add(member, draft, b"text", "r.txt")
    services.document_submit(actor=member, document=draft)
    with pytest.raises(ValidationError, match="why"):
        services.document_review(actor=editor, document=draft, decision="reject", comment=" ")
    services.document_review(
        actor=editor, document=draft, decision="reject", comment="Out of scope."
    )
    assert draft.status == Document.Status.REJECTED
    assert Review.objects.get().comment == "Out of scope."


@pytest.fixture
def published(editor):
    return services.document_create(
        actor=editor, data={"title": "Published", "doc_type": "toolkit"}, publish=True
    )


def test_comments_wait_for_moderation(published, member, editor):
    comment = services.comment_add(actor=member, document=published, body="<b>Useful</b>")
    assert comment.status == Comment.Status.PENDING
    with pytest.raises(ValidationError, match="just sent"):
        services.comment_add(actor=member, document=published, body="<b>Useful</b>")
    with pytest.raises(PermissionDenied):
        services.comment_moderate(actor=member, comment=comment, approve=True)
    services.comment_moderate(actor=editor, comment=comment, approve=True)
    assert comment.status == Comment.Status.APPROVED


def test_votes_count_once_per_voter(published, member):
    services.vote_record(actor=member, document=published, voter="u1", helpful=True)
    services.vote_record(actor=member, document=published, voter="u1", helpful=True)
    services.vote_record(actor=None, document=published, voter="a2", helpful=False)
    published.refresh_from_db()
    assert (published.helpful_yes, published.helpful_no) == (1, 1)
    services.vote_record(actor=member, document=published, voter="u1", helpful=False)
    published.refresh_from_db()
    assert (published.helpful_yes, published.helpful_no) == (0, 2)


def test_visits_count_once_a_day_and_never_for_bots(published):
    browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    assert services.hit_record(document=published, kind="view", visitor="a1", user_agent=browser)
    assert not services.hit_record(
        document=published, kind="view", visitor="a1", user_agent=browser
    )
    assert not services.hit_record(
        document=published, kind="view", visitor="b1", user_agent="Googlebot/2.1"
    )
    assert services.hit_record(
        document=published, kind="download", visitor="a1", user_agent=browser
    )
    published.refresh_from_db()
    assert (published.view_count, published.download_count) == (1, 1)
    assert Hit.objects.count() == 2


@pytest.mark.usefixtures("on_commit")
def test_a_draft_can_be_deleted_with_its_files(draft, member, settings):
    add(member, draft, b"text", "a.txt", extract_now=True)
    services.document_delete(actor=member, document=draft)
    assert not Document.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.usefixtures("on_commit")
def test_withdrawal_is_recorded_and_the_submitter_told(draft, member, editor):
    add(member, draft, b"Retorts.", "r.txt")
    services.document_submit(actor=member, document=draft)
    services.document_review(actor=editor, document=draft, decision="approve")
    with pytest.raises(ValidationError, match="why"):
        services.document_withdraw(actor=editor, document=draft, reason="")
    services.document_withdraw(
        actor=editor, document=draft, reason="Superseded by the 2020 edition."
    )
    assert draft.status == Document.Status.WITHDRAWN
    assert draft.reviews.first().decision == Review.Decision.WITHDRAW
    assert mail.outbox[-1].to == [member.email]
    assert "withdrawn" in mail.outbox[-1].subject
    assert "Superseded by the 2020 edition." in mail.outbox[-1].body
