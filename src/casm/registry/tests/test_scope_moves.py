"""Moving a scoped record to another country needs that country in scope too.

A Ghana data officer who moves a Ghanaian record to DR Congo would hand its data (a miner's
personal data, above all) to a country they do not work for. Every scoped record is tried
through the API, the service and, where the web has a form, the web.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from casm.core.models import Commodity
from casm.registry import services
from casm.registry.models import Miner, Operator, ProductionRecord, Site
from casm.registry.tests import factories

LAST_YEAR = datetime.date.today().year - 1


@pytest.fixture
def ghana_records(make_site):
    gold = Commodity.objects.get(code="gold")
    site = make_site("Prestea Gold Pit", "GH", commodities=[gold])
    return {
        "site": site,
        "operator": factories.make_operator("Prestea Diggers"),
        "miner": factories.make_miner("Kwame Mensah", sites=[site]),
        "production": factories.make_production(site=site),
    }


# What moves each record to DR Congo, in the API's words.
API_MOVES = {
    "site": ("/api/v1/sites/{pk}", {"country": "CD", "latitude": -2.5, "longitude": 28.8}),
    "operator": ("/api/v1/operators/{pk}", {"country": "CD", "sites": []}),
    "miner": ("/api/v1/miners/{pk}", {"country": "CD", "operator": None, "sites": []}),
}
MODELS = {"site": Site, "operator": Operator, "miner": Miner, "production": ProductionRecord}


@pytest.mark.parametrize("kind", sorted(API_MOVES))
def test_it_refuses_an_api_move_to_a_country_outside_scope(
    client, token_for, ghana_officer, ghana_records, kind
):
    record = ghana_records[kind]
    path, body = API_MOVES[kind]
    response = client.patch(
        path.format(pk=record.pk),
        body,
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 403, response.content
    assert "outside your scope" in response.json()["error"]["message"]
    assert MODELS[kind].objects.get(pk=record.pk).country.alpha2 == "GH"


def test_it_refuses_to_move_production_to_a_site_outside_scope(
    client, token_for, ghana_officer, ghana_records, make_site
):
    """Production takes its site's country; a Congolese site is unknown to a Ghana officer."""
    congo_site = make_site("Kamituga", "CD")
    record = ghana_records["production"]
    response = client.patch(
        f"/api/v1/production/{record.pk}",
        {"site": congo_site.pk},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 422, response.content
    stored = ProductionRecord.objects.get(pk=record.pk)
    assert (stored.country.alpha2, stored.site_id) == ("GH", ghana_records["site"].pk)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_it_refuses_a_service_move_to_a_country_outside_scope(
    ghana_officer, ghana_records, country, kind
):
    record = ghana_records[kind]
    update = {
        "site": lambda: services.site_update(
            actor=ghana_officer, site=record, country=country("CD"), latitude=-2.5, longitude=28.8
        ),
        "operator": lambda: services.operator_update(
            actor=ghana_officer, operator=record, country=country("CD"), sites=[]
        ),
        "miner": lambda: services.miner_update(
            actor=ghana_officer, miner=record, country=country("CD"), operator=None, sites=[]
        ),
        "production": lambda: services.production_record_update(
            actor=ghana_officer, record=record, country=country("CD")
        ),
    }[kind]
    with pytest.raises(PermissionDenied):
        update()
    assert MODELS[kind].objects.get(pk=record.pk).country.alpha2 == "GH"


def test_it_moves_a_miner_between_two_countries_in_scope(
    client, token_for, make_user, ghana_records
):
    officer = make_user("both", role="data_officer", countries=["GH", "CD"])
    miner = ghana_records["miner"]
    response = client.patch(
        f"/api/v1/miners/{miner.pk}",
        {"country": "CD", "operator": None, "sites": []},
        content_type="application/json",
        **token_for(officer),
    )
    assert response.status_code == 200, response.content
    assert Miner.objects.get(pk=miner.pk).country.alpha2 == "CD"


def test_it_offers_no_country_outside_scope_in_the_miner_form(
    login, ghana_officer, ghana_records, country
):
    miner = ghana_records["miner"]
    client = login(ghana_officer)
    response = client.post(
        f"/registry/miners/{miner.pk}/edit/",
        {"country": country("CD").pk, "name": miner.name, "sex": "m"},
    )
    assert response.status_code == 400
    assert Miner.objects.get(pk=miner.pk).country.alpha2 == "GH"
