"""The OAI-PMH provider: a real harvester (Sickle) collects every published record through
resumption tokens, selective harvesting works, and every protocol error is answered as the
protocol says."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casm.accounts.models import User
from casm.library import oai, services
from casm.library.models import Document

NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
URL = "/api/v1/library/oai"


@pytest.fixture
def editor(make_user):
    return make_user("edith", role=User.Role.LIBRARY_EDITOR)


def publish(editor, title, **data):
    data.setdefault("doc_type", "report")
    authors = data.pop("authors", [])
    return services.document_create(
        actor=editor, data={"title": title, **data}, authors=authors, publish=True
    )


def identifier(document):
    return f"oai:casm:library/{document.pk}"


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)  # noqa: S314 (our own response)


def error_code(response):
    root = parse(response)
    errors = root.findall("oai:error", NS)
    assert len(errors) == 1, response.content
    return errors[0].get("code")


def identifiers(root):
    return [e.text for e in root.iterfind(".//oai:header/oai:identifier", NS)]


def token_of(root):
    return root.find(".//oai:resumptionToken", NS)


@pytest.fixture
def library(editor, country):
    """Two published documents (one rich), a withdrawn one and a draft."""
    toolkit = publish(
        editor,
        "Mercury-free gold <processing> & more",
        subtitle="A toolkit",
        doc_type="toolkit",
        abstract="Retorts and concentration tables.",
        authors=["Ama Mensah", {"name": "planetGOLD", "kind": "organisation"}],
        themes=["mercury", "health_safety"],
        pillars=["environment"],
        languages=["en", "fr"],
        countries=[country("GH"), country("CD")],
        licence="CC-BY-4.0",
        publisher="UNEP",
        published_on=datetime.date(2015, 6, 1),
        doi="10.1234/mercury-free",
        url="https://example.org/toolkit",
    )
    services.document_file_add(
        actor=editor,
        document=toolkit,
        handle=io.BytesIO(b"Retorts recover mercury."),
        name="retorts.txt",
    )
    brief = publish(editor, "Gender and mining", doc_type="policy_brief", themes=["gender"])
    withdrawn = publish(editor, "An outdated guide", doc_type="guidance_note")
    services.document_withdraw(actor=editor, document=withdrawn, reason="Superseded.")
    draft = services.document_create(actor=editor, data={"title": "Not yet", "doc_type": "news"})
    return {"toolkit": toolkit, "brief": brief, "withdrawn": withdrawn, "draft": draft}


# --- A real harvester --------------------------------------------------------------------

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@live
def test_sickle_harvests_every_published_record_through_resumption_tokens(
    live_server, make_user, country
):
    from sickle import Sickle

    editor = make_user("harvest-editor", role=User.Role.LIBRARY_EDITOR)
    ghana = country("GH")
    published = {
        publish(
            editor,
            f"Report {n} on small-scale mining",
            themes=["mercury"] if n % 3 == 0 else ["gender"],
            countries=[ghana] if n % 2 == 0 else [],
            authors=[f"Author {n}"],
        ).pk
        for n in range(230)
    }
    withdrawn = publish(editor, "Withdrawn report")
    services.document_withdraw(actor=editor, document=withdrawn, reason="Wrong figures.")
    services.document_create(actor=editor, data={"title": "Draft", "doc_type": "news"})

    harvester = Sickle(f"{live_server.url}{URL}")
    records = list(harvester.ListRecords(metadataPrefix="oai_dc"))
    current = [r for r in records if not r.deleted]
    harvested = [int(r.header.identifier.rsplit("/", 1)[1]) for r in current]
    assert sorted(harvested) == sorted(published)  # each once, none missing
    assert [r.header.identifier for r in records if r.deleted] == [identifier(withdrawn)]
    first = next(r for r in current if r.metadata["title"] == ["Report 0 on small-scale mining"])
    assert first.metadata["creator"] == ["Author 0"]
    assert first.metadata["coverage"] == ["Ghana"]
    assert "mercury" in first.metadata["subject"]
    assert "country:GH" in first.header.setSpecs

    by_post = Sickle(f"{live_server.url}{URL}", http_method="POST")
    headers = list(by_post.ListIdentifiers(metadataPrefix="oai_dc", set="theme:mercury"))
    assert len(headers) == len([n for n in range(230) if n % 3 == 0])
    assert all("theme:mercury" in h.setSpecs for h in headers)
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    yesterday = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    recent = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": yesterday}))
    assert len(recent) == 231
    from sickle.oaiexceptions import NoRecordsMatch

    with pytest.raises(NoRecordsMatch):
        list(harvester.ListIdentifiers(metadataPrefix="oai_dc", **{"from": tomorrow}))

    sets = {s.setSpec: s.setName for s in harvester.ListSets()}
    assert sets["type:toolkit"] == "toolkit"
    assert sets["theme:mercury"] == "mercury"
    assert sets["country:GH"] == "Ghana"
    assert "country:FR" not in sets  # only countries with documents

    some = min(published)
    record = harvester.GetRecord(identifier=f"oai:casm:library/{some}", metadataPrefix="oai_dc")
    assert record.metadata["title"] == ["Report 0 on small-scale mining"]
    identify = harvester.Identify()
    assert identify.repositoryName == "CASM knowledge library"
    assert identify.baseURL == f"{live_server.url}{URL}"
    assert identify.deletedRecord == "transient"
    formats = [f.metadataPrefix for f in harvester.ListMetadataFormats()]
    assert formats == ["oai_dc"]


# --- The verbs ---------------------------------------------------------------------------


def test_identify_says_what_the_protocol_asks(client, library, settings):
    settings.DEFAULT_FROM_EMAIL = "CASM library <library@casm.example>"
    root = parse(client.get(URL, {"verb": "Identify"}))
    identify = root.find("oai:Identify", NS)
    value = {child.tag.split("}")[1]: child.text for child in identify}
    assert value["repositoryName"] == "CASM knowledge library"
    assert value["baseURL"] == "http://testserver/api/v1/library/oai"
    assert value["protocolVersion"] == "2.0"
    assert value["adminEmail"] == "library@casm.example"
    assert value["deletedRecord"] == "transient"
    assert value["granularity"] == "YYYY-MM-DDThh:mm:ssZ"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value["earliestDatestamp"])
    assert root.find("oai:request", NS).get("verb") == "Identify"
    assert root.find("oai:responseDate", NS).text.endswith("Z")
    assert "OAI-PMH.xsd" in root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")


def test_identify_uses_the_configured_contact(client, library, settings):
    settings.OAI_ADMIN_EMAIL = "harvest@casm.example"
    root = parse(client.get(URL, {"verb": "Identify"}))
    assert root.find("oai:Identify/oai:adminEmail", NS).text == "harvest@casm.example"


def test_a_record_carries_dublin_core(client, library):
    toolkit = library["toolkit"]
    root = parse(
        client.get(
            URL,
            {"verb": "GetRecord", "identifier": identifier(toolkit), "metadataPrefix": "oai_dc"},
        )
    )
    header = root.find(".//oai:header", NS)
    assert header.find("oai:identifier", NS).text == identifier(toolkit)
    toolkit.refresh_from_db()
    stamp = toolkit.updated_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert header.find("oai:datestamp", NS).text == stamp
    assert [s.text for s in header.findall("oai:setSpec", NS)] == [
        "type:toolkit",
        "theme:mercury",
        "theme:health_safety",
        "country:CD",
        "country:GH",
    ]
    dc = root.find(".//oai_dc:dc", NS)

    def values(name):
        return [e.text for e in dc.findall(f"dc:{name}", NS)]

    assert values("title") == ["Mercury-free gold <processing> & more: A toolkit"]
    assert values("creator") == ["Ama Mensah", "planetGOLD"]
    assert values("subject") == ["mercury", "health and safety", "Environment and livelihoods"]
    assert values("description") == ["Retorts and concentration tables."]
    assert values("publisher") == ["UNEP"]
    assert values("date") == ["2015-06-01"]
    assert values("type") == ["Text", "toolkit"]
    assert values("format") == ["text/plain"]
    assert values("identifier") == [
        f"http://testserver/library/{toolkit.pk}/",
        "https://doi.org/10.1234/mercury-free",
    ]
    assert values("language") == ["en", "fr"]
    assert values("relation") == ["https://example.org/toolkit"]
    assert values("coverage") == [library["toolkit"].countries.get(alpha2="CD").name_en, "Ghana"]
    assert values("rights") == ["CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"]
    assert (
        b"&lt;processing&gt; &amp; more"
        in client.get(
            URL,
            {"verb": "GetRecord", "identifier": identifier(toolkit), "metadataPrefix": "oai_dc"},
        ).content
    )


def test_a_withdrawn_document_is_a_deleted_header_and_drafts_do_not_exist(client, library):
    root = parse(
        client.get(
            URL,
            {
                "verb": "GetRecord",
                "identifier": identifier(library["withdrawn"]),
                "metadataPrefix": "oai_dc",
            },
        )
    )
    assert root.find(".//oai:header", NS).get("status") == "deleted"
    assert root.find(".//oai:metadata", NS) is None
    draft = {
        "verb": "GetRecord",
        "identifier": identifier(library["draft"]),
        "metadataPrefix": "oai_dc",
    }
    assert error_code(client.get(URL, draft)) == "idDoesNotExist"


def test_list_records_and_identifiers_in_order_of_id(client, library):
    expected = [identifier(library[name]) for name in ("toolkit", "brief", "withdrawn")]
    for verb in ("ListRecords", "ListIdentifiers"):
        root = parse(client.get(URL, {"verb": verb, "metadataPrefix": "oai_dc"}))
        assert identifiers(root) == expected
        assert token_of(root) is None  # one page: no token at all
    records = parse(client.get(URL, {"verb": "ListRecords", "metadataPrefix": "oai_dc"}))
    assert len(records.findall(".//oai_dc:dc", NS)) == 2
    headers = parse(client.get(URL, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}))
    assert headers.find(".//oai:metadata", NS) is None


def test_sets_select_records(client, library):
    def listed(spec):
        return identifiers(
            parse(
                client.get(
                    URL, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": spec}
                )
            )
        )

    assert listed("type:toolkit") == [identifier(library["toolkit"])]
    assert listed("theme:gender") == [identifier(library["brief"])]
    assert listed("country:GH") == [identifier(library["toolkit"])]
    assert len(listed("type")) == 3  # a parent set holds all its children
    root = parse(client.get(URL, {"verb": "ListSets"}))
    specs = [e.text for e in root.iterfind(".//oai:setSpec", NS)]
    assert {"type", "theme", "country", "type:report", "theme:water"} <= set(specs)
    assert {"country:CD", "country:GH"} <= set(specs)
    assert not any(
        s.startswith("country:") and s not in ("country:CD", "country:GH") for s in specs
    )


def test_from_and_until_select_by_datestamp_at_both_granularities(client, library):
    toolkit = library["toolkit"]
    Document.objects.filter(pk=toolkit.pk).update(
        updated_at=datetime.datetime(2020, 5, 17, 10, 30, 15, 500000, tzinfo=datetime.UTC)
    )

    def listed(**bounds):
        response = client.get(
            URL, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", **bounds}
        )
        root = parse(response)
        if root.find("oai:error", NS) is not None:
            return root.find("oai:error", NS).get("code")
        return identifiers(root)

    only_toolkit = [identifier(toolkit)]
    assert listed(**{"from": "2020-05-17", "until": "2020-05-17"}) == only_toolkit
    assert listed(until="2020-05-17T10:30:15Z") == only_toolkit  # the whole second
    assert listed(until="2020-05-17T10:30:14Z") == "noRecordsMatch"
    assert (
        listed(**{"from": "2020-05-17T10:30:15Z", "until": "2020-05-18T00:00:00Z"}) == only_toolkit
    )
    assert (
        listed(**{"from": "2020-05-17T10:30:16Z", "until": "2020-05-18T00:00:00Z"})
        == "noRecordsMatch"
    )
    assert identifier(toolkit) not in listed(**{"from": "2020-05-18"})
    assert len(listed(**{"from": "2020-05-18"})) == 2


def test_list_metadata_formats(client, library):
    root = parse(client.get(URL, {"verb": "ListMetadataFormats"}))
    assert root.find(".//oai:metadataPrefix", NS).text == "oai_dc"
    assert root.find(".//oai:metadataNamespace", NS).text == NS["oai_dc"]
    for_one = {"verb": "ListMetadataFormats", "identifier": identifier(library["brief"])}
    assert parse(client.get(URL, for_one)).find(".//oai:metadataPrefix", NS) is not None
    missing = {"verb": "ListMetadataFormats", "identifier": "oai:casm:library/999999"}
    assert error_code(client.get(URL, missing)) == "idDoesNotExist"


def test_post_is_answered_like_get(client, library):
    root = parse(client.post(URL, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}))
    assert len(identifiers(root)) == 3


# --- Resumption --------------------------------------------------------------------------


def test_pages_follow_tokens_with_cursor_and_size(client, editor, monkeypatch, db):
    monkeypatch.setattr(oai, "PAGE_SIZE", 3)
    made = [publish(editor, f"Brief {n}") for n in range(7)]
    seen, cursors, token = [], [], None
    while True:
        params = {"verb": "ListRecords"}
        params.update({"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"})
        root = parse(client.get(URL, params))
        seen += identifiers(root)
        element = token_of(root)
        cursors.append(element.get("cursor"))
        assert element.get("completeListSize") == "7"
        token = element.text
        if not token:
            break
    assert seen == [identifier(d) for d in made]
    assert cursors == ["0", "3", "6"]


def test_a_harvest_stays_right_while_records_change(client, editor, monkeypatch, db):
    monkeypatch.setattr(oai, "PAGE_SIZE", 3)
    made = [publish(editor, f"Brief {n}") for n in range(7)]
    first = parse(client.get(URL, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}))
    token = token_of(first).text
    services.document_update(actor=editor, document=made[4], data={"title": "Brief 4, revised"})
    services.document_withdraw(actor=editor, document=made[1], reason="Out of date.")
    added = publish(editor, "Brief 7")
    seen = identifiers(first)
    while token:
        root = parse(client.get(URL, {"verb": "ListIdentifiers", "resumptionToken": token}))
        seen += identifiers(root)
        token = token_of(root).text
    assert seen == [identifier(d) for d in [*made, added]]


def test_a_page_reads_a_fixed_number_of_queries(client, editor, monkeypatch, country, db):
    monkeypatch.setattr(oai, "PAGE_SIZE", 50)
    for n in range(50):
        document = publish(
            editor, f"Brief {n}", authors=[f"A{n}", f"B{n}"], countries=[country("GH")]
        )
        services.document_file_add(
            actor=editor,
            document=document,
            handle=io.BytesIO(f"Text {n}".encode()),
            name="brief.txt",
        )
    with CaptureQueriesContext(connection) as queries:
        root = parse(client.get(URL, {"verb": "ListRecords", "metadataPrefix": "oai_dc"}))
    assert len(identifiers(root)) == 50
    assert len(queries.captured_queries) <= 6


# --- Errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Dance", "badVerb"),
        ("verb=Identify&verb=ListSets", "badVerb"),
        ("verb=Identify&colour=blue", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-02-30", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01T00:00:00", "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2020-02-01T00:00:00Z",
            "badArgument",
        ),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-01&until=2020-01-01", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=colour:blue", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=theme:astrology", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc", "badArgument"),
        ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument"),
        ("verb=GetRecord&identifier=oai:casm:library/1", "badArgument"),
        ("verb=ListRecords&resumptionToken=not-a-token", "badResumptionToken"),
        ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
        ("verb=GetRecord&metadataPrefix=marc21&identifier={toolkit}", "cannotDisseminateFormat"),
        (
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:elsewhere:library/1",
            "idDoesNotExist",
        ),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:casm:library/abc", "idDoesNotExist"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=country:FR", "noRecordsMatch"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&from=2999-01-01", "noRecordsMatch"),
    ],
)
def test_every_protocol_error_has_its_code(client, library, query, code):
    query = query.format(toolkit=identifier(library["toolkit"]))
    response = client.get(f"{URL}?{query}")
    assert error_code(response) == code
    request = parse(response).find("oai:request", NS)
    assert request.text == "http://testserver/api/v1/library/oai"
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol: echo no arguments then


def test_a_tampered_or_misused_token_is_refused(client, editor, monkeypatch, db):
    monkeypatch.setattr(oai, "PAGE_SIZE", 1)
    publish(editor, "One")
    publish(editor, "Two")
    root = parse(client.get(URL, {"verb": "ListRecords", "metadataPrefix": "oai_dc"}))
    token = token_of(root).text
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    refused = client.get(URL, {"verb": "ListRecords", "resumptionToken": tampered})
    assert error_code(refused) == "badResumptionToken"
    other_verb = client.get(URL, {"verb": "ListIdentifiers", "resumptionToken": token})
    assert error_code(other_verb) == "badResumptionToken"
    assert identifiers(parse(client.get(URL, {"verb": "ListRecords", "resumptionToken": token})))


def test_text_that_xml_cannot_carry_is_dropped(client, editor, db):
    document = publish(editor, "Plain title")
    Document.objects.filter(pk=document.pk).update(abstract="Bell\x07 and \x1b escape")
    root = parse(
        client.get(
            URL,
            {"verb": "GetRecord", "identifier": identifier(document), "metadataPrefix": "oai_dc"},
        )
    )
    assert root.find(".//dc:description", NS).text == "Bell and  escape"


def test_the_repository_id_is_a_setting(client, library, settings):
    settings.OAI_REPOSITORY_ID = "casm.mines.example"
    root = parse(client.get(URL, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}))
    assert identifiers(root)[0] == f"oai:casm.mines.example:library/{library['toolkit'].pk}"
    old = {
        "verb": "GetRecord",
        "identifier": identifier(library["toolkit"]),
        "metadataPrefix": "oai_dc",
    }
    assert error_code(client.get(URL, old)) == "idDoesNotExist"
