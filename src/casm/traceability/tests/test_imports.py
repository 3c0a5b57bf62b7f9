"""Imports: a lot that enters the country, held by its importer with its declared origin; an
origin with no recorded production of the mineral raises a red flag; the web and the API;
refusals."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from casm.accounts.models import Organisation, User
from casm.core.models import Country
from casm.registry.tests.factories import make_production, make_site
from casm.traceability import selectors, services
from casm.traceability.models import RedFlag

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(chain, make_organisation, make_user):
    organisation = make_organisation("Kivu Refining Imports", "CD", kind=Organisation.Kind.TRADER)
    actor = services.actor_register(actor=chain.inspector, organisation=organisation,
                                    country=chain.country, roles=["importer"])  # fmt: skip
    user = make_user("imports", role=User.Role.SUPPLY_CHAIN_ACTOR, organisation=organisation)
    return actor, user


def _import(chain, importer, origin="RW", **given):
    actor, user = importer
    data = {"actor": user, "importer": actor, "origin": Country.objects.get(alpha2=origin),
            "commodity": chain.gold, "mass": "2", "unit": "kg", "grade": "88",
            "exporter": "Kigali Gold Ltd", "certificate": "RW-EC-2026-0042"}  # fmt: skip
    data.update(given)
    return services.lot_import(**data)


def test_an_origin_without_recorded_production_raises_a_red_flag(chain, importer):
    lot = _import(chain, importer)
    assert lot.holder == importer[0] and lot.site is None and lot.made_by.kind == "import"
    assert lot.made_by.details["origin"] == "RW"
    [flag] = RedFlag.objects.filter(kind="origin")
    assert flag.lot == lot and flag.actor == importer[0] and flag.severity == "high"
    assert "No production of" in selectors.evidence_text(flag)
    assert "Rwanda" in selectors.evidence_text(flag)


def test_an_origin_with_recorded_production_raises_none(chain, importer):
    make_production(site=make_site("Rutongo", "RW"), commodity=chain.gold)
    _import(chain, importer)
    assert not RedFlag.objects.filter(kind="origin").exists()


def test_an_import_is_refused_from_the_same_country_or_without_the_role(chain, importer):
    for given, field in [({"origin": "CD"}, "origin"), ({"mass": "0"}, "mass"),
                         ({"grade": "120"}, "grade"),
                         ({"shipped_on": datetime.date(2026, 3, 2),
                           "received_on": datetime.date(2026, 3, 1)}, "received_on")]:  # fmt: skip
        with pytest.raises(ValidationError) as refused:
            _import(chain, importer, **given)
        assert field in refused.value.error_dict, given
    with pytest.raises(ValidationError) as refused:
        services.lot_import(actor=chain.trader_user, importer=chain.trader,
                            origin=Country.objects.get(alpha2="RW"), commodity=chain.gold,
                            mass="1")  # fmt: skip
    assert "actor" in refused.value.error_dict  # a trader has no importer's role
    with pytest.raises(PermissionDenied):
        services.lot_import(actor=chain.trader_user, importer=importer[0],
                            origin=Country.objects.get(alpha2="RW"), commodity=chain.gold,
                            mass="1")  # fmt: skip


def test_the_web_and_the_api_record_an_import_and_it_goes_on_like_any_lot(chain, importer,
                                                                         token_for):  # fmt: skip
    actor, user = importer
    client = Client()
    client.force_login(user)
    assert client.get("/traceability/lots/import/").status_code == 200
    bad = client.post("/traceability/lots/import/", {
        "importer": actor.pk, "origin": "CD", "mineral": "gold", "mass": "1", "unit": "kg",
    })  # fmt: skip
    assert bad.status_code == 422 and "another country" in bad.content.decode()
    sent = client.post("/traceability/lots/import/", {
        "importer": actor.pk, "origin": "UG", "mineral": "gold", "mass": "1", "unit": "kg",
        "grade": "90", "exporter": "Kampala Bullion",
    })  # fmt: skip
    assert sent.status_code == 302
    page = client.get(sent["Location"])
    assert page.status_code == 200 and "Uganda" in page.content.decode()
    api = Client().post("/api/v1/traceability/imports", {
        "importer": actor.pk, "origin": "RW", "mineral": "gold", "mass": "500", "unit": "g",
    }, content_type="application/json", **token_for(user))  # fmt: skip
    assert api.status_code == 201, api.content
    imported = services.Lot.objects.get(pk=api.json()["id"])
    sale = services.lot_transfer(actor=user, lot=imported, receiver=chain.trader)
    bought = services.transfer_accept(actor=chain.trader_user, operation=sale,
                                      mass=imported.mass, unit=imported.unit)  # fmt: skip
    assert bought.holder == chain.trader
    refused = Client().post("/api/v1/traceability/imports", {
        "importer": actor.pk, "origin": "RW", "mineral": "gold", "mass": "500",
    }, content_type="application/json", **token_for(chain.trader_user))  # fmt: skip
    assert refused.status_code == 422 and "importer" in refused.content.decode()
