"""Demo incidents in DR Congo: an anonymous report of armed men at a gold site awaiting its
triage, an extortion on a route under investigation, a child-labour report confirmed, and
one dismissed. Invented reports, on the demo's own sites; handled by the chain of custody's
demo inspector."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from casm.accounts.models import User
from casm.core.models import Country
from casm.registry.models import Site

from . import services


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    congo = Country.objects.filter(alpha2="CD").first()
    handler = User.objects.filter(username="inspector.cd").first()
    sites = list(Site.objects.filter(country=congo).order_by("code")[:3]) if congo else []
    if congo is None or handler is None or len(sites) < 3:
        return
    today = timezone.localdate()

    def days_ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days + rng.randint(0, 3))

    services.incident_report(
        actor=None, country=congo, kind="armed_group", occurred_on=days_ago(4), site=sites[0],
        description="Demo: six armed men in uniform came to the pit at night and took the "
                    "sacks of ore of the day.",
    )  # fmt: skip
    route, _key = services.incident_report(
        actor=None, country=congo, kind="extortion", occurred_on=days_ago(15),
        location="Demo: road from Kamituga to Bukavu, barrier at the river crossing",
        description="Demo: a barrier takes 5,000 francs and a gram of gold from every "
                    "trader's motorbike.",
        reporter_name="Demo reporter", reporter_contact="+243 000 000 000",
    )  # fmt: skip
    services.incident_triage(
        actor=handler, incident=route, accept=True, severity="high", handler=handler,
        note="Demo: two traders said the same to the inspector.",
        public_note="Demo: a mission goes to the crossing this month.",
    )  # fmt: skip
    children, _key = services.incident_report(
        actor=None, country=congo, kind="child_labour", occurred_on=days_ago(40), site=sites[1],
        description="Demo: children carry ore from the pit to the washing place after school.",
    )  # fmt: skip
    services.incident_triage(
        actor=handler, incident=children, accept=True, severity="high", handler=handler
    )
    services.incident_resolve(
        actor=handler, incident=children, outcome="confirmed",
        resolution="Demo: seen by the inspection; the cooperative signed a plan to keep "
                   "children away from the site, checked at the next inspection.",
        public_note="Demo: confirmed; the cooperative has a plan, checked at the next visit.",
    )  # fmt: skip
    rumour, _key = services.incident_report(
        actor=None, country=congo, kind="smuggling", occurred_on=days_ago(60), site=sites[2],
        description="Demo: gold from this site is said to leave by lake at night.",
    )  # fmt: skip
    services.incident_triage(
        actor=handler, incident=rumour, accept=False,
        note="Demo: the site has produced nothing for a year; no trader buys there.",
    )  # fmt: skip
    say(
        "demo: 4 incidents in DR Congo (/incidents/ as inspector.cd; public counts at "
        "/incidents/statistics/)"
    )
