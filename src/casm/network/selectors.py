"""Reads of the network directory.

The public sees organisations listed in the directory and people with a public profile; the
secretariat sees everyone. Directory searches filter on indexed columns and page with
limit/offset so that a directory of tens of thousands stays fast.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404

from casm.accounts.models import Organisation
from casm.core.countries import country_code
from casm.core.models import Country
from casm.events.models import Event, Registration
from casm.library.models import Document
from casm.network.models import (
    ExpertProfile,
    NetworkMembership,
    Partnership,
    Person,
    Project,
    RegionalNetwork,
)
from casm.network.services import is_secretariat

MAX_QUERY = 100
M = TypeVar("M", bound=Model)


def _text(value: str | None) -> str:
    return (value or "").strip()[:MAX_QUERY]


def _theme_filter(theme: str) -> Q:
    # Themes are a JSON list of codes; the quoted code is unique in its text on every database.
    return Q(themes__icontains=f'"{theme}"')


def _country_id(code: str | None) -> int | None:
    """The id of the country of a code or a name (-1, matching nothing, when unknown)."""
    if not code:
        return None
    alpha2 = country_code(code) or "-"
    found = Country.objects.filter(alpha2=alpha2).values_list("pk", flat=True).first()
    return -1 if found is None else found


def _by_name(qs: QuerySet[M], text: str, *tie: str) -> QuerySet[M]:
    """Ordered by name. Without a text search the name index gives the first page at once;
    with one, the few matches are sorted instead (walking the index would read every row)."""
    if text:
        return qs.order_by("name_folded", *tie)
    return qs.order_by("name", *tie)


def organisation_directory(
    *,
    user: Any,
    q: str | None = None,
    kind: str | None = None,
    country: str | None = None,
    theme: str | None = None,
) -> QuerySet[Organisation]:
    """Organisations in the directory, filtered by name or acronym, type, country (where they
    work, which includes where they are based) and theme (of their projects)."""
    qs = Organisation.objects.select_related("country")
    if not is_secretariat(user) or user is None:
        qs = qs.filter(is_network_member=True)
    text = _text(q)
    if text:
        qs = qs.filter(Q(name_folded__contains=text.lower()) | Q(acronym__istartswith=text))
    if kind:
        qs = qs.filter(kind=kind)
    country_id = _country_id(country)
    if country_id is not None:
        working = Organisation.countries_of_work.through.objects.filter(country_id=country_id)
        qs = qs.filter(pk__in=working.values("organisation_id"))
    if theme:
        themed = Project.objects.filter(_theme_filter(theme))
        qs = qs.filter(
            Q(pk__in=themed.values("lead_organisation_id"))
            | Q(
                pk__in=Project.partners.through.objects.filter(project__in=themed).values(
                    "organisation_id"
                )
            )
        )
    # Name and country are unique together: a stable order, read from their index.
    return _by_name(qs, text, "country_id")


def organisation_get(*, user: Any, pk: int) -> Organisation:
    """One organisation of the directory; an unlisted one is a 404 for the public."""
    qs = Organisation.objects.select_related("country").prefetch_related("countries_of_work")
    if not is_secretariat(user) or user is None:
        qs = qs.filter(is_network_member=True)
    try:
        return qs.get(pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None


def organisation_projects(organisation: Organisation) -> QuerySet[Project]:
    return (
        Project.objects.filter(
            Q(lead_organisation=organisation) | Q(partners=organisation) | Q(donors=organisation)
        )
        .select_related("lead_organisation")
        .distinct()
    )


def organisation_documents(organisation: Organisation) -> QuerySet[Document]:
    """Published documents the organisation authored."""
    return (
        Document.objects.filter(
            status=Document.Status.PUBLISHED, authors__organisation=organisation
        )
        .distinct()
        .order_by("-year", "title")
    )


def organisation_events(organisation: Organisation) -> QuerySet[Event]:
    """Events (public) the organisation's people attended or are confirmed for."""
    return (
        Event.objects.filter(
            registrations__organisation=organisation,
            registrations__status=Registration.Status.CONFIRMED,
        )
        .distinct()
        .order_by("-starts_on")
    )


def organisation_memberships(organisation: Organisation) -> QuerySet[NetworkMembership]:
    return organisation.network_memberships.select_related("network").order_by("joined")


def people_directory(
    *,
    user: Any,
    q: str | None = None,
    country: str | None = None,
    kind: str | None = None,
) -> QuerySet[Person]:
    """People: public profiles for everybody, everyone for the secretariat."""
    qs = Person.objects.select_related("organisation")
    if not is_secretariat(user) or user is None:
        qs = qs.filter(public_profile=True)
    text = _text(q)
    if text:
        qs = qs.filter(name_folded__contains=text.lower())
    country_id = _country_id(country)
    if country_id is not None:
        qs = qs.filter(
            pk__in=Person.countries.through.objects.filter(country_id=country_id).values(
                "person_id"
            )
        )
    if kind:
        qs = qs.filter(organisation__kind=kind)
    return _by_name(qs, text, "pk")


