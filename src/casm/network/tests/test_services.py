import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent, Country
from casm.network import selectors, services
from casm.network.models import Project
from casm.network.tests import factories

pytestmark = pytest.mark.django_db


def test_it_records_a_project_with_its_budget_and_audits_it(admin_user):
    lead = factories.organisation("Artisanal Gold Council")
    donor = factories.organisation("UK Department for International Development", "GB", "donor")
    project = services.project_create(
        actor=admin_user,
        data={
            "title": "Mercury-free processing",
            "lead_organisation": lead,
            "donors": [donor],
            "countries": [Country.objects.get(alpha2="GH")],
            "themes": ["mercury"],
            "budget": "250000.50",
            "currency": "usd",
            "start": datetime.date(2008, 1, 1),
            "end": datetime.date(2010, 12, 31),
        },
    )
    project.refresh_from_db()
    assert project.budget == Decimal("250000.50")
    assert project.currency == "USD"
    assert list(project.donors.all()) == [donor]
    assert AuditEvent.objects.filter(model="network.project", object_id=str(project.pk)).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"budget": "-1", "currency": "USD"}, "budget"),
        ({"budget": "ten", "currency": "USD"}, "budget"),
        ({"budget": 10.5, "currency": "USD"}, "budget"),
        ({"budget": "100", "currency": "DOLLARS"}, "currency"),
        ({"budget": "100"}, "currency"),
        ({"start": datetime.date(2010, 1, 1), "end": datetime.date(2009, 1, 1)}, "end"),
        ({"themes": ["astrology"]}, "themes"),
    ],
)
def test_it_refuses_bad_projects_and_writes_nothing(admin_user, data, field):
    lead = factories.organisation("Lead")
    with pytest.raises(ValidationError) as error:
        services.project_create(
            actor=admin_user, data={"title": "Bad", "lead_organisation": lead, **data}
        )
    assert field in error.value.message_dict
    assert not Project.objects.exists()


def test_it_refuses_a_donor_that_is_not_a_donor(admin_user):
    lead = factories.organisation("Lead")
    with pytest.raises(ValidationError) as error:
        services.project_create(
            actor=admin_user, data={"title": "P", "lead_organisation": lead, "donors": [lead]}
        )
    assert "donors" in error.value.message_dict


def test_only_the_secretariat_writes(member, ghana_officer):
    lead = factories.organisation("Lead")
    for actor in (member, ghana_officer):
        with pytest.raises(PermissionDenied):
            services.project_create(actor=actor, data={"title": "P", "lead_organisation": lead})
        with pytest.raises(PermissionDenied):
            services.person_create(actor=actor, data={"name": "X"})


def test_a_partnership_ends_after_it_starts(admin_user):
    with pytest.raises(ValidationError):
        services.partnership_create(
            actor=admin_user,
            data={
                "name": "P",
                "start": datetime.date(2005, 1, 1),
                "end": datetime.date(2004, 1, 1),
            },
        )


def test_memberships_cannot_overlap_but_can_follow_each_other(admin_user):
    network = services.regional_network_create(actor=admin_user, data={"name": "Africa"})
    org = factories.organisation("Cooperative")
    first = services.membership_create(
        actor=admin_user,
        data={"network": network, "organisation": org, "joined": datetime.date(2003, 1, 1)},
    )
    with pytest.raises(ValidationError):
        services.membership_create(
            actor=admin_user,
            data={"network": network, "organisation": org, "joined": datetime.date(2004, 1, 1)},
        )
    services.membership_end(actor=admin_user, membership=first, left=datetime.date(2005, 6, 30))
    services.membership_create(
        actor=admin_user,
        data={"network": network, "organisation": org, "joined": datetime.date(2007, 1, 1)},
    )
    assert (
        selectors.members_by_year(selectors.regional_network_get(network.pk))[:6]
        == [
            (2003, 1),
            (2004, 1),
            (2005, 1),
            (2006, 0),
            (2007, 1),
        ][:6]
    )


def test_the_expert_roster_checks_themes_and_languages(admin_user):
    person = factories.person("Ana Lima")
    with pytest.raises(ValidationError):
        services.expert_profile_save(actor=admin_user, person=person, data={"themes": ["x"]})
    profile = services.expert_profile_save(
        actor=admin_user, person=person, data={"themes": ["gender", "mercury"], "languages": ["pt"]}
    )
    assert profile.themes == ["gender", "mercury"]
    services.expert_profile_save(actor=admin_user, person=person, data={"availability": "limited"})
    profile.refresh_from_db()
    assert profile.availability == "limited"


def test_the_public_directory_lists_members_and_filters(member, admin_user):
    ngo = factories.organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    factories.organisation("Ministry of Mines", "GH", "government")
    hidden = factories.organisation("Unlisted", "GH", is_network_member=False)
    services.network_organisation_update(
        actor=None, organisation=ngo, data={"countries_of_work": [Country.objects.get(alpha2="PE")]}
    )
    factories.project("Gender in ASM", ngo, themes=["gender"])

    def names(**filters):
        return [o.name for o in selectors.organisation_directory(user=member, **filters)]

    assert "Unlisted" not in names()
    assert names(q="arm") == ["Alliance for Responsible Mining"]
    assert names(kind="government") == ["Ministry of Mines"]
    assert names(country="pe") == ["Alliance for Responsible Mining"]
    assert names(theme="gender") == ["Alliance for Responsible Mining"]
    assert hidden in selectors.organisation_directory(user=admin_user)


def test_people_without_a_public_profile_are_not_listed(member, admin_user):
    factories.person("Public Person")
    factories.person("Private Person", public=False)
    assert [p.name for p in selectors.people_directory(user=member)] == ["Public Person"]
    assert selectors.people_directory(user=admin_user).count() == 2


def test_who_works_where_counts_organisations_and_projects():
    org = factories.organisation("Cooperative", "GH")
    services.network_organisation_update(
        actor=None,
        organisation=org,
        data={"countries_of_work": [Country.objects.get(alpha2=c) for c in ("GH", "TZ")]},
    )
    factories.project("P", org, countries=[Country.objects.get(alpha2="TZ")])
    counts = selectors.who_works_where()
    assert counts["GHA"] == {"organisations": 1, "projects": 0}
    assert counts["TZA"] == {"organisations": 1, "projects": 1}
