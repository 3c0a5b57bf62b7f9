"""The capacity check: a site's lots tagged over the last 90 days against its workers × the
country's productivity × three months, margin included; flagged once at the production that
goes over and by the daily round; the rules page and API; bad input and scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from casm.accounts.models import User
from casm.registry import services as registry
from casm.traceability import selectors, services
from casm.traceability.models import Lot, RedFlag

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(chain):
    """Site A counted 10 workers; gold: 2 g a worker a month, margin 25 %: 60 g of capacity
    over three months, a flag above 75 g."""
    registry.site_visit_record(
        actor=None, site=chain.site_a, date=timezone.localdate() - datetime.timedelta(days=40),
        workers=10, men=8, women=2,
    )  # fmt: skip
    chain.site_a.refresh_from_db()
    services.productivity_set(
        actor=chain.inspector, country=chain.country, commodity=chain.gold, mass="2", unit="g",
        margin_percent="25", source="Example: a survey of 40 Sud-Kivu gold pits",
    )  # fmt: skip
    return chain


def _flags():
    return list(RedFlag.objects.filter(kind="capacity"))


def test_output_up_to_the_limit_raises_nothing_and_one_gram_more_raises_the_flag(counted):
    chain = counted
    chain.produce("CD-A-0001", "75", unit="g")
    assert _flags() == []  # exactly at the limit: 60 g × 1.25
    [row] = selectors.capacity_rows(over_only=False)
    assert (row.capacity_kg, row.limit_kg, row.output_kg) == (
        Decimal("0.06"), Decimal("0.075"), Decimal("0.075"))  # fmt: skip
    over = chain.produce("CD-A-0002", "0.1", unit="g")  # the smallest lot there is
    [flag] = _flags()
    assert flag.lot == over and flag.site == chain.site_a and flag.severity == "high"
    assert flag.evidence["workers"] == 10 and flag.evidence["capacity_kg"] == "0.0600"
    assert flag.evidence["output_kg"] == "0.0751"
    text = selectors.evidence_text(flag)
    assert "above the site's capacity of 0.0600 kg" in text and "10 workers" in text
    chain.produce("CD-A-0003", "50", unit="g")
    assert len(_flags()) == 1  # once while the flag stays open
    assert services.capacity_flags_raise() == 0


def test_the_daily_round_flags_sites_over_and_a_closed_flag_lets_a_new_one_come(counted):
    chain = counted
    chain.produce("CD-A-0001", "100", unit="g")
    [flag] = _flags()
    services.flag_close(actor=chain.inspector, flag=flag, closure="Recount ordered.")
    assert services.round_daily()["capacity"] == 1
    assert services.round_daily()["capacity"] == 0
    [again] = RedFlag.objects.filter(kind="capacity").exclude(status="closed")
    assert again.mitigation_due is not None and again.lot is None
    from casm.core.models import AuditEvent

    audited = AuditEvent.objects.get(model="traceability.redflag", object_id=str(again.pk))
    assert audited.action == "create" and audited.changes["site"] == [None, chain.site_a.pk]
    # Lots older than the window no longer count.
    Lot.objects.update(created_at=timezone.now() - datetime.timedelta(days=91))
    assert selectors.capacity_rows() == []


def test_no_productivity_or_no_census_means_no_check(chain):
    chain.produce("CD-A-0001", "5", unit="kg")
    assert selectors.capacity_rows() == [] and _flags() == []
    services.productivity_set(actor=chain.inspector, country=chain.country, commodity=chain.gold,
                              mass="2", unit="g", margin_percent="0", source="Example")  # fmt: skip
    # Site A has no census: its capacity is unknown, never "over".
    [row] = selectors.capacity_rows(over_only=False)
    assert row.workers is None and row.capacity_kg is None and not row.over


def test_productivity_refuses_bad_figures_and_other_countries(chain, make_user, country):
    rwanda = make_user("rw", role=User.Role.INSPECTOR, countries=["RW"])
    for given, field in [
        ({"mass": "0"}, "mass"), ({"mass": "-1"}, "mass"), ({"mass": "abc"}, "mass"),
        ({"margin_percent": "-5"}, "margin_percent"), ({"margin_percent": "NaN"}, "margin_percent"),
        ({"source": "  "}, "source"),
    ]:  # fmt: skip
        data = {"mass": "2", "unit": "g", "margin_percent": "25", "source": "Example", **given}
        with pytest.raises(ValidationError) as refused:
            services.productivity_set(actor=chain.inspector, country=chain.country,
                                      commodity=chain.gold, **data)  # fmt: skip
        assert field in refused.value.error_dict, given
    with pytest.raises(PermissionDenied):
        services.productivity_set(actor=rwanda, country=chain.country, commodity=chain.gold,
                                  mass="2", unit="g", margin_percent="25", source="x")  # fmt: skip
    assert not selectors.productivities_visible(chain.inspector).exists()


def test_the_rules_page_sets_a_productivity_and_a_tolerance_and_lists_sites_over(counted):
    chain = counted
    client = Client()
    client.force_login(chain.inspector)
    bad = client.post("/traceability/checks/productivity/", {
        "country": "CD", "commodity": "gold", "mass": "2", "unit": "g", "margin_percent": "25",
        "source": "",
    })  # fmt: skip
    assert bad.status_code == 422
    saved = client.post("/traceability/checks/productivity/", {
        "country": "CD", "commodity": "gold", "mass": "1", "unit": "g", "margin_percent": "0",
        "source": "Example: ministry survey 2025",
    })  # fmt: skip
    assert saved.status_code == 302
    chain.produce("CD-A-0001", "40", unit="g")  # 40 g against 10 × 1 g × 3 months
    page = client.get("/traceability/checks/").content.decode()
    assert "Example: ministry survey 2025" in page and chain.site_a.code in page
    tolerance = client.post("/traceability/checks/balance/", {
        "country": "CD", "commodity": "gold", "kind": "processing", "tolerance_percent": "2.5",
        "on_breach": "flag",
    })  # fmt: skip
    assert tolerance.status_code == 302
    assert "2.5" in client.get("/traceability/checks/").content.decode()
    trader = Client()
    trader.force_login(chain.trader_user)
    assert trader.get("/traceability/checks/").status_code == 403
    assert client.post("/traceability/checks/other/", {}).status_code == 404


def test_the_api_sets_and_reads_the_rules_and_the_sites_over(counted, token_for, make_user):
    chain = counted
    client = Client()
    headers = token_for(chain.inspector)
    chain.produce("CD-A-0001", "80", unit="g")
    over = client.get("/api/v1/traceability/capacity", **headers).json()
    assert over["count"] == 1 and over["items"][0]["site_code"] == chain.site_a.code
    assert over["items"][0]["limit_kg"] == "0.075"
    sent = client.post("/api/v1/traceability/productivities", {
        "country": "CD", "mineral": "tin", "mass": "30", "unit": "kg", "source": "Example",
    }, content_type="application/json", **headers)  # fmt: skip
    assert sent.status_code == 200 and sent.json()["kg_per_worker_month"] == "30"
    listed = client.get("/api/v1/traceability/productivities", **headers).json()
    assert sorted(item["mineral"] for item in listed["items"]) == ["gold", "tin"]
    rule = client.post("/api/v1/traceability/balance-rules", {
        "country": "CD", "mineral": "gold", "kind": "combination", "tolerance_percent": 3,
    }, content_type="application/json", **headers)  # fmt: skip
    assert rule.status_code == 200 and rule.json()["on_breach"] == "refuse"
    rwanda = token_for(make_user("rw", role=User.Role.INSPECTOR, countries=["RW"]))
    assert client.get("/api/v1/traceability/capacity", **rwanda).json()["count"] == 0
    refused = client.post("/api/v1/traceability/productivities", {
        "country": "CD", "mineral": "gold", "mass": "1", "source": "x",
    }, content_type="application/json", **rwanda)  # fmt: skip
    assert refused.status_code == 403
    trader = token_for(chain.trader_user)
    assert client.get("/api/v1/traceability/capacity", **trader).status_code == 403
