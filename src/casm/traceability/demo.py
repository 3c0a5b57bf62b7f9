"""The demo chain of custody in DR Congo: a cooperative, a trader (négociant) and an exporter
(comptoir) that also processes, two inspectors, tags issued to a few gold sites, and lots that
go from those sites to an export with its signed certificate; one lot still in transit, one
supplier suspended, and the red flags the sites' standing raises. Invented actors and lots, on
the demo's own sites."""

from __future__ import annotations

import datetime
import random
import secrets
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from casm.accounts.models import Organisation, User
from casm.accounts.services import organisation_create, user_create
from casm.core.models import Commodity, Country
from casm.registry.models import Site

from . import services
from .models import Criterion, Finding, Inspection, RedFlag

K = Organisation.Kind
ACTORS = [
    # username, organisation, kind, chain roles
    ("coop.cd", "Coopérative des creuseurs de Kamituga (démo)", K.MINERS, ["miner"]),
    ("trader.cd", "Négoce Mwenga (démo)", K.TRADER, ["trader"]),
    ("exporter.cd", "Comptoir de Bukavu (démo)", K.TRADER, ["exporter", "processor"]),
    ("supplier.cd", "Maison d'achat Kalehe (démo)", K.TRADER, ["trader"]),
]
SITES_USED = 4
LOTS_PER_SITE = 3


def _sites(congo: Country, gold: Commodity) -> list[Site]:
    """Gold sites of the demo that may produce (not red), the first ones by code: those the
    chain uses, and one more that an inspection finds held by an armed group."""
    usable = [
        site
        for site in Site.objects.filter(country=congo, commodities=gold).order_by("code")[:60]
        if services.site_refusal(site) is None
    ]
    return usable[: SITES_USED + 1]


