"""E-mails are written in the recipient's language, whoever's request sent them."""

from django.core import mail
from django.utils import translation

from casm.accounts.models import User
from casm.core.models import AuditEvent
from casm.events.services import registration_create
from casm.events.tests.factories import TODAY, make_event, registration_data
from casm.library import services as library


def test_a_language_picked_while_signed_in_is_kept_on_the_account(login, member, client):
    signed_in = login(member)
    answer = signed_in.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert answer.status_code == 302
    member.refresh_from_db()
    assert member.language == "fr"
    assert AuditEvent.objects.filter(model="accounts.user", object_id=str(member.pk)).exists()
    signed_in.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not offered
    member.refresh_from_db()
    assert member.language == "fr"


def test_a_visitor_picking_a_language_changes_no_account(client, member):
    assert client.post("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    assert not User.objects.exclude(language="").exists()


def test_an_editor_reads_a_submission_in_french_sent_from_an_english_request(
    member, make_user, django_capture_on_commit_callbacks
):
    editor = make_user("editeur", role="library_editor", language="fr")
    english = make_user("reader", role="library_editor")
    draft = library.document_create(
        actor=member,
        data={"title": "Retorts in practice", "doc_type": "guidance_note", "year": 2011,
              "url": "https://example.org/retorts"},
    )  # fmt: skip
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        library.document_submit(actor=member, document=draft)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[editor.email].subject.startswith("Document soumis")
    assert by_address[english.email].subject.startswith("Document submitted for review")
    assert translation.get_language() == "en"  # the request's language is left as it was


def test_an_attendee_reads_the_confirmation_in_french_with_french_dates(
    make_user, django_capture_on_commit_callbacks
):
    attendee = make_user("awa", language="fr")
    event = make_event(capacity=2)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        registration_create(actor=attendee, event=event, data=registration_data(), today=TODAY)
    (message,) = mail.outbox
    assert message.subject.startswith("Inscription confirmée")
    assert "10 mars 2027 – 12 mars 2027" in message.body
    assert "March" not in message.body
