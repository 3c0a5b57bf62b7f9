"""The chain of custody through its web pages: a whole chain by the forms, what each user
sees, the refusals and bad input shown on the form (never a server error), and French."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.test import Client

from casm.registry import services as registry
from casm.traceability import services
from casm.traceability.models import Lot, LotStatus, Operation, RedFlag

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _produce_form(chain, tag, site=None, **extra):
    return {
        "producer": chain.cooperative.pk, "site": (site or chain.site_a).code, "tag": tag,
        "mineral": "gold", "mass": "1000", "unit": "g", "grade": "80", **extra,
    }  # fmt: skip


def _accept(client, operation, lot, **extra):
    prefix = f"t{operation.pk}-"
    data = {prefix + "mass": str(lot.mass), prefix + "unit": lot.unit, **extra}
    return client.post(f"/traceability/transfers/{operation.pk}/accept/", data)


def _errors(answer):
    return re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', answer.content.decode(), re.S)


def _pending(lot):
    return Operation.objects.get(pk=Lot.objects.get(pk=lot.pk).consumed_by_id)


def test_a_whole_chain_through_the_web(chain):
    miner, trader, exporter = (_as(chain.miner_user), _as(chain.trader_user),
                               _as(chain.exporter_user))  # fmt: skip
    made = []
    for tag, site in (("CD-A-0001", chain.site_a), ("CD-B-0001", chain.site_b)):
        answer = miner.post("/traceability/lots/new/", _produce_form(chain, tag, site))
        assert answer.status_code == 302, answer.content.decode()
        made.append(Lot.objects.get(tag__number=tag))
    # Sold to the trader, who finds it in its list of transfers and accepts it.
    for lot in made:
        sent = miner.post(f"/traceability/lots/{lot.pk}/transfer/", {"receiver": chain.trader.pk})
        assert sent.status_code == 302
    listing = trader.get("/traceability/").content.decode()
    assert "Transfers waiting for you" in listing and made[0].number in listing
    bought = []
    for lot in made:
        answer = _accept(trader, _pending(lot), lot)
        assert answer.status_code == 302, answer.content.decode()
        bought.append(Lot.objects.get(made_by__inputs=lot))
    assert {lot.holder for lot in bought} == {chain.trader}
    # Combined, sent on to the exporter, processed and exported.
    combined = trader.post("/traceability/lots/combine/", {"lots": [lot.pk for lot in bought]})
    assert combined.status_code == 302, _errors(combined)
    lot = Lot.objects.get(made_by__kind="combination")
    assert lot.mass_kg == 2
    trader.post(f"/traceability/lots/{lot.pk}/transfer/", {"receiver": chain.exporter.pk})
    _accept(exporter, _pending(lot), lot)
    held = Lot.objects.get(holder=chain.exporter, status=LotStatus.ACTIVE)
    answer = exporter.post(f"/traceability/lots/{held.pk}/process/", {"parts": "1.5 kg 95"})
    assert answer.status_code == 302, answer.content.decode()
    refined = Lot.objects.get(made_by__kind="processing")
    answer = exporter.post(
        f"/traceability/lots/{refined.pk}/export/",
        {"importer": "Dubai Refinery", "destination": _country_pk("AE")},
    )
    assert answer.status_code == 302, answer.content.decode()
    refined.refresh_from_db()
    assert refined.status == LotStatus.EXPORTED
    # The export lot's page shows its whole tree back to both sites, with their statuses.
    page = exporter.get(f"/traceability/lots/{refined.pk}/").content.decode()
    for name in ("Kamituga Mobale", "Lugushwa", "CD-A-0001", "CD-B-0001", lot.number):
        assert name in page
    assert page.count('class="cert cert-blue"') == 2
    assert "Operations on the lot" not in page  # exported: nothing more to do
    # One inspector verifies the export, another validates (signs) the certificate, and
    # anyone checks it; a copy with one field changed does not pass.
    from casm.accounts.models import User
    from casm.traceability.models import ExportCertificate

    answer = _as(chain.inspector).post(
        f"/traceability/lots/{refined.pk}/certificate/",
        {"ore_type": "gold doré", "issuing_authority": "CEEC"},
    )
    assert answer.status_code == 302, _errors(answer)
    certificate = ExportCertificate.objects.get()
    validator = User.objects.create(username="kasongo")
    from casm.accounts.services import role_assign

    role_assign(actor=None, user=validator, role=User.Role.INSPECTOR, countries=[chain.country])
    later = datetime.date.today() + datetime.timedelta(days=60)
    answer = _as(validator).post(f"/traceability/certificates/{certificate.pk}/validate/",
                                 {"expires_on": str(later)})  # fmt: skip
    assert answer.status_code == 302, _errors(answer)
    document = exporter.get(f"/traceability/certificates/{certificate.pk}/document/").json()
    assert [site["name"] for site in document["certificate"]["origin"]] == [
        "Kamituga Mobale", "Lugushwa",
    ]  # fmt: skip
    public = Client()
    certificate.refresh_from_db()
    shown = public.get(f"/traceability/verify/{certificate.check_code}/").content.decode()
    assert "The signature is valid" in shown and "Dubai Refinery" in shown
    from django.core.files.uploadedfile import SimpleUploadedFile

    document["certificate"]["grade"] = "99"
    upload = SimpleUploadedFile("copy.json", json.dumps(document).encode())
    answer = public.post("/traceability/verify/", {"document": upload})
    assert answer.status_code == 422 and "this copy was changed" in answer.content.decode()


def _country_pk(code):
    from casm.core.models import Country

    return Country.objects.get(alpha2=code).pk


def test_the_provenance_page_in_french(chain):
    lot = chain.produce("CD-A-0001")
    client = _as(chain.miner_user)
    page = client.get(f"/traceability/lots/{lot.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Sites miniers d’origine" in page and "Provenance" in page
    assert "bleu (pas encore inspecté)" in page


def test_a_trader_sees_its_own_lots_and_those_sent_to_it(chain):
    first, second = chain.produce("CD-A-0001"), chain.produce("CD-A-0002")
    trader = _as(chain.trader_user)
    assert trader.get(f"/traceability/lots/{first.pk}/").status_code == 404
    services.lot_transfer(actor=chain.miner_user, lot=first, receiver=chain.trader)
    assert trader.get(f"/traceability/lots/{first.pk}/").status_code == 200
    listing = trader.get("/traceability/").content.decode()
    assert first.number in listing and second.number not in listing
    # A step on a lot it may not see is not found, not refused.
    answer = trader.post(f"/traceability/lots/{second.pk}/split/", {"parts": "1 g"})
    assert answer.status_code == 404


def test_an_inspector_sees_its_country_and_nothing_else(chain, make_user):
    from casm.accounts.models import User

    lot = chain.produce("CD-A-0001")
    assert _as(chain.inspector).get(f"/traceability/lots/{lot.pk}/").status_code == 200
    ghana = make_user("asante", role=User.Role.INSPECTOR, countries=["GH"])
    assert _as(ghana).get(f"/traceability/lots/{lot.pk}/").status_code == 404
    assert lot.number not in _as(ghana).get("/traceability/").content.decode()


def test_bad_input_is_shown_on_the_form_and_nothing_is_written(chain):
    miner = _as(chain.miner_user)
    for field, value in (
        ("mass", "0"), ("grade", "120"), ("tag", "NO-SUCH-TAG"), ("site", "NO-SUCH-SITE"),
    ):  # fmt: skip
        data = {**_produce_form(chain, "CD-A-0001"), field: value}
        answer = miner.post("/traceability/lots/new/", data)
        assert answer.status_code == 422, (field, answer.status_code)
        # The message stands under the field that is wrong.
        assert f'id="id_{field}_error"' in answer.content.decode(), field
    assert not Lot.objects.exists()


def test_a_split_heavier_than_its_lot_is_refused_with_the_field(chain):
    lot = chain.produce("CD-A-0001")
    answer = _as(chain.miner_user).post(
        f"/traceability/lots/{lot.pk}/split/", {"parts": "600 g\n600 g"}
    )
    assert answer.status_code == 422
    assert "has-error" in answer.content.decode()
    assert Lot.objects.count() == 1
    answer = _as(chain.miner_user).post(f"/traceability/lots/{lot.pk}/split/", {"parts": "6 z"})
    assert answer.status_code == 422 and "Line 1" in answer.content.decode()


def test_a_transfer_accepted_twice_is_refused_the_second_time(chain):
    lot = chain.produce("CD-A-0001")
    operation = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    trader = _as(chain.trader_user)
    assert _accept(trader, operation, lot).status_code == 302
    again = _accept(trader, operation, lot)
    assert again.status_code in (404, 422)
    assert Lot.objects.filter(made_by=operation).count() == 1


def test_a_transfer_refused_goes_back_to_its_sender(chain):
    lot = chain.produce("CD-A-0001")
    operation = services.lot_transfer(actor=chain.miner_user, lot=lot, receiver=chain.trader)
    answer = _as(chain.trader_user).post(
        f"/traceability/transfers/{operation.pk}/refuse/", {"reason": "short weight"}
    )
    assert answer.status_code == 302
    lot.refresh_from_db()
    assert lot.status == LotStatus.ACTIVE and lot.holder == chain.cooperative


def test_production_at_a_red_site_is_refused_on_the_form(chain):
    registry.site_certify(actor=None, site=chain.site_a, status="red",
                          valid_from=datetime.date.today())  # fmt: skip
    answer = _as(chain.miner_user).post("/traceability/lots/new/",
                                        _produce_form(chain, "CD-A-0001"))  # fmt: skip
    assert answer.status_code == 422 and "red" in answer.content.decode()
    assert not Lot.objects.exists()


def test_a_suspended_supplier_cannot_sell(chain):
    lot = chain.produce("CD-A-0001")
    inspector = _as(chain.inspector)
    answer = inspector.post(f"/traceability/actors/{chain.cooperative.pk}/suspend/",
                            {"reason": "children found at the pit"})  # fmt: skip
    assert answer.status_code == 302
    chain.cooperative.refresh_from_db()
    assert chain.cooperative.is_suspended
    answer = _as(chain.miner_user).post(f"/traceability/lots/{lot.pk}/transfer/",
                                        {"receiver": chain.trader.pk})  # fmt: skip
    assert answer.status_code in (403, 422)
    assert not Operation.objects.filter(kind="transfer").exists()
    listing = _as(chain.trader_user).get("/traceability/actors/").content.decode()
    assert "suspended on" in listing and "children found" not in listing


def test_a_trader_cannot_suspend_or_issue_tags(chain):
    trader = _as(chain.trader_user)
    answer = trader.post(f"/traceability/actors/{chain.cooperative.pk}/suspend/", {"reason": "x"})
    assert answer.status_code == 403
    assert trader.get("/traceability/tags/issue/").status_code == 403
    assert trader.get("/traceability/flags/").status_code == 403


def test_a_tag_typed_finds_its_lot(chain):
    lot = chain.produce("CD-A-0001")
    answer = _as(chain.miner_user).get("/traceability/tags/", {"number": " CD-A-0001 "})
    assert answer.status_code == 302 and answer["Location"] == f"/traceability/lots/{lot.pk}/"
    missing = _as(chain.trader_user).get("/traceability/tags/", {"number": "CD-A-0001"})
    assert missing.status_code == 422 and "No tag CD-A-0001" in missing.content.decode()
    # Once the trader has bought it, scanning the tag on the bag finds the trader's own lot.
    bought = chain.sell(lot)
    found = _as(chain.trader_user).get("/traceability/tags/", {"number": "CD-A-0001"})
    assert found.status_code == 302 and found["Location"] == f"/traceability/lots/{bought.pk}/"


def test_an_inspector_issues_tags_by_range_and_reads_the_stock(chain):
    inspector = _as(chain.inspector)
    batch = {"site": chain.site_b.code, "numbers": "CD-X-0001..CD-X-0005"}
    answer = inspector.post("/traceability/tags/issue/", batch)
    assert answer.status_code == 302, answer.content.decode()
    page = inspector.get("/traceability/tags/").content.decode()
    assert '<td class="number">5</td>' in page
    again = inspector.post("/traceability/tags/issue/",
                           {"site": chain.site_b.code, "numbers": "CD-X-0005"})  # fmt: skip
    assert again.status_code == 422
    answer = inspector.post("/traceability/tags/CD-X-0002/mark/",
                            {"status": "lost", "reason": "fell in the river"})  # fmt: skip
    assert answer.status_code == 302
    assert "fell in the river" in inspector.get("/traceability/tags/CD-X-0002/").content.decode()


def test_an_inspector_closes_a_red_flag(chain):
    long_ago = datetime.date.today() - datetime.timedelta(days=800)
    registry.site_certify(actor=None, site=chain.site_a, status="green", valid_from=long_ago)
    lot = chain.produce("CD-A-0001")
    flag = RedFlag.objects.get(lot=lot)
    inspector = _as(chain.inspector)
    page = inspector.get("/traceability/flags/").content.decode()
    assert "lapsed on" in page
    empty = inspector.post(f"/traceability/flags/{flag.pk}/close/", {"closure": ""})
    assert empty.status_code == 422
    answer = inspector.post(f"/traceability/flags/{flag.pk}/close/",
                            {"closure": "New inspection booked."})  # fmt: skip
    assert answer.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "closed"


def test_an_inspector_registers_an_actor(chain, make_organisation):
    organisation = make_organisation("Étain du Maniema", "CD")
    answer = _as(chain.inspector).post(
        "/traceability/actors/new/",
        {"organisation": organisation.pk, "country": chain.country.pk, "roles": ["trader"]},
    )
    assert answer.status_code == 302, answer.content.decode()
    assert organisation.chain_actors.get().roles == ["trader"]


def test_where_a_sites_output_went(chain, make_user):
    from casm.accounts.models import User

    lot = chain.produce("CD-A-0001")
    bought = chain.sell(lot)
    officer = make_user("kabila", role=User.Role.DATA_OFFICER, countries=["CD"])
    services_user = _as(officer)
    site_page = services_user.get(f"/registry/sites/{chain.site_a.pk}/").content.decode()
    assert f'href="/traceability/sites/{chain.site_a.pk}/"' in site_page
    answer = services_user.get(f"/traceability/sites/{chain.site_a.pk}/")
    assert answer.status_code == 200
    admin_page = answer.content.decode()
    assert bought.number not in admin_page  # a data officer sees no lot
    # The inspector of the country sees where the lot went.
    answer = _as(chain.inspector).get(f"/traceability/sites/{chain.site_a.pk}/")
    assert answer.status_code == 200 and bought.number in answer.content.decode()
    # A trader is not given the registry's site page: its lots show their sites themselves.
    answer = _as(chain.trader_user).get(f"/traceability/sites/{chain.site_a.pk}/")
    assert answer.status_code == 404
