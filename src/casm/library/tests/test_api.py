"""The library's API as its users meet it: search with facets, documents and files, the review
workflow and collections, each endpoint answering every persona as their rights allow."""

from __future__ import annotations

import io
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casm.accounts.models import User
from casm.library import services
from casm.library.models import Document
from casm.library.tests.test_extraction import make_pdf

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def upload(name, data, content_type="application/octet-stream"):
    return {"file": SimpleUploadedFile(name, data, content_type)}


@pytest.fixture
def editor(make_user):
    return make_user("edith", role=User.Role.LIBRARY_EDITOR)


@pytest.fixture
def other_member(make_user):
    return make_user("otto")


def add_file(actor, document, data, name, extract_now=True):
    return services.document_file_add(
        actor=actor, document=document, handle=io.BytesIO(data), name=name, extract_now=extract_now
    )


@pytest.fixture
def world(member, editor, country):
    """A published toolkit with a file, a member's draft with a file, a member's submission,
    and a collection."""
    published = services.document_create(
        actor=editor,
        data={
            "title": "Mercury-free gold processing",
            "abstract": "Retorts and concentration tables instead of whole-ore amalgamation.",
            "doc_type": "toolkit",
            "year": 2015,
            "themes": ["mercury", "health_safety"],
            "pillars": ["environment"],
            "languages": ["en"],
            "countries": [country("GH"), country("CD")],
            "licence": "CC-BY-4.0",
            "publisher": "UNEP",
        },
        authors=["Ama Mensah", {"name": "planetGOLD", "kind": "organisation"}],
        publish=True,
    )
    published_file = add_file(
        editor, published, b"Retorts recover mercury from amalgam.", "retorts.txt"
    )
    draft = services.document_create(
        actor=member, data={"title": "My field notes", "doc_type": "report", "year": 2020}
    )
    draft_file = add_file(
        member, draft, b"Notes from Prestea on mercury use.", "notes.txt", extract_now=False
    )
    submitted = services.document_create(
        actor=member,
        data={
            "title": "Cooperatives in Kivu",
            "doc_type": "research_paper",
            "url": "https://example.org/kivu",
        },
    )
    services.document_submit(actor=member, document=submitted)
    services.collection_create(
        actor=editor,
        data={"title": "Mercury toolkit", "slug": "mercury-toolkit"},
        documents=[published, draft],
    )
    return {
        "published": published.pk,
        "published_file": published_file.pk,
        "draft": draft.pk,
        "draft_file": draft_file.pk,
        "submitted": submitted.pk,
    }


PERSONAS = ["anonymous", "member", "other_member", "ghana_officer", "editor", "admin_user"]
ANYONE: dict[str, int] = {}
OWN = {"anonymous": 404, "other_member": 404, "ghana_officer": 404}
SIGNED_IN = {"anonymous": 401}
EDITORS = {"anonymous": 401, "member": 403, "other_member": 403, "ghana_officer": 403}
OWN_WRITE = {"anonymous": 401, "other_member": 404, "ghana_officer": 404}
# The member's submission: theirs to see, no longer theirs to change; editors decide.
REVIEW = {"anonymous": 401, "member": 403, "other_member": 404, "ghana_officer": 404}


def _new_document(w):
    return {"title": "Women in ASM", "type": "research_paper", "countries": ["gh"]}


