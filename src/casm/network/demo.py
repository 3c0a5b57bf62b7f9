"""Demo network: the real organisations, donors and regional networks of the shared facts,
partnerships growing from 13 to 32 (2001–2008), and projects by 35+ organisations in 25
countries, with generated people and experts.

Names and figures come from the shared facts; people are invented. Everything goes through the
services. The network draws on its own random generator, so the demo data of the other apps do
not change when this one does.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

from casm.accounts.models import Organisation
from casm.core.models import Country
from casm.library.models import DocumentAuthor, Language, Theme
from casm.network import services
from casm.network.models import Availability, Programme, Project

K = Organisation.Kind

# Organisations of the shared facts the accounts demo does not already hold.
MORE_ORGANISATIONS = [
    ("Kimberley Process", "KP", K.INTERGOVERNMENTAL, "BE"),
    ("Australian Agency for International Development", "AusAID", K.DONOR, "AU"),
    ("Canadian International Development Agency", "CIDA", K.DONOR, "CA"),
    ("World Bank Development Grant Facility", "DGF", K.DONOR, "US"),
    ("Global Mining Research Alliance", "", K.ACADEMIA, "CA"),
    ("Austria trust fund", "", K.DONOR, "AT"),
    ("Denmark trust fund", "", K.DONOR, "DK"),
    ("Netherlands trust fund", "", K.DONOR, "NL"),
    ("Switzerland trust fund", "", K.DONOR, "CH"),
]

# Countries of projects: the country strategies, the technical assistance and other countries
# of the sector; 25 in all, as the network reported.
PROJECT_COUNTRIES = [
    "EC", "MG", "MZ", "NG", "CD", "SL", "TZ", "GH", "MN", "PG", "ET", "RW", "BF", "ML", "ZW",
    "PE", "CO", "BO", "PH", "ID", "IN", "CN", "LA", "GY", "SN",
]  # fmt: skip

NETWORKS = [
    ("Africa", "The CASM network's members in Africa.", 2003),
    ("Asia", "The CASM network's members in Asia and the Pacific.", 2004),
    ("China", "The CASM network's members in China.", 2005),
]
REGION_COUNTRIES = {
    "Africa": ["MG", "MZ", "NG", "CD", "SL", "TZ", "GH", "ET", "RW", "BF", "ML", "ZW", "SN"],
    "Asia": ["MN", "PG", "PH", "ID", "IN", "LA"],
    "China": ["CN"],
}

# Partnerships (partner, subject, programme): the partners named in the shared facts.
PARTNERS = [
    ("DDI", "Diamond development in artisanal fields", Programme.TECHNICAL),
    ("PDA", "Peace diamonds in Sierra Leone", Programme.TECHNICAL),
    (
        "Dian Fossey Gorilla Fund",
        "Durban Process for mining in gorilla habitats",
        Programme.RESEARCH,
    ),
    ("Blacksmith Institute", "Mercury and lead pollution", Programme.KNOWLEDGE),
    ("ILO", "Child labour in small-scale mines", Programme.RESEARCH),
    ("ICMM", "Large-scale and artisanal mining", Programme.RESEARCH),
    ("ARM", "Fair trade gold", Programme.RESEARCH),
    ("ANU", "Women in ASM in Asia", Programme.RESEARCH),
    ("AGC", "Mercury-free gold processing", Programme.TECHNICAL),
    ("IFC", "Communities around large mines", Programme.KNOWLEDGE),
    ("GIZ", "Formalization support", Programme.TECHNICAL),
    ("AusAID", "ASM in the Pacific", Programme.GRANTS),
    ("CIDA", "Small grants in the communities", Programme.GRANTS),
    ("KP", "ASM for development", Programme.KNOWLEDGE),
    ("AU", "Africa Mining Vision and ASM", Programme.KNOWLEDGE),
    ("IIED", "Knowledge sharing on ASM", Programme.KNOWLEDGE),
    ("IGF", "Mining policy framework", Programme.KNOWLEDGE),
]
# Partnerships started each year: 13 in 2001, 32 by 2008.
NEW_PARTNERSHIPS = {2001: 13, 2002: 2, 2003: 3, 2004: 3, 2005: 3, 2006: 3, 2007: 2, 2008: 3}

FIRST_NAMES = ["Ama", "Kofi", "Mariam", "Jean", "Ana", "Luis", "Bolor", "Siti", "Ravi",
               "Li", "Grace", "Joseph", "Fatou", "Pedro", "Nomvula", "Tendai"]  # fmt: skip
LAST_NAMES = ["Mensah", "Diallo", "Mukendi", "Quispe", "Rojas", "Bat-Erdene", "Wijaya",
              "Sharma", "Wei", "Okafor", "Moyo", "Traoré", "Banda", "Kamara", "Ndlovu"]  # fmt: skip
PROJECT_SUBJECTS = [
    ("Formalization of artisanal miners", Theme.FORMALIZATION),
    ("Mercury-free gold processing", Theme.MERCURY),
    ("Women miners' associations", Theme.GENDER),
    ("Ending child labour in the mines", Theme.CHILD_LABOUR),
    ("Safer pits and first aid", Theme.HEALTH_SAFETY),
    ("Land rehabilitation after mining", Theme.ENVIRONMENT),
    ("Clean water for mining communities", Theme.WATER),
    ("Dialogue between companies and artisanal miners", Theme.ASM_LSM),
    ("Alternative livelihoods", Theme.LIVELIHOODS),
    ("Responsible supply chains", Theme.SUPPLY_CHAINS),
    ("Savings and microcredit for miners", Theme.FINANCE),
]


def _date(year: int, rng: random.Random) -> datetime.date:
    return datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    local = random.Random(2001)  # noqa: S311 (repeatable demo data, not secrets)
    countries = {c.alpha2: c for c in Country.objects.all()}
    for name, acronym, kind, code in MORE_ORGANISATIONS:
        if not Organisation.objects.filter(name=name).exists():
            services.network_organisation_create(
                actor=None,
                data={"name": name, "acronym": acronym, "kind": kind, "country": countries[code]},
            )
    organisations = list(Organisation.objects.select_related("country").order_by("pk"))
    by_name = {o.acronym or o.name: o for o in organisations}
    for org in organisations:
        work = {org.country.alpha2}
        if org.kind in (K.NGO, K.DONOR, K.INTERGOVERNMENTAL, K.ACADEMIA):
            work.update(local.sample(PROJECT_COUNTRIES, local.randint(2, 6)))
        services.network_organisation_update(
            actor=None,
            organisation=org,
            data={
                "is_network_member": True,
                "countries_of_work": [countries[c] for c in sorted(work)],
                "description": org.description
                or f"{org.get_kind_display().capitalize()} based in {org.country.name_en}.",
            },
        )

    for name, description, founded in NETWORKS:
        network = services.regional_network_create(
            actor=None, data={"name": name, "description": description, "founded": founded}
        )
        members = [o for o in organisations if o.country.alpha2 in REGION_COUNTRIES[name]]
        for org in members:
            joined = _date(local.randint(founded, 2009), local)
            left = None
            if local.random() < 0.15:
                left = _date(min(joined.year + local.randint(1, 4), 2012), local)
                left = max(left, joined)
            services.membership_create(
                actor=None,
                data={"network": network, "organisation": org, "joined": joined, "left": left},
            )

    starts = [year for year, count in NEW_PARTNERSHIPS.items() for _ in range(count)]
    for index, year in enumerate(starts):
        partner, subject, programme = PARTNERS[index % len(PARTNERS)]
        round_ = index // len(PARTNERS)
        services.partnership_create(
            actor=None,
            data={
                "name": subject if round_ == 0 else f"{subject} ({year})",
                "programme": programme,
                "organisations": [by_name[partner]] if partner in by_name else [],
                "start": _date(year, local),
            },
        )

    donors = [o for o in organisations if o.kind == K.DONOR]
    doers = [o for o in organisations if o.kind != K.DONOR]
    # Every project country gets at least one project; 40 leads make the 35+ organisations.
    leads = local.sample(doers, min(40, len(doers)))
    themes = list(Theme.values)
    for index, lead in enumerate(leads):
        code = PROJECT_COUNTRIES[index % len(PROJECT_COUNTRIES)]
        subject, theme = PROJECT_SUBJECTS[index % len(PROJECT_SUBJECTS)]
        start = local.randint(2001, 2011)
        end = start + local.randint(1, 4)
        status = Project.Status.COMPLETED if end <= 2012 else Project.Status.ONGOING
        services.project_create(
            actor=None,
            data={
                "title": f"{subject} in {countries[code].name_en}",
                "lead_organisation": lead,
                "partners": local.sample([o for o in doers if o != lead], local.randint(0, 2)),
                "donors": local.sample(donors, local.randint(1, 2)),
                "countries": [countries[code]],
                "themes": sorted({theme, local.choice(themes)}),
                "budget": Decimal(local.randrange(20_000, 500_000, 500)),
                "currency": local.choice(["USD", "USD", "GBP", "CAD", "EUR"]),
                "start": datetime.date(start, 1 + index % 12, 1),
                "end": datetime.date(end, 1 + index % 12, 1),
                "status": status,
                "outputs": "Training sessions held, a report and a community plan.",
            },
        )

    for index in range(60):
        name = f"{local.choice(FIRST_NAMES)} {local.choice(LAST_NAMES)}"
        org = local.choice(organisations)
        person = services.person_create(
            actor=None,
            data={
                "name": name,
                "organisation": org,
                "email": f"person{index + 1}@example.org",
                "phone": f"+000 555 {index:04d}",
                "public_profile": index % 4 != 0,
                "bio": f"Works at {org.name} on artisanal and small-scale mining.",
                "countries": [org.country],
            },
        )
        if index % 3 == 0:
            services.expert_profile_save(
                actor=None,
                person=person,
                data={
                    "themes": local.sample(themes, 2),
                    "languages": local.sample(list(Language.values)[:4], local.randint(1, 2)),
                    "countries": [countries[c] for c in local.sample(PROJECT_COUNTRIES, 3)],
                    "availability": local.choice(list(Availability.values)),
                },
            )
    # The library's corporate authors named like a directory organisation become links to it
    # (demo data only: set directly, as the library's demo sets its counts).
    linked = 0
    for org in organisations:
        linked += DocumentAuthor.objects.filter(
            kind=DocumentAuthor.Kind.ORGANISATION,
            organisation=None,
            name__in=[org.name, org.acronym or org.name],
        ).update(organisation=org)
    say(
        f"  network: {len(organisations)} organisations, 3 regional networks, "
        f"{len(starts)} partnerships, {len(leads)} projects in {len(PROJECT_COUNTRIES)} countries, "
        f"{linked} documents' authors linked"
    )
