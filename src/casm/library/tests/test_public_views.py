"""The library's public pages: search, a document's page, downloads, votes, comments,
collections and the Atom feed, for visitors, members, other members and editors."""

import datetime
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from casm.accounts.models import User
from casm.core.models import Commodity, Country
from casm.library import services
from casm.library.models import Comment, Document, Review

pytestmark = pytest.mark.django_db

SEARCH = reverse("library:document_search")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def editor(make_user):
    return make_user("edith", role=User.Role.LIBRARY_EDITOR)


@pytest.fixture
def other_member(make_user):
    return make_user("otto")


def _document(actor, title, *, publish=True, text=None, file_name="text.txt", authors=(), **data):
    values = {"title": title, "doc_type": "toolkit", "licence": "CC-BY-4.0", **data}
    document = services.document_create(
        actor=actor, data=values, authors=list(authors), publish=publish
    )
    if text:
        services.document_file_add(
            actor=actor,
            document=document,
            handle=io.BytesIO(text.encode()),
            name=file_name,
            extract_now=True,
        )
    return document


@pytest.fixture
def library(editor):
    """Three published documents (with TXT files) and nothing else."""
    ghana, congo = Country.objects.get(alpha2="GH"), Country.objects.get(alpha2="CD")
    gold = Commodity.objects.get(code="gold")
    mercury_toolkit = _document(
        editor,
        "Reducing mercury in gold mining",
        text="Retorts capture mercury vapour. Amalgamation of whole ore must stop.\n" * 5,
        authors=["Jane Q. Doe", {"name": "World Bank", "kind": "organisation"}],
        abstract="A practical toolkit for miners and extension officers.",
        publisher="World Bank",
        published_on=datetime.date(2019, 3, 5),
        languages=["en"],
        themes=["mercury", "health_safety"],
        pillars=["environment"],
        countries=[ghana],
        commodities=[gold],
        doi="10.1234/mercury-2019",
        version="2.0",
    )
    french_guide = _document(
        editor,
        "Guide de la formalisation",
        text="La formalisation des mineurs artisanaux et le mercure (mercury) dans les mines.\n",
        doc_type="guidance_note",
        publisher="Ministère des Mines",
        year=2021,
        languages=["fr"],
        themes=["formalization", "mercury"],
        countries=[congo],
        licence="all-rights-reserved",
    )
    child_labour = _document(
        editor,
        "Child labour in cobalt supply chains",
        text="Children were seen sorting ore at the washing sites.\n",
        doc_type="report",
        publisher="ILO",
        year=2015,
        languages=["en"],
        themes=["child_labour"],
        countries=[congo],
    )
    return {"toolkit": mercury_toolkit, "guide": french_guide, "report": child_labour}


def _detail(document):
    return reverse("library:document_detail", args=[document.pk])


def _text(response):
    return response.content.decode()


# --- Search ------------------------------------------------------------------------------


def test_the_library_home_shows_published_documents_and_facets_with_names(client, library):
    response = client.get(SEARCH, HTTP_USER_AGENT=BROWSER)
    page = _text(response)
    assert response.status_code == 200
    for document in library.values():
        assert document.title in page
    # Facets are checkbox lists with counts, and show names rather than codes.
    assert 'type="checkbox" name="country" value="CD"' in page
    assert "Congo" in page and "Ghana" in page
    assert re.search(r"French\s*<span class=\"facet-count\">\(1\)", page)
    assert re.search(r"Gold\s*<span class=\"facet-count\">\(1\)", page)
    assert re.search(r"Mercury\s*<span class=\"facet-count\">\(2\)", page)
    assert 'name="year_from"' in page and 'name="year_to"' in page
    # Without a query the abstract is shown instead of a snippet.
    assert "A practical toolkit for miners" in page
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert reverse("library:collection_list") in page


def test_a_search_finds_words_inside_the_files_with_highlighted_snippets(client, library):
    page = _text(client.get(SEARCH, {"q": "retorts"}))
    assert library["toolkit"].title in page
    assert library["report"].title not in page
    assert "<mark>Retorts</mark>" in page or "<mark>retorts</mark>" in page
    assert "1 document" in page


