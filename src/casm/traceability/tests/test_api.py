"""The chain of custody over the API: a whole chain, who may do what, and bad input answered
with 422 naming the field (never 500)."""

from __future__ import annotations

import pytest

from casm.accounts.models import User
from casm.traceability.models import Lot, Operation

pytestmark = pytest.mark.django_db

API = "/api/v1/traceability"


@pytest.fixture
def api(client, token_for):
    def call(user, method, path, body=None):
        headers = token_for(user) if user is not None else {}
        if method == "get":
            return client.get(API + path, body or {}, **headers)
        return getattr(client, method)(
            API + path, body or {}, content_type="application/json", **headers
        )

    return call


def _produce(api, chain, tag, **extra):
    body = {
        "producer": chain.cooperative.pk,
        "site": chain.site_a.pk,
        "tag": tag,
        "mineral": "gold",
        "mass": "1000",
        "unit": "g",
        "grade": "80",
        **extra,
    }
    return api(chain.miner_user, "post", "/lots", body)


def _fields(answer):
    return " ".join(e["field"] for e in answer.json()["error"]["details"])


def _sell(api, chain, lot, seller, buyer, buyer_user, mass=None, unit=None):
    sent = api(seller, "post", f"/lots/{lot['id']}/transfer", {"receiver": buyer.pk})
    assert sent.status_code == 201, sent.content
    weighed = {"mass": mass or lot["mass"], "unit": unit or lot["unit"]}
    accepted = api(buyer_user, "post", f"/transfers/{sent.json()['id']}/accept", weighed)
    assert accepted.status_code == 201, accepted.content
    return accepted.json()


def test_a_whole_chain_through_the_api(api, chain):
    a = _produce(api, chain, "CD-A-0001")
    assert a.status_code == 201, a.content
    assert a.json()["tag"] == "CD-A-0001" and a.json()["hs_code"] == "7108.12"
    b = _produce(api, chain, "CD-B-0001", site=chain.site_b.pk, mass="500", grade="90")
    bought = [
        _sell(api, chain, lot.json(), chain.miner_user, chain.trader, chain.trader_user)
        for lot in (a, b)
    ]
    combined = api(
        chain.trader_user, "post", "/combinations", {"lots": [lot["id"] for lot in bought]}
    )
    assert combined.status_code == 201, combined.content
    assert combined.json()["mass_kg"] == "1.5000" and combined.json()["grade"] == "83.3333"
    at_exporter = _sell(
        api,
        chain,
        combined.json(),
        chain.trader_user,
        chain.exporter,
        chain.exporter_user,
        mass="1.49",
        unit="kg",
    )
    processed = api(
        chain.exporter_user,
        "post",
        "/processings",
        {"lots": [at_exporter["id"]], "parts": [{"mass": "1.2", "grade": "99.5"}]},
    )
    assert processed.status_code == 201, processed.content
    [refined] = processed.json()["lots"]
    exported = api(
        chain.exporter_user,
        "post",
        f"/lots/{refined['id']}/export",
        {"importer": "Refinery SA", "destination": "AE"},
    )
    assert exported.status_code == 201, exported.content
    provenance = api(chain.exporter_user, "get", f"/lots/{refined['id']}/provenance")
    assert provenance.status_code == 200
    found = provenance.json()
    assert [s["name"] for s in found["sites"]] == ["Kamituga Mobale", "Lugushwa"]
    assert found["tree"][0]["lot"]["number"] == refined["number"]
    assert {row["lot"]["tag"] for row in found["tree"] if row["lot"]["tag"]} == {
        "CD-A-0001",
        "CD-B-0001",
    }
    # refined ← at the exporter ← combined ← two bought ← two produced
    assert len(found["tree"]) == 7


def test_a_trader_sees_its_lots_and_those_sent_to_it_nothing_else(api, chain):
    mine = _produce(api, chain, "CD-A-0001").json()
    sent = _produce(api, chain, "CD-A-0002").json()
    api(chain.miner_user, "post", f"/lots/{sent['id']}/transfer", {"receiver": chain.trader.pk})
    listed = api(chain.trader_user, "get", "/lots").json()
    assert [lot["number"] for lot in listed["items"]] == [sent["number"]]
    assert api(chain.trader_user, "get", f"/lots/{mine['id']}").status_code == 404
    assert api(chain.trader_user, "get", f"/lots/{mine['id']}/provenance").status_code == 404
    assert api(chain.trader_user, "get", "/tags/CD-A-0001").status_code == 404
    assert api(chain.inspector, "get", "/tags/CD-A-0001").json()["lot"] == mine["number"]
    assert api(chain.inspector, "get", f"/lots/{mine['id']}").status_code == 200
    pending = api(chain.trader_user, "get", "/transfers").json()["items"]
    assert [p["inputs"] for p in pending] == [[sent["number"]]]
    # The trader cannot sell a lot that is not its own, nor record production for another.
    moved = api(
        chain.trader_user, "post", f"/lots/{mine['id']}/transfer", {"receiver": chain.exporter.pk}
    )
    assert moved.status_code == 404
    assert _produce(api, chain, "CD-A-0003").status_code == 201
    stolen = api(
        chain.trader_user,
        "post",
        "/lots",
        {
            "producer": chain.cooperative.pk,
            "site": chain.site_a.pk,
            "tag": "CD-A-0004",
            "mineral": "gold",
            "mass": "1",
        },
    )
    assert stolen.status_code == 422 and "producer" in _fields(stolen)


