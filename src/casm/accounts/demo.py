"""Demo organisations and people: the CASM network's real partners (shared facts), plus
data officers and other roles scoped to the countries the platform's examples use."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

from casm.accounts.models import Organisation, User
from casm.accounts.services import organisation_create, role_assign, user_create
from casm.core.models import Country

K = Organisation.Kind
ORGANISATIONS = [
    ("World Bank", "WB", K.DONOR, "US", "https://www.worldbank.org"),
    ("UK Department for International Development", "DFID", K.DONOR, "GB", ""),
    (
        "Natural Resources Canada",
        "NRCan",
        K.GOVERNMENT,
        "CA",
        "https://natural-resources.canada.ca",
    ),
    ("International Labour Organization", "ILO", K.INTERGOVERNMENTAL, "CH", "https://www.ilo.org"),
    ("International Council on Mining and Metals", "ICMM", K.LSM, "GB", "https://www.icmm.com"),
    ("Alliance for Responsible Mining", "ARM", K.NGO, "CO", "https://www.responsiblemines.org"),
    ("Artisanal Gold Council", "AGC", K.NGO, "CA", "https://www.artisanalgold.org"),
    ("Diamond Development Initiative", "DDI", K.NGO, "CA", ""),
    ("Peace Diamond Alliance", "PDA", K.NGO, "SL", ""),
    ("Dian Fossey Gorilla Fund", "", K.NGO, "US", "https://gorillafund.org"),
    ("Blacksmith Institute", "", K.NGO, "US", ""),
    (
        "International Institute for Environment and Development",
        "IIED",
        K.ACADEMIA,
        "GB",
        "https://www.iied.org",
    ),
    (
        "Intergovernmental Forum on Mining, Minerals, Metals and Sustainable Development",
        "IGF",
        K.INTERGOVERNMENTAL,
        "CA",
        "https://www.igfmining.org",
    ),
    (
        "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        "GIZ",
        K.DONOR,
        "DE",
        "https://www.giz.de",
    ),
    ("International Finance Corporation", "IFC", K.DONOR, "US", "https://www.ifc.org"),
    ("Australian National University", "ANU", K.ACADEMIA, "AU", "https://www.anu.edu.au"),
    ("African Union", "AU", K.INTERGOVERNMENTAL, "ET", "https://au.int"),
    ("Ministère des Mines", "", K.GOVERNMENT, "CD", ""),
    ("Minerals Commission", "", K.GOVERNMENT, "GH", ""),
    ("Ministry of Minerals", "", K.GOVERNMENT, "TZ", ""),
    ("National Minerals Agency", "NMA", K.GOVERNMENT, "SL", ""),
    ("Ministry of Mining and Heavy Industry", "", K.GOVERNMENT, "MN", ""),
    ("Mineral Resources Authority", "MRA", K.GOVERNMENT, "PG", ""),
]

# Cooperatives, made up but shaped like real ones, in the countries of the demo.
COOPERATIVE_WORDS = ["Umoja", "Tuungane", "Amani", "Nguvu", "Bonne Espérance", "Sika", "Akwaaba"]
COOPERATIVE_COUNTRIES = ["CD", "GH", "TZ", "SL", "BF", "ML", "ZW", "MG", "MZ", "NG"]

PEOPLE = [
    ("officer.cd", "Data officer, DR Congo", User.Role.DATA_OFFICER, ["CD"]),
    ("officer.gh", "Data officer, Ghana", User.Role.DATA_OFFICER, ["GH"]),
    ("licensing.tz", "Licensing officer, Tanzania", User.Role.LICENSING_OFFICER, ["TZ"]),
    ("reviewer", "Grants reviewer", User.Role.GRANTS_REVIEWER, []),
    ("editor", "Library editor", User.Role.LIBRARY_EDITOR, []),
    ("member", "Network member", User.Role.MEMBER, []),
]
# Further roles of the people above: one person may hold several, each with its own scope.
MORE_ROLES = [("officer.cd", User.Role.LICENSING_OFFICER, ["CD", "RW"])]


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    countries = {c.alpha2: c for c in Country.objects.all()}
    made = {}
    for name, acronym, kind, code, website in ORGANISATIONS:
        made[acronym or name] = organisation_create(
            actor=None,
            name=name,
            acronym=acronym,
            kind=kind,
            country=countries[code],
            website=website,
        )
    for index, code in enumerate(COOPERATIVE_COUNTRIES * 2):
        word = rng.choice(COOPERATIVE_WORDS)
        organisation_create(
            actor=None,
            name=f"Coopérative minière {word} {index + 1}",
            kind=K.MINERS,
            country=countries[code],
        )
    password = secrets.token_urlsafe(9)
    for username, label, role, scope in PEOPLE:
        first, _sep, last = label.partition(", ")
        user_create(
            actor=None,
            username=username,
            email=f"{username}@example.org",
            first_name=first,
            last_name=last,
            role=role,
            countries=[countries[c] for c in scope],
            organisation=made["ARM"] if role == User.Role.MEMBER else None,
            password=password,
        )
    for username, role, scope in MORE_ROLES:
        role_assign(
            actor=None,
            user=User.objects.get(username=username),
            role=role,
            countries=[countries[c] for c in scope],
        )
    say(
        f"demo: {Organisation.objects.count()} organisations; users "
        + ", ".join(p[0] for p in PEOPLE)
        + f" (password for all: {password})"
    )
