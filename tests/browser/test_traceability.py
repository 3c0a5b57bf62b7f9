"""The chain of custody in a real browser: a trader on a phone, in French, finds the lots a
cooperative sent from two mine sites waiting for them, accepts each with the weight found,
combines them into one lot and reads on its page, without scrolling sideways, that it comes
from both sites; a cooperative's member types a tag's number and lands on its lot; an
inspector reads an exported lot's tree and its sites' statuses in English, and anyone checks
its certificate on a phone in French."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from casm.accounts.models import Organisation, User
from casm.core.models import Commodity
from casm.traceability import services
from tests.browser.pages import sign_in, watch_errors

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back the countries.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
SITES = ("Kamituga Mobale", "Lugushwa")
TAGS = ("CD-A-0001", "CD-B-0001")


@dataclass
class World:
    miner_user: User
    trader_user: User
    lots: list[Any]  # the lots the cooperative produced, one per site, on their way to the trader


@pytest.fixture
def world(make_user, make_organisation, make_site, country) -> World:
    """A DR Congo cooperative that produced a lot of gold at each of two sites and sent both to
    a trader, who has not accepted them yet (as in the traceability tests' ``chain``)."""
    congo = country("CD")
    inspector = make_user("mbala", role=User.Role.INSPECTOR, countries=["CD"])
    kinds = Organisation.Kind
    cooperative_org = make_organisation(
        "Coopérative des creuseurs de Kamituga", "CD", kind=kinds.MINERS
    )
    trader_org = make_organisation("Négoce Mwenga", "CD", kind=kinds.TRADER)
    cooperative = services.actor_register(
        actor=inspector, organisation=cooperative_org, country=congo, roles=["miner"]
    )
    trader = services.actor_register(
        actor=inspector, organisation=trader_org, country=congo, roles=["trader"]
    )
    sites = (
        make_site(SITES[0], "CD"),
        make_site(SITES[1], "CD", latitude=-3.3, longitude=28.2),
    )
    role = User.Role.SUPPLY_CHAIN_ACTOR
    miner_user = make_user("kahindo", role=role, organisation=cooperative_org)
    trader_user = make_user("mushagalusa", role=role, organisation=trader_org)
    gold = Commodity.objects.get(code="gold")
    lots = []
    for site, tag in zip(sites, TAGS, strict=True):
        services.tag_batch_issue(actor=inspector, country=congo, site=site, numbers=[tag])
        lot = services.lot_produce(
            actor=miner_user, producer=cooperative, site=site, tag=tag, commodity=gold,
            mass="1000", unit="g", grade="80",
        )  # fmt: skip
        services.lot_transfer(actor=miner_user, lot=lot, receiver=trader)
        lots.append(lot)
    return World(miner_user=miner_user, trader_user=trader_user, lots=lots)


def _lot_number(page: Any) -> str:
    """The number of the lot whose page is open, as its heading reads ("Lot CD-L0000003")."""
    expect(page).to_have_url(re.compile(r"/traceability/lots/\d+/$"))
    heading = page.locator("main h1").inner_text()
    assert re.fullmatch(r"Lot CD-L\d+", heading), heading
    return heading.removeprefix("Lot ")


def _fits_the_screen(page: Any) -> bool:
    return page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']} + 1")


def test_a_trader_on_a_phone_accepts_two_lots_combines_them_and_reads_both_sites_in_french(
    new_page, live_server, world
):
    page = new_page(viewport=PHONE, locale="fr-FR")
    errors = watch_errors(page)
    sign_in(page, live_server, world.trader_user)
    page.goto(f"{live_server.url}/traceability/")
    waiting = page.get_by_role("heading", name="Transferts en attente de votre acceptation")
    expect(waiting).to_be_visible()
    transfers = page.locator("article.transfer")
    expect(transfers).to_have_count(2)
    assert _fits_the_screen(page), "the lot list is wider than the phone"

    accepted = []
    for lot in world.lots:
        transfer = transfers.filter(has_text=lot.number)
        expect(transfer.get_by_role("heading")).to_have_text(
            "Expéditeur : Coopérative des creuseurs de Kamituga"
        )
        transfer.get_by_label("Poids constaté").fill("995")
        transfer.get_by_role("button", name="Accepter", exact=True).click()
        # The trader lands on the lot that is now theirs.
        number = _lot_number(page)
        expect(page.locator("ul.messages")).to_contain_text(
            f"Le lot {number} est désormais le vôtre."
        )
        accepted.append(number)
        page.get_by_role("navigation", name="Chaîne de traçabilité").get_by_role(
            "link", name="Lots", exact=True
        ).click()
    # Nothing waits any more.
    expect(waiting).to_have_count(0)

    page.get_by_role("link", name="Regrouper des lots").click()
    expect(page.locator("main h1")).to_have_text("Regrouper des lots")
    for number in accepted:
        page.get_by_label(number).check()
    page.locator("main form").get_by_role("button", name="Regrouper", exact=True).click()

    combined = _lot_number(page)
    assert combined not in accepted
    origin = page.get_by_role("region", name="Sites miniers d’origine")
    expect(origin.get_by_role("heading")).to_have_text("Sites miniers d’origine")
    rows = origin.locator("tbody tr")
    expect(rows).to_have_count(2)
    for name in SITES:
        expect(rows.filter(has_text=name)).to_have_count(1)
    # A site's name keeps room for its words: the table scrolls rather than break it letters.
    assert origin.locator("tbody td.wrap").first.bounding_box()["width"] >= 100
    assert _fits_the_screen(page), "the combined lot's page is wider than the phone"
    assert not errors, errors


def test_a_tag_number_typed_in_the_lookup_opens_its_lot(new_page, live_server, world):
    page = new_page(viewport=PHONE, locale="fr-FR")
    errors = watch_errors(page)
    sign_in(page, live_server, world.miner_user)
    page.goto(f"{live_server.url}/traceability/")
    page.get_by_role("navigation", name="Chaîne de traçabilité").get_by_role(
        "link", name="Étiquettes"
    ).click()
    page.get_by_label("Numéro d’étiquette").fill(TAGS[1])
    page.get_by_role("button", name="Trouver le lot").click()

    assert _lot_number(page) == world.lots[1].number
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(TAGS[1])
    expect(facts).to_contain_text(SITES[1])
    assert not errors, errors


def test_an_exported_lots_provenance_in_english_and_its_certificate_checked_on_a_phone_in_french(
    new_page, live_server, world, make_user, make_organisation, country
):
    import datetime

    from casm.core.models import Country
    from casm.traceability.models import Actor

    congo = country("CD")
    inspector = User.objects.get(username="mbala")
    validator = make_user("kasongo", role=User.Role.INSPECTOR, countries=["CD"])
    exporter_org = make_organisation("Comptoir de Bukavu", "CD", kind=Organisation.Kind.TRADER)
    exporter = services.actor_register(
        actor=inspector, organisation=exporter_org, country=congo, roles=["exporter"]
    )
    exporter_user = make_user(
        "bahati", role=User.Role.SUPPLY_CHAIN_ACTOR, organisation=exporter_org
    )
    trader = Actor.objects.get(organisation__name="Négoce Mwenga")
    bought = []
    for lot in world.lots:
        pending = services.Operation.objects.get(inputs=lot)
        bought.append(services.transfer_accept(actor=world.trader_user, operation=pending,
                                               mass=lot.mass, unit=lot.unit))  # fmt: skip
    combined = services.lots_combine(actor=world.trader_user, lots=bought)
    sent = services.lot_transfer(actor=world.trader_user, lot=combined, receiver=exporter)
    held = services.transfer_accept(actor=exporter_user, operation=sent, mass="2000", unit="g")
    export = services.lot_export(actor=exporter_user, lot=held, importer="Refinery AG",
                                 destination=Country.objects.get(alpha2="CH"))  # fmt: skip
    certificate = services.certificate_validate(
        actor=validator,
        certificate=services.certificate_prepare(
            actor=inspector, operation=export, ore_type="gold doré", issuing_authority="CEEC"
        ),
        expires_on=datetime.date.today() + datetime.timedelta(days=90),
    )
    assert trader.pk != exporter.pk

    # The inspector, on a desktop in English, reads the export lot's tree and its sites.
    page = new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
    errors = watch_errors(page)
    sign_in(page, live_server, inspector)
    page.goto(f"{live_server.url}/traceability/lots/{held.pk}/")
    tree = page.get_by_role("region", name="Provenance")
    # The exported lot (the exporter's purchase), the combination, the trader's two purchases
    # and the two lots produced: six rows.
    expect(tree.locator("tbody tr")).to_have_count(6)
    origin = page.get_by_role("region", name="Mine sites of origin")
    for name in SITES:
        expect(origin.locator("tbody tr").filter(has_text=name)).to_contain_text(
            "blue (not yet inspected)"
        )
    expect(page.get_by_role("region", name="Export certificate")).to_contain_text(
        certificate.identifier
    )
    assert not errors, errors

    # Anyone with the printed certificate, on a phone in French, follows its QR code.
    phone = new_page(viewport=PHONE, locale="fr-FR")
    phone_errors = watch_errors(phone)
    phone.goto(f"{live_server.url}/traceability/verify/{certificate.check_code}/")
    expect(phone.get_by_role("status")).to_contain_text("La signature est valide")
    expect(phone.locator("main dl")).to_contain_text("Comptoir de Bukavu")
    assert _fits_the_screen(phone), "the verification page is wider than the phone"
    assert not phone_errors, phone_errors


def test_an_inspector_on_a_phone_makes_a_site_red_in_french_and_anyone_reads_its_history(
    new_page, live_server, world
):
    from casm.traceability.models import Criterion

    inspector = User.objects.get(username="mbala")
    site = world.lots[0].site
    page = new_page(viewport=PHONE, locale="fr-FR")
    errors = watch_errors(page)
    sign_in(page, live_server, inspector)
    page.goto(f"{live_server.url}/traceability/sites/{site.pk}/inspect/")
    expect(page.locator("main h1")).to_have_text(f"Inspecter {site.name}")
    page.get_by_label("Autorité d’inspection").fill("Division provinciale des mines")
    for criterion in Criterion.values:
        page.locator(f"#id_c_{criterion}_0").check()  # met
    page.get_by_role("button", name="Enregistrer l’inspection").click()
    # Every criterion met: recorded, and the site is green.
    expect(page.locator("ul.messages")).to_contain_text("le site est maintenant vert (certifié)")
    assert _fits_the_screen(page), "the inspection's page is wider than the phone"

    page.goto(f"{live_server.url}/traceability/sites/{site.pk}/inspect/")
    page.get_by_label("Autorité d’inspection").fill("Division provinciale des mines")
    for criterion in Criterion.values:
        page.locator(f"#id_c_{criterion}_0").check()
    page.locator("#id_c_armed_groups_1").check()  # breached: an armed group taxes the pit
    page.get_by_role("button", name="Enregistrer l’inspection").click()
    expect(page.locator("ul.messages")).to_contain_text("le site est maintenant rouge")
    assert not errors, errors

    visitor = new_page(viewport=PHONE, locale="fr-FR")
    visitor.goto(f"{live_server.url}/traceability/sites/{site.pk}/status/")
    expect(visitor.locator("main h1")).to_have_text(f"Statut de {site.name}")
    rows = visitor.locator("main tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("rouge")
    expect(rows.first).to_contain_text("aucun groupe armé non étatique présent")
    expect(rows.nth(1)).to_contain_text("vert (certifié)")
    assert "mbala" not in visitor.content()
    assert visitor.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']} + 1")


def test_anyone_reads_the_chains_open_data_on_a_phone_in_french(new_page, live_server, world):
    page = new_page(viewport=PHONE, locale="fr-FR")
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Chaîne de traçabilité : données ouvertes").click()
    expect(page.locator("main h1")).to_have_text("Chaîne de traçabilité : données ouvertes")
    production = page.locator("main table").first
    expect(production).to_contain_text(SITES[0])
    expect(production).to_contain_text(SITES[1])
    assert world.lots[0].number not in page.content()
    assert _fits_the_screen(page), "the open data page is wider than the phone"
    assert not errors, errors