ENDPOINTS = [
    ("get", "/library/search?q=mercury", None, ANYONE, 200),
    ("get", "/library/documents", None, ANYONE, 200),
    ("get", "/library/documents/{published}", None, ANYONE, 200),
    ("get", "/library/documents/{draft}", None, OWN, 200),
    ("get", "/library/documents/{submitted}", None, OWN, 200),
    ("post", "/library/documents", _new_document, SIGNED_IN, 201),
    ("post", "/library/documents", lambda w: {**_new_document(w), "publish": True}, EDITORS, 201),
    ("patch", "/library/documents/{draft}", lambda w: {"year": 2021}, OWN_WRITE, 200),
    ("patch", "/library/documents/{published}", lambda w: {"year": 2016}, EDITORS, 200),
    ("delete", "/library/documents/{draft}", None, OWN_WRITE, 204),
    (
        "delete",
        "/library/documents/{published}",
        None,
        EDITORS | {"editor": 403, "admin_user": 403},
        403,
    ),
    (
        "multipart",
        "/library/documents/{draft}/files",
        lambda w: upload("more.txt", b"More notes."),
        OWN_WRITE,
        201,
    ),
    (
        "multipart",
        "/library/documents/{published}/files",
        lambda w: upload("annex.txt", b"An annex."),
        EDITORS,
        201,
    ),
    ("get", "/library/documents/{published}/files/{published_file}", None, ANYONE, 200),
    ("get", "/library/documents/{draft}/files/{draft_file}", None, OWN, 200),
    (
        "get",
        "/library/documents/{draft}/files/{published_file}",
        None,
        OWN | {"member": 404, "editor": 404, "admin_user": 404},
        404,
    ),
    ("post", "/library/documents/{draft}/submit", None, OWN_WRITE, 200),
    (
        "post",
        "/library/documents/{submitted}/review",
        lambda w: {"decision": "approve"},
        REVIEW,
        200,
    ),
    (
        "post",
        "/library/documents/{published}/withdraw",
        lambda w: {"reason": "Superseded."},
        EDITORS,
        200,
    ),
    ("get", "/library/collections", None, ANYONE, 200),
    ("get", "/library/collections/mercury-toolkit", None, ANYONE, 200),
    ("get", "/library/collections/nothing-here", None, ANYONE | {p: 404 for p in PERSONAS}, 404),
    ("get", "/library/oai?verb=Identify", None, ANYONE, 200),
    ("post", "/library/oai?verb=Identify", None, ANYONE, 200),
    ("get", "/library/catalog.jsonld", None, ANYONE, 200),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected", "allowed"),
    ENDPOINTS,
    ids=[f"{method} {path}" for method, path, *_rest in ENDPOINTS],
)
def test_every_endpoint_answers_each_persona_as_their_rights_allow(
    client, request, token_for, world, persona, method, path, body, expected, allowed
):
    headers = {} if persona == "anonymous" else token_for(request.getfixturevalue(persona))
    url = "/api/v1" + path.format(**world)
    if method == "multipart":
        response = client.post(url, body(world), **headers)
    else:
        kwargs = {"content_type": "application/json"}
        if body is not None:
            kwargs["data"] = json.dumps(body(world))
        response = getattr(client, method)(url, **kwargs, **headers)
    status = expected.get(persona, allowed)
    assert response.status_code == status, body_of(response)[:500]
    if status >= 400:
        assert error_of(response)["code"] in {"unauthenticated", "forbidden", "not_found"}


# --- Authentication ----------------------------------------------------------------------


