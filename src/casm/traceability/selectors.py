"""Reads of the chain of custody: what each user may see, and a lot's provenance.

Who sees a lot: an administrator, an inspector of its country, and a supply-chain actor of the
organisation that holds it or to which it is on its way (a pending transfer). Anything else
is not found. The provenance of a lot one may see is shown whole: a buyer's due diligence is
to know every lot, holder and mine site upstream.

The provenance is computed by recursive queries in the database (``WITH RECURSIVE``, on
SQLite and PostgreSQL alike): a lot's parents are the lots consumed by the operation that made
it (``parent.consumed_by = child.made_by``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.registry.validation import certification_now

from .models import (
    Actor,
    CertificateStatus,
    ExportCertificate,
    FlagKind,
    Inspection,
    Lot,
    LotStatus,
    Operation,
    OperationKind,
    OperationStatus,
    Productivity,
    RedFlag,
    Tag,
    TagBatch,
    TagStatus,
)

if TYPE_CHECKING:
    from casm.core.models import Country

# The lot table's name, from the model (never from input): the recursive queries name it.
LOT = Lot._meta.db_table
UPSTREAM = (
    f"WITH RECURSIVE up(id) AS (SELECT id FROM {LOT} WHERE id = %s UNION "  # noqa: S608
    f"SELECT p.id FROM {LOT} c JOIN up ON c.id = up.id "
    f"JOIN {LOT} p ON p.consumed_by_id = c.made_by_id) SELECT id FROM up"
)
LOT_DOWNSTREAM = (
    f"WITH RECURSIVE down(id) AS (SELECT id FROM {LOT} WHERE id = %s UNION "  # noqa: S608
    f"SELECT c.id FROM {LOT} p JOIN down ON p.id = down.id "
    f"JOIN {LOT} c ON c.made_by_id = p.consumed_by_id) SELECT id FROM down"
)
DOWNSTREAM = (
    f"WITH RECURSIVE down(id) AS (SELECT id FROM {LOT} WHERE site_id = %s UNION "  # noqa: S608
    f"SELECT c.id FROM {LOT} p JOIN down ON p.id = down.id "
    f"JOIN {LOT} c ON c.made_by_id = p.consumed_by_id) SELECT id FROM down"
)


def _trade_organisations(user: Any) -> set[int]:
    return set(permissions.organisation_ids_for(user, "traceability.trade") or ())


def _inspected_countries(user: Any) -> set[int]:
    return set(permissions.country_ids_for(user, "traceability.inspect") or ())


def lots_visible(user: Any) -> QuerySet[Lot]:
    """The lots ``user`` may see."""
    lots = Lot.objects.select_related(
        "holder__organisation", "commodity", "site", "tag", "country", "made_by"
    )
    if permissions.is_administrator(user):
        return lots
    if not permissions.is_signed_in(user):
        return lots.none()
    condition = Q(pk__in=[])
    countries = _inspected_countries(user)
    if countries:
        condition |= Q(country_id__in=sorted(countries))
    organisations = _trade_organisations(user)
    if organisations:
        condition |= Q(holder__organisation_id__in=sorted(organisations))
        condition |= Q(
            consumed_by__status=OperationStatus.PENDING,
            consumed_by__receiver__organisation_id__in=sorted(organisations),
        )
    return lots.filter(condition)


def lot_list(
    user: Any, *, q: str = "", status: str = "", commodity: str = "", holder: Any = None
) -> QuerySet[Lot]:
    lots = lots_visible(user)
    if q:
        lots = lots.filter(Q(number__icontains=q) | Q(tag__number__icontains=q))
    if status:
        lots = lots.filter(status=status)
    if commodity:
        lots = lots.filter(commodity__code=commodity)
    if holder is not None:
        lots = lots.filter(holder_id=holder)
    return lots


def lot_get(user: Any, pk: Any) -> Lot:
    try:
        return lots_visible(user).get(pk=pk)
    except (Lot.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def lot_get_any(pk: int) -> Lot:
    """A lot as written by a service, with what its display reads."""
    return Lot.objects.select_related(
        "holder__organisation", "commodity", "site", "tag", "country", "made_by"
    ).get(pk=pk)


def lot_by_tag(user: Any, number: str) -> Lot | None:
    """The lot sealed with a tag (as typed or read from its QR code) if ``user`` may see it;
    else the lot made from it that ``user`` may see (a buyer scanning the tag on the bag it
    bought finds its own lot), the one still held first."""
    number = (number or "").strip()
    if not number:
        return None
    visible = lots_visible(user)
    found = visible.filter(tag__number=number).first()
    if found is not None:
        return found
    tagged = Lot.objects.filter(tag__number=number).values_list("pk", flat=True).first()
    if tagged is None:
        return None
    downstream = visible.filter(pk__in=lot_descendant_ids(tagged))
    return downstream.order_by(
        Case(When(status=LotStatus.ACTIVE, then=0), default=1), "-pk"
    ).first()


def actors_visible(user: Any) -> QuerySet[Actor]:
    """Actors are listed to anyone signed in (a seller must find its buyer)."""
    actors = Actor.objects.select_related("organisation", "country")
    if not permissions.is_signed_in(user):
        return actors.none()
    return actors


def actors_inspected(user: Any) -> QuerySet[Actor]:
    """The actors of the countries ``user`` inspects."""
    actors = Actor.objects.select_related("organisation", "country")
    if permissions.is_administrator(user):
        return actors
    return actors.filter(country_id__in=sorted(_inspected_countries(user)))


def actors_acting_as(user: Any) -> QuerySet[Actor]:
    """The actors ``user`` records operations for."""
    actors = Actor.objects.select_related("organisation", "country")
    if permissions.is_administrator(user):
        return actors
    return actors.filter(organisation_id__in=sorted(_trade_organisations(user)))


def operations_pending_for(user: Any) -> QuerySet[Operation]:
    """Transfers waiting for one of ``user``'s organisations to accept them."""
    return (
        Operation.objects.filter(
            status=OperationStatus.PENDING,
            receiver__organisation_id__in=sorted(_trade_organisations(user)),
        )
        .select_related("actor__organisation", "receiver__organisation")
        .prefetch_related("inputs__commodity")
    )


