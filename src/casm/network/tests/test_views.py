import datetime

import pytest

from casm.core.models import AuditEvent, Country
from casm.network import services
from casm.network.models import Person, Project
from casm.network.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(db):
    arm = factories.organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    factories.organisation("Hidden Cooperative", "GH", "miners", is_network_member=False)
    factories.person("Ana Public", organisation=arm, phone="+57 1 555 0101")
    factories.person("Bo Private", public=False)
    project = factories.project(
        "Fairmined gold in Colombia",
        arm,
        countries=[Country.objects.get(alpha2="CO")],
        themes=["supply_chains"],
    )
    network = services.regional_network_create(actor=None, data={"name": "Africa"})
    services.membership_create(
        actor=None,
        data={"network": network, "organisation": arm, "joined": datetime.date(2004, 3, 1)},
    )
    services.partnership_create(
        actor=None,
        data={
            "name": "Women in ASM in Asia",
            "start": datetime.date(2006, 1, 1),
            "organisations": [arm],
        },
    )
    return {"arm": arm, "project": project}


def test_it_shows_the_directory_with_filters(client, directory):
    page = client.get("/network/").content.decode()
    assert "Alliance for Responsible Mining" in page
    assert "Hidden Cooperative" not in page
    assert "Alliance" in client.get("/network/?q=arm&country=CO").content.decode()
    assert "Alliance" not in client.get("/network/?kind=government").content.decode()


def test_an_organisation_page_shows_its_projects_partnerships_and_networks(client, directory):
    page = client.get(f"/network/organisations/{directory['arm'].pk}/").content.decode()
    assert "Fairmined gold in Colombia" in page
    assert "Women in ASM in Asia" in page
    assert "Africa" in page


def test_an_unlisted_organisation_is_a_404_for_the_public(client, directory):
    hidden = directory["arm"].__class__.objects.get(name="Hidden Cooperative")
    assert client.get(f"/network/organisations/{hidden.pk}/").status_code == 404


def test_contact_details_are_only_for_the_secretariat(client, login, member, admin_user, directory):
    person = Person.objects.get(name="Ana Public")
    assert "555 0101" not in client.get(f"/network/people/{person.pk}/").content.decode()
    login(member)
    assert "555 0101" not in client.get(f"/network/people/{person.pk}/").content.decode()
    listing = client.get("/network/people/").content.decode()
    assert "Ana Public" in listing and "Bo Private" not in listing
    login(admin_user)
    assert "555 0101" in client.get(f"/network/people/{person.pk}/").content.decode()
    assert "Bo Private" in client.get("/network/people/").content.decode()


def test_the_other_public_pages_answer(client, directory):
    for url in (
        "/network/experts/",
        "/network/regional/",
        "/network/partnerships/",
        "/network/projects/?theme=supply_chains",
        f"/network/projects/{directory['project'].pk}/",
        "/network/map/",
        "/pillars/network/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Colombia" in client.get("/network/map/").content.decode()


def test_the_directory_costs_a_fixed_number_of_queries(
    client, directory, django_assert_max_num_queries
):
    for number in range(30):
        factories.organisation(f"Organisation {number}", "GH")
    with django_assert_max_num_queries(8):
        client.get("/network/")
    for number in range(30):
        factories.person(f"Person {number}", organisation=directory["arm"])
        factories.project(f"Project {number}", directory["arm"])
    for url in ("/network/people/", "/network/projects/", "/network/?country=GH&q=org"):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200


def test_the_secretariat_adds_a_project_through_the_form(client, login, admin_user, directory):
    login(admin_user)
    response = client.post(
        "/network/projects/new/",
        {
            "title": "Mercury-free gold",
            "lead_organisation": directory["arm"].pk,
            "budget": "-5",
            "currency": "USD",
            "status": "planned",
        },
    )
    assert response.status_code == 400
    assert "cannot be negative" in response.content.decode()
    response = client.post(
        "/network/projects/new/",
        {
            "title": "Mercury-free gold",
            "lead_organisation": directory["arm"].pk,
            "budget": "5000",
            "currency": "usd",
            "status": "planned",
            "themes": ["mercury"],
        },
    )
    project = Project.objects.get(title="Mercury-free gold")
    assert response.status_code == 302
    assert project.currency == "USD"


def test_the_secretariat_edits_an_organisation_and_it_is_audited(
    client, login, admin_user, directory
):
    login(admin_user)
    arm = directory["arm"]
    response = client.post(
        f"/network/organisations/{arm.pk}/edit/",
        {
            "name": arm.name,
            "acronym": "ARM",
            "kind": "ngo",
            "country": arm.country.pk,
            "description": "Fairmined.",
            "is_network_member": "on",
        },
    )
    assert response.status_code == 302
    arm.refresh_from_db()
    assert arm.description == "Fairmined."
    assert AuditEvent.objects.filter(model="accounts.organisation", action="update").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/network/organisations/new/",
        "/network/people/new/",
        "/network/partnerships/new/",
        "/network/projects/new/",
    ],
)
def test_members_cannot_use_the_secretariat_forms(client, login, member, url):
    login(member)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "x", "title": "x"}).status_code == 403


def test_the_directory_downloads_as_csv(client, directory):
    response = client.get("/network/organisations.csv?country=CO")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.splitlines()[0] == "name,acronym,type,country,website,countries_of_work"
    assert "Alliance for Responsible Mining,ARM,ngo,CO" in body
    assert "Hidden Cooperative" not in client.get("/network/organisations.csv").content.decode()


def test_the_pages_keep_the_search_in_their_links(client, directory):
    for number in range(30):
        factories.organisation(f"Alliance & Co {number}", "GH")
    page = client.get("/network/?q=alliance+%26+co").content.decode()
    assert "q=alliance+%26+co&amp;page=2" in page


def test_an_organisation_page_lists_the_events_its_people_attended(client, member, directory):
    from casm.events.models import Event, Registration

    country = Country.objects.get(alpha2="GH")
    event = Event.objects.create(
        kind="conference",
        title="Annual conference 2008",
        year=2008,
        host_country=country,
        starts_on=datetime.date(2008, 9, 1),
        ends_on=datetime.date(2008, 9, 3),
        capacity=100,
    )
    Registration.objects.create(
        event=event,
        user=member,
        full_name="Mary",
        organisation=directory["arm"],
        country=country,
        status="confirmed",
    )
    page = client.get(f"/network/organisations/{directory['arm'].pk}/").content.decode()
    assert "Annual conference 2008" in page
    assert "Mary" not in page