def test_who_may_register_suspend_and_issue(api, chain, make_user, make_organisation):
    ghana_inspector = make_user("owusu", role=User.Role.INSPECTOR, countries=["GH"])
    organisation = make_organisation("Bukavu Gold Trading", "CD")
    body = {"organisation": organisation.pk, "country": "CD", "roles": ["trader"]}
    assert api(chain.trader_user, "post", "/actors", body).status_code == 403
    assert api(ghana_inspector, "post", "/actors", body).status_code == 403
    created = api(chain.inspector, "post", "/actors", body)
    assert created.status_code == 201 and created.json()["roles"] == ["trader"]
    again = api(chain.inspector, "post", "/actors", body)
    assert again.status_code == 422
    path = f"/actors/{chain.cooperative.pk}/suspend"
    assert api(ghana_inspector, "post", path, {"reason": "x"}).status_code == 404
    assert api(chain.trader_user, "post", path, {"reason": "x"}).status_code == 403
    suspended = api(chain.inspector, "post", path, {"reason": "Forced labour reported"})
    assert suspended.status_code == 200 and suspended.json()["suspended_on"]
    refused = _produce(api, chain, "CD-A-0001")
    assert refused.status_code == 422 and "Forced labour" in refused.content.decode()
    tags = {"country": "CD", "site": chain.site_a.pk, "numbers": ["CD-A-9001", "CD-A-9002"]}
    assert api(chain.trader_user, "post", "/tag-batches", tags).status_code == 403
    issued = api(chain.inspector, "post", "/tag-batches", tags)
    assert issued.status_code == 201 and issued.json()["stock"]["unused"] == 2
    lost = api(
        chain.inspector, "post", "/tags/CD-A-9001/mark", {"status": "lost", "reason": "Dropped"}
    )
    assert lost.status_code == 200 and lost.json()["status"] == "lost"
    assert api(chain.inspector, "get", "/flags").status_code == 200
    assert api(chain.trader_user, "get", "/flags").status_code == 403
    assert api(None, "get", "/lots").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mass": "0"}, "mass"),
        ({"mass": "-1"}, "mass"),
        ({"mass": "NaN"}, "mass"),
        ({"mass": "1e400"}, "mass"),
        ({"grade": "100.5"}, "grade"),
        ({"unit": "lb"}, "unit"),
        ({"mineral": "kryptonite"}, "mineral"),
        ({"site": 2**63}, "site"),
        ({"tag": ""}, "tag"),
        ({"sealed_on": "2999-01-01"}, "sealed_on"),
    ],
)
def test_bad_production_is_refused_naming_the_field(api, chain, change, field):
    answer = _produce(api, chain, change.pop("tag", "CD-A-0001"), **change)
    assert answer.status_code == 422, answer.content
    assert field in _fields(answer)
    assert not Lot.objects.exists()


def test_a_transfer_accepted_twice_and_to_oneself_are_refused(api, chain):
    lot = _produce(api, chain, "CD-A-0001").json()
    own = api(
        chain.miner_user, "post", f"/lots/{lot['id']}/transfer", {"receiver": chain.cooperative.pk}
    )
    assert own.status_code == 422
    sent = api(
        chain.miner_user, "post", f"/lots/{lot['id']}/transfer", {"receiver": chain.trader.pk}
    ).json()
    path = f"/transfers/{sent['id']}/accept"
    assert api(chain.trader_user, "post", path, {"mass": "1", "unit": "kg"}).status_code == 201
    twice = api(chain.trader_user, "post", path, {"mass": "1", "unit": "kg"})
    assert twice.status_code == 422 and "already" in twice.content.decode()
    assert Operation.objects.get(pk=sent["id"]).outputs.count() == 1
    # A split whose parts weigh more than the whole.
    mine = Lot.objects.get(holder=chain.trader)
    split = api(
        chain.trader_user,
        "post",
        f"/lots/{mine.pk}/split",
        {"parts": [{"mass": "0.6"}, {"mass": "0.5"}]},
    )
    assert split.status_code == 422 and _fields(split).startswith("parts")