def operation_get(user: Any, pk: Any) -> Operation:
    """An operation ``user`` may see: one of its lots is visible to them, or it is theirs."""
    try:
        operation = Operation.objects.select_related(
            "actor__organisation", "receiver__organisation"
        ).get(pk=pk)
    except (Operation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    visible = lots_visible(user)
    if not (
        visible.filter(Q(made_by=operation) | Q(consumed_by=operation)).exists()
        or permissions.is_administrator(user)
    ):
        raise Http404
    return operation


def flags_visible(user: Any) -> QuerySet[RedFlag]:
    flags = RedFlag.objects.select_related("lot", "site", "actor__organisation", "operation")
    if permissions.is_administrator(user):
        return flags
    return flags.filter(country_id__in=sorted(_inspected_countries(user)))


def inspections_visible(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Inspection]:
    """Site inspections of the countries ``user`` inspects, newest first, filtered by country
    (alpha-2 or a Country), resulting status and site code or name."""
    inspections = Inspection.objects.select_related("site", "country", "inspector")
    if not permissions.is_administrator(user):
        inspections = inspections.filter(country_id__in=sorted(_inspected_countries(user)))
    filters = filters or {}
    if filters.get("country"):
        inspections = inspections.filter(country=filters["country"])
    if filters.get("status"):
        inspections = inspections.filter(status=filters["status"])
    if filters.get("site"):
        text = str(filters["site"]).strip()
        inspections = inspections.filter(Q(site__code__iexact=text) | Q(site__name__icontains=text))
    return inspections


def site_to_inspect(user: Any, pk: Any) -> Any:
    """A mine site of a country ``user`` inspects, else Http404."""
    from casm.registry.models import Site

    return permissions.get_in_scope_or_404(
        Site.objects.select_related("country"), user, pk, "traceability.inspect"
    )


def site_to_inspect_or_none(user: Any, pk: Any) -> Any:
    try:
        return site_to_inspect(user, pk)
    except Http404:
        return None


def site_public(pk: Any) -> Any:
    """Any site, for its public status page (the site list is public in outline)."""
    from casm.registry.models import Site

    site = (
        Site.objects.select_related("country").filter(pk=pk).first() if str(pk).isdigit() else None
    )
    if site is None:
        raise Http404
    return site


def inspection_get(user: Any, pk: int) -> Inspection:
    inspection = inspections_visible(user).filter(pk=pk).first()
    if inspection is None:
        raise Http404
    return inspection


@dataclass
class StatusHistory:
    """A site's public status: the one in force and every decision before it, newest first,
    each with the criteria its inspection found breached (no person named, no note)."""

    site: Any
    status: str
    since: datetime.date | None
    until: datetime.date | None
    lapsed: bool
    entries: list[dict[str, Any]]

    @property
    def label(self) -> str:
        from casm.registry.models import CertificationStatus

        return str(CertificationStatus(self.status).label)


def site_status_history(site: Any) -> StatusHistory:
    from casm.registry.models import CertificationCause, CertificationStatus

    status, since, until, lapsed = site_status_now(site)
    entries = []
    for record in site.certifications.select_related("inspection").order_by("-valid_from", "-pk"):
        inspection = related_or_none(record, "inspection")
        entries.append(
            {
                "status": record.status,
                "label": str(CertificationStatus(record.status).label),
                "valid_from": record.valid_from,
                "valid_until": record.valid_until,
                "cause": str(CertificationCause(record.cause).label),
                "authority": inspection.authority if inspection else "",
                "breached": inspection.breached_labels() if inspection else [],
                "red_held_until": inspection.red_held_until if inspection else None,
            }
        )
    return StatusHistory(site, status or "blue", since, until, lapsed, entries)


def related_or_none(instance: Any, name: str) -> Any:
    """The object on the reverse side of a one-to-one relation, or None when there is none."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def countries_inspected(user: Any) -> QuerySet[Any]:
    """The countries ``user`` inspects (every country for a global scope)."""
    from casm.core.models import Country

    ids = permissions.country_ids_for(user, "traceability.inspect")
    return Country.objects.all() if ids is None else Country.objects.filter(pk__in=sorted(ids))


def inspectors_of(country_id: int) -> list[Any]:
    """The active users who inspect in the country: who may own its red flags."""
    from casm.accounts.models import User
    from casm.accounts.selectors import users_holding

    return [
        user
        for user in users_holding(User.Role.INSPECTOR).order_by("username")
        if permissions.can(user, "traceability.inspect", country=country_id)
    ]


def tags_visible(user: Any) -> QuerySet[Tag]:
    tags = Tag.objects.select_related("batch__site", "batch__actor__organisation")
    if permissions.is_administrator(user):
        return tags
    return tags.filter(batch__country_id__in=sorted(_inspected_countries(user)))


def certificates_visible(user: Any) -> QuerySet[ExportCertificate]:
    """Export certificates of the countries ``user`` inspects, and those of its organisation's
    exports; newest first."""
    certificates = ExportCertificate.objects.select_related(
        "country", "operation__actor__organisation", "verified_by", "validated_by"
    )
    if permissions.is_administrator(user):
        return certificates
    return certificates.filter(
        Q(country_id__in=sorted(_inspected_countries(user)))
        | Q(operation__actor__organisation_id__in=sorted(_trade_organisations(user)))
    )


def certificate_get(user: Any, pk: Any) -> ExportCertificate:
    try:
        return certificates_visible(user).get(pk=pk)
    except (ExportCertificate.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def site_by_code(code: str, country_ids: set[int] | None) -> Any:
    """The registry's mine site with this code in one of ``country_ids`` (None: any country),
    or None: a producer names its site, an inspector the site its tags go to."""
    from casm.registry.models import Site

    sites = Site.objects.filter(code=code.strip())
    if country_ids is not None:
        sites = sites.filter(country_id__in=sorted(country_ids))
    return sites.first()


def export_of(lot: Lot) -> Operation | None:
    """The export that used ``lot`` up, if it was exported."""
    if lot.status != LotStatus.EXPORTED or lot.consumed_by_id is None:
        return None
    return Operation.objects.filter(pk=lot.consumed_by_id, kind=OperationKind.EXPORT).first()


def certificate_by_code(code: str) -> ExportCertificate:
    """An issued certificate by the check code printed on it (its QR code): public."""
    found = ExportCertificate.objects.filter(
        check_code=(code or "").strip()[:32], status=CertificateStatus.ISSUED
    ).first()
    if found is None:
        raise Http404
    return found


def tag_batches_visible(user: Any) -> QuerySet[TagBatch]:
    """The tag batches of the countries ``user`` inspects, newest first, with their stock."""
    batches = TagBatch.objects.select_related("site", "actor__organisation", "country")
    batches = batches.annotate(
        issued=Count("tags"),
        used=Count("tags", filter=Q(tags__status=TagStatus.USED)),
        unused=Count("tags", filter=Q(tags__status=TagStatus.ISSUED)),
        lost=Count("tags", filter=Q(tags__status=TagStatus.LOST)),
        voided=Count("tags", filter=Q(tags__status=TagStatus.VOIDED)),
    ).order_by("-issued_on", "-pk")
    countries = permissions.country_ids_for(user, "traceability.inspect")
    if countries is None:  # an administrator, or the system
        return batches
    return batches.filter(country_id__in=sorted(countries))


# --- Provenance ----------------------------------------------------------------------------


def ancestor_ids(lot_id: int) -> list[int]:
    """The lot and every lot upstream of it, by one recursive query."""
    with connection.cursor() as cursor:
        cursor.execute(UPSTREAM, [lot_id])
        return [row[0] for row in cursor.fetchall()]


def lot_descendant_ids(lot_id: int) -> list[int]:
    """The lot and every lot made from it downstream."""
    with connection.cursor() as cursor:
        cursor.execute(LOT_DOWNSTREAM, [lot_id])
        return [row[0] for row in cursor.fetchall()]


def descendant_ids(site_id: int) -> list[int]:
    """Every lot produced at a site and every lot made from them downstream."""
    with connection.cursor() as cursor:
        cursor.execute(DOWNSTREAM, [site_id])
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class Row:
    """One lot of a provenance tree, at its depth from the lot asked for."""

    depth: int
    lot: Lot


@dataclass(frozen=True)
class Made:
    """The lots an operation made."""

    lots: list[Lot]


@dataclass
class Node:
    lot: Lot
    depth: int
    parents: list[Node] = field(default_factory=list)


@dataclass
class SiteStatus:
    """What a buyer needs to know of a mine site in a lot's provenance."""

    site: Any
    certification: str
    certification_label: str
    lapsed: bool
    legal_status: str
    legal_label: str
    children_present: bool | None
    armed_presence: bool | None
    mercury_use: bool | None
    last_visit: datetime.date | None
    mass_kg: Any


@dataclass
class Provenance:
    lot: Lot
    tree: Node
    lots: list[Lot]
    sites: list[SiteStatus]
    flags: list[RedFlag]

    @property
    def rows(self) -> list[tuple[int, Lot]]:
        """The tree depth-first, as (depth, lot) rows; a lot reached twice shows each time."""
        rows: list[tuple[int, Lot]] = []
        stack = [(0, self.tree)]
        while stack:
            depth, node = stack.pop()
            rows.append((depth, node.lot))
            stack.extend((depth + 1, parent) for parent in reversed(node.parents))
            if len(rows) > 2000:
                break
        return rows


def provenance(lot: Lot) -> Provenance:
    """The whole tree of ``lot`` back to its mine sites, with each site's statuses and the red
    flags met on the way."""
    ids = ancestor_ids(lot.pk)
    # The few holders, minerals and sites of a large tree are each read (and made) once by
    # prefetching, rather than once per lot by joins; of the operations only their kinds are
    # read (Lot.operation_kind), not thousands of rows.
    lots: list[Lot] = list(
        Lot.objects.filter(pk__in=ids)
        .select_related("tag")
        .annotate(made_by_kind=F("made_by__kind"))
        .prefetch_related("holder__organisation", "commodity", "site")
    )
    by_operation: dict[int, list[Lot]] = defaultdict(list)
    for each in lots:
        if each.consumed_by_id is not None:
            by_operation[each.consumed_by_id].append(each)
    nodes: dict[int, Node] = {}

    def node_of(each: Lot, depth: int) -> Node:
        if each.pk not in nodes:
            nodes[each.pk] = Node(each, depth)
        return nodes[each.pk]

    root = node_of(lot, 0)
    queue = [root]
    while queue:
        current = queue.pop()
        for parent in sorted(by_operation.get(current.lot.made_by_id, []), key=lambda x: x.pk):
            seen = parent.pk in nodes
            child = node_of(parent, current.depth + 1)
            current.parents.append(child)
            if not seen:
                queue.append(child)
    produced = {each.site.pk: each.site for each in lots if each.site is not None}
    masses: dict[int, Any] = defaultdict(int)
    for each in lots:
        if each.site is not None:
            masses[each.site.pk] += each.mass_kg
    sites = _site_statuses(produced, masses)
    operations = {each.made_by_id for each in lots} | {
        each.consumed_by_id for each in lots if each.consumed_by_id
    }
    flags = list(
        RedFlag.objects.filter(
            Q(lot_id__in=ids) | Q(operation_id__in=operations) | Q(site_id__in=list(masses))
        )
        .select_related("site", "lot", "actor__organisation")
        .distinct()
    )
    return Provenance(lot=lot, tree=root, lots=lots, sites=sites, flags=flags)


def site_status_now(site: Any) -> tuple[str, datetime.date | None, datetime.date | None, bool]:
    """The site's status in force today (status, from, until, lapsed): the recorded one, or
    what it became by itself when it ran out, whether or not the daily round has written it."""
    status, since, until, lapsed = certification_now(
        site.certification_status, site.certification_valid_from,
        site.certification_valid_until, timezone.localdate(),
    )  # fmt: skip
    return status, since, until, lapsed or bool(getattr(site, "certification_lapsed", False))


def _site_statuses(sites: dict[int, Any], masses: dict[int, Any]) -> list[SiteStatus]:
    from casm.licensing.models import SiteStanding
    from casm.registry.models import CertificationStatus, LegalStatus

    standings = {s.site_id: s.status for s in SiteStanding.objects.filter(site_id__in=list(sites))}
    statuses = []
    for pk, site in sorted(sites.items(), key=lambda item: item[1].name):
        status, _since, _until, lapsed = site_status_now(site)
        certification = status or CertificationStatus.BLUE
        legal = standings.get(pk, site.legal_status)
        statuses.append(
            SiteStatus(
                site=site,
                certification=certification,
                certification_label=str(CertificationStatus(certification).label),
                lapsed=lapsed,
                legal_status=legal,
                legal_label=str(LegalStatus(legal).label) if legal in LegalStatus else legal,
                children_present=site.children_present,
                armed_presence=site.armed_presence,
                mercury_use=site.mercury_use,
                last_visit=site.last_visit,
                mass_kg=masses[pk],
            )
        )
    return statuses


def destinations(site: Any, user: Any) -> list[Lot]:
    """Where a site's output went: the last lots of each line from it (held, in transit or
    exported), those ``user`` may see."""
    ids = descendant_ids(site.pk)
    return list(
        lots_visible(user)
        .filter(pk__in=ids)
        .exclude(status="consumed")
        .select_related("holder__organisation", "commodity")
        .order_by("-created_at")[:200]
    )


# --- Red flags in words ---------------------------------------------------------------------


def evidence_text(flag: RedFlag) -> str:
    """A flag's evidence said in the reader's language."""
    evidence = flag.evidence or {}
    code = evidence.get("code", "")
    if code == "mass_balance":
        return _("%(out)s kg came out of %(in)s kg (%(what)s; tolerance %(tolerance)s%%).") % {
            "out": evidence.get("out_kg"),
            "in": evidence.get("in_kg"),
            "what": _("contained metal") if evidence.get("compared") == "metal" else _("mass"),
            "tolerance": evidence.get("tolerance_percent"),
        }
    if code == "lapsed":
        return _("The site's certification lapsed on %(date)s.") % {"date": evidence.get("until")}
    if code == "unlicensed":
        return _("The site lies outside every licence and ASM zone.")
    if code == "conflict_zone":
        return _("The site lies inside the security or conflict zone %(zone)s.") % {
            "zone": evidence.get("zone_name") or evidence.get("zone")
        }
    if code == "census_armed_presence":
        return _("The census recorded an armed presence at the site.")
    if code == "origin_without_production":
        from casm.core.models import Commodity, Country

        origin = Country.objects.filter(alpha2=evidence.get("origin", "")).first()
        mineral = Commodity.objects.filter(code=evidence.get("mineral", "")).first()
        return _("No production of %(mineral)s is recorded in %(origin)s, the declared origin.") % {
            "mineral": mineral.name if mineral else evidence.get("mineral"),
            "origin": origin.name if origin else evidence.get("origin"),
        }
    if code == "capacity":
        return _(
            "%(output)s kg tagged in %(days)s days since %(since)s, above the site's capacity of "
            "%(capacity)s kg (%(workers)s workers counted on %(census)s × %(rate)s kg a month, "
            "margin %(margin)s%%)."
        ) % {
            "output": evidence.get("output_kg"), "days": evidence.get("window_days"),
            "since": evidence.get("since"), "capacity": evidence.get("capacity_kg"),
            "workers": evidence.get("workers"), "census": evidence.get("census_on") or "?",
            "rate": evidence.get("kg_per_worker_month"), "margin": evidence.get("margin_percent"),
        }  # fmt: skip
    if evidence.get("text"):
        return str(evidence["text"])
    return str(FlagKind(flag.kind).label) if flag.kind in FlagKind else flag.kind


def flag_subjects(user: Any, country: Country, data: dict[str, Any]) -> dict[str, Any]:
    """The site, lot and supplier a flag raised in the web names by site code, lot number and
    supplier registration, found in its country among what ``user`` may see (else a
    ValidationError on the field)."""
    found: dict[str, Any] = {"site": None, "lot": None, "supplier": None}
    if data.get("site"):
        found["site"] = site_by_code(data["site"], {country.pk})
        if found["site"] is None:
            raise ValidationError({"site": [_("No site with this code in the country.")]})
    if data.get("lot"):
        found["lot"] = (
            lots_visible(user).filter(number=data["lot"].strip(), country=country).first()
        )
        if found["lot"] is None:
            raise ValidationError({"lot": [_("No lot with this number in the country.")]})
    if data.get("supplier"):
        found["supplier"] = (
            actors_inspected(user)
            .filter(country=country, registration=data["supplier"].strip())
            .first()
        )
        if found["supplier"] is None:
            raise ValidationError(
                {"supplier": [_("No supplier registered with this number in the country.")]}
            )
    return found


# --- The capacity check ----------------------------------------------------------------------

# The tagged output of a site is summed over this many days back from today, against as many
# months of its capacity (90 days: three months).
CAPACITY_WINDOW_DAYS = 90
CAPACITY_MONTHS = Decimal(CAPACITY_WINDOW_DAYS) / Decimal(30)


@dataclass(frozen=True)
class CapacityRow:
    """A site's tagged output of one mineral over the window, beside its capacity: the workers
    its latest census counted × the country's productivity × the window's months."""

    site_id: int
    site_code: str
    site_name: str
    country_id: int
    commodity_id: int
    commodity_code: str
    workers: int | None
    census_on: datetime.date | None
    kg_per_worker_month: Decimal
    margin_percent: Decimal
    output_kg: Decimal
    lots: int

    @property
    def capacity_kg(self) -> Decimal | None:
        if self.workers is None:
            return None
        return self.workers * self.kg_per_worker_month * CAPACITY_MONTHS

    @property
    def limit_kg(self) -> Decimal | None:
        """The capacity with its margin: what the output may reach before a flag."""
        capacity = self.capacity_kg
        return None if capacity is None else capacity * (1 + self.margin_percent / 100)

    @property
    def over(self) -> bool:
        limit = self.limit_kg
        return limit is not None and self.output_kg > limit

    @property
    def percent_of_capacity(self) -> int | None:
        capacity = self.capacity_kg
        if not capacity:
            return None
        return int(self.output_kg * 100 / capacity)

    def evidence(self, since: datetime.date) -> dict[str, Any]:
        def kg(value: Decimal | None) -> str:
            return "" if value is None else str(value.quantize(Decimal("0.0001")))

        return {
            "code": "capacity", "commodity": self.commodity_id, "workers": self.workers,
            "census_on": str(self.census_on or ""), "since": str(since),
            "window_days": CAPACITY_WINDOW_DAYS,
            "kg_per_worker_month": str(self.kg_per_worker_month),
            "capacity_kg": kg(self.capacity_kg), "output_kg": kg(self.output_kg),
            "margin_percent": str(self.margin_percent), "lots": self.lots,
        }  # fmt: skip


def capacity_since(today: datetime.date | None = None) -> datetime.date:
    """The first day of the capacity check's window ending ``today``."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=CAPACITY_WINDOW_DAYS - 1)


def capacity_rows(
    *,
    country_ids: Iterable[int] | None = None,
    site_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
    over_only: bool = True,
) -> list[CapacityRow]:
    """The sites' tagged output over the window against their capacity, for the minerals that
    have a productivity in their country (``over_only``: the sites above it, margin included).

    One grouped query over the production lots of the window (only production makes lots with
    a site), with each site's census copy (``Site.workers``, ``Site.last_visit``); a site whose
    census counted no workers has no capacity and is never over."""
    productivities = Productivity.objects.all()
    if country_ids is not None:
        productivities = productivities.filter(country_id__in=sorted(set(country_ids)))
    rules = {(p.country_id, p.commodity_id): p for p in productivities}
    if not rules:
        return []
    since = capacity_since(today)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    pairs = Q(pk__in=[])
    for country_id, commodity_id in rules:
        pairs |= Q(country_id=country_id, commodity_id=commodity_id)
    lots = Lot.objects.filter(pairs, site__isnull=False, created_at__gte=start)
    if site_ids is not None:
        lots = lots.filter(site_id__in=sorted(set(site_ids)))
    grouped = lots.values(
        "site_id",
        "site__code",
        "site__name",
        "country_id",
        "commodity_id",
        "commodity__code",
        "site__workers",
        "site__last_visit",
    ).annotate(kg=Sum("mass_kg"), count=Count("pk"))
    rows = []
    for group in grouped.order_by("site__code", "commodity_id"):
        rule = rules[(group["country_id"], group["commodity_id"])]
        row = CapacityRow(
            site_id=group["site_id"], site_code=group["site__code"],
            site_name=group["site__name"], country_id=group["country_id"],
            commodity_id=group["commodity_id"], commodity_code=group["commodity__code"],
            workers=group["site__workers"],
            census_on=group["site__last_visit"], kg_per_worker_month=rule.kg_per_worker_month,
            margin_percent=rule.margin_percent, output_kg=Decimal(group["kg"] or 0),
            lots=group["count"],
        )  # fmt: skip
        if row.over or not over_only:
            rows.append(row)
    return rows


def productivities_visible(user: Any) -> QuerySet[Productivity]:
    """The productivities of the countries ``user`` inspects."""
    return permissions.scope_queryset(
        Productivity.objects.select_related("country", "commodity"), user, "traceability.inspect"
    )


def balance_rules_visible(user: Any) -> QuerySet[Any]:
    """The mass-balance tolerances of the countries ``user`` inspects."""
    from .models import MassBalanceRule

    return permissions.scope_queryset(
        MassBalanceRule.objects.select_related("country", "commodity"),
        user,
        "traceability.inspect",
    )


def batch_tags(batch: TagBatch, *, unused_only: bool = False) -> QuerySet[Tag]:
    """A batch's tags in the order of their numbers (``unused_only``: those still to use)."""
    tags = batch.tags.order_by("number")
    return tags.filter(status=TagStatus.ISSUED) if unused_only else tags
