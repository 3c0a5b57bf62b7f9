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
    # The 4 invented titles, and the 2 licences the demo register granted.
    assert kinds.count("asm_zone") == 6 and kinds.count("title") == 4 + 2
    assert set(kinds) == {"asm_zone", "title", "protected", "restriction"}
    congo = country("CD")
    site = Site.objects.filter(country=congo).order_by("code").first()
    near = box(site.longitude - 0.001, site.latitude - 0.001,
               site.longitude + 0.001, site.latitude + 0.001)  # fmt: skip
    card = LicenceType.objects.get(country=congo, code="CEA")
    screening = area_screen(country=congo, geometry=near, licence_type=card)
    assert screening.verdict == "clear"
    assert any(f.code == "sites_inside" and site.code in f.text for f in screening.findings)


def test_the_demo_register_has_an_application_at_every_step_and_a_licence_expiring_soon():
    import datetime

    from casm.licensing.models import Application, Licence
    from casm.licensing.services.licences import licences_to_remind

    accounts_demo.build(random.Random(1), lambda _text: None)
    registry_demo.build(random.Random(1), lambda _text: None)
    demo.build(random.Random(1), lambda _text: None)
    statuses = sorted(Application.objects.values_list("status", flat=True))
    assert statuses == sorted(["received", "incomplete", "complete", "notice", "decision",
                               "granted", "granted", "refused", "withdrawn"])  # fmt: skip
    assert Licence.objects.count() == 2
    soon = list(licences_to_remind(today=datetime.date.today()))
    assert len(soon) == 1 and soon[0].expires_on <= datetime.date.today() + datetime.timedelta(
        days=40
    )
    # One licence has a co-holder with 30 %.
    shared = [licence for licence in Licence.objects.all() if licence.shares.exists()]
    assert len(shared) == 1 and [p for _n, p in shared[0].public_holders()] == [70, 30]