def person_get(*, user: Any, pk: int) -> Person:
    qs = Person.objects.select_related("organisation").prefetch_related("countries")
    if not is_secretariat(user) or user is None:
        qs = qs.filter(public_profile=True)
    try:
        return qs.get(pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None


def expert_roster(
    *,
    user: Any,
    q: str | None = None,
    theme: str | None = None,
    language: str | None = None,
    country: str | None = None,
    availability: str | None = None,
) -> QuerySet[ExpertProfile]:
    """The expert roster (public profiles only for the public)."""
    qs = ExpertProfile.objects.select_related("person", "person__organisation").prefetch_related(
        "countries"
    )
    if not is_secretariat(user) or user is None:
        qs = qs.filter(person__public_profile=True)
    text = _text(q)
    if text:
        qs = qs.filter(person__name__icontains=text)
    if theme:
        qs = qs.filter(_theme_filter(theme))
    if language:
        qs = qs.filter(languages__icontains=f'"{language}"')
    if country:
        qs = qs.filter(countries__alpha2=country.upper())
    if availability:
        qs = qs.filter(availability=availability)
    return qs.order_by("person__name", "pk").distinct()


def regional_networks() -> QuerySet[RegionalNetwork]:
    members = NetworkMembership.objects.select_related("organisation", "organisation__country")
    return RegionalNetwork.objects.prefetch_related(
        Prefetch("memberships", queryset=members.order_by("joined", "organisation__name"))
    )


def regional_network_get(pk: int) -> RegionalNetwork:
    try:
        return regional_networks().get(pk=pk)
    except RegionalNetwork.DoesNotExist:
        raise Http404 from None


def members_by_year(network: RegionalNetwork) -> list[tuple[int, int]]:
    """(year, number of member organisations during that year), from the first year joined."""
    memberships = list(network.memberships.all())
    if not memberships:
        return []
    first = min(m.joined.year for m in memberships)
    last = max([m.left.year for m in memberships if m.left] + [m.joined.year for m in memberships])
    return [
        (
            year,
            sum(
                1
                for m in memberships
                if m.joined.year <= year and (m.left is None or m.left.year >= year)
            ),
        )
        for year in range(first, last + 1)
    ]


def partnership_list() -> QuerySet[Partnership]:
    return Partnership.objects.prefetch_related("organisations")


def partnerships_by_year() -> list[tuple[int, int]]:
    """(year, partnerships active that year)."""
    rows = list(Partnership.objects.values_list("start", "end"))
    if not rows:
        return []
    first = min(start.year for start, _end in rows)
    last = max([end.year for _start, end in rows if end] + [start.year for start, _end in rows])
    return [
        (
            year,
            sum(
                1 for start, end in rows if start.year <= year and (end is None or end.year >= year)
            ),
        )
        for year in range(first, last + 1)
    ]


def project_list(
    *,
    q: str | None = None,
    country: str | None = None,
    theme: str | None = None,
    status: str | None = None,
) -> QuerySet[Project]:
    qs = Project.objects.select_related("lead_organisation", "lead_organisation__country")
    text = _text(q)
    if text:
        qs = qs.filter(title__icontains=text)
    if country:
        qs = qs.filter(
            pk__in=Project.countries.through.objects.filter(country__alpha2=country.upper()).values(
                "project_id"
            )
        )
    if theme:
        qs = qs.filter(_theme_filter(theme))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-start", "title", "pk")


def project_get(pk: int) -> Project:
    qs = Project.objects.select_related("lead_organisation").prefetch_related(
        "partners", "donors", "countries", "sites", "documents"
    )
    try:
        return qs.get(pk=pk)
    except Project.DoesNotExist:
        raise Http404 from None


def who_works_where() -> dict[str, dict[str, int]]:
    """Per country (alpha3): organisations based or working there, and projects there."""
    organisations: Counter[str] = Counter()
    listed = Organisation.objects.filter(is_network_member=True)
    for alpha3 in listed.values_list("country__alpha3", flat=True):
        organisations[alpha3] += 1
    for alpha3, base in Organisation.countries_of_work.through.objects.filter(
        organisation__is_network_member=True
    ).values_list("country__alpha3", "organisation__country__alpha3"):
        if alpha3 != base:
            organisations[alpha3] += 1
    projects: Counter[str] = Counter(
        Project.countries.through.objects.values_list("country__alpha3", flat=True)
    )
    return {
        code: {"organisations": organisations[code], "projects": projects[code]}
        for code in set(organisations) | set(projects)
    }
