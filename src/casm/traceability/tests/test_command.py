"""`casm traceability` (tags issued, their stock, a lot's provenance) and the demo chain."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import CommandError, call_command

from casm.traceability import services
from casm.traceability.models import Lot, LotStatus, RedFlag, Tag

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("traceability", *args, stdout=out)
    return out.getvalue()


def test_tags_are_issued_by_range_and_their_stock_is_counted(chain):
    said = _run("issue-tags", "--country", "CD", "--site", chain.site_b.code,
                "--tags", "CD-C-0001..CD-C-0010", "CD-C-0100")  # fmt: skip
    assert "11 tags issued to Lugushwa" in said
    assert Tag.objects.filter(number__startswith="CD-C-").count() == 11
    chain.produce("CD-C-0010", site=chain.site_b)
    rows = [line.split("\t") for line in _run("stock", "--country", "CD").splitlines()]
    # The newest batch first: 11 issued, 1 used, 10 unused.
    assert rows[1][2:] == ["Lugushwa", "11", "1", "10", "0", "0"]


def test_issuing_tags_that_exist_or_to_nobody_is_refused_and_writes_nothing(chain):
    before = Tag.objects.count()
    with pytest.raises(CommandError, match="exist already: CD-A-0001"):
        _run("issue-tags", "--country", "CD", "--site", chain.site_a.code,
             "--tags", "CD-A-0001", "CD-Z-1")  # fmt: skip
    with pytest.raises(CommandError, match="--site or --actor"):
        _run("issue-tags", "--country", "CD", "--tags", "CD-Z-1")
    with pytest.raises(CommandError, match="no site 'NOPE'"):
        _run("issue-tags", "--country", "CD", "--site", "NOPE", "--tags", "CD-Z-1")
    with pytest.raises(CommandError, match="Not a range"):
        _run("issue-tags", "--country", "CD", "--site", chain.site_a.code, "--tags", "Z-9..Z-1")
    with pytest.raises(CommandError, match="unknown country"):
        _run("stock", "--country", "XX")
    assert Tag.objects.count() == before


def test_provenance_by_tag_reaches_the_sites(chain):
    first, second = chain.produce("CD-A-0001"), chain.produce("CD-B-0001", site=chain.site_b)
    from casm.traceability import services

    bought = [chain.sell(first), chain.sell(second)]
    combined = services.lots_combine(actor=chain.trader_user, lots=bought)
    said = _run("provenance", combined.number)
    assert said.startswith(f"{combined.number}: 2000 g of Gold")
    assert "from Kamituga Mobale" in said and "from Lugushwa" in said
    assert f"  {first.number}: 1000 g" in said  # the producer's lot, one level further in
    # The tag's number finds its lot too.
    assert _run("provenance", "CD-A-0001").startswith(f"{first.number}:")
    with pytest.raises(CommandError, match="no lot"):
        _run("provenance", "CD-NOTHING")


def test_the_demo_chain_ends_in_an_export_with_one_lot_in_transit(country):
    from casm.accounts import demo as accounts_demo
    from casm.licensing import demo as licensing_demo
    from casm.registry import demo as registry_demo
    from casm.traceability import demo

    for module in (accounts_demo, registry_demo, licensing_demo, demo):
        module.build(random.Random(1), lambda _text: None)
    exported = Lot.objects.get(status=LotStatus.EXPORTED)
    assert exported.grade == 95
    in_transit = Lot.objects.filter(status=LotStatus.IN_TRANSIT)
    assert in_transit.count() == 1
    assert Lot.objects.filter(site__isnull=False).count() == demo.SITES_USED * demo.LOTS_PER_SITE
    assert RedFlag.objects.exists()
    from casm.traceability.models import Actor

    assert Actor.objects.filter(suspended_on__isnull=False).count() == 1
    from casm.traceability import certificates
    from casm.traceability.models import ExportCertificate

    certificate = ExportCertificate.objects.get()
    assert certificate.data["lot"] == exported.number
    assert certificates.verify(certificates.document(certificate), certificates.known_keys()).valid
    from casm.traceability.models import Inspection

    statuses = sorted(Inspection.objects.values_list("status", flat=True))
    assert statuses == ["green", "red", "yellow"]
    red = Inspection.objects.get(status="red").site
    assert services.site_refusal(red) is not None
    assert not Lot.objects.filter(site=red).exists()


def test_labels_of_a_batch_are_written_as_a_pdf(chain, tmp_path):
    from pypdf import PdfReader

    from casm.traceability.models import TagBatch

    batch = TagBatch.objects.get(site=chain.site_b)
    target = tmp_path / "labels.pdf"
    said = _run("labels", "--batch", str(batch.pk), "--output", str(target))
    assert "20 labels written" in said
    assert "CD-B-0007" in PdfReader(str(target)).pages[0].extract_text()
    with pytest.raises(CommandError, match="no tag batch"):
        _run("labels", "--batch", "999999", "--output", str(target))
    with pytest.raises(CommandError, match="needs --batch"):
        _run("labels")
