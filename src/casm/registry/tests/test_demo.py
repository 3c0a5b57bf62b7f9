"""The demo's provinces: each demo site names the province its point lies in."""

import random

import pytest

from casm.core.areas import areas_for_point
from casm.core.models import AdminArea
from casm.registry import demo

pytestmark = pytest.mark.django_db


def test_demo_sites_lie_in_the_province_they_name(country):
    congo = country("CD")
    _count, _weights, regions = demo.COUNTRIES["CD"]
    west, width = demo._demo_areas(congo, regions)
    areas = AdminArea.objects.filter(country=congo, level=1)
    assert sorted(areas.values_list("name", flat=True)) == sorted(regions)
    assert {area.source for area in areas} == {demo.DEMO_AREA_SOURCE}
    rng = random.Random(3)
    box = demo._country_box(congo.alpha3)
    for _ in range(60):
        latitude, longitude = demo._point(rng, congo, box, placed=True)
        found = areas_for_point(congo.pk, longitude, latitude)[1]
        assert found.name == demo._region_of(longitude, west, width, regions)