def test_the_browser_session_reads_drafts_and_writes_with_the_csrf_token(world, member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    assert browser.get(f"/api/v1/library/documents/{world['draft']}").status_code == 200
    refused = browser.post(
        "/api/v1/library/documents",
        json.dumps({"title": "X", "type": "report"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    token = "k" * 32  # the secret a page of the site would have set in the cookie
    browser.cookies["csrftoken"] = token
    made = browser.post(
        "/api/v1/library/documents",
        json.dumps({"title": "With the token", "type": "report"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "draft"


def test_a_wrong_token_is_refused_even_where_anyone_may_read(client, world):
    response = client.get(
        "/api/v1/library/documents", HTTP_AUTHORIZATION="Bearer casm_not-a-real-token"
    )
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


# --- Search ------------------------------------------------------------------------------


def test_search_finds_words_in_files_with_snippets_facets_and_labels(client, world):
    page = client.get("/api/v1/library/search", {"q": "amalgam"}).json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["id"] == world["published"]
    assert item["title"] == "Mercury-free gold processing"
    assert item["type"] == "toolkit"
    assert item["year"] == 2015
    assert item["authors"] == ["Ama Mensah", "planetGOLD"]
    assert "<mark>" in item["snippet"]
    assert item["url"].endswith(f"/library/{world['published']}/")
    assert item["score"] > 0
    facets = page["facets"]
    assert {"value": "toolkit", "label": "toolkit", "count": 1} in facets["type"]
    assert {"value": "GH", "label": "Ghana", "count": 1} in facets["country"]
    assert {"value": "health_safety", "label": "health and safety", "count": 1} in facets["theme"]
    assert facets["language"] == [{"value": "en", "label": "English", "count": 1}]


def test_search_takes_several_values_of_a_facet(client, editor, world, country):
    services.document_create(
        actor=editor,
        data={
            "title": "Gender and mining",
            "doc_type": "report",
            "themes": ["gender"],
            "year": 2019,
        },
        publish=True,
    )

    def titles(**params):
        response = client.get("/api/v1/library/search", params)
        assert response.status_code == 200, response.content
        return sorted(item["title"] for item in response.json()["items"])

    assert titles(theme=["mercury", "gender"]) == [
        "Gender and mining",
        "Mercury-free gold processing",
    ]
    assert titles(theme=["gender"]) == ["Gender and mining"]
    assert titles(country=["cd"]) == ["Mercury-free gold processing"]
    assert titles(year_from=2016, year_to=2020) == ["Gender and mining"]
    assert titles(type=["report", "toolkit"], sort="date") == [
        "Gender and mining",
        "Mercury-free gold processing",
    ]
    assert titles(q="mining", pillar=["environment"]) == []


def test_search_never_sees_drafts(client, world, token_for, member):
    page = client.get("/api/v1/library/search", {"q": "field notes"}, **token_for(member)).json()
    assert page["count"] == 0


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', "mercury*", "NEAR(gold", "AND OR NOT", "((()", "-mercury", "a" * 5000, "'; --"],
)
def test_any_query_text_is_answered(client, world, text):
    response = client.get("/api/v1/library/search", {"q": text})
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"count", "items", "facets"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"commodity": "unobtainium"}, "commodity"),
        ({"theme": "astrology"}, "theme"),
        ({"type": "novel"}, "type"),
        ({"pillar": "heaven"}, "pillar"),
        ({"year_from": 2020, "year_to": 2010}, "year_from"),
        ({"year_from": "last year"}, "year_from"),
        ({"sort": "random"}, "sort"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_search_parameters_are_refused_with_the_field(client, world, params, field):
    response = client.get("/api/v1/library/search", params)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid"
    assert any(field in detail["field"] for detail in error["details"]), error


# --- Documents ---------------------------------------------------------------------------


def test_the_list_shows_each_person_what_they_may_see(client, world, token_for, member, editor):
    def ids(headers=None, **params):
        page = client.get("/api/v1/library/documents", params, **(headers or {})).json()
        return {item["id"] for item in page["items"]}

    assert ids() == {world["published"]}
    assert ids(token_for(member)) == {world["published"], world["draft"], world["submitted"]}
    assert ids(token_for(member), mine="true") == {world["draft"], world["submitted"]}
    assert ids(token_for(editor), status="submitted") == {world["submitted"]}
    assert ids(token_for(editor), status="draft") == {world["draft"]}
    assert ids(token_for(editor), type="toolkit") == {world["published"]}
    assert ids(mine="true") == set()
    bad = client.get("/api/v1/library/documents", {"status": "lost"})
    assert bad.status_code == 422


def test_the_list_costs_the_same_queries_for_many_documents(client, editor, token_for, world):
    headers = token_for(editor)
    client.get("/api/v1/library/documents", **headers)  # warm caches (content types, etc.)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/library/documents", **headers)
    for n in range(10):
        services.document_create(
            actor=editor,
            data={"title": f"Brief {n}", "doc_type": "policy_brief"},
            authors=[f"Author {n}"],
            publish=True,
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/api/v1/library/documents", **headers).json()
    assert page["count"] == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_document_shows_its_metadata_files_and_status(client, world):
    document = client.get(f"/api/v1/library/documents/{world['published']}").json()
    assert document["title"] == "Mercury-free gold processing"
    assert document["status"] == "published"
    assert document["type"] == "toolkit"
    assert document["countries"] == ["CD", "GH"]
    assert document["themes"] == ["mercury", "health_safety"]
    assert document["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert document["authors"][1] == {
        "name": "planetGOLD",
        "kind": "organisation",
        "organisation": None,
    }
    assert document["can_edit"] is False
    assert document["last_review"] is None  # decisions are for the submitter and editors
    [file] = document["files"]
    assert file["name"] == "retorts.txt"
    assert file["media_type"] == "text/plain"
    assert file["extraction"] == "done"
    download = client.get(file["download_url"])
    assert download.status_code == 200
    assert body_of(download) == b"Retorts recover mercury from amalgam."


def test_a_member_writes_a_draft_with_codes_and_an_editor_publishes_at_once(
    client, token_for, member, editor, world
):
    body = {
        "title": "Gold buying in Kamituga",
        "type": "report",
        "authors": ["Jean Bahati", {"name": "IPIS", "kind": "organisation"}],
        "abstract": "Who buys gold <script>alert(1)</script> and where.",
        "year": 2018,
        "languages": ["fr"],
        "pillars": ["governance"],
        "themes": ["supply_chains"],
        "countries": ["CD"],
        "commodities": ["gold"],
        "licence": "CC-BY-SA-4.0",
        "doi": "https://doi.org/10.1234/kamituga-2018",
        "supersedes": world["published"],
    }
    made = client.post(
        "/api/v1/library/documents", body, content_type="application/json", **token_for(member)
    )
    assert made.status_code == 201, made.content
    draft = made.json()
    assert draft["status"] == "draft"
    assert draft["can_edit"] is True
    assert draft["commodities"] == ["gold"]
    assert draft["doi"] == "10.1234/kamituga-2018"
    assert draft["supersedes"] == world["published"]
    assert [a["name"] for a in draft["authors"]] == ["Jean Bahati", "IPIS"]
    assert draft["abstract"] == body["abstract"]  # kept as text; pages escape it

    published = client.post(
        "/api/v1/library/documents",
        {**body, "publish": True, "title": "Gold buying, second edition"},
        content_type="application/json",
        **token_for(editor),
    )
    assert published.status_code == 201
    assert published.json()["status"] == "published"
    found = client.get("/api/v1/library/search", {"q": "second edition"}).json()
    assert [item["title"] for item in found["items"]] == ["Gold buying, second edition"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "X", "type": "report", "countries": ["ZZ"]}, "countries"),
        ({"title": "X", "type": "report", "commodities": ["kryptonite"]}, "commodities"),
        ({"title": "X", "type": "report", "themes": ["astrology"]}, "themes"),
        ({"title": "X", "type": "report", "pillars": ["heaven"]}, "pillars"),
        ({"title": "X", "type": "report", "doi": "not a doi"}, "doi"),
        ({"title": "X", "type": "report", "year": 1066}, "year"),
        ({"title": "X", "type": "report", "url": "not an address"}, "url"),
        ({"title": "X", "type": "report", "supersedes": 999999}, "supersedes"),
        ({"title": "", "type": "report"}, "title"),
        ({"title": "X"}, "type"),
        (
            {"title": "X", "type": "report", "authors": [{"name": "A", "kind": "robot"}]},
            "authors.0.str",
        ),
    ],
)
def test_bad_documents_are_refused_naming_the_field(client, token_for, member, body, field):
    response = client.post(
        "/api/v1/library/documents", body, content_type="application/json", **token_for(member)
    )
    assert response.status_code == 422, response.content
    fields = [detail["field"] for detail in error_of(response)["details"]]
    assert any(f == field or f.startswith(field.split(".")[0]) for f in fields), fields
    assert not Document.objects.filter(title="X").exists()


def test_another_members_draft_cannot_be_named_as_superseded(
    client, token_for, world, other_member
):
    response = client.post(
        "/api/v1/library/documents",
        {"title": "X", "type": "report", "supersedes": world["draft"]},
        content_type="application/json",
        **token_for(other_member),
    )
    assert response.status_code == 422


def test_a_patch_changes_only_what_it_names(client, token_for, member, world):
    response = client.patch(
        f"/api/v1/library/documents/{world['draft']}",
        {"subtitle": "Prestea, 2020", "authors": ["Kofi Boateng"], "countries": ["GH"]},
        content_type="application/json",
        **token_for(member),
    )
    assert response.status_code == 200, response.content
    document = response.json()
    assert document["title"] == "My field notes"
    assert document["subtitle"] == "Prestea, 2020"
    assert document["year"] == 2020
    assert document["countries"] == ["GH"]
    assert [a["name"] for a in document["authors"]] == ["Kofi Boateng"]
    assert len(document["files"]) == 1


def test_a_submitted_document_is_no_longer_the_members_to_change(client, token_for, member, world):
    response = client.patch(
        f"/api/v1/library/documents/{world['submitted']}",
        {"title": "Changed"},
        content_type="application/json",
        **token_for(member),
    )
    assert response.status_code == 403
    assert "cannot change" in error_of(response)["message"]


def test_a_draft_is_deleted_and_gone(client, token_for, member, world, settings):
    assert (
        client.delete(
            f"/api/v1/library/documents/{world['draft']}", **token_for(member)
        ).status_code
        == 204
    )
    assert (
        client.get(f"/api/v1/library/documents/{world['draft']}", **token_for(member)).status_code
        == 404
    )
    assert not Document.objects.filter(pk=world["draft"]).exists()


# --- Files -------------------------------------------------------------------------------


def test_a_pdf_is_uploaded_and_downloaded_as_an_attachment(client, token_for, member, world):
    pdf = make_pdf(["First page.", "Second page about retorts."])
    response = client.post(
        f"/api/v1/library/documents/{world['draft']}/files",
        upload("guide.pdf", pdf, "application/pdf"),
        **token_for(member),
    )
    assert response.status_code == 201, response.content
    file = response.json()
    assert file["media_type"] == "application/pdf"
    assert file["size"] == len(pdf)
    assert file["extraction"] == "pending"  # read by the background worker
    download = client.get(file["download_url"], **token_for(member))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="guide.pdf"')
    assert body_of(download) == pdf


def _locked_pdf():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(make_pdf(["Secret"]))).pages:
        writer.add_page(page)
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "not a real PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<<", "damaged"),
        ("locked.pdf", None, "password"),
        ("empty.txt", b"", "empty"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, ".exe"),
    ],
)
def test_a_lying_corrupt_or_locked_file_is_refused_with_the_reason(
    client, token_for, member, world, name, data, message, settings
):
    data = _locked_pdf() if data is None else data
    response = client.post(
        f"/api/v1/library/documents/{world['draft']}/files",
        upload(name, data),
        **token_for(member),
    )
    assert response.status_code == 422, response.content
    error = error_of(response)
    assert error["details"][0]["field"] == "file"
    text = error["details"][0]["message"]
    assert message.lower() in text.lower() or "allowed" in text.lower(), text
    files = client.get(f"/api/v1/library/documents/{world['draft']}", **token_for(member)).json()
    assert [f["name"] for f in files["files"]] == ["notes.txt"]


