"""Fixtures of the chain-of-custody tests: a DR Congo chain of a cooperative at two sites, a
trader (négociant) and an exporter (comptoir) that also processes, each with its own user, an
inspector of the country, and tags issued to both sites."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from casm.accounts.models import Organisation, User
from casm.core.models import Commodity, Country
from casm.traceability import services


@dataclass
class Chain:
    country: Country
    gold: Commodity
    tin: Commodity
    inspector: User
    site_a: Any
    site_b: Any
    cooperative: services.Actor
    trader: services.Actor
    exporter: services.Actor
    miner_user: User
    trader_user: User
    exporter_user: User

    def produce(
        self, tag: str, mass: Any = "1000", *, site: Any = None, grade: Any = "80", **extra: Any
    ) -> services.Lot:
        return services.lot_produce(
            actor=self.miner_user,
            producer=self.cooperative,
            site=site or self.site_a,
            tag=tag,
            commodity=extra.pop("commodity", self.gold),
            mass=mass,
            unit=extra.pop("unit", "g"),
            grade=grade,
            **extra,
        )

    def sell(
        self, lot: services.Lot, to: services.Actor | None = None, received: Any = None
    ) -> services.Lot:
        """Transfer ``lot`` from its holder to ``to`` (the trader) and accept it as weighed."""
        receiver = to or self.trader
        sender_user = {
            self.cooperative.pk: self.miner_user,
            self.trader.pk: self.trader_user,
            self.exporter.pk: self.exporter_user,
        }[lot.holder_id]
        operation = services.lot_transfer(actor=sender_user, lot=lot, receiver=receiver)
        receiver_user = {self.trader.pk: self.trader_user, self.exporter.pk: self.exporter_user}[
            receiver.pk
        ]
        return services.transfer_accept(
            actor=receiver_user, operation=operation, mass=received or lot.mass, unit=lot.unit
        )


@pytest.fixture
def chain(make_user, make_organisation, make_site, country) -> Chain:
    congo = country("CD")
    inspector = make_user("mbala", role=User.Role.INSPECTOR, countries=["CD"])
    kinds = Organisation.Kind
    cooperative_org = make_organisation(
        "Coopérative des creuseurs de Kamituga", "CD", kind=kinds.MINERS
    )
    trader_org = make_organisation("Négoce Mwenga", "CD", kind=kinds.TRADER)
    exporter_org = make_organisation("Comptoir de Bukavu", "CD", kind=kinds.TRADER)
    cooperative = services.actor_register(
        actor=inspector, organisation=cooperative_org, country=congo, roles=["miner"]
    )
    trader = services.actor_register(
        actor=inspector, organisation=trader_org, country=congo, roles=["trader"]
    )
    exporter = services.actor_register(
        actor=inspector, organisation=exporter_org, country=congo, roles=["exporter", "processor"]
    )
    site_a = make_site("Kamituga Mobale", "CD")
    site_b = make_site("Lugushwa", "CD", latitude=-3.3, longitude=28.2)
    for site, prefix in ((site_a, "A"), (site_b, "B")):
        services.tag_batch_issue(
            actor=inspector,
            country=congo,
            site=site,
            numbers=[f"CD-{prefix}-{n:04d}" for n in range(1, 21)],
        )
    role = User.Role.SUPPLY_CHAIN_ACTOR
    return Chain(
        country=congo,
        gold=Commodity.objects.get(code="gold"),
        tin=Commodity.objects.get(code="tin"),
        inspector=inspector,
        site_a=site_a,
        site_b=site_b,
        cooperative=cooperative,
        trader=trader,
        exporter=exporter,
        miner_user=make_user("kahindo", role=role, organisation=cooperative_org),
        trader_user=make_user("mushagalusa", role=role, organisation=trader_org),
        exporter_user=make_user("bahati", role=role, organisation=exporter_org),
    )