MARKDOWN_WITH_METADATA = """---
title: Field notes from Kamituga
contact: field.officer@example.org
---
[[focal_point:someone@example.org]]
[[country:CD]]

# Field notes

Cooperatives in Kamituga sell gold to the comptoir. [[reviewer:audit@example.org]]
Questions about the cooperatives go to jean.mutombo@mines.example.cd or the office.
"""

HEADER_BLOCK = """Title: Cooperative registers
Contact: registrar@example.org
Date: 2024-05-02

The cooperatives of Walikale keep registers of their members.
"""


@pytest.mark.parametrize(
    ("name", "text", "word"),
    [
        ("notes.md", MARKDOWN_WITH_METADATA, "cooperatives"),
        ("notes.md", MARKDOWN_WITH_METADATA, "focal_point"),
        ("notes.md", MARKDOWN_WITH_METADATA, "someone"),
        ("registers.txt", HEADER_BLOCK, "cooperatives"),
        ("registers.txt", HEADER_BLOCK, "registrar"),
    ],
)
def test_snippets_never_show_metadata_lines_or_e_mail_addresses(client, editor, name, text, word):
    _document(editor, "Kamituga notebook", text=text, file_name=name)
    page = _text(client.get(SEARCH, {"q": word}))
    snippets = " ".join(re.findall(r'<p class="snippet">(.*?)</p>', page, re.S))
    for hidden in ("@", "focal_point", "[[", "contact", "Contact", "title:", "Date:", "---"):
        assert hidden not in snippets
    if word == "cooperatives":
        assert "<mark>Cooperatives</mark>" in snippets or "<mark>cooperatives</mark>" in snippets
    else:  # the metadata is not searched either
        assert "Kamituga notebook" not in page


def test_filters_narrow_the_results_and_can_be_removed(client, library):
    page = _text(client.get(SEARCH, {"q": "mercury", "country": "CD"}))
    assert library["guide"].title in page
    assert library["toolkit"].title not in page
    assert 'name="country" value="CD" checked' in page
    # The chip that removes the country filter keeps the words searched for.
    assert 'href="?q=mercury"' in page
    page = _text(client.get(SEARCH, {"type": "report"}))
    assert library["report"].title in page and library["guide"].title not in page
    page = _text(client.get(SEARCH, {"year_from": "2016", "year_to": "2020"}))
    assert library["toolkit"].title in page
    assert library["report"].title not in page and library["guide"].title not in page


def test_results_are_sorted_by_date_or_popularity(client, library):
    page = _text(client.get(SEARCH, {"sort": "date"}))
    assert page.index(library["guide"].title) < page.index(library["toolkit"].title)
    assert page.index(library["toolkit"].title) < page.index(library["report"].title)
    Document.objects.filter(pk=library["report"].pk).update(download_count=10)
    page = _text(client.get(SEARCH, {"sort": "popularity"}))
    assert page.index(library["report"].title) < page.index(library["guide"].title)