@pytest.mark.parametrize("size", [8_000, 3 * 1024 * 1024])
def test_a_file_over_the_limit_is_refused_saying_the_limit(
    client, token_for, member, world, settings, size
):
    settings.LIBRARY_MAX_UPLOAD_BYTES = 2048
    response = client.post(
        f"/api/v1/library/documents/{world['draft']}/files",
        upload("big.txt", b"m" * size),
        **token_for(member),
    )
    assert response.status_code == 422
    message = error_of(response)["details"][0]["message"].replace("\xa0", " ")
    assert "at most 2.0 KB" in message
    assert ("3.0 MB" if size > 1024 * 1024 else "KB") in message
    files = client.get(f"/api/v1/library/documents/{world['draft']}", **token_for(member))
    assert len(files.json()["files"]) == 1


def test_an_upload_through_the_browser_session_needs_the_csrf_token(world, member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    url = f"/api/v1/library/documents/{world['draft']}/files"
    assert browser.post(url, upload("more.txt", b"More notes.")).status_code == 403
    token = "k" * 32
    browser.cookies["csrftoken"] = token
    sent = browser.post(url, {**upload("more.txt", b"More notes."), "csrfmiddlewaretoken": token})
    assert sent.status_code == 201, sent.content


def test_a_file_must_be_sent(client, token_for, member, world):
    response = client.post(
        f"/api/v1/library/documents/{world['draft']}/files", {}, **token_for(member)
    )
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == "file"


def test_downloads_are_counted_once_a_day_per_visitor_and_never_for_bots(
    client, world, member, token_for
):
    url = f"/api/v1/library/documents/{world['published']}/files/{world['published_file']}"
    assert client.get(url, **BROWSER).status_code == 200
    assert client.get(url, **BROWSER).status_code == 200
    assert client.get(url, **BROWSER, **token_for(member)).status_code == 200
    assert client.get(url, HTTP_USER_AGENT="Googlebot/2.1").status_code == 200
    assert client.get(url).status_code == 200  # no browser named: not counted
    document = client.get(f"/api/v1/library/documents/{world['published']}").json()
    assert document["download_count"] == 2


# --- Workflow ----------------------------------------------------------------------------


def test_submit_review_and_withdraw(
    client, token_for, member, editor, world, django_capture_on_commit_callbacks
):
    member_headers, editor_headers = token_for(member), token_for(editor)
    base = f"/api/v1/library/documents/{world['draft']}"
    submitted = client.post(f"{base}/submit", **member_headers)
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert client.post(f"{base}/submit", **member_headers).status_code == 422  # once only

    no_reason = client.post(
        f"{base}/review", {"decision": "revise"}, content_type="application/json", **editor_headers
    )
    assert no_reason.status_code == 422
    assert error_of(no_reason)["details"][0]["field"] == "comment"
    with django_capture_on_commit_callbacks(execute=True):
        revise = client.post(
            f"{base}/review",
            {"decision": "revise", "comment": "Add the year of the survey."},
            content_type="application/json",
            **editor_headers,
        )
    assert revise.json()["status"] == "draft"
    seen = client.get(base, **member_headers).json()
    assert seen["last_review"]["decision"] == "revise"
    assert seen["last_review"]["comment"] == "Add the year of the survey."
    assert any("Revisions requested" in m.subject for m in mail.outbox)

    client.post(f"{base}/submit", **member_headers)
    approved = client.post(
        f"{base}/review", {"decision": "approve"}, content_type="application/json", **editor_headers
    )
    assert approved.json()["status"] == "published"
    assert client.get(base).status_code == 200  # public now
    assert client.get("/api/v1/library/search", {"q": "field notes"}).json()["count"] == 1

    bad = client.post(
        f"{base}/review", {"decision": "maybe"}, content_type="application/json", **editor_headers
    )
    assert bad.status_code == 422
    no_reason = client.post(
        f"{base}/withdraw", {"reason": ""}, content_type="application/json", **editor_headers
    )
    assert no_reason.status_code == 422
    withdrawn = client.post(
        f"{base}/withdraw",
        {"reason": "Replaced by the 2021 survey."},
        content_type="application/json",
        **editor_headers,
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get(base).status_code == 404
    assert client.get("/api/v1/library/search", {"q": "field notes"}).json()["count"] == 0


# --- Collections -------------------------------------------------------------------------


def test_collections_list_only_published_documents_in_order(client, world, editor):
    page = client.get("/api/v1/library/collections").json()
    assert page["count"] == 1
    [collection] = page["items"]
    assert collection["slug"] == "mercury-toolkit"
    assert collection["size"] == 1
    assert collection["page_url"].endswith("/library/collections/mercury-toolkit/")
    detail = client.get("/api/v1/library/collections/mercury-toolkit").json()
    assert [d["id"] for d in detail["documents"]] == [world["published"]]
    assert detail["documents"][0]["authors"] == ["Ama Mensah", "planetGOLD"]


# --- Documentation -----------------------------------------------------------------------


def test_the_harvesting_endpoints_are_in_the_openapi_docs(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    oai = schema["paths"]["/api/v1/library/oai"]
    assert set(oai) >= {"get", "post"}
    assert "ListRecords" in oai["get"]["description"]
    assert "text/xml" in oai["get"]["responses"]["200"]["content"]
    catalogue = schema["paths"]["/api/v1/library/catalog.jsonld"]["get"]
    assert "application/ld+json" in catalogue["responses"]["200"]["content"]
    assert "/api/v1/library/oai" in schema["info"]["description"]
    assert "/library/search" in str(schema["paths"])


@pytest.mark.parametrize("field", ["languages", "pillars", "themes", "countries", "authors"])
def test_a_null_list_is_refused_with_the_field_named(client, token_for, member, world, field):
    url = f"/api/v1/library/documents/{world['draft']}"
    response = client.patch(
        url, {field: None}, content_type="application/json", **token_for(member)
    )
    assert response.status_code == 422, response.content
    assert field in [detail["field"] for detail in error_of(response)["details"]]
    assert client.get(url, **token_for(member)).json()[field] == []


def test_the_lists_cost_the_same_queries_for_many_documents_as_for_one(
    client, editor, country, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    documents = [
        services.document_create(
            actor=editor,
            data={"title": f"Toolkit {n}", "doc_type": "toolkit", "countries": [country("GH")]},
            authors=["Ama Mensah", "Kofi Boateng"],
            publish=True,
        )
        for n in range(6)
    ]
    services.collection_create(
        actor=editor, data={"title": "Toolkits", "slug": "toolkits"}, documents=documents
    )
    services.collection_create(
        actor=editor, data={"title": "One", "slug": "one"}, documents=documents[:1]
    )
    urls = ["/api/v1/library/documents", "/api/v1/library/search", "/api/v1/library/collections"]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(f"{url}?limit=1")
        with django_assert_max_num_queries(len(queries)):
            assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/library/collections/one")
    with django_assert_max_num_queries(len(queries)):
        collection = client.get("/api/v1/library/collections/toolkits").json()
    assert [d["authors"] for d in collection["documents"]] == [["Ama Mensah", "Kofi Boateng"]] * 6