def _inspect(inspector: User, sites: list[Site], on: datetime.date) -> None:
    """Inspections of the demo: the first site certified green, the second yellow (its logbook
    not kept), and the extra one red (an armed group taxes it)."""
    met = dict.fromkeys(Criterion.values, Finding.MET)
    breaches = [{}, {Criterion.TRACEABILITY: Finding.BREACHED}]
    for site, breached in zip(sites, breaches, strict=False):
        services.inspection_record(
            actor=inspector, site=site, inspected_on=on, findings={**met, **breached},
            authority="Demo: provincial mines division",
        )  # fmt: skip
    if len(sites) > SITES_USED:
        services.inspection_record(
            actor=inspector, site=sites[SITES_USED], inspected_on=on,
            findings={**met, Criterion.ARMED_GROUPS: Finding.BREACHED,
                      Criterion.TAXES: Finding.BREACHED},
            authority="Demo: provincial mines division",
            note="Demo: a non-state armed group levies a tax on every bag at the pit.",
        )  # fmt: skip


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    congo = Country.objects.filter(alpha2="CD").first()
    gold = Commodity.objects.filter(code="gold").first()
    if congo is None or gold is None:
        return
    sites = _sites(congo, gold)
    if len(sites) < 2:
        return
    password = secrets.token_urlsafe(9)
    inspector = user_create(
        actor=None, username="inspector.cd", email="inspector.cd@example.org",
        first_name="Inspector", last_name="DR Congo", role=User.Role.INSPECTOR,
        countries=[congo], password=password,
    )  # fmt: skip
    start = timezone.localdate() - datetime.timedelta(days=12)
    _inspect(inspector, sites, start - datetime.timedelta(days=20))
    red_site = sites[SITES_USED] if len(sites) > SITES_USED else None
    sites = sites[:SITES_USED]
    actors, users = {}, {}
    for username, name, kind, roles in ACTORS:
        organisation = organisation_create(actor=None, name=name, kind=kind, country=congo)
        actors[username] = services.actor_register(
            actor=inspector, organisation=organisation, country=congo, roles=roles,
            registration=f"DEMO-{username.split('.')[0].upper()}",
        )  # fmt: skip
        users[username] = user_create(
            actor=None, username=username, email=f"{username}@example.org",
            role=User.Role.SUPPLY_CHAIN_ACTOR,
            organisation=organisation, password=password,
        )  # fmt: skip
    coop, trader, exporter = (users[u] for u in ("coop.cd", "trader.cd", "exporter.cd"))
    for index, site in enumerate(sites, start=1):
        services.tag_batch_issue(
            actor=inspector, country=congo, site=site, note="Demo tags",
            numbers=[f"CD-DEMO-{index}-{n:04d}" for n in range(1, 51)],
        )  # fmt: skip
    # Bought over the last days; combined, sent on, smelted and exported today.
    bought = []
    for index, site in enumerate(sites, start=1):
        for n in range(1, LOTS_PER_SITE + 1):
            lot = services.lot_produce(
                actor=coop, producer=actors["coop.cd"], site=site, tag=f"CD-DEMO-{index}-{n:04d}",
                commodity=gold, mass=Decimal(rng.randint(180, 900)), unit="g",
                grade=Decimal(rng.randint(70, 92)), package_type="sachet", package_count=1,
                sealed_on=start + datetime.timedelta(days=index + n), taxes_paid=True,
            )  # fmt: skip
            transfer = services.lot_transfer(
                actor=coop, lot=lot, receiver=actors["trader.cd"], transport_method="road",
                shipped_on=start + datetime.timedelta(days=index + n), route="Kamituga – Mwenga",
            )  # fmt: skip
            if index == len(sites) and n == LOTS_PER_SITE:
                continue  # still in transit: the trader has not weighed it yet
            found = lot.mass - Decimal(rng.randint(0, 3))
            bought.append(
                services.transfer_accept(
                    actor=trader,
                    operation=transfer,
                    mass=found,
                    unit="g",
                    received_on=start + datetime.timedelta(days=index + n + 1),
                )  # fmt: skip
            )
    combined = services.lots_combine(actor=trader, lots=bought, note="Demo: one month's buying")
    sent = services.lot_transfer(
        actor=trader, lot=combined, receiver=actors["exporter.cd"],
        route="Mwenga – Bukavu",
    )  # fmt: skip
    received = services.transfer_accept(
        actor=exporter, operation=sent, mass=combined.mass, unit=combined.unit
    )  # fmt: skip
    smelted = services.lots_process(
        actor=exporter, lots=[received],
        # A bar at 95 % holding 98 % of the gold that went in: the mass balance holds.
        parts=[services.Part(mass=(received.mass * (received.grade or 0) / 95 * Decimal("0.98"))
                             .quantize(Decimal("0.1")), unit=received.unit, grade=Decimal("95"))],
        note="Demo: smelted into a bar",
    )  # fmt: skip
    export = services.lot_export(
        actor=exporter, lot=smelted[0], importer="Demo Refinery AG",
        destination=Country.objects.get(alpha2="CH"),
        route="Bukavu – Kigali – Zurich",
        transport_company="Demo Air Cargo",
    )  # fmt: skip
    validator = user_create(
        actor=None, username="validator.cd", email="validator.cd@example.org",
        first_name="Validator", last_name="DR Congo", role=User.Role.INSPECTOR,
        countries=[congo], password=password,
    )  # fmt: skip
    prepared = services.certificate_prepare(
        actor=inspector, operation=export, ore_type="gold doré (bar)",
        issuing_authority="Demo: mining ministry's certification service",
    )  # fmt: skip
    certificate = services.certificate_validate(
        actor=validator, certificate=prepared,
        expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )  # fmt: skip
    services.actor_suspend(
        actor=inspector, chain_actor=actors["supplier.cd"],
        reason="Demo: bought from a site held by an armed group",
    )  # fmt: skip
    flag = services.flag_raise(
        actor=inspector, country=congo, kind="bribery", supplier=actors["trader.cd"],
        text="Demo: a buyer reports lots declared from Kamituga that were bought in Shabunda.",
    )  # fmt: skip
    services.flag_plan(
        actor=inspector, flag=flag, owner=validator, due=None,
        plan="Demo: audit the trader's purchase book against the tags issued in Kamituga.",
    )  # fmt: skip
    # An example figure, not a measured one: the rules page says where each figure comes from.
    services.productivity_set(
        actor=inspector, country=congo, commodity=gold, mass="30", unit="g", margin_percent="25",
        source="Demo: an example figure, to be replaced by a survey's",
    )  # fmt: skip
    over_capacity = services.capacity_flags_raise()
    flags = RedFlag.objects.filter(country=congo).count()
    inspections = Inspection.objects.filter(country=congo).count()
    red = f" (red: {red_site.code})" if red_site is not None else ""
    say(
        f"demo: chain of custody in DR Congo, {len(sites) * LOTS_PER_SITE} lots produced at "
        f"{len(sites)} sites, one export with certificate {certificate.identifier} "
        f"(/traceability/verify/{certificate.check_code}/), {flags} red flags "
        f"({over_capacity} for sites above their capacity), 1 supplier "
        f"suspended, {inspections} site inspections{red}; users inspector.cd, validator.cd, "
        f"{', '.join(u for u, *_ in ACTORS)} "
        f"(password for all: {password})"
    )