@pytest.mark.parametrize(
    "params",
    [
        {"year_from": "abc", "year_to": "1e9"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "99999999999999999999"},
        {"flavour": "sweet", "country": "ZZ", "type": "x" * 500},
        {"sort": "'; DROP TABLE library_document; --"},
        {"q": '"unbalanced (NEAR( AND * -'},
        {"q": "-mercury"},
        {"q": "*"},
        {"q": "\x00 \u202e mercury"},
    ],
)
def test_bad_search_parameters_never_fail(client, library, params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200


def test_a_page_past_the_end_shows_the_last_page(client, editor):
    for number in range(23):
        _document(editor, f"Document number {number}", year=2000 + number % 20)
    page = _text(client.get(SEARCH, {"page": "7"}))
    assert "Page 2 of 2" in page
    assert page.count('class="doc-card"') == 3
    page = _text(client.get(SEARCH))
    assert page.count('class="doc-card"') == 20
    assert "23 documents" in page


def test_a_very_long_query_is_shortened_with_a_message(client, library):
    page = _text(client.get(SEARCH, {"q": "mercury " * 700}))
    assert "Your search was too long" in page


def test_nothing_found_explains_how_to_search(client, library):
    page = _text(client.get(SEARCH, {"q": "zirconium"}))
    assert "No document matches your search." in page
    assert '<kbd>"child labour"</kbd>' in page
    assert "<kbd>formali*</kbd>" in page and "-cyanide" in page and "OR" in page


def test_an_empty_library_says_so(client, db):
    assert "The library has no published documents yet." in _text(client.get(SEARCH))


def test_a_failed_search_says_so(client, library, monkeypatch):
    from casm.library import search

    def broken(_sql, _parsed, _sort):
        from django.db import DatabaseError

        raise DatabaseError("fts5: syntax error")

    monkeypatch.setattr(search, "_search", broken)
    page = _text(client.get(SEARCH, {"q": "mercury"}))
    assert "The search could not be completed" in page
    assert "fts5" not in page


def test_the_links_depend_on_who_is_signed_in(client, login, library, member, editor):
    submit, queue = reverse("library:document_create"), reverse("library:review_queue")
    mine = reverse("library:my_documents")
    page = _text(client.get(SEARCH))
    assert submit not in page and queue not in page and mine not in page
    login(member)
    page = _text(client.get(SEARCH))
    assert submit in page and mine in page and queue not in page
    login(editor)
    assert queue in _text(client.get(SEARCH))


def test_the_search_page_does_not_query_per_result(client, editor, django_assert_max_num_queries):
    ghana = Country.objects.get(alpha2="GH")
    for number in range(20):
        _document(editor, f"Guidance {number}", countries=[ghana], authors=["A. Author"])
    with django_assert_max_num_queries(14):
        response = client.get(SEARCH, {"q": "guidance", "country": "GH"})
    assert _text(response).count('class="doc-card"') == 20


def test_the_search_page_only_lists_published_documents(client, login, editor, member):
    _document(member, "My secret draft", publish=False)
    login(editor)
    assert "My secret draft" not in _text(client.get(SEARCH))


# --- A document's page -------------------------------------------------------------------


def test_a_document_page_shows_its_metadata_files_citation_and_rank(client, library):
    toolkit = library["toolkit"]
    response = client.get(_detail(toolkit), HTTP_USER_AGENT=BROWSER)
    page = _text(response)
    assert response.status_code == 200
    assert "<h1>Reducing mercury in gold mining" in page
    assert "Jane Q. Doe; World Bank" in page
    assert (
        '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in page
    )
    assert '<a href="https://doi.org/10.1234/mercury-2019">' in page
    assert "Ghana" in page and "Gold" in page and "health and safety" in page
    assert ">2.0<" in page
    # The file, with its type and size.
    file = toolkit.files.get()
    assert reverse("library:file_download", args=[toolkit.pk, file.pk]) in page
    assert "text/plain" in page
    # Cite this: APA with the title in italics, and the BibTeX download.
    assert "Doe, J. Q., &amp; World Bank. (2019). <i>Reducing mercury in gold mining</i>" in page
    assert reverse("library:document_bibtex", args=[toolkit.pk]) in page
    # Popularity within its type, and the counts.
    assert "#1 of 1 toolkits" in page
    assert "1 view" in page and "0 downloads" in page
    # Related: the French guide shares the mercury theme.
    assert library["guide"].title in page
    assert "Was this helpful?" in page


def test_a_document_page_has_schema_org_json_ld(client, library):
    page = _text(client.get(_detail(library["toolkit"])))
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(raw)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Reducing mercury in gold mining"
    assert data["datePublished"] == "2019-03-05"
    assert data["inLanguage"] == "en"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["publisher"]["name"] == "World Bank"
    assert {"@type": "Person", "name": "Jane Q. Doe"} in data["author"]
    assert {"@type": "Organization", "name": "World Bank"} in data["author"]
    assert {t["termCode"] for t in data["about"]} == {"mercury", "health_safety"}
    assert data["spatialCoverage"][0]["identifier"] == "GH"
    assert data["encoding"][0]["contentUrl"].endswith(
        reverse("library:file_download", args=[library["toolkit"].pk, data_file_pk(library)])
    )


def data_file_pk(library):
    return library["toolkit"].files.get().pk


def test_a_scanned_file_is_marked_as_having_no_text(client, library):
    file = library["toolkit"].files.get()
    type(file).objects.filter(pk=file.pk).update(extraction="no_text")
    assert "scanned: no text layer" in _text(client.get(_detail(library["toolkit"])))


def test_unpublished_documents_are_seen_by_their_submitter_and_editors_only(
    client, login, member, other_member, editor
):
    draft = _document(member, "A draft toolkit", publish=False, text="Some words.\n")
    file = draft.files.get()
    urls = [
        _detail(draft),
        reverse("library:document_bibtex", args=[draft.pk]),
        reverse("library:file_download", args=[draft.pk, file.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    login(other_member)
    for url in urls:
        assert client.get(url).status_code == 404
    for person in (member, editor):
        login(person)
        for url in urls:
            assert client.get(url).status_code == 200, (person, url)
    login(member)
    page = _text(client.get(_detail(draft)))
    assert "Not public: draft." in page
    assert reverse("library:document_edit", args=[draft.pk]) in page
    assert "application/ld+json" not in page
    draft.refresh_from_db()
    assert draft.view_count == 0  # drafts are not counted


def test_a_rejected_document_shows_the_editors_comment_to_its_submitter(
    client, login, member, editor
):
    document = _document(member, "Half-finished notes", publish=False, url="https://example.org/")
    services.document_submit(actor=member, document=document)
    services.document_review(
        actor=editor,
        document=document,
        decision=Review.Decision.REJECT,
        comment="Out of scope.\nSorry.",
    )
    login(member)
    page = _text(client.get(_detail(document)))
    assert "Not public: rejected." in page
    assert "Out of scope.<br>Sorry." in page


def test_a_withdrawn_document_is_gone_for_visitors(client, login, library, editor):
    services.document_withdraw(actor=editor, document=library["report"], reason="Outdated")
    assert client.get(_detail(library["report"])).status_code == 404
    login(editor)
    page = _text(client.get(_detail(library["report"])))
    assert "Not public: withdrawn." in page and "Outdated" in page


def test_a_newer_version_is_linked_both_ways(client, library, editor):
    newer = _document(editor, "Reducing mercury, third edition", supersedes=library["toolkit"])
    page = _text(client.get(_detail(library["toolkit"])))
    assert "A newer version of this document exists" in page
    assert _detail(newer) in page
    page = _text(client.get(_detail(newer)))
    assert "Replaces" in page and _detail(library["toolkit"]) in page


def test_an_unknown_document_is_not_found(client, db):
    assert client.get(reverse("library:document_detail", args=[999])).status_code == 404


# --- Hostile text ------------------------------------------------------------------------


def test_scripts_in_titles_abstracts_and_comments_are_shown_as_text(client, login, editor, member):
    document = _document(
        editor,
        f"Toolkit {HOSTILE}",
        abstract=f"Abstract {HOSTILE} </script>",
        publisher=f"Pub {HOSTILE}",
        text="mercury words\n",
        authors=[HOSTILE],
    )
    services.comment_add(actor=member, document=document, body=f"Nice {HOSTILE}")
    services.comment_moderate(actor=editor, comment=Comment.objects.get(), approve=True)
    pages = [
        _text(client.get(_detail(document))),
        _text(client.get(SEARCH)),
        _text(client.get(SEARCH, {"q": "toolkit"})),
        _text(client.get(SEARCH, {"q": "abstract"})),
    ]
    for page in pages:
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page
    json_ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', pages[0], re.S)
    assert "\\u003c/script\\u003e" in json_ld.group(1)
    assert json.loads(json_ld.group(1))["name"] == f"Toolkit {HOSTILE}"


# --- Views and downloads -----------------------------------------------------------------


def test_views_are_counted_once_per_visitor_a_day_and_never_for_bots(client, library):
    toolkit = library["toolkit"]
    url = _detail(toolkit)
    first = client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.0.0.1")
    assert first.cookies["casm_visitor"]["httponly"]
    client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.0.0.1")
    toolkit.refresh_from_db()
    assert toolkit.view_count == 1
    # Another reader behind the same proxy, with the same browser, is another visitor.
    Client().get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.0.0.1")
    Client().get(url, HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    Client().get(url, HTTP_USER_AGENT="")
    toolkit.refresh_from_db()
    assert toolkit.view_count == 2
    assert "2 views" in _text(client.get(url, HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.0.0.1"))


def test_a_download_streams_the_file_and_counts_once_a_day(client, library):
    toolkit = library["toolkit"]
    file = toolkit.files.get()
    url = reverse("library:file_download", args=[toolkit.pk, file.pk])
    response = client.get(url, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == 'attachment; filename="text.txt"'
    assert b"".join(response.streaming_content).startswith(b"Retorts capture mercury")
    client.get(url, HTTP_USER_AGENT=BROWSER)
    client.get(url, HTTP_USER_AGENT="curl/8.0")
    toolkit.refresh_from_db()
    assert toolkit.download_count == 1


def test_a_download_name_cannot_break_the_header(client, editor):
    document = _document(editor, "Odd names", text="Hello.\n", file_name='rapport "final"\r\n.txt')
    file = document.files.get()
    response = client.get(reverse("library:file_download", args=[document.pk, file.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment;") and '"final"' not in disposition


def test_a_file_of_another_document_is_not_found(client, library):
    file = library["toolkit"].files.get()
    url = reverse("library:file_download", args=[library["report"].pk, file.pk])
    assert client.get(url).status_code == 404


# --- Votes -------------------------------------------------------------------------------


def test_voting_counts_one_answer_per_visitor_and_can_be_changed(client, library):
    toolkit = library["toolkit"]
    url = reverse("library:vote", args=[toolkit.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"helpful": "yes"}, follow=True)
    assert "Thank you for your answer." in _text(response)
    client.post(url, {"helpful": "yes"})
    toolkit.refresh_from_db()
    assert (toolkit.helpful_yes, toolkit.helpful_no) == (1, 0)
    client.post(url, {"helpful": "no"})
    toolkit.refresh_from_db()
    assert (toolkit.helpful_yes, toolkit.helpful_no) == (0, 1)
    other = Client()  # a new visitor, even from the same address and browser
    other.post(url, {"helpful": "yes"})
    toolkit.refresh_from_db()
    assert (toolkit.helpful_yes, toolkit.helpful_no) == (1, 1)
    page = _text(client.get(_detail(toolkit)))
    assert 'value="no" aria-pressed="true"' in page
    assert "1 reader found it helpful" in page


def test_a_vote_needs_an_answer_and_a_published_document(client, login, library, member):
    url = reverse("library:vote", args=[library["toolkit"].pk])
    assert "Answer yes or no." in _text(client.post(url, {"helpful": "maybe"}, follow=True))
    draft = _document(member, "Draft", publish=False)
    assert (
        client.post(reverse("library:vote", args=[draft.pk]), {"helpful": "yes"}).status_code == 404
    )
    login(member)
    response = client.post(
        reverse("library:vote", args=[draft.pk]), {"helpful": "yes"}, follow=True
    )
    assert "Only published documents can be rated." in _text(response)


def test_votes_and_comments_need_the_csrf_token(library, member):
    strict = Client(enforce_csrf_checks=True)
    toolkit = library["toolkit"]
    assert (
        strict.post(reverse("library:vote", args=[toolkit.pk]), {"helpful": "yes"}).status_code
        == 403
    )
    strict.force_login(member)
    response = strict.post(reverse("library:comment_add", args=[toolkit.pk]), {"body": "Hi"})
    assert response.status_code == 403
    assert not Comment.objects.exists()


# --- Comments ----------------------------------------------------------------------------


def test_commenting_needs_a_signed_in_member(client, library):
    url = reverse("library:comment_add", args=[library["toolkit"].pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"body": "Hello"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Comment.objects.exists()
    assert "Sign in to comment" in _text(client.get(_detail(library["toolkit"])))


def test_a_comment_waits_for_moderation_and_is_then_shown_to_everybody(
    client, login, library, member, other_member, editor
):
    toolkit = library["toolkit"]
    login(member)
    response = client.post(
        reverse("library:comment_add", args=[toolkit.pk]),
        {"body": "Very useful.\nWe used it in Tarkwa."},
        follow=True,
    )
    page = _text(response)
    assert "once an editor has approved it" in page
    assert "Very useful.<br>We used it in Tarkwa." in page
    assert "waiting for moderation" in page
    login(other_member)
    assert "Very useful." not in _text(client.get(_detail(toolkit)))
    client.logout()
    assert "Very useful." not in _text(client.get(_detail(toolkit)))
    services.comment_moderate(actor=editor, comment=Comment.objects.get(), approve=True)
    page = _text(client.get(_detail(toolkit)))
    assert "Very useful." in page and "waiting for moderation" not in page


def test_an_empty_comment_is_refused_with_a_message(client, login, library, member):
    login(member)
    response = client.post(
        reverse("library:comment_add", args=[library["toolkit"].pk]), {"body": "  "}, follow=True
    )
    assert "Write a comment first." in _text(response)
    assert not Comment.objects.exists()


def test_comments_are_only_for_documents_one_can_see(client, login, member, other_member):
    draft = _document(member, "Draft", publish=False)
    login(other_member)
    response = client.post(reverse("library:comment_add", args=[draft.pk]), {"body": "Hi"})
    assert response.status_code == 404
    login(member)
    response = client.post(
        reverse("library:comment_add", args=[draft.pk]), {"body": "Hi"}, follow=True
    )
    assert "Comments are open on published documents only." in _text(response)


# --- BibTeX ------------------------------------------------------------------------------


def test_the_bibtex_entry_is_a_download(client, library):
    response = client.get(reverse("library:document_bibtex", args=[library["toolkit"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="doe2019reducing.bib"'
    body = response.content.decode()
    assert body.startswith("@misc{doe2019reducing,")
    assert "author       = {Doe, Jane Q. and {World Bank}}" in body


# --- Collections -------------------------------------------------------------------------


def test_collections_list_their_published_documents_in_order(
    client, login, library, editor, member
):
    draft = _document(member, "Not yet published", publish=False)
    collection = services.collection_create(
        actor=editor,
        data={"title": "Mercury toolkit", "slug": "mercury", "description": "All about <b>it</b>."},
        documents=[library["report"], draft, library["toolkit"]],
    )
    services.collection_create(actor=editor, data={"title": "Empty one", "slug": "empty"})
    page = _text(client.get(reverse("library:collection_list")))
    assert "Mercury toolkit" in page and "2 documents" in page
    assert "Empty one" in page and "0 documents" in page
    assert reverse("library:collection_create") not in page
    page = _text(client.get(reverse("library:collection_detail", args=[collection.slug])))
    assert page.index(library["report"].title) < page.index(library["toolkit"].title)
    assert "Not yet published" not in page
    assert "&lt;b&gt;it&lt;/b&gt;" in page
    assert reverse("library:collection_edit", args=["mercury"]) not in page
    login(editor)
    page = _text(client.get(reverse("library:collection_detail", args=[collection.slug])))
    assert reverse("library:collection_edit", args=["mercury"]) in page
    assert client.get(reverse("library:collection_detail", args=["nope"])).status_code == 404


# --- Atom feed ---------------------------------------------------------------------------


def test_the_atom_feed_lists_the_newest_published_documents(client, library, member):
    _document(member, "A draft nobody sees", publish=False)
    response = client.get(reverse("library:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own response)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 3
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[0] == library["report"].title  # published last
    assert "A draft nobody sees" not in titles
    toolkit = next(e for e in entries if e.findtext(f"{ATOM}title") == library["toolkit"].title)
    assert toolkit.find(f"{ATOM}link").get("href").endswith(_detail(library["toolkit"]))
    assert toolkit.findtext(f"{ATOM}summary") == library["toolkit"].abstract
    assert toolkit.findtext(f"{ATOM}author/{ATOM}name") == "Jane Q. Doe, World Bank"
    assert {c.get("term") for c in toolkit.findall(f"{ATOM}category")} == {
        "mercury",
        "health and safety",
    }
    assert toolkit.findtext(f"{ATOM}updated")


def test_the_feed_escapes_hostile_titles(client, editor):
    _document(editor, f"Feed {HOSTILE} & more", abstract=HOSTILE)
    feed = ET.fromstring(client.get(reverse("library:feed")).content)  # noqa: S314
    assert feed.find(f"{ATOM}entry").findtext(f"{ATOM}title") == f"Feed {HOSTILE} & more"
