"""The network API as its users meet it: public reads, private contact details, and writes
for the secretariat only."""

import datetime

import pytest

from casm.network import services
from casm.network.models import Project
from casm.network.tests import factories

pytestmark = pytest.mark.django_db


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


@pytest.fixture
def data(db):
    arm = factories.organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    hidden = factories.organisation("Hidden", "GH", is_network_member=False)
    donor = factories.organisation("Natural Resources Canada", "CA", "donor")
    ana = factories.person("Ana Public", organisation=arm, phone="555 0101")
    factories.person("Bo Private", public=False)
    services.expert_profile_save(
        actor=None, person=ana, data={"themes": ["gender"], "languages": ["es"]}
    )
    project = factories.project("Fairmined", arm, themes=["supply_chains"])
    network = services.regional_network_create(actor=None, data={"name": "Asia"})
    services.membership_create(
        actor=None,
        data={"network": network, "organisation": arm, "joined": datetime.date(2005, 1, 1)},
    )
    partnership = services.partnership_create(
        actor=None, data={"name": "Durban Process", "start": datetime.date(2003, 1, 1)}
    )
    return {
        "arm": arm,
        "hidden": hidden,
        "donor": donor,
        "ana": ana,
        "project": project,
        "partnership": partnership,
        "network": network,
    }


def fields_of(response):
    return {detail["field"] for detail in error_of(response)["details"]}


def auth(token_for, user):
    return token_for(user)


def test_anyone_reads_the_public_directory(client, data):
    body = client.get("/api/v1/network/organisations?country=CO&q=arm").json()
    assert [o["name"] for o in body["items"]] == ["Alliance for Responsible Mining"]
    names = [o["name"] for o in client.get("/api/v1/network/organisations").json()["items"]]
    assert "Hidden" not in names
    assert client.get(f"/api/v1/network/organisations/{data['hidden'].pk}").status_code == 404
    experts = client.get("/api/v1/network/experts?theme=gender").json()["items"]
    assert [e["name"] for e in experts] == ["Ana Public"]
    (network, *_others) = client.get("/api/v1/network/regional-networks").json()["items"]
    assert network["members"][0]["name"] == "Alliance for Responsible Mining"
    assert client.get("/api/v1/network/partnerships").json()["count"] == 1
    assert client.get("/api/v1/network/projects?theme=supply_chains").json()["count"] == 1
    assert client.get(f"/api/v1/network/projects/{data['project'].pk}").json()["title"] == (
        "Fairmined"
    )


def test_contact_details_only_for_the_secretariat(client, token_for, member, admin_user, data):
    people = client.get("/api/v1/network/people", **auth(token_for, member)).json()["items"]
    assert [p["name"] for p in people] == ["Ana Public"]
    assert people[0]["phone"] is None and people[0]["email"] is None
    people = client.get("/api/v1/network/people", **auth(token_for, admin_user)).json()["items"]
    assert {p["name"] for p in people} == {"Ana Public", "Bo Private"}
    ana = client.get(f"/api/v1/network/people/{data['ana'].pk}", **auth(token_for, admin_user))
    assert ana.json()["phone"] == "555 0101"


@pytest.mark.parametrize(
    ("method", "url", "payload"),
    [
        ("post", "/api/v1/network/organisations", {"name": "X", "kind": "ngo", "country": "GH"}),
        ("patch", "/api/v1/network/organisations/{arm}", {"description": "x"}),
        ("post", "/api/v1/network/people", {"name": "X"}),
        ("patch", "/api/v1/network/people/{ana}", {"bio": "x"}),
        ("post", "/api/v1/network/partnerships", {"name": "X", "start": "2001-01-01"}),
        ("patch", "/api/v1/network/partnerships/{partnership}", {"name": "Y"}),
        ("post", "/api/v1/network/projects", {"title": "X", "lead_organisation": 1}),
        ("patch", "/api/v1/network/projects/{project}", {"title": "Y"}),
        ("put", "/api/v1/network/people/{ana}/expert", {"themes": ["gender"]}),
        ("post", "/api/v1/network/regional-networks", {"name": "Latin America"}),
        (
            "post",
            "/api/v1/network/regional-networks/{network}/memberships",
            {"organisation": 1, "joined": "2005-01-01"},
        ),
    ],
)
def test_only_the_secretariat_writes(
    client, token_for, member, ghana_officer, data, method, url, payload
):
    url = url.format(**{k: v.pk for k, v in data.items()})
    assert getattr(client, method)(url, payload, content_type="application/json").status_code == 401
    for user in (member, ghana_officer):
        response = getattr(client, method)(
            url, payload, content_type="application/json", **auth(token_for, user)
        )
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"


