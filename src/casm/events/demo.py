"""Demo events: the annual conferences of 2001–2012 with generated attendees whose numbers follow
the growth CASM reported (five times as many attendees in 2010 as in 2001, 47 countries
represented in 2008), a few workshops and webinars, the 2012 roundtable on CASM's future, and an
upcoming conference open for registration.

Hosts, cities, people and their answers are generated; only the growth figures are reported
ones. Registrations are written in bulk: the demo has thousands and no seat is contested.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from casm.accounts.models import Organisation, User
from casm.core.models import Country
from casm.events.models import Event, FieldVisit, Registration, Session
from casm.library.models import Theme

# Confirmed attendees of each annual conference: ×5 from 2001 to 2010.
CONFERENCE_ATTENDANCE = {
    2001: 60, 2002: 75, 2003: 95, 2004: 120, 2005: 150, 2006: 185,
    2007: 220, 2008: 255, 2009: 280, 2010: 300, 2011: 290, 2012: 275,
}  # fmt: skip
# Countries represented at each conference: 47 in 2008.
CONFERENCE_COUNTRIES = {
    2001: 14, 2002: 18, 2003: 22, 2004: 27, 2005: 32, 2006: 37,
    2007: 42, 2008: 47, 2009: 48, 2010: 50, 2011: 50, 2012: 49,
}  # fmt: skip
# Where the attendees come from: countries with artisanal and small-scale mining, and donors'.
COUNTRY_POOL = [
    "GH", "CD", "TZ", "MZ", "MG", "NG", "EC", "PE", "BO", "CO", "MN", "CN", "IN", "ID", "PH",
    "PG", "SL", "ET", "BF", "ML", "ZW", "ZM", "KE", "UG", "RW", "SD", "GN", "CI", "CM", "CF",
    "BR", "GY", "SR", "VE", "NI", "HN", "LA", "VN", "MM", "KH", "LK", "NP", "AF", "ZA", "NA",
    "GB", "US", "CA", "AT", "DK", "NL", "CH", "DE", "AU", "FR", "BE", "SE", "NO",
]  # fmt: skip
HOSTS = [
    ("US", "Washington"), ("GH", "Accra"), ("CN", "Beijing"), ("BR", "Brasília"),
    ("LK", "Colombo"), ("MG", "Antananarivo"), ("EC", "Quito"), ("MZ", "Maputo"),
    ("MN", "Ulaanbaatar"), ("TZ", "Arusha"), ("PE", "Lima"), ("ID", "Jakarta"),
]  # fmt: skip
FIRST = [
    "Ama",
    "Kofi",
    "Esi",
    "Yaw",
    "Grace",
    "Jean",
    "Marie",
    "Luis",
    "Ana",
    "Bat",
    "Wei",
    "Siti",
    "Juan",
    "Rosa",
    "Amadou",
    "Fatou",
    "Peter",
    "Mary",
    "Ravi",
    "Priya",
    "Tendai",
    "Chipo",
    "Carlos",
    "Lucia",
    "Oyun",
    "Dorj",
    "Nadia",
    "Samuel",
    "Aisha",
    "Joseph",
]
LAST = [
    "Mensah",
    "Owusu",
    "Kabila",
    "Mwamba",
    "Rakoto",
    "Silva",
    "Quispe",
    "Batbayar",
    "Li",
    "Wijaya",
    "Santos",
    "Diallo",
    "Traoré",
    "Okafor",
    "Banda",
    "Moyo",
    "Kumar",
    "Perera",
    "Hassan",
    "Mutua",
    "García",
    "Ndlovu",
    "Chanda",
    "Boateng",
    "Sesay",
]
KINDS = [
    (Organisation.Kind.MINERS, 24), (Organisation.Kind.GOVERNMENT, 20),
    (Organisation.Kind.NGO, 18), (Organisation.Kind.DONOR, 10),
    (Organisation.Kind.ACADEMIA, 10), (Organisation.Kind.INTERGOVERNMENTAL, 6),
    (Organisation.Kind.LSM, 5), (Organisation.Kind.TRADER, 3),
    (Organisation.Kind.CERTIFICATION, 2), (Organisation.Kind.JEWELLER, 2),
]  # fmt: skip
PEOPLE = 1400
AGENDA = [
    "Opening plenary: the state of artisanal and small-scale mining",
    "Formalization: licences miners can get",
    "Mercury: from awareness to retorts",
    "Women in artisanal mining",
    "Certification and fair trade gold",
    "ASM and large-scale mining: sharing the ground",
    "Closing plenary and the year ahead",
]
G = Registration.Gender


class _Person:
    __slots__ = ("user", "name", "country", "kind", "gender", "organisation")

    def __init__(self, user: User, name: str, country: str, kind: str, gender: str) -> None:
        self.user, self.name, self.country, self.kind, self.gender = (
            user,
            name,
            country,
            kind,
            gender,
        )
        self.organisation = ""


def _people(rng: random.Random) -> list[_Person]:
    password = make_password(None)  # demo attendees do not sign in
    specs = []
    for number in range(PEOPLE):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        specs.append((number, name))
    users = User.objects.bulk_create(
        User(
            username=f"attendee{number:04d}",
            email=f"attendee{number:04d}@example.org",
            first_name=name.split(" ", 1)[0],
            last_name=name.split(" ", 1)[1],
            password=password,
        )
        for number, name in specs
    )
    kinds, weights = zip(*KINDS, strict=True)
    people = []
    for user, (number, name) in zip(users, specs, strict=True):
        country = (
            COUNTRY_POOL[number % len(COUNTRY_POOL)] if number < 200 else rng.choice(COUNTRY_POOL)
        )
        gender = rng.choices([G.MAN, G.WOMAN, G.UNSTATED], weights=[60, 36, 4])[0]
        person = _Person(user, name, country, rng.choices(kinds, weights=weights)[0], gender)
        person.organisation = (
            f"{str(Organisation.Kind(person.kind).label).capitalize()} ({country})"
        )
        people.append(person)
    return people


def _attendees(
    rng: random.Random, people: list[_Person], year: int, returning: set[int]
) -> list[_Person]:
    """The year's attendees: one from each represented country first, then returning people
    (about half), then newcomers from the same countries."""
    size, n_countries = CONFERENCE_ATTENDANCE[year], CONFERENCE_COUNTRIES[year]
    countries = set(COUNTRY_POOL[:n_countries])
    eligible = [i for i, person in enumerate(people) if person.country in countries]
    chosen: list[int] = []
    seen: set[int] = set()
    for code in COUNTRY_POOL[:n_countries]:
        index = next(i for i in eligible if people[i].country == code and i not in seen)
        chosen.append(index)
        seen.add(index)
    back = [i for i in eligible if i in returning and i not in seen]
    rng.shuffle(back)
    for index in back[: max(0, size // 2 - len(chosen))]:
        chosen.append(index)
        seen.add(index)
    rest = [i for i in eligible if i not in seen and i not in returning]
    rng.shuffle(rest)
    chosen += rest[: size - len(chosen)]
    return [people[i] for i in chosen]


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    countries = {c.alpha2: c for c in Country.objects.filter(alpha2__in=COUNTRY_POOL)}
    people = _people(rng)
    index_of = {id(person): i for i, person in enumerate(people)}
    confirmed_before: set[int] = set()
    registrations: list[Registration] = []
    now = timezone.now()
    for offset, year in enumerate(sorted(CONFERENCE_ATTENDANCE)):
        code, city = HOSTS[offset % len(HOSTS)]
        starts = datetime.date(year, 9 + offset % 3, 10 + offset % 8)
        size = CONFERENCE_ATTENDANCE[year]
        event = Event.objects.create(
            kind=Event.Kind.CONFERENCE,
            title=f"CASM Annual Conference {year}",
            year=year,
            host_country=countries.get(code) or Country.objects.get(alpha2=code),
            city=city,
            starts_on=starts,
            ends_on=starts + datetime.timedelta(days=3),
            registration_deadline=starts - datetime.timedelta(days=21),
            theme=rng.choice(Theme.values),
            languages="English, French, Spanish",
            capacity=size + size // 10,
            description=f"The network's annual meeting, with a field visit, in {city}.",
        )
        for hour, title in enumerate(AGENDA):
            day = starts + datetime.timedelta(days=hour // 3)
            start = datetime.datetime.combine(
                day, datetime.time(9 + 2 * (hour % 3)), tzinfo=datetime.UTC
            )
            Session.objects.create(
                event=event,
                title=title,
                starts_at=start,
                ends_at=start + datetime.timedelta(minutes=90),
                room="Plenary hall" if hour in (0, len(AGENDA) - 1) else f"Room {hour}",
                speakers=", ".join(
                    f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 3))
                ),
            )
        visit = FieldVisit.objects.create(
            event=event,
            title=f"Field visit to artisanal mines near {city}",
            date=starts + datetime.timedelta(days=3),
            capacity=40,
            transport="Bus from the conference venue",
            safety_briefing="Closed shoes and a hat; stay with the group; no entry into shafts.",
        )
        attendees = _attendees(rng, people, year, confirmed_before)
        for number, person in enumerate(attendees):
            index = index_of[id(person)]
            registrations.append(
                Registration(
                    event=event,
                    user=person.user,
                    full_name=person.name,
                    organisation_name=person.organisation,
                    country=countries[person.country],
                    organisation_kind=person.kind,
                    gender=person.gender,
                    field_visit=visit if number < 40 else None,
                    visa_letter=rng.random() < 0.3,
                    status=Registration.Status.CONFIRMED,
                    first_time=index not in confirmed_before,
                    checked_in_at=now if rng.random() < 0.9 else None,
                )
            )
        confirmed_before.update(index_of[id(person)] for person in attendees)
    _other_events(rng, countries)
    Registration.objects.bulk_create(registrations, batch_size=500)
    _upcoming(countries)
    say(
        f"  events: {Event.objects.count()} events, {len(registrations)} conference "
        f"registrations 2001–2012 ({CONFERENCE_ATTENDANCE[2001]} attendees in 2001, "
        f"{CONFERENCE_ATTENDANCE[2010]} in 2010; {CONFERENCE_COUNTRIES[2008]} countries in 2008)"
    )


def _other_events(rng: random.Random, countries: dict[str, Country]) -> None:
    topics = [
        (Event.Kind.WORKSHOP, "Mercury-free gold processing", Theme.MERCURY),
        (
            Event.Kind.WORKSHOP,
            "Formalizing artisanal mining: licences and land",
            Theme.FORMALIZATION,
        ),
        (Event.Kind.WEBINAR, "Women in artisanal and small-scale mining", Theme.GENDER),
        (Event.Kind.WEBINAR, "Fair trade and fair mined gold", Theme.SUPPLY_CHAINS),
        (Event.Kind.WORKSHOP, "Health and safety underground", Theme.HEALTH_SAFETY),
    ]
    for number, (kind, title, theme) in enumerate(topics):
        year = 2004 + 2 * number
        code = rng.choice(["GH", "TZ", "PE", "MN", "MZ"])
        starts = datetime.date(year, 4, 12)
        Event.objects.create(
            kind=kind,
            title=title,
            year=year,
            host_country=None if kind == Event.Kind.WEBINAR else countries[code],
            starts_on=starts,
            ends_on=starts + datetime.timedelta(days=0 if kind == Event.Kind.WEBINAR else 2),
            theme=theme,
            languages="English",
            capacity=100 if kind == Event.Kind.WEBINAR else 40,
        )
    Event.objects.create(
        kind=Event.Kind.ROUNDTABLE,
        title="Roundtable on the future of CASM",
        year=2012,
        host_country=countries["US"],
        city="Washington",
        starts_on=datetime.date(2012, 6, 28),
        ends_on=datetime.date(2012, 6, 29),
        theme=Theme.GOVERNANCE,
        languages="English",
        capacity=40,
        description="A roundtable at the World Bank on the future of the network.",
    )


def _upcoming(countries: dict[str, Country]) -> None:
    """A conference open for registration, so the demo shows the registration form."""
    today = timezone.localdate()
    starts = today + datetime.timedelta(days=90)
    event = Event.objects.create(
        kind=Event.Kind.CONFERENCE,
        title=f"CASM Annual Conference {starts.year}",
        year=starts.year,
        host_country=countries["GH"],
        city="Accra",
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=3),
        registration_deadline=starts - datetime.timedelta(days=21),
        theme=Theme.FORMALIZATION,
        languages="English, French",
        capacity=300,
        description="The network's annual meeting. Registration is open.",
    )
    FieldVisit.objects.create(
        event=event,
        title="Field visit to a small-scale gold mine",
        date=starts + datetime.timedelta(days=3),
        capacity=40,
        transport="Bus from the conference venue",
        safety_briefing="Closed shoes and a hat; stay with the group; no entry into shafts.",
    )
