"""Provenance back to the sites and forward from them, the flags production raises, and who
sees which lots."""

from __future__ import annotations

import datetime
import json

import pytest
from django.http import Http404

from casm.accounts.models import User
from casm.registry import services as registry
from casm.traceability import selectors, services
from casm.traceability.models import FlagKind, RedFlag

pytestmark = pytest.mark.django_db


def _exported_chain(chain, country):
    a = chain.produce("CD-A-0001", "1000", grade="80")
    b = chain.produce("CD-B-0001", "500", site=chain.site_b, grade="90")
    combined = services.lots_combine(actor=chain.trader_user, lots=[chain.sell(a), chain.sell(b)])
    at_exporter = chain.sell(combined, to=chain.exporter)
    return a, b, combined, at_exporter


def test_the_provenance_reaches_both_sites_through_every_operation(chain, country):
    a, b, combined, at_exporter = _exported_chain(chain, country)
    found = selectors.provenance(at_exporter)
    # exporter's lot ← trader's combination ← the trader's two bought lots ← the two produced.
    assert {lot.pk for lot in found.lots} == set(selectors.ancestor_ids(at_exporter.pk))
    assert len(found.lots) == 6
    assert [s.site for s in found.sites] == [chain.site_a, chain.site_b]
    assert {s.certification for s in found.sites} == {"blue"}
    rows = found.rows
    assert rows[0] == (0, at_exporter) and rows[1] == (1, combined)
    assert {lot for depth, lot in rows if depth == 3} == {a, b}
    # A produced lot has no parents: its own provenance is itself.
    assert selectors.ancestor_ids(a.pk) == [a.pk]


def test_forward_from_a_site_finds_where_its_output_went(chain, country):
    _a, _b, _combined, at_exporter = _exported_chain(chain, country)
    assert selectors.destinations(chain.site_a, chain.inspector) == [at_exporter]
    assert set(selectors.descendant_ids(chain.site_b.pk)) >= {at_exporter.pk}


def test_a_lot_produced_in_a_conflict_zone_raises_the_flag_with_its_evidence(
    chain, country, tmp_path
):
    from casm.licensing.layers import layer_import

    zone = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "Z-1", "name": "Zone de Shabunda"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[28.0, -3.5], [28.5, -3.5], [28.5, -3.0], [28.0, -3.0], [28.0, -3.5]]
                    ],
                },
            }
        ],
    }
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(zone))
    layer_import(
        actor=None,
        path=path,
        kind="restriction",
        country=chain.country,
        mapping={
            "code": "code",
            "name": "name",
            "defaults": {"rule": "forbidden", "reason": "security"},
        },
    )
    inside = chain.produce("CD-B-0001", site=chain.site_b)  # (-3.3, 28.2): inside
    outside = chain.produce("CD-A-0001")  # (-2.5, 28.8): outside
    [flag] = RedFlag.objects.filter(kind=FlagKind.ARMED_GROUPS)
    assert flag.lot == inside and flag.site == chain.site_b and flag.evidence["zone"] == "Z-1"
    assert "Zone de Shabunda" in selectors.evidence_text(flag)
    assert not RedFlag.objects.filter(lot=outside).exists()
    assert selectors.provenance(chain.sell(inside)).flags == [flag]


def test_a_lapsed_certification_and_armed_presence_raise_flags(chain):
    long_ago = datetime.date.today() - datetime.timedelta(days=800)
    registry.site_certify(actor=None, site=chain.site_a, status="green", valid_from=long_ago)
    registry.site_visit_record(
        actor=None,
        site=chain.site_a,
        date=datetime.date.today() - datetime.timedelta(days=3),
        armed_presence=True,
    )
    chain.site_a.refresh_from_db()
    lot = chain.produce("CD-A-0001")
    codes = sorted(f.evidence["code"] for f in RedFlag.objects.filter(lot=lot))
    assert codes == ["census_armed_presence", "lapsed"]
    [site] = selectors.provenance(lot).sites
    assert site.lapsed and site.armed_presence is True


def test_a_trader_sees_its_own_lots_and_those_sent_to_it_nothing_else(
    chain, make_user, make_organisation
):
    own_lot_of_miner = chain.produce("CD-A-0001")
    on_its_way = chain.produce("CD-A-0002")
    services.lot_transfer(actor=chain.miner_user, lot=on_its_way, receiver=chain.trader)
    bought = chain.sell(chain.produce("CD-A-0003"))
    visible = set(selectors.lots_visible(chain.trader_user))
    assert visible == {on_its_way, bought}
    with pytest.raises(Http404):
        selectors.lot_get(chain.trader_user, own_lot_of_miner.pk)
    assert selectors.lot_get(chain.miner_user, own_lot_of_miner.pk) == own_lot_of_miner
    # An inspector sees its country; one of another country and a plain member see nothing.
    assert set(selectors.lots_visible(chain.inspector)) >= {own_lot_of_miner, bought}
    ghana = make_user("owusu", role=User.Role.INSPECTOR, countries=["GH"])
    assert not selectors.lots_visible(ghana).exists()
    colleague = make_user("member_of_trader", organisation=chain.trader.organisation)
    assert not selectors.lots_visible(colleague).exists()
    assert selectors.lot_by_tag(chain.trader_user, "CD-A-0001") is None
    assert selectors.lot_by_tag(chain.inspector, " CD-A-0001 ") == own_lot_of_miner
