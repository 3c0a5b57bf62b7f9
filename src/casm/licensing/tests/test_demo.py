"""The demo cadastre: the demo's sites meet its zones, titles and protected area."""

import random

import pytest
from shapely.geometry import box

from casm.accounts import demo as accounts_demo
from casm.licensing import demo
from casm.licensing.models import LayerFeature, LicenceType
from casm.licensing.screening import area_screen
from casm.registry import demo as registry_demo
from casm.registry.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_cadastre_lies_around_the_demo_sites(country):
    accounts_demo.build(random.Random(1), lambda _text: None)
    registry_demo.build(random.Random(1), lambda _text: None)
    demo.build(random.Random(1), lambda _text: None)
    kinds = sorted(LayerFeature.objects.values_list("layer__kind", flat=True))
    assert kinds.count("asm_zone") == 6 and kinds.count("title") == 4
    assert set(kinds) == {"asm_zone", "title", "protected", "restriction"}
    congo = country("CD")
    site = Site.objects.filter(country=congo).order_by("code").first()
    near = box(site.longitude - 0.001, site.latitude - 0.001,
               site.longitude + 0.001, site.latitude + 0.001)  # fmt: skip
    card = LicenceType.objects.get(country=congo, code="CEA")
    screening = area_screen(country=congo, geometry=near, licence_type=card)
    assert screening.verdict == "clear"
    assert any(f.code == "sites_inside" and site.code in f.text for f in screening.findings)
