"""The contribution workflow through the web: a member writes and submits, an editor asks for
revisions, approves or rejects; files are checked before anything is kept; every page is for
the right people only."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casm.core.jobs import worker_loop
from casm.library import search, services
from casm.library.models import Collection, Comment, Document, DocumentFile, Review
from casm.library.tests.test_extraction import make_pdf

pytestmark = pytest.mark.django_db

Status = Document.Status


@pytest.fixture
def editor(make_user):
    return make_user("eddie", role="library_editor")


@pytest.fixture
def other_member(make_user):
    return make_user("otto")


@pytest.fixture
def draft(member):
    document = services.document_create(
        actor=member,
        data={"title": "Retorts in practice", "doc_type": "guidance_note", "year": 2011},
    )
    services.document_file_add(
        actor=member,
        document=document,
        handle=io.BytesIO(b"Mercury retorts recover the mercury."),
        name="retorts.txt",
    )
    return document


@pytest.fixture
def published(editor):
    return services.document_create(
        actor=editor,
        data={"title": "Mercury toolkit", "doc_type": "toolkit", "year": 2012},
        publish=True,
    )


def stored_files(settings):
    root = settings.MEDIA_ROOT / "library"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def found(text):
    result = search.document_search(search.SearchRequest(text=text))
    return [hit.document.title for hit in result.hits]


def page(response):
    return response.content.decode()


def create_data(**extra):
    data = {
        "title": "Gold panning without mercury",
        "subtitle": "A field guide",
        "abstract": "How cooperatives stop using mercury.",
        "authors": "Ama Mensah\nplanetGOLD (organisation)",
        "publisher": "CASM",
        "year": "2019",
        "doc_type": "guidance_note",
        "languages": ["en"],
        "themes": ["mercury", "health_safety"],
        "licence": "CC-BY-4.0",
    }
    data.update(extra)
    return data


def pdf_upload(pages, name="guide.pdf"):
    return SimpleUploadedFile(name, make_pdf(pages), content_type="application/pdf")


# --- The whole workflow -----------------------------------------------------------------------


def test_a_member_contributes_an_editor_asks_for_revisions_then_publishes(
    client, member, editor, country, django_capture_on_commit_callbacks
):
    client.force_login(member)
    data = create_data(countries=[country("GH").pk])
    data["file"] = pdf_upload(["Introduction", "Methods", "The word zirconquartz is here."])
    response = client.post(reverse("library:document_create"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("library:my_documents")
    document = Document.objects.get()
    assert document.status == Status.DRAFT and document.submitted_by == member
    assert [(a.name, a.kind) for a in document.authors.all()] == [
        ("Ama Mensah", "person"),
        ("planetGOLD", "organisation"),
    ]
    assert list(document.countries.values_list("alpha2", flat=True)) == ["GH"]

    files_url = reverse("library:document_files", args=[document.pk])
    assert "the text is being read" in page(client.get(files_url))
    assert worker_loop(once=True) == 1
    files_page = page(client.get(files_url))
    assert "text extracted" in files_page and "<td>3</td>" in files_page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library:document_submit", args=[document.pk]), follow=True)
    assert "Submitted; an editor will review it" in page(response)
    assert [m.to for m in mail.outbox] == [[editor.email]]

    client.force_login(editor)
    queue = page(client.get(reverse("library:review_queue")))
    assert "Gold panning without mercury" in queue
    review_url = reverse("library:document_review", args=[document.pk])
    review_page = page(client.get(review_url))
    assert "guide.pdf" in review_page and "planetGOLD (organisation)" in review_page
    response = client.post(review_url, {"decision": "revise", "comment": ""})
    assert response.status_code == 400
    assert "Say what should change" in page(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            review_url, {"decision": "revise", "comment": "Please add the year of the survey."}
        )
    assert response.status_code == 302
    assert mail.outbox[-1].to == [member.email]
    assert "Please add the year of the survey." in mail.outbox[-1].body

    client.force_login(member)
    mine = page(client.get(reverse("library:my_documents")))
    assert "revisions requested" in mine and "Please add the year of the survey." in mine
    edit_url = reverse("library:document_edit", args=[document.pk])
    form_page = page(client.get(edit_url))
    assert "planetGOLD (organisation)" in form_page
    response = client.post(edit_url, create_data(title="Gold panning without mercury (2019)"))
    assert response.status_code == 302
    client.post(reverse("library:document_submit", args=[document.pk]))

    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url, {"decision": "approve", "comment": ""})
    document.refresh_from_db()
    assert document.status == Status.PUBLISHED
    assert "Your document is published" in mail.outbox[-1].subject
    assert found("zirconquartz") == ["Gold panning without mercury (2019)"]


def test_an_editor_rejects_with_a_justification(client, member, editor, draft):
    services.document_submit(actor=member, document=draft)
    client.force_login(editor)
    url = reverse("library:document_review", args=[draft.pk])
    assert "Say what should change, or why" in page(client.post(url, {"decision": "reject"}))
    response = client.post(url, {"decision": "reject", "comment": "Out of scope: <b>not</b> ASM."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.REJECTED
    client.force_login(member)
    mine = page(client.get(reverse("library:my_documents")))
    assert "rejected" in mine and "Out of scope: &lt;b&gt;not&lt;/b&gt; ASM." in mine
    # A rejected document can no longer be changed or submitted by its author.
    assert client.get(reverse("library:document_edit", args=[draft.pk])).status_code == 403
    assert found("retorts") == []


def test_the_queue_lists_the_oldest_submission_first(client, member, editor):
    for title in ("First in", "Second in"):
        document = services.document_create(
            actor=member, data={"title": title, "doc_type": "report", "url": "https://ex.org/"}
        )
        services.document_submit(actor=member, document=document)
    client.force_login(editor)
    queue = page(client.get(reverse("library:review_queue")))
    assert queue.index("First in") < queue.index("Second in")


def test_an_editor_publishes_at_once_and_withdraws_with_a_reason(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("library:document_create"), create_data(url="https://example.org/g", publish="on")
    )
    document = Document.objects.get()
    assert response["Location"] == reverse("library:document_detail", args=[document.pk])
    assert document.status == Status.PUBLISHED
    assert found("cooperatives") == ["Gold panning without mercury"]

    withdraw_url = reverse("library:document_withdraw", args=[document.pk])
    response = client.post(withdraw_url, {"reason": ""}, follow=True)
    assert "Say why the document is withdrawn." in page(response)
    response = client.post(withdraw_url, {"reason": "Superseded by the 2021 edition."}, follow=True)
    assert "is withdrawn from the library" in page(response)
    document.refresh_from_db()
    assert document.status == Status.WITHDRAWN
    assert found("cooperatives") == []


def test_a_member_cannot_publish_at_once(client, member):
    client.force_login(member)
    assert 'name="publish"' not in page(client.get(reverse("library:document_create")))
    client.post(reverse("library:document_create"), create_data(publish="on"))
    assert Document.objects.get().status == Status.DRAFT


def test_submitting_twice_says_so_and_a_document_without_file_is_not_submitted(
    client, member, draft
):
    client.force_login(member)
    url = reverse("library:document_submit", args=[draft.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "already submitted" in page(response)
    assert Document.objects.get(pk=draft.pk).status == Status.SUBMITTED

    empty = services.document_create(actor=member, data={"title": "Empty", "doc_type": "news"})
    response = client.post(reverse("library:document_submit", args=[empty.pk]), follow=True)
    assert "Attach a file or give the document" in page(response)


def test_posting_the_create_form_twice_makes_two_drafts(client, member):
    client.force_login(member)
    for _ in range(2):
        assert client.post(reverse("library:document_create"), create_data()).status_code == 302
    assert Document.objects.filter(status=Status.DRAFT).count() == 2


def test_metadata_errors_from_the_services_show_on_the_form(client, member):
    client.force_login(member)
    response = client.post(
        reverse("library:document_create"),
        create_data(doi="not a doi", isbn="123", published_on="2015-05-01", year="2016"),
    )
    assert response.status_code == 400
    text = page(response)
    assert "A DOI looks like" in text and "not a valid ISBN" in text
    assert "The year and the date disagree." in text
    assert Document.objects.count() == 0


def test_supersedes_is_given_by_number_or_address(client, member, published):
    client.force_login(member)
    response = client.post(
        reverse("library:document_create"),
        create_data(supersedes=f"http://testserver/library/{published.pk}/"),
    )
    assert response.status_code == 302
    assert Document.objects.get(title="Gold panning without mercury").supersedes == published
    response = client.post(reverse("library:document_create"), create_data(supersedes="9999"))
    assert response.status_code == 400
    assert "Select a valid choice" in page(response)


# --- Files ------------------------------------------------------------------------------------


def encrypted_pdf():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf_page in PdfReader(io.BytesIO(make_pdf(["Secret"]))).pages:
        writer.add_page(pdf_page)
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("setup.pdf", lambda: b"MZ\x90\x00" + b"\x00" * 2000, "is not a real PDF file"),
        ("broken.pdf", lambda: make_pdf(["Some text"])[:300], "is damaged"),
        ("locked.pdf", encrypted_pdf, "protected by a password"),
        ("tool.exe", lambda: b"MZ\x90\x00" * 10, "are not accepted"),
        ("empty.txt", lambda: b"", "is empty"),
    ],
)
def test_a_refused_file_keeps_nothing(client, member, settings, name, make, message):
    client.force_login(member)
    data = create_data(file=SimpleUploadedFile(name, make()))
    response = client.post(reverse("library:document_create"), data)
    assert response.status_code == 400
    text = page(response)
    assert message in text
    assert 'value="Gold panning without mercury"' in text  # what was typed is kept
    assert Document.objects.count() == 0
    assert DocumentFile.objects.count() == 0
    assert stored_files(settings) == []


def test_a_file_over_the_limit_is_refused_with_a_clear_message(client, member, settings):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 4096
    client.force_login(member)
    data = create_data(file=SimpleUploadedFile("big.txt", b"mercury " * 1000))
    response = client.post(reverse("library:document_create"), data)
    assert response.status_code == 400
    text = page(response)
    assert "files may be at most 4.0\xa0KB" in text
    assert 'value="Gold panning without mercury"' in text
    assert Document.objects.count() == 0 and stored_files(settings) == []


def test_an_announced_huge_upload_is_refused_before_it_is_read(client, member, settings):
    """The request is larger than the limit: the file is never kept, the form still answers."""
    settings.LIBRARY_MAX_UPLOAD_BYTES = 4096
    client.force_login(member)
    data = create_data(file=SimpleUploadedFile("huge.txt", b"x" * (2 * 1024 * 1024)))
    response = client.post(reverse("library:document_create"), data)
    assert response.status_code == 400
    assert "The file is 2.0\xa0MB; files may be at most 4.0\xa0KB." in page(response)
    assert Document.objects.count() == 0 and stored_files(settings) == []


def test_the_files_page_says_a_file_is_too_large_rather_than_missing(
    client, member, draft, settings
):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 4096
    client.force_login(member)
    before = stored_files(settings)
    url = reverse("library:document_files", args=[draft.pk])
    response = client.post(url, {"file": SimpleUploadedFile("big.txt", b"x" * (200 * 1024))})
    assert response.status_code == 400
    text = page(response)
    assert "files may be at most 4.0\xa0KB" in text
    assert "This field is required." not in text
    assert stored_files(settings) == before


def test_the_files_page_adds_and_removes_a_file_after_confirmation(
    client, member, draft, settings, django_capture_on_commit_callbacks
):
    client.force_login(member)
    url = reverse("library:document_files", args=[draft.pk])
    response = client.post(url, {"file": pdf_upload(["Annex on water"], "annex.pdf")})
    assert response.status_code == 302
    assert "annex.pdf" in page(client.get(url))
    assert len(stored_files(settings)) == 2

    response = client.post(url, {"file": SimpleUploadedFile("annex.txt", b"")})
    assert response.status_code == 400 and "is empty" in page(response)

    annex = draft.files.get(name="annex.pdf")
    confirm = page(client.get(url, {"remove": annex.pk}))
    assert "Remove “annex.pdf” from this document?" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"remove": annex.pk}, follow=True)
    assert "“annex.pdf” removed." in page(response)
    assert list(draft.files.values_list("name", flat=True)) == ["retorts.txt"]
    assert len(stored_files(settings)) == 1


def test_files_of_a_submitted_document_are_shown_but_not_changed(client, member, draft):
    services.document_submit(actor=member, document=draft)
    client.force_login(member)
    url = reverse("library:document_files", args=[draft.pk])
    text = page(client.get(url))
    assert "retorts.txt" in text and "Upload" not in text
    response = client.post(url, {"file": SimpleUploadedFile("more.txt", b"more")})
    assert response.status_code == 403
    assert client.post(url, {"remove": draft.files.get().pk}).status_code == 403


# --- Hostile text -----------------------------------------------------------------------------


def test_scripts_in_titles_abstracts_and_comments_are_shown_as_text(
    client, member, editor, published
):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.force_login(member)
    client.post(reverse("library:document_create"), create_data(title=script, abstract=script))
    document = Document.objects.get(submitted_by=member)
    services.comment_add(actor=member, document=published, body=script)
    mine = page(client.get(reverse("library:my_documents")))
    assert "<script>alert" not in mine and "&lt;script&gt;alert" in mine
    assert "<img src=x" not in mine

    client.force_login(editor)
    for url in (
        reverse("library:review_queue"),
        reverse("library:document_review", args=[document.pk]),
        reverse("library:document_edit", args=[document.pk]),
    ):
        text = page(client.get(url))
        assert "<script>alert" not in text and "<img src=x" not in text, url


# --- Comments and collections -----------------------------------------------------------------


def test_an_editor_moderates_comments_from_the_queue(client, member, editor, published):
    kind = services.comment_add(actor=member, document=published, body="Very useful, thanks.")
    rude = services.comment_add(actor=member, document=published, body="Buy cheap gold now")
    client.force_login(editor)
    queue = page(client.get(reverse("library:review_queue")))
    assert "Very useful, thanks." in queue and "Buy cheap gold now" in queue
    client.post(reverse("library:comment_moderate", args=[kind.pk]), {"decision": "approve"})
    response = client.post(
        reverse("library:comment_moderate", args=[rude.pk]), {"decision": "reject"}, follow=True
    )
    assert "Comment rejected." in page(response)
    assert Comment.objects.get(pk=kind.pk).status == Comment.Status.APPROVED
    assert Comment.objects.get(pk=rude.pk).status == Comment.Status.REJECTED
    assert "No comment is waiting for moderation." in page(response)
    # Moderating from the document's page goes back there, never to another site.
    back = reverse("library:document_detail", args=[published.pk])
    response = client.post(
        reverse("library:comment_moderate", args=[kind.pk]), {"decision": "approve", "next": back}
    )
    assert response["Location"] == back
    response = client.post(
        reverse("library:comment_moderate", args=[kind.pk]),
        {"decision": "approve", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("library:review_queue")


def test_an_editor_makes_an_ordered_collection_and_edits_it(client, editor, published):
    second = services.document_create(
        actor=editor, data={"title": "Retort designs", "doc_type": "toolkit"}, publish=True
    )
    client.force_login(editor)
    response = client.post(
        reverse("library:collection_create"),
        {
            "title": "Mercury toolkit",
            "slug": "mercury-toolkit",
            "description": "Everything on retorts.",
            "documents": f"{second.pk}\n/library/{published.pk}/\n",
        },
    )
    assert response["Location"] == reverse("library:collection_detail", args=["mercury-toolkit"])
    collection = Collection.objects.get()
    assert [i.document_id for i in collection.items.all()] == [second.pk, published.pk]

    edit_url = reverse("library:collection_edit", args=["mercury-toolkit"])
    form_page = page(client.get(edit_url))
    assert f"{second.pk} Retort designs" in form_page
    response = client.post(
        edit_url,
        {"title": "Mercury toolkit", "slug": "mercury-toolkit", "documents": "12345\nnonsense"},
    )
    assert response.status_code == 400
    assert "These lines do not name a document: nonsense; 12345." in page(response)
    client.post(
        edit_url,
        {
            "title": "Mercury toolkit (2012)",
            "slug": "mercury-toolkit",
            "documents": f"{published.pk} Mercury toolkit\n{second.pk}",
        },
    )
    collection.refresh_from_db()
    assert collection.title == "Mercury toolkit (2012)"
    assert [i.document_id for i in collection.items.all()] == [published.pk, second.pk]


def test_a_collection_short_name_is_unique(client, editor):
    services.collection_create(actor=editor, data={"title": "A", "slug": "taken"})
    client.force_login(editor)
    response = client.post(reverse("library:collection_create"), {"title": "B", "slug": "taken"})
    assert response.status_code == 400
    assert Collection.objects.count() == 1


# --- Who may do what --------------------------------------------------------------------------


@pytest.fixture
def people(member, other_member, editor, ghana_officer, admin_user):
    return {
        "anonymous": None,
        "owner": member,
        "other member": other_member,
        "data officer": ghana_officer,
        "editor": editor,
        "administrator": admin_user,
    }


# Expected answers for a draft of "owner" (302: the action was done and redirected).
DRAFT_PAGES = [
    ("document_create", "get", {}),
    ("my_documents", "get", {}),
    ("review_queue", "get", {}),
    ("document_edit", "get", {}),
    ("document_files", "get", {}),
    ("document_submit", "post", {}),
    ("document_review", "get", {}),
    ("document_withdraw", "post", {"reason": "Outdated"}),
    ("collection_create", "get", {}),
]
EXPECTED = {
    #                   create my  queue edit files submit review withdraw collection
    "owner": [200, 200, 403, 200, 200, 302, 403, 403, 403],
    "other member": [200, 200, 403, 404, 404, 404, 404, 404, 403],
    "data officer": [200, 200, 403, 404, 404, 404, 404, 404, 403],
    "editor": [200, 200, 200, 200, 200, 302, 200, 302, 200],
    "administrator": [200, 200, 200, 200, 200, 302, 200, 302, 200],
}


def _url(name, document):
    if name in ("document_create", "my_documents", "review_queue", "collection_create"):
        return reverse(f"library:{name}")
    return reverse(f"library:{name}", args=[document.pk])


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_page_answers_each_person(client, people, draft, who):
    client.force_login(people[who])
    answers = []
    for name, method, data in DRAFT_PAGES:
        response = getattr(client, method)(_url(name, draft), data)
        answers.append(response.status_code)
    assert answers == EXPECTED[who]


def test_every_page_asks_a_visitor_to_sign_in(client, draft, published, editor):
    comment = services.comment_add(actor=editor, document=published, body="Fine")
    services.collection_create(actor=editor, data={"title": "C", "slug": "c"})
    urls = [_url(name, draft) for name, _method, _data in DRAFT_PAGES] + [
        reverse("library:comment_moderate", args=[comment.pk]),
        reverse("library:collection_edit", args=["c"]),
    ]
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("accounts:login")), url
    assert Document.objects.get(pk=draft.pk).status == Status.DRAFT


def test_actions_answer_405_to_get(client, member, editor, draft, published):
    comment = services.comment_add(actor=member, document=published, body="Fine")
    client.force_login(editor)
    for url in (
        reverse("library:document_submit", args=[draft.pk]),
        reverse("library:document_withdraw", args=[published.pk]),
        reverse("library:comment_moderate", args=[comment.pk]),
    ):
        assert client.get(url).status_code == 405, url
    client.force_login(member)
    assert client.get(reverse("library:document_submit", args=[draft.pk])).status_code == 405


def test_members_may_not_moderate_or_arrange_collections(
    client, member, editor, ghana_officer, published
):
    comment = services.comment_add(actor=member, document=published, body="Fine")
    services.collection_create(actor=editor, data={"title": "C", "slug": "c"})
    for person in (member, ghana_officer):
        client.force_login(person)
        moderate = reverse("library:comment_moderate", args=[comment.pk])
        assert client.post(moderate, {"decision": "approve"}).status_code == 403
        assert client.get(reverse("library:collection_edit", args=["c"])).status_code == 403
        assert client.post(reverse("library:collection_create"), {}).status_code == 403
    assert Comment.objects.get().status == Comment.Status.PENDING
    client.force_login(editor)
    assert client.post(reverse("library:comment_moderate", args=[999]), {}).status_code == 404
    assert client.get(reverse("library:collection_edit", args=["nope"])).status_code == 404
    assert client.get(reverse("library:collection_edit", args=["c"])).status_code == 200


def test_a_member_sees_a_published_document_but_cannot_change_it(client, other_member, published):
    client.force_login(other_member)
    assert client.get(reverse("library:document_edit", args=[published.pk])).status_code == 403
    assert client.get(reverse("library:document_files", args=[published.pk])).status_code == 200
    assert client.get(reverse("library:document_review", args=[published.pk])).status_code == 403
    response = client.post(reverse("library:document_submit", args=[published.pk]))
    assert response.status_code == 403
    assert Document.objects.get(pk=published.pk).status == Status.PUBLISHED
    assert not Review.objects.exists()


def test_my_documents_lists_only_mine(client, member, other_member, draft):
    services.document_create(actor=other_member, data={"title": "Not mine", "doc_type": "news"})
    client.force_login(member)
    text = page(client.get(reverse("library:my_documents")))
    assert "Retorts in practice" in text and "Not mine" not in text
    assert "Submit for review" in text


def test_the_upload_forms_check_the_csrf_token(member, draft):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    for url in (
        reverse("library:document_create"),
        reverse("library:document_files", args=[draft.pk]),
    ):
        assert browser.post(url, create_data()).status_code == 403
    text = page(browser.get(reverse("library:document_create")))
    token = text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    data = create_data(csrfmiddlewaretoken=token, file=SimpleUploadedFile("a.txt", b"mercury"))
    assert browser.post(reverse("library:document_create"), data).status_code == 302
    assert Document.objects.filter(title="Gold panning without mercury").get().files.count() == 1


def test_lists_do_not_query_per_row(
    client, member, editor, published, django_assert_max_num_queries
):
    for number in range(20):
        document = services.document_create(
            actor=member,
            data={"title": f"Report {number}", "doc_type": "report", "url": "https://ex.org/"},
        )
        services.document_submit(actor=member, document=document)
        services.comment_add(actor=member, document=published, body=f"Comment {number}")
    client.force_login(member)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("library:my_documents")).status_code == 200
    client.force_login(editor)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("library:review_queue")).status_code == 200


def test_a_second_decision_on_the_same_document_is_explained(client, member, editor, draft):
    services.document_submit(actor=member, document=draft)
    client.force_login(editor)
    url = reverse("library:document_review", args=[draft.pk])
    client.post(url, {"decision": "approve"})
    response = client.post(url, {"decision": "reject", "comment": "Too late"}, follow=True)
    assert "This document is published; it cannot be reviewed now." in page(response)
    assert Document.objects.get(pk=draft.pk).status == Status.PUBLISHED
    assert Review.objects.count() == 1


def test_an_editor_corrects_a_submission_before_deciding(client, member, editor, draft):
    services.document_submit(actor=member, document=draft)
    client.force_login(editor)
    edit_url = reverse("library:document_edit", args=[draft.pk])
    response = client.post(edit_url, create_data(title="Retorts in practice (2nd ed.)"))
    assert response["Location"] == reverse("library:document_review", args=[draft.pk])
    assert Document.objects.get(pk=draft.pk).title == "Retorts in practice (2nd ed.)"
