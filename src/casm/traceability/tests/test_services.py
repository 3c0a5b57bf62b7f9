"""The chain's writes: a whole chain, and each bad input refused by name with nothing written."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent
from casm.registry import services as registry
from casm.traceability import services
from casm.traceability.models import (
    FlagKind,
    Lot,
    LotStatus,
    Operation,
    OperationStatus,
    RedFlag,
    Tag,
    TagStatus,
)

pytestmark = pytest.mark.django_db


def refused(field, call, *args, **kwargs):
    """The call is refused with a message on ``field``; the message is returned."""
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


def test_a_whole_chain_from_two_sites_to_export(chain, country):
    a = chain.produce("CD-A-0001", "1000", grade="80")
    b = chain.produce("CD-B-0001", "500", site=chain.site_b, grade="90")
    assert a.number == f"CD-L{a.pk:07d}" and a.site == chain.site_a and a.unit == "g"
    assert a.mass_kg == Decimal("1.0000") and a.mass == Decimal(1000)
    bought = [chain.sell(lot) for lot in (a, b)]
    assert {lot.holder for lot in bought} == {chain.trader}
    combined = services.lots_combine(actor=chain.trader_user, lots=bought)
    # The mass-weighted grade: (1 kg × 80% + 0.5 kg × 90%) / 1.5 kg.
    assert combined.mass_kg == Decimal("1.5") and combined.grade == Decimal("83.3333")
    at_exporter = chain.sell(combined, to=chain.exporter, received="1490")
    [refined] = services.lots_process(
        actor=chain.exporter_user, lots=[at_exporter], parts=[services.Part("1.2", "kg", "99.5")]
    )
    export = services.lot_export(
        actor=chain.exporter_user, lot=refined, importer="Refinery SA", destination=country("AE")
    )
    refined.refresh_from_db()
    assert refined.status == LotStatus.EXPORTED and refined.consumed_by == export
    for lot in (a, b, *bought, combined, at_exporter):
        lot.refresh_from_db()
        assert lot.status == LotStatus.CONSUMED
    assert Tag.objects.get(number="CD-A-0001").status == TagStatus.USED
    kinds = set(Operation.objects.values_list("kind", flat=True))
    assert kinds == {"production", "transfer", "combination", "processing", "export"}
    created = AuditEvent.objects.filter(model="traceability.operation", action="create")
    assert created.count() == Operation.objects.count()


def test_a_tag_is_used_once(chain):
    chain.produce("CD-A-0002")
    message = refused("tag", chain.produce, "CD-A-0002")
    assert "used once" in message
    assert "never issued" in refused("tag", chain.produce, "CD-Z-9999")
    # A tag of the other site cannot seal this site's lot.
    assert "another site" in refused("tag", chain.produce, "CD-B-0002", site=chain.site_a)
    assert Lot.objects.count() == 1


@pytest.mark.parametrize("mass", ["0", "-5", "abc", "NaN", "Infinity", "1e400", "0.00001"])
def test_masses_must_be_more_than_zero_and_finite(chain, mass):
    refused("mass", chain.produce, "CD-A-0003", mass)
    assert not Lot.objects.exists()
    assert Tag.objects.get(number="CD-A-0003").status == TagStatus.ISSUED


@pytest.mark.parametrize("grade", ["100.01", "0", "-1", "x", "0.00001", "1e400"])
def test_a_grade_is_a_percentage(chain, grade):
    refused("grade", chain.produce, "CD-A-0003", grade=grade)
    assert not Lot.objects.exists()


def test_a_grade_of_exactly_100_is_accepted(chain):
    assert chain.produce("CD-A-0003", grade="100").grade == 100


def test_a_transfer_to_its_own_holder_is_refused(chain):
    lot = chain.produce("CD-A-0004")
    refused(
        "receiver",
        services.lot_transfer,
        actor=chain.miner_user,
        lot=lot,
        receiver=chain.cooperative,
    )
    assert not Operation.objects.filter(kind="transfer").exists()


def test_a_transfer_is_accepted_once(chain):
    lot = chain.produce("CD-A-0005")
    operation = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    lot.refresh_from_db()
    assert lot.status == LotStatus.IN_TRANSIT
    services.transfer_accept(actor=chain.trader_user, operation=operation, mass="995", unit="g")
    assert "already done" in refused(
        "operation",
        services.transfer_accept,
        actor=chain.trader_user,
        operation=operation,
        mass="995",
        unit="g",
    )
    assert Lot.objects.filter(holder=chain.trader).count() == 1


def test_only_the_receiver_accepts_and_the_sender_may_cancel(chain):
    lot = chain.produce("CD-A-0006")
    operation = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    with pytest.raises(PermissionDenied):
        services.transfer_accept(
            actor=chain.exporter_user, operation=operation, mass="1000", unit="g"
        )
    services.transfer_refuse(actor=chain.miner_user, operation=operation, reason="wrong buyer")
    operation.refresh_from_db()
    lot.refresh_from_db()
    assert operation.status == OperationStatus.CANCELLED
    assert lot.status == LotStatus.ACTIVE and lot.consumed_by is None
    # The lot can be sold again, and refused by the receiver this time.
    again = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    services.transfer_refuse(actor=chain.trader_user, operation=again)
    again.refresh_from_db()
    assert again.status == OperationStatus.REFUSED


def test_a_receiver_finding_more_than_was_sent_is_refused(chain):
    lot = chain.produce("CD-A-0007", "1000")
    operation = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    # 1% tolerance by default: 1010 g is the most, 1011 g too much.
    message = refused(
        "mass",
        services.transfer_accept,
        actor=chain.trader_user,
        operation=operation,
        mass="1011",
        unit="g",
    )
    # Contained metal is compared: 1.011 kg at the sent lot's 80%.
    assert "0.8088 kg of contained metal" in message and "0.8000 kg that went in" in message
    operation.refresh_from_db()
    assert operation.status == OperationStatus.PENDING
    services.transfer_accept(actor=chain.trader_user, operation=operation, mass="1010", unit="g")


def test_a_breach_is_recorded_as_a_red_flag_where_the_rule_says_so(chain):
    services.mass_balance_rule_set(
        actor=chain.inspector,
        country=chain.country,
        commodity=chain.gold,
        kind="transfer",
        tolerance_percent="0",
        on_breach="flag",
    )
    lot = chain.produce("CD-A-0008", "1000")
    operation = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    received = services.transfer_accept(
        actor=chain.trader_user, operation=operation, mass="1200", unit="g"
    )
    flag = RedFlag.objects.get()
    assert flag.kind == FlagKind.MASS_BALANCE and flag.lot == received
    assert flag.evidence["out_kg"] == "0.9600" and flag.evidence["in_kg"] == "0.8000"
    services.flag_close(actor=chain.inspector, flag=flag, closure="Scale recalibrated; checked.")
    flag.refresh_from_db()
    assert flag.status == "closed" and flag.closed_by == chain.inspector


def test_a_split_whose_parts_weigh_more_is_refused(chain):
    lot = chain.produce("CD-A-0009", "1000")
    parts = [services.Part("600", "g"), services.Part("500", "g")]
    refused("parts", services.lot_split, actor=chain.miner_user, lot=lot, parts=parts)
    lot.refresh_from_db()
    assert lot.status == LotStatus.ACTIVE and Lot.objects.count() == 1
    made = services.lot_split(
        actor=chain.miner_user,
        lot=lot,
        parts=[services.Part("600", "g"), services.Part("400", "g")],
    )
    assert [p.mass_kg for p in made] == [Decimal("0.6"), Decimal("0.4")]
    assert {p.grade for p in made} == {lot.grade}


def test_processing_may_not_make_metal(chain):
    lot = chain.sell(chain.sell(chain.produce("CD-A-0010", "1000", grade="50")), to=chain.exporter)
    refused(
        "parts",
        services.lots_process,
        actor=chain.exporter_user,
        lots=[lot],
        parts=[services.Part("0.6", "kg", "90")],
    )
    # A trader has no processing role.
    other = chain.sell(chain.produce("CD-A-0011"))
    assert "no role" in refused(
        "actor",
        services.lots_process,
        actor=chain.trader_user,
        lots=[other],
        parts=[services.Part("0.5", "kg", "90")],
    )


def test_production_at_a_red_site_is_refused(chain):
    registry.site_certify(
        actor=None, site=chain.site_a, status="red", valid_from=datetime.date.today()
    )
    chain.site_a.refresh_from_db()
    assert "red" in refused("site", chain.produce, "CD-A-0012")
    assert Tag.objects.get(number="CD-A-0012").status == TagStatus.ISSUED


def test_dates_out_of_order_are_refused(chain):
    lot = chain.produce("CD-A-0013", sealed_on=datetime.date.today() - datetime.timedelta(days=5))
    refused(
        "shipped_on",
        services.lot_transfer,
        actor=chain.miner_user,
        lot=lot,
        receiver=chain.trader,
        shipped_on=datetime.date.today() - datetime.timedelta(days=6),
    )
    operation = services.lot_transfer(
        actor=chain.miner_user,
        lot=lot,
        receiver=chain.trader,
        shipped_on=datetime.date.today() - datetime.timedelta(days=2),
    )
    message = refused(
        "received_on",
        services.transfer_accept,
        actor=chain.trader_user,
        operation=operation,
        mass="1000",
        unit="g",
        received_on=datetime.date.today() - datetime.timedelta(days=3),
    )
    assert "shipped on" in message
    refused(
        "sealed_on",
        chain.produce,
        "CD-A-0014",
        sealed_on=datetime.date.today() + datetime.timedelta(days=1),
    )


def test_a_lot_is_consumed_once(chain, country):
    lot = chain.sell(chain.produce("CD-A-0015"), to=chain.exporter)
    services.lot_export(actor=chain.exporter_user, lot=lot, importer="A", destination=country("AE"))
    stale = Lot.objects.get(pk=lot.pk)
    stale.status = LotStatus.ACTIVE  # as a second request read it, before the first wrote
    refused(
        "lots",
        services.lot_export,
        actor=chain.exporter_user,
        lot=stale,
        importer="B",
        destination=country("BE"),
    )
    assert Operation.objects.filter(kind="export").count() == 1


def test_a_suspended_supplier_cannot_sell_or_receive(chain):
    lot = chain.produce("CD-A-0016")
    at_trader = chain.sell(chain.produce("CD-A-0018"))
    services.actor_suspend(
        actor=chain.inspector, chain_actor=chain.cooperative, reason="Children found digging"
    )
    assert "Children found digging" in refused(
        "actor", services.lot_transfer, actor=chain.miner_user, lot=lot, receiver=chain.trader
    )
    assert "suspended" in refused("actor", chain.produce, "CD-A-0017")
    assert "suspended" in refused(
        "receiver",
        services.lot_transfer,
        actor=chain.trader_user,
        lot=at_trader,
        receiver=chain.cooperative,
    )
    services.actor_reinstate(actor=chain.inspector, chain_actor=chain.cooperative, reason="Cleared")
    services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)


def test_a_labelled_lot_stays_apart(chain):
    fairmined = chain.sell(chain.produce("CD-A-0019", label="fairmined"))
    plain = chain.sell(chain.produce("CD-A-0020"))
    assert fairmined.label == "fairmined"
    assert "Fairmined" in refused(
        "lots", services.lots_combine, actor=chain.trader_user, lots=[fairmined, plain]
    )


def test_only_the_holder_acts_on_its_lots(chain):
    lot = chain.produce("CD-B-0003", site=chain.site_b)
    with pytest.raises(PermissionDenied):
        services.lot_transfer(actor=chain.trader_user, lot=lot, receiver=chain.exporter)
    with pytest.raises(PermissionDenied):
        services.actor_suspend(actor=chain.trader_user, chain_actor=chain.cooperative, reason="x")


def test_an_inspector_works_in_its_own_country_only(chain, make_user, make_organisation, country):
    from casm.accounts.models import User

    ghana_inspector = make_user("owusu", role=User.Role.INSPECTOR, countries=["GH"])
    organisation = make_organisation("Bukavu Gold Trading", "CD")
    with pytest.raises(PermissionDenied):
        services.actor_register(
            actor=ghana_inspector,
            organisation=organisation,
            country=chain.country,
            roles=["trader"],
        )
    with pytest.raises(PermissionDenied):
        services.tag_batch_issue(
            actor=ghana_inspector, country=chain.country, site=chain.site_a, numbers=["GH-1"]
        )
    with pytest.raises(PermissionDenied):
        services.mass_balance_rule_set(
            actor=ghana_inspector,
            country=chain.country,
            commodity=chain.gold,
            kind="transfer",
            tolerance_percent="5",
            on_breach="flag",
        )
    # A Ghana inspector cannot issue Ghana's tags to a Congolese site either.
    assert "not in" in refused(
        "site",
        services.tag_batch_issue,
        actor=ghana_inspector,
        country=country("GH"),
        site=chain.site_a,
        numbers=["GH-1"],
    )
    assert not services.Tag.objects.filter(number="GH-1").exists()


def test_tag_stock_is_reconciled(chain):
    chain.produce("CD-B-0004", site=chain.site_b)
    tag = Tag.objects.get(number="CD-B-0005")
    services.tag_mark(actor=chain.inspector, tag=tag, status="lost", reason="Dropped in the river")
    refused(
        "status", services.tag_mark, actor=chain.inspector, tag=tag, status="voided", reason="again"
    )
    stock = services.tag_stock(Tag.objects.filter(batch__site=chain.site_b))
    assert stock == {"issued": 20, "unused": 18, "used": 1, "lost": 1, "voided": 0}
    assert "exist already" in refused(
        "numbers",
        services.tag_batch_issue,
        actor=chain.inspector,
        country=chain.country,
        site=chain.site_b,
        numbers=["CD-B-0001", "NEW-1"],
    )
    assert "twice" in refused(
        "numbers",
        services.tag_batch_issue,
        actor=chain.inspector,
        country=chain.country,
        site=chain.site_b,
        numbers=["N-1", "N-1"],
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_exporters_consuming_one_lot_at_once_one_wins(chain, country):
    """Two requests at the same moment, each in its own connection: exactly one export."""
    import threading
    import time

    from django.db import OperationalError, connection

    lot = chain.sell(chain.produce("CD-A-0001"), to=chain.exporter)
    results: list[str] = []
    start = threading.Barrier(2)

    def export(importer):
        try:
            start.wait()
            for _attempt in range(500):
                try:
                    services.lot_export(
                        actor=chain.exporter_user,
                        lot=Lot.objects.get(pk=lot.pk),
                        importer=importer,
                        destination=country("AE"),
                    )
                    results.append("done")
                    return
                except OperationalError as error:
                    # The suite's in-memory SQLite refuses a second writer at once; try again.
                    if "locked" not in str(error):
                        raise
                    time.sleep(0.005)
        except ValidationError as refusal:
            results.append(" ".join(refusal.message_dict["lots"]))
        except Exception as error:
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=export, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One export, and the other request refused. (The suite's in-memory SQLite may report a
    # lock on a commit that went through; the retry is then refused, so both may read
    # "refused" there: the exports written are what counts.)
    assert len(results) == 2 and any("No longer available" in r for r in results), results
    [export] = Operation.objects.filter(kind="export")
    lot.refresh_from_db()
    assert lot.consumed_by == export and lot.status == LotStatus.EXPORTED


def test_a_batch_prints_as_a_label_sheet_whose_qr_codes_find_the_tags(chain, make_user):
    """Twenty tags make one A4 page of labels; unused only leaves out the tag used; another
    country's inspector does not find the batch; a member is refused."""
    from django.test import Client
    from pypdf import PdfReader

    from casm.traceability.models import TagBatch

    chain.produce("CD-A-0001")
    batch = TagBatch.objects.get(site=chain.site_a)
    client = Client()
    client.force_login(chain.inspector)
    sheet = client.get(f"/traceability/tag-batches/{batch.pk}/labels.pdf")
    assert sheet.status_code == 200 and sheet["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(sheet.content)).pages
    text = "".join(page.extract_text() for page in pages)
    assert len(pages) == 1 and "CD-A-0001" in text and "CD-A-0020" in text
    unused = client.get(f"/traceability/tag-batches/{batch.pk}/labels.pdf?unused=1")
    unused_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(unused.content)).pages)
    assert "CD-A-0001" not in unused_text and "CD-A-0002" in unused_text
    assert "labels.pdf" in client.get("/traceability/tags/").content.decode()
    from casm.accounts.models import User

    rwanda = Client()
    rwanda.force_login(make_user("rw-insp", role=User.Role.INSPECTOR, countries=["RW"]))
    assert rwanda.get(f"/traceability/tag-batches/{batch.pk}/labels.pdf").status_code == 404
    trader = Client()
    trader.force_login(chain.trader_user)
    assert trader.get(f"/traceability/tag-batches/{batch.pk}/labels.pdf").status_code == 403