def test_the_secretariat_records_a_project(client, token_for, admin_user, data):
    headers = auth(token_for, admin_user)
    payload = {
        "title": "Mercury-free gold",
        "lead_organisation": data["arm"].pk,
        "donors": [data["donor"].pk],
        "countries": ["CO", "pe"],
        "themes": ["mercury"],
        "budget": "120000.00",
        "currency": "cad",
        "start": "2009-01-01",
        "end": "2011-12-31",
    }
    response = client.post(
        "/api/v1/network/projects", payload, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["budget"] == "120000.00" and body["currency"] == "CAD"
    assert body["countries"] == ["CO", "PE"]
    response = client.patch(
        f"/api/v1/network/projects/{body['id']}",
        {"budget": "-3"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    assert "budget" in fields_of(response)
    assert Project.objects.get(pk=body["id"]).budget == 120000


def test_bad_input_is_refused_with_the_field(client, token_for, admin_user, data):
    headers = auth(token_for, admin_user)
    response = client.post(
        "/api/v1/network/projects",
        {
            "title": "X",
            "lead_organisation": data["arm"].pk,
            "donors": [data["arm"].pk],
            "countries": ["ZZ"],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    assert "countries.0" in fields_of(response)  # the item at fault
    response = client.post(
        "/api/v1/network/projects",
        {"title": "X", "lead_organisation": data["arm"].pk, "donors": [data["arm"].pk]},
        content_type="application/json",
        **headers,
    )
    assert "donors" in fields_of(response)
    response = client.post(
        "/api/v1/network/partnerships",
        {"name": "X", "start": "2005-01-01", "end": "2004-01-01"},
        content_type="application/json",
        **headers,
    )
    assert "end" in fields_of(response)


def test_the_secretariat_adds_an_organisation_and_a_person(client, token_for, admin_user, data):
    headers = auth(token_for, admin_user)
    response = client.post(
        "/api/v1/network/organisations",
        {
            "name": "Artisanal Gold Council",
            "kind": "ngo",
            "country": "CA",
            "countries_of_work": ["SN", "bf"],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    assert response.json()["countries_of_work"] == ["BF", "CA", "SN"]
    response = client.post(
        "/api/v1/network/people",
        {"name": "Kofi", "organisation": response.json()["id"], "email": "kofi@example.org"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    assert response.json()["email"] == "kofi@example.org"


def test_the_secretariat_keeps_the_roster_and_the_memberships(client, token_for, admin_user, data):
    headers = auth(token_for, admin_user)
    response = client.put(
        f"/api/v1/network/people/{data['ana'].pk}/expert",
        {
            "themes": ["mercury"],
            "languages": ["fr"],
            "countries": ["ml"],
            "availability": "limited",
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["countries"] == ["ML"]
    assert client.get("/api/v1/network/experts?theme=mercury").json()["count"] == 1
    network = data["network"]
    url = f"/api/v1/network/regional-networks/{network.pk}/memberships"
    overlapping = {"organisation": data["arm"].pk, "joined": "2006-01-01"}
    response = client.post(url, overlapping, content_type="application/json", **headers)
    assert response.status_code == 422
    assert "joined" in fields_of(response)
    joined = {"organisation": data["donor"].pk, "joined": "2006-01-01", "left": "2008-12-31"}
    response = client.post(url, joined, content_type="application/json", **headers)
    assert response.status_code == 201
    members = client.get(f"/api/v1/network/regional-networks/{network.pk}").json()["members"]
    assert [(m["name"], m["left"]) for m in members] == [
        ("Alliance for Responsible Mining", None),
        ("Natural Resources Canada", "2008-12-31"),
    ]
    detail = client.get(f"/api/v1/network/partnerships/{data['partnership'].pk}").json()
    assert detail["name"] == "Durban Process"


@pytest.mark.parametrize(
    ("resource", "field"),
    [("people/{ana}", "countries"), ("projects/{project}", "themes"),
     ("projects/{project}", "partners"), ("partnerships/{partnership}", "organisations"),
     ("organisations/{arm}", "countries_of_work")],
)  # fmt: skip
def test_a_null_list_is_refused_with_the_field_named(
    client, token_for, admin_user, data, resource, field
):
    url = "/api/v1/network/" + resource.format(**{key: data[key].pk for key in data})
    response = client.patch(
        url, {field: None}, content_type="application/json", **token_for(admin_user)
    )
    assert response.status_code == 422, response.content
    assert field in fields_of(response)


def test_the_lists_cost_the_same_queries_for_many_records_as_for_one(
    client, admin_user, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = factories.organisation("Lead", "GH")
    colombia = factories.organisation("Partner", "CO")
    for number in range(6):
        person = factories.person(f"Person {number}", organisation=lead)
        person.countries.set([lead.country, colombia.country])
        services.expert_profile_save(
            actor=admin_user,
            person=person,
            data={"themes": ["mercury"], "countries": [lead.country]},
        )
        project = factories.project(f"Project {number}", lead)
        project.partners.set([colombia])
        project.countries.set([lead.country])
    client.force_login(admin_user)
    for url in ("organisations", "people", "experts", "projects", "partnerships"):
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/api/v1/network/{url}?limit=1")
        with django_assert_max_num_queries(len(queries)):
            assert client.get(f"/api/v1/network/{url}").status_code == 200, url
    assert client.get("/api/v1/network/projects").json()["items"][0]["partners"] == [colombia.pk]
