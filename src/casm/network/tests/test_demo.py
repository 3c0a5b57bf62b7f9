import random

import pytest

from casm.accounts import demo as accounts_demo
from casm.network import demo, selectors
from casm.network.models import Project, RegionalNetwork

pytestmark = pytest.mark.django_db


def test_the_demo_reproduces_the_reported_network():
    accounts_demo.build(random.Random(1), lambda _text: None)
    demo.build(random.Random(1), lambda _text: None)
    series = dict(selectors.partnerships_by_year())
    assert series[2001] == 13
    assert series[2008] == 32
    assert sorted(RegionalNetwork.objects.values_list("name", flat=True)) == [
        "Africa",
        "Asia",
        "China",
    ]
    countries = Project.countries.through.objects.values("country").distinct().count()
    assert countries == 25
    involved = set(Project.objects.values_list("lead_organisation", flat=True))
    involved |= set(Project.partners.through.objects.values_list("organisation_id", flat=True))
    assert len(involved) >= 35
    assert Project.objects.exclude(donors=None).count() == Project.objects.count()
