"""Writes of the chain of custody: actors, tags, and the operations that make lots.

Each operation is one transaction: it checks its input (a refusal names the field), consumes
its input lots with one conditional update (``_consume``: only lots still held by the actor
and not yet used, so two requests for one lot cannot both succeed, on either database),
writes the operation and its output lots, checks the mass balance on contained metal
(mass × grade) and is audited. A refusal leaves nothing written.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import audit_record, model_create, model_update
from casm.core.models import AuditEvent, Commodity, Country
from casm.registry.models import CertificationCause
from casm.registry.services import certification_write, certifications_lapse
from casm.registry.validation import certification_now, date_problem, months_later

from .models import (
    ANNEX_II,
    CRITICAL_CRITERIA,
    UNIT_KG,
    Actor,
    BreachAction,
    CertificateStatus,
    ChainRole,
    Criterion,
    ExportCertificate,
    Finding,
    FlagKind,
    FlagSeverity,
    FlagStatus,
    Inspection,
    Label,
    Lot,
    LotStatus,
    MassBalanceRule,
    MassUnit,
    Operation,
    OperationKind,
    OperationStatus,
    Productivity,
    RedFlag,
    SigningKey,
    Tag,
    TagBatch,
    TagStatus,
    person_name,
    plain_decimal,
)
from .selectors import related_or_none, site_status_now

M = TypeVar("M", bound=models.Model)

# Without a rule of the country: what may come out beyond what went in (scales differ), and
# what a breach does.
DEFAULT_TOLERANCE_PERCENT = Decimal("1.00")
# Masses are kept to a tenth of a gram, grades to a ten-thousandth of a percent.
KG_PLACES = Decimal("0.0001")
GRADE_PLACES = Decimal("0.0001")
MAX_MASS_KG = Decimal("999999999999")
# Tags issued in one batch at most.
MAX_BATCH = 10_000
# Roles that may do each operation (any role may hold, send and receive a lot).
ROLES_FOR: dict[str, set[str]] = {
    OperationKind.PRODUCTION: {ChainRole.MINER},
    OperationKind.PROCESSING: {ChainRole.PROCESSOR, ChainRole.EXPORTER},
    OperationKind.EXPORT: {ChainRole.EXPORTER},
    OperationKind.IMPORT: {ChainRole.IMPORTER},
}


def _signed_in(actor: Any) -> Any:
    return actor if permissions.is_signed_in(actor) else None


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _updated(*, instance: M, actor: Any, data: dict[str, Any]) -> M:
    updated, _changes = model_update(instance=instance, actor=actor, data=data)
    return updated


def _today() -> datetime.date:
    return timezone.localdate()


# --- Actors ---------------------------------------------------------------------------------


def actor_register(
    *,
    actor: Any,
    organisation: Any,
    country: Country,
    roles: Sequence[str],
    registration: str = "",
) -> Actor:
    """Register an organisation as a supply-chain actor of a country, with its roles."""
    permissions.require(actor, "traceability.inspect", country=country)
    roles = _roles(roles)
    if Actor.objects.filter(organisation=organisation, country=country).exists():
        raise _invalid(
            "organisation",
            _("%(name)s is already an actor in %(country)s.")
            % {"name": organisation.name, "country": country.name},
        )
    return model_create(
        model=Actor,
        actor=actor,
        data={
            "organisation": organisation,
            "country": country,
            "roles": roles,
            "registration": registration.strip(),
        },
    )


def _roles(roles: Sequence[str]) -> list[str]:
    chosen = sorted(set(roles))
    unknown = [role for role in chosen if role not in ChainRole.values]
    if unknown:
        raise _invalid("roles", _("Unknown role: %(role)s.") % {"role": ", ".join(unknown)})
    if not chosen:
        raise _invalid("roles", _("Give at least one role."))
    return chosen


def actor_update(
    *, actor: Any, chain_actor: Actor, roles: Sequence[str], registration: str
) -> Actor:
    permissions.require(actor, "traceability.inspect", country=chain_actor.country_id)
    return _updated(
        instance=chain_actor,
        actor=actor,
        data={"roles": _roles(roles), "registration": registration.strip()},
    )


def actor_suspend(*, actor: Any, chain_actor: Actor, reason: str) -> Actor:
    """Suspend a supplier: it can neither produce, sell, receive nor process until reinstated."""
    permissions.require(actor, "traceability.inspect", country=chain_actor.country_id)
    if not reason.strip():
        raise _invalid("reason", _("Say why the supplier is suspended."))
    if chain_actor.is_suspended:
        raise _invalid("reason", _("This supplier is already suspended."))
    return _updated(
        instance=chain_actor,
        actor=actor,
        data={"suspended_on": _today(), "suspension_reason": reason.strip()[:500]},
    )


def actor_reinstate(*, actor: Any, chain_actor: Actor, reason: str) -> Actor:
    permissions.require(actor, "traceability.inspect", country=chain_actor.country_id)
    if not chain_actor.is_suspended:
        raise _invalid("reason", _("This supplier is not suspended."))
    if not reason.strip():
        raise _invalid("reason", _("Say why the suspension is lifted."))
    return _updated(
        instance=chain_actor,
        actor=actor,
        data={"suspended_on": None, "suspension_reason": ""},
    )


def _require_acting(actor: Any, chain_actor: Actor, kind: str | None = None) -> None:
    """``actor`` speaks for ``chain_actor``, which is not suspended and has the role needed."""
    permissions.require(actor, "traceability.trade", organisation=chain_actor.organisation_id)
    if chain_actor.is_suspended:
        raise PermissionDeniedSuspended(chain_actor)
    needed = ROLES_FOR.get(kind or "")
    if kind and needed and not needed & set(chain_actor.roles):
        raise _invalid(
            "actor",
            _("%(name)s has no role for %(operation)s (it needs: %(roles)s).")
            % {
                "name": chain_actor.name,
                "operation": OperationKind(kind).label,
                "roles": ", ".join(str(ChainRole(r).label) for r in sorted(needed)),
            },
        )


class PermissionDeniedSuspended(ValidationError):
    """A suspended supplier's operation: refused, naming the suspension."""

    def __init__(self, chain_actor: Actor) -> None:
        super().__init__(
            {
                "actor": [
                    _("%(name)s is suspended since %(date)s: %(reason)s")
                    % {
                        "name": chain_actor.name,
                        "date": chain_actor.suspended_on,
                        "reason": chain_actor.suspension_reason,
                    }
                ],
            }
        )


# --- Tags -----------------------------------------------------------------------------------


def tag_batch_issue(
    *,
    actor: Any,
    country: Country,
    numbers: Sequence[str],
    site: Any = None,
    chain_actor: Actor | None = None,
    issued_on: datetime.date | None = None,
    note: str = "",
) -> TagBatch:
    """Issue tag numbers to a mine site or to an actor; each number exists once, anywhere."""
    permissions.require(actor, "traceability.inspect", country=country)
    if (site is None) == (chain_actor is None):
        raise _invalid("site", _("Issue the tags to a site or to an actor."))
    holder_country = (
        site.country_id if site is not None else getattr(chain_actor, "country_id", None)
    )
    if holder_country != country.pk:
        raise _invalid(
            "site", _("The tags' holder is not in %(country)s.") % {"country": country.name}
        )
    cleaned = [number.strip() for number in numbers]
    if not cleaned or len(cleaned) > MAX_BATCH:
        raise _invalid(
            "numbers", _("Give between 1 and %(most)s tag numbers.") % {"most": MAX_BATCH}
        )
    for number in cleaned:
        if not number or len(number) > 40:
            raise _invalid(
                "numbers",
                _("A tag number has 1 to 40 characters: %(number)r.") % {"number": number[:60]},
            )
    repeated = (
        sorted({n for n in cleaned if cleaned.count(n) > 1})
        if len(set(cleaned)) < len(cleaned)
        else []
    )
    if repeated:
        raise _invalid(
            "numbers", _("Given twice: %(numbers)s.") % {"numbers": ", ".join(repeated[:10])}
        )
    existing = list(Tag.objects.filter(number__in=cleaned).values_list("number", flat=True)[:10])
    if existing:
        raise _invalid(
            "numbers",
            _("These tags exist already: %(numbers)s.") % {"numbers": ", ".join(sorted(existing))},
        )
    try:
        with transaction.atomic():
            batch = model_create(
                model=TagBatch,
                actor=actor,
                data={
                    "country": country,
                    "site": site,
                    "actor": chain_actor,
                    "issued_on": issued_on or _today(),
                    "issued_by": _signed_in(actor),
                    "note": note.strip()[:300],
                },
            )
            Tag.objects.bulk_create([Tag(number=n, batch=batch) for n in cleaned])
    except IntegrityError:
        # Another batch took one of the numbers in the meantime.
        raise _invalid(
            "numbers", _("Some of these tags were issued meanwhile; try again.")
        ) from None
    return batch


def tag_numbers(text: str) -> list[str]:
    """Tag numbers typed one per line, or as ranges ``CD-0001..CD-0500`` (the same prefix,
    numbers of the same width); at most MAX_BATCH of them."""
    numbers: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if ".." in line:
            numbers.extend(_tag_range(line))
        elif line:
            numbers.append(line)
        if len(numbers) > MAX_BATCH:
            raise ValidationError(_("At most %(most)s tags in one batch.") % {"most": MAX_BATCH})
    return numbers


def _tag_range(line: str) -> list[str]:
    first, _sep, last = line.partition("..")
    first, last = first.strip(), last.strip()
    head = first.rstrip("0123456789")
    digits_first, digits_last = first[len(head) :], last[len(head) :]
    if (
        not digits_first
        or not last.startswith(head)
        or not digits_last.isdigit()
        or int(digits_last) < int(digits_first)
        or int(digits_last) - int(digits_first) >= MAX_BATCH
    ):
        raise ValidationError(_("Not a range of tag numbers: %(line)s") % {"line": line})
    width = len(digits_first)
    return [f"{head}{n:0{width}d}" for n in range(int(digits_first), int(digits_last) + 1)]


def tag_mark(*, actor: Any, tag: Tag, status: str, reason: str) -> Tag:
    """Record an unused tag as lost or voided."""
    permissions.require(actor, "traceability.inspect", country=tag.batch.country_id)
    if status not in (TagStatus.LOST, TagStatus.VOIDED):
        raise _invalid("status", _("A tag can be marked lost or voided."))
    if not reason.strip():
        raise _invalid("reason", _("Say why."))
    changed = Tag.objects.filter(pk=tag.pk, status=TagStatus.ISSUED).update(
        status=status, status_note=reason.strip()[:300]
    )
    if not changed:
        raise _invalid("status", _("Tag %(number)s is not unused.") % {"number": tag.number})
    old = tag.status
    tag.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        instance=tag,
        changes={"status": [old, tag.status]},
    )
    return tag


@dataclass(frozen=True)
class TagStock:
    issued: int
    unused: int
    used: int
    lost: int
    voided: int


def tag_stock(queryset: Any) -> dict[str, int]:
    """Tags of a queryset counted by status: issued (all), unused, used, lost, voided."""
    counts = {status: 0 for status in TagStatus.values}
    for status, count in _count_by(queryset, "status"):
        counts[status] = count
    unused = counts.pop(TagStatus.ISSUED)
    return {"issued": unused + sum(counts.values()), "unused": unused, **counts}


def _count_by(queryset: Any, field: str) -> Iterable[tuple[str, int]]:
    from django.db.models import Count

    return queryset.values_list(field).annotate(n=Count("pk")).order_by()


# --- Figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """An output lot as asked: its mass in a unit, its grade, and optionally its tag."""

    mass: Any
    unit: str = MassUnit.KILOGRAM
    grade: Any = None
    tag: str = ""


def _mass_kg(value: Any, unit: str, field: str) -> Decimal:
    if unit not in MassUnit.values:
        raise _invalid("unit", _("The unit is g, kg or t."))
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise _invalid(field, _("The mass is not a number.")) from None
    if not number.is_finite() or number <= 0:
        raise _invalid(field, _("The mass must be more than zero."))
    kg = number * UNIT_KG[MassUnit(unit)]
    if kg > MAX_MASS_KG:
        raise _invalid(field, _("The mass is too large."))
    kg = kg.quantize(KG_PLACES)
    if kg <= 0:
        raise _invalid(field, _("The mass must be at least 0.1 g."))
    return kg


def _grade(value: Any, field: str = "grade") -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise _invalid(field, _("The grade is not a number.")) from None
    if not number.is_finite() or number <= 0 or number > 100:
        raise _invalid(field, _("The grade is a percentage above 0 and at most 100."))
    number = number.quantize(GRADE_PLACES)
    if number <= 0:
        raise _invalid(field, _("The grade is a percentage above 0 and at most 100."))
    return number


def _metal(mass_kg: Decimal, grade: Decimal | None) -> Decimal | None:
    return None if grade is None else mass_kg * grade / 100


def _sum_metal(pairs: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    total = Decimal(0)
    for mass_kg, grade in pairs:
        metal = _metal(mass_kg, grade)
        if metal is None:
            return None
        total += metal
    return total


def _rule(country_id: int, commodity_id: int, kind: str) -> tuple[Decimal, str]:
    rule = MassBalanceRule.objects.filter(
        country_id=country_id, commodity_id=commodity_id, kind=kind
    ).first()
    if rule is None:
        return DEFAULT_TOLERANCE_PERCENT, BreachAction.REFUSE
    return rule.tolerance_percent, rule.on_breach


@dataclass
class Balance:
    mass_in: Decimal
    metal_in: Decimal | None
    mass_out: Decimal
    metal_out: Decimal | None
    tolerance: Decimal

    @property
    def compared(self) -> tuple[Decimal, Decimal, str]:
        """What is compared: contained metal where every grade is known, else the mass."""
        if self.metal_in is not None and self.metal_out is not None:
            return self.metal_in, self.metal_out, "metal"
        return self.mass_in, self.mass_out, "mass"

    @property
    def excess_kg(self) -> Decimal:
        went_in, came_out, _what = self.compared
        return came_out - went_in * (1 + self.tolerance / 100)


def _balance(
    operation: Operation,
    *,
    commodity_id: int,
    inputs: Sequence[tuple[Decimal, Decimal | None]],
    outputs: Sequence[tuple[Decimal, Decimal | None]],
    field: str,
) -> Balance:
    """Check and keep the operation's mass balance; a breach refuses it or raises a red flag."""
    tolerance, on_breach = _rule(operation.country_id, commodity_id, operation.kind)
    balance = Balance(
        mass_in=sum((m for m, _g in inputs), Decimal(0)),
        metal_in=_sum_metal(inputs),
        mass_out=sum((m for m, _g in outputs), Decimal(0)),
        metal_out=_sum_metal(outputs),
        tolerance=tolerance,
    )
    operation.mass_in_kg, operation.metal_in_kg = balance.mass_in, _q(balance.metal_in)
    operation.mass_out_kg, operation.metal_out_kg = balance.mass_out, _q(balance.metal_out)
    if balance.excess_kg > 0:
        went_in, came_out, what = balance.compared
        evidence = {
            "code": "mass_balance",
            "compared": what,
            "in_kg": str(_q(went_in)),
            "out_kg": str(_q(came_out)),
            "tolerance_percent": str(tolerance),
        }
        if on_breach == BreachAction.REFUSE:
            message = (
                _(
                    "%(out)s kg of contained metal would come out of %(in)s kg that went in "
                    "(tolerance %(tolerance)s%%)."
                )
                if what == "metal"
                else _(
                    "%(out)s kg would come out of %(in)s kg that went in "
                    "(tolerance %(tolerance)s%%)."
                )
            )
            raise _invalid(
                field, message % {"out": _q(came_out), "in": _q(went_in), "tolerance": tolerance}
            )
        operation.details = {**operation.details, "breach": evidence}
    return balance


def _q(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(KG_PLACES)


def _flag_breach(operation: Operation, lots: Sequence[Lot]) -> None:
    breach = operation.details.get("breach")
    if breach:
        flag_raised(
            None,
            kind=FlagKind.MASS_BALANCE,
            severity=FlagSeverity.HIGH,
            country_id=operation.country_id,
            operation=operation,
            lot=lots[0] if lots else None,
            actor=operation.actor,
            evidence=breach,
            raised_at=operation.at,
        )


# --- Lots and operations ---------------------------------------------------------------------


def _operation(kind: str, chain_actor: Actor, actor: Any, **fields: Any) -> Operation:
    return Operation(
        kind=kind,
        country_id=chain_actor.country_id,
        actor=chain_actor,
        at=timezone.now(),
        recorded_by=_signed_in(actor),
        **fields,
    )


def _new_lot(
    operation: Operation,
    holder: Actor,
    *,
    role: str,
    commodity_id: int,
    mass_kg: Decimal,
    unit: str,
    grade: Decimal | None,
    number: str = "",
    **fields: Any,
) -> Lot:
    lot = Lot(
        number=number or f"~{uuid.uuid4().hex}",
        country_id=holder.country_id,
        holder=holder,
        creator_role=role,
        commodity_id=commodity_id,
        mass_kg=mass_kg,
        unit=unit,
        grade=grade,
        made_by=operation,
        **fields,
    )
    lot.save()
    if not number:
        lot.number = f"{holder.country.alpha2}-L{lot.pk:07d}"
        Lot.objects.filter(pk=lot.pk).update(number=lot.number)
    return lot


def _number(number: str) -> str:
    number = (number or "").strip()
    if len(number) > 40:
        raise _invalid("number", _("A lot number has at most 40 characters."))
    if number and Lot.objects.filter(number=number).exists():
        raise _invalid("number", _("Lot %(number)s exists already.") % {"number": number})
    return number


def _role_of(chain_actor: Actor, kind: str) -> str:
    needed = ROLES_FOR.get(kind)
    for role in chain_actor.roles:
        if not needed or role in needed:
            return role
    return chain_actor.roles[0] if chain_actor.roles else ChainRole.TRADER


def _consume(
    lots: Sequence[Lot], *, holder: Actor, operation: Operation, status: str = LotStatus.CONSUMED
) -> None:
    """Take the lots for ``operation`` with one conditional update: only lots still held by
    ``holder`` and not used yet. Two operations asking for the same lot at one moment cannot
    both succeed: the second finds it used and is refused, its writes undone."""
    ids = sorted({lot.pk for lot in lots})
    taken = Lot.objects.filter(
        pk__in=ids, holder=holder, status=LotStatus.ACTIVE, consumed_by__isnull=True
    ).update(status=status, consumed_by=operation)
    if taken != len(ids):
        gone = Lot.objects.filter(pk__in=ids).exclude(consumed_by=operation)
        raise _invalid(
            "lots",
            _("No longer available (used, sent or not yours): %(lots)s.")
            % {"lots": ", ".join(lot.number for lot in gone[:10])},
        )


def _audit_operation(
    actor: Any,
    operation: Operation,
    inputs: Sequence[Lot],
    outputs: Sequence[Lot],
    action: str = AuditEvent.Action.CREATE,
) -> None:
    changes: dict[str, list[Any]] = {
        "kind": [None, operation.kind],
        "actor": [None, operation.actor.name],
        "inputs": [None, [lot.number for lot in inputs]],
        "outputs": [None, [lot.number for lot in outputs]],
    }
    if operation.receiver is not None:
        changes["receiver"] = [None, operation.receiver.name]
    if action == AuditEvent.Action.UPDATE:
        changes["status"] = [OperationStatus.PENDING, operation.status]
    audit_record(actor=actor, action=action, instance=operation, changes=changes)


def _dates_in_order(**dates: datetime.date | None) -> None:
    """Each given date on or after the one before it, none in the future."""
    today = _today()
    before: tuple[str, datetime.date] | None = None
    for field, day in dates.items():
        if day is None:
            continue
        if day > today:
            raise _invalid(field, _("This date is in the future."))
        if before is not None and day < before[1]:
            raise _invalid(
                field,
                _("This date comes before %(field)s (%(date)s).")
                % {"field": before[0].replace("_", " "), "date": before[1]},
            )
        before = (field, day)


def site_refusal(site: Any) -> str | None:
    """Why a site may not produce now, or None: red, recorded or reached by lapsing."""
    if site_status_now(site)[0] == "red":
        return _("%(site)s is red (not certified): no production is accepted from it.") % {
            "site": site.name
        }
    return None


def site_warnings(site: Any) -> list[tuple[str, dict[str, Any]]]:
    """The red flags production at ``site`` raises by itself: (kind, evidence) pairs.

    A lapsed certification, a site outside every licence and ASM zone (as the cadastre places
    it, else as the census says), a point inside a security or conflict zone of the cadastre's
    restriction layer, and armed presence recorded by the census."""
    found: list[tuple[str, dict[str, Any]]] = []
    status, since, _until, lapsed = site_status_now(site)
    if lapsed:
        ended = since - datetime.timedelta(days=1) if since else site.certification_valid_until
        found.append(
            (
                FlagKind.SITE_STATUS,
                {"code": "lapsed", "status": status, "until": str(ended or "")},
            )
        )
    standing = related_or_none(site, "standing")
    legal = standing.status if standing is not None else site.legal_status
    if legal == "informal":
        found.append((FlagKind.SITE_STATUS, {"code": "unlicensed", "legal_status": legal}))
    for zone in conflict_zones_at(site):
        found.append(
            (
                FlagKind.ARMED_GROUPS,
                {"code": "conflict_zone", "zone": zone.code, "zone_name": zone.name},
            )
        )
    if site.armed_presence:
        found.append(
            (
                FlagKind.ARMED_GROUPS,
                {"code": "census_armed_presence", "last_visit": str(site.last_visit or "")},
            )
        )
    return found


def conflict_zones_at(site: Any) -> list[Any]:
    """The security or conflict zones of the site's country (the cadastre's restriction layer)
    that hold the site's point."""
    import shapely
    from shapely.geometry import shape

    from casm.core.spatial import bbox_filter
    from casm.licensing.models import LayerFeature, LayerKind, RestrictionReason

    lon, lat = float(site.longitude), float(site.latitude)
    candidates = bbox_filter(
        LayerFeature.objects.filter(
            layer__country_id=site.country_id,
            layer__kind=LayerKind.RESTRICTION,
            reason=RestrictionReason.SECURITY,
        ),
        (lon, lat, lon, lat),
    )
    point = shapely.Point(lon, lat)
    return [zone for zone in candidates if shape(zone.geometry).covers(point)]


def _flag_site(operation: Operation, lot: Lot, site: Any) -> None:
    for kind, evidence in site_warnings(site):
        flag_raised(
            None,
            kind=kind,
            severity=FlagSeverity.HIGH,
            country_id=operation.country_id,
            operation=operation,
            lot=lot,
            site=site,
            actor=operation.actor,
            evidence=evidence,
            raised_at=operation.at,
        )


def lot_produce(
    *,
    actor: Any,
    producer: Actor,
    site: Any,
    tag: str,
    commodity: Commodity,
    mass: Any,
    unit: str = MassUnit.KILOGRAM,
    grade: Any = None,
    number: str = "",
    package_type: str = "",
    package_count: int | None = None,
    sealed_on: datetime.date | None = None,
    taxes_paid: bool | None = None,
    tax_reference: str = "",
    label: str = "",
) -> Lot:
    """A lot produced at a mine site, sealed with a tag issued to that site or the producer."""
    _require_acting(actor, producer, OperationKind.PRODUCTION)
    if site is None:
        raise _invalid("site", _("Production needs its mine site."))
    if site.country_id != producer.country_id:
        raise _invalid("site", _("The site is not in the producer's country."))
    refusal = site_refusal(site)
    if refusal:
        raise _invalid("site", refusal)
    mass_kg = _mass_kg(mass, unit, "mass")
    grade_value = _grade(grade)
    if label not in Label.values:
        raise _invalid("label", _("Unknown label."))
    _dates_in_order(sealed_on=sealed_on)
    number = _number(number)
    tag_number = (tag or "").strip()
    if not tag_number:
        raise _invalid("tag", _("Production needs its tag."))
    with transaction.atomic():
        tag_row = _tag_take(tag_number, site=site, producer=producer)
        operation = _operation(OperationKind.PRODUCTION, producer, actor)
        operation.mass_out_kg, operation.metal_out_kg = mass_kg, _q(_metal(mass_kg, grade_value))
        operation.save()
        lot = _new_lot(
            operation,
            producer,
            role=_role_of(producer, OperationKind.PRODUCTION),
            commodity_id=commodity.pk,
            mass_kg=mass_kg,
            unit=unit,
            grade=grade_value,
            number=number,
            site=site,
            tag=tag_row,
            package_type=package_type.strip()[:60],
            package_count=package_count,
            sealed_on=sealed_on or _today(),
            taxes_paid=taxes_paid,
            tax_reference=tax_reference.strip()[:100],
            label=label,
        )
        _flag_site(operation, lot, site)
        _flag_capacity(lot, site)
        _audit_operation(actor, operation, [], [lot])
    return lot


def _tag_take(number: str, *, site: Any, producer: Actor) -> Tag:
    """Mark the tag used, if it is unused and was issued to the site or the producer."""
    tag = Tag.objects.select_related("batch").filter(number=number).first()
    if tag is None:
        raise _invalid("tag", _("Tag %(number)s was never issued.") % {"number": number})
    batch = tag.batch
    if batch.site_id not in (None, site.pk) or batch.actor_id not in (None, producer.pk):
        raise _invalid(
            "tag", _("Tag %(number)s was issued to another site or actor.") % {"number": number}
        )
    taken = Tag.objects.filter(pk=tag.pk, status=TagStatus.ISSUED).update(status=TagStatus.USED)
    if not taken:
        tag.refresh_from_db()
        raise _invalid(
            "tag",
            _("Tag %(number)s is %(status)s: a tag is used once.")
            % {"number": number, "status": tag.get_status_display()},
        )
    tag.status = TagStatus.USED
    return tag


def lot_transfer(
    *,
    actor: Any,
    lot: Lot,
    receiver: Actor,
    shipped_on: datetime.date | None = None,
    transport_method: str = "",
    route: str = "",
    transport_company: str = "",
    note: str = "",
) -> Operation:
    """Send a lot to another actor; the transfer is complete when the receiver accepts it."""
    sender = lot.holder
    _require_acting(actor, sender)
    if receiver.pk == sender.pk:
        raise _invalid("receiver", _("A lot cannot be transferred to its own holder."))
    if receiver.is_suspended:
        raise _invalid(
            "receiver",
            _("%(name)s is suspended and cannot receive lots.") % {"name": receiver.name},
        )
    _dates_in_order(sealed_on=lot.sealed_on, shipped_on=shipped_on)
    with transaction.atomic():
        operation = _operation(
            OperationKind.TRANSFER,
            sender,
            actor,
            receiver=receiver,
            status=OperationStatus.PENDING,
            mass_in_kg=lot.mass_kg,
            metal_in_kg=_q(lot.metal_kg),
            note=note.strip()[:1000],
            details={
                "shipped_on": str(shipped_on or _today()),
                "transport_method": transport_method.strip()[:60],
                "route": route.strip()[:300],
                "transport_company": transport_company.strip()[:200],
            },
        )
        operation.save()
        _consume([lot], holder=sender, operation=operation, status=LotStatus.IN_TRANSIT)
        _audit_operation(actor, operation, [lot], [])
    return operation


def _pending_transfer(operation: Operation) -> tuple[Actor, Lot]:
    """A transfer's receiver and the lot sent."""
    receiver = operation.receiver
    if operation.kind != OperationKind.TRANSFER or receiver is None:
        raise _invalid("operation", _("This operation is not a transfer."))
    lot = operation.inputs.select_related("holder").first()
    if lot is None:
        raise _invalid("operation", _("This transfer has no lot."))
    return receiver, lot


def _settle(operation: Operation, status: str) -> None:
    """Move a pending transfer to ``status`` with one conditional update: twice is refused."""
    settled = Operation.objects.filter(pk=operation.pk, status=OperationStatus.PENDING).update(
        status=status
    )
    if not settled:
        operation.refresh_from_db()
        raise _invalid(
            "operation",
            _("This transfer is already %(status)s.") % {"status": operation.get_status_display()},
        )
    operation.status = status


def transfer_accept(
    *,
    actor: Any,
    operation: Operation,
    mass: Any,
    unit: str = MassUnit.KILOGRAM,
    received_on: datetime.date | None = None,
    grade: Any = None,
    number: str = "",
) -> Lot:
    """The receiver accepts a transfer with the weight it found: a new lot is its own."""
    receiver, sent = _pending_transfer(operation)
    _require_acting(actor, receiver)
    mass_kg = _mass_kg(mass, unit, "mass")
    grade_value = _grade(grade) if grade not in (None, "") else sent.grade
    shipped_on = datetime.date.fromisoformat(operation.details.get("shipped_on") or str(_today()))
    _dates_in_order(shipped_on=shipped_on, received_on=received_on)
    number = _number(number)
    with transaction.atomic():
        _settle(operation, OperationStatus.DONE)
        _balance(
            operation,
            commodity_id=sent.commodity_id,
            inputs=[(sent.mass_kg, sent.grade)],
            outputs=[(mass_kg, grade_value)],
            field="mass",
        )
        operation.details = {
            **operation.details,
            "received_on": str(received_on or _today()),
            "received_kg": str(mass_kg),
        }
        operation.save()
        Lot.objects.filter(pk=sent.pk).update(status=LotStatus.CONSUMED)
        details = operation.details
        lot = _new_lot(
            operation,
            receiver,
            role=_role_of(receiver, OperationKind.TRANSFER),
            commodity_id=sent.commodity_id,
            mass_kg=mass_kg,
            unit=unit,
            grade=grade_value,
            number=number,
            label=sent.label,
            package_type=sent.package_type,
            package_count=sent.package_count,
            sealed_on=sent.sealed_on,
            shipped_on=shipped_on,
            received_on=received_on or _today(),
            transport_method=details.get("transport_method", ""),
            route=details.get("route", ""),
            transport_company=details.get("transport_company", ""),
            taxes_paid=sent.taxes_paid,
        )
        _flag_breach(operation, [lot])
        _audit_operation(actor, operation, [sent], [lot], AuditEvent.Action.UPDATE)
    return lot


def transfer_refuse(*, actor: Any, operation: Operation, reason: str = "") -> Operation:
    """The receiver refuses a transfer, or the sender cancels it: the lot is the sender's again."""
    receiver, sent = _pending_transfer(operation)
    if permissions.can(actor, "traceability.trade", organisation=receiver.organisation_id):
        status = OperationStatus.REFUSED
    else:
        _require_acting(actor, sent.holder)
        status = OperationStatus.CANCELLED
    with transaction.atomic():
        _settle(operation, status)
        Operation.objects.filter(pk=operation.pk).update(note=reason.strip()[:1000])
        Lot.objects.filter(pk=sent.pk, consumed_by=operation).update(
            status=LotStatus.ACTIVE, consumed_by=None
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=operation,
            changes={"status": [OperationStatus.PENDING, status]},
        )
    return operation


def _held_lots(lots: Sequence[Lot], field: str = "lots") -> tuple[Actor, Commodity, str]:
    """The one holder, mineral and label of the input lots."""
    if not lots:
        raise _invalid(field, _("Choose the lots."))
    holders = {lot.holder_id for lot in lots}
    if len(holders) > 1:
        raise _invalid(field, _("The lots have different holders."))
    commodities = {lot.commodity_id for lot in lots}
    if len(commodities) > 1:
        raise _invalid(field, _("The lots are of different minerals."))
    labels = {lot.label for lot in lots}
    if len(labels) > 1:
        raise _invalid(
            field,
            _("A lot labelled %(label)s stays apart from unlabelled or differently labelled lots.")
            % {"label": ", ".join(str(Label(v).label) for v in sorted(labels) if v)},
        )
    return lots[0].holder, lots[0].commodity, lots[0].label


def lots_combine(
    *, actor: Any, lots: Sequence[Lot], number: str = "", grade: Any = None, note: str = ""
) -> Lot:
    """Combine lots (n → 1) of one holder and mineral; the grade is the mass-weighted mean
    unless one is given (an assay)."""
    if len({lot.pk for lot in lots}) < 2:
        raise _invalid("lots", _("Combine at least two lots."))
    holder, commodity, label = _held_lots(lots)
    _require_acting(actor, holder)
    inputs = [(lot.mass_kg, lot.grade) for lot in lots]
    mass_kg = sum((m for m, _g in inputs), Decimal(0))
    metal = _sum_metal(inputs)
    grade_value = (
        _grade(grade)
        if grade not in (None, "")
        else (None if metal is None else (metal * 100 / mass_kg).quantize(GRADE_PLACES))
    )
    number = _number(number)
    with transaction.atomic():
        operation = _operation(OperationKind.COMBINATION, holder, actor, note=note.strip()[:1000])
        _balance(
            operation,
            commodity_id=commodity.pk,
            inputs=inputs,
            outputs=[(mass_kg, grade_value)],
            field="grade",
        )
        operation.save()
        _consume(lots, holder=holder, operation=operation)
        lot = _new_lot(
            operation,
            holder,
            role=_role_of(holder, OperationKind.COMBINATION),
            commodity_id=commodity.pk,
            mass_kg=mass_kg,
            unit=lots[0].unit,
            grade=grade_value,
            number=number,
            label=label,
        )
        _flag_breach(operation, [lot])
        _audit_operation(actor, operation, lots, [lot])
    return lot


def _outputs(
    parts: Sequence[Part], default_grade: Decimal | None
) -> list[tuple[Decimal, Decimal | None, str]]:
    if not parts:
        raise _invalid("parts", _("Give the parts."))
    made = []
    for index, part in enumerate(parts, 1):
        field = f"parts[{index}]"
        mass_kg = _mass_kg(part.mass, part.unit, field)
        grade_value = _grade(part.grade, field) if part.grade not in (None, "") else default_grade
        made.append((mass_kg, grade_value, part.unit))
    return made


def lot_split(*, actor: Any, lot: Lot, parts: Sequence[Part], note: str = "") -> list[Lot]:
    """Split a lot (1 → n): the parts may not weigh more than the whole (beyond tolerance)."""
    holder = lot.holder
    _require_acting(actor, holder)
    if len(parts) < 2:
        raise _invalid("parts", _("Split into at least two parts."))
    made = _outputs(parts, lot.grade)
    with transaction.atomic():
        operation = _operation(OperationKind.SPLIT, holder, actor, note=note.strip()[:1000])
        _balance(
            operation,
            commodity_id=lot.commodity_id,
            inputs=[(lot.mass_kg, lot.grade)],
            outputs=[(m, g) for m, g, _u in made],
            field="parts",
        )
        operation.save()
        _consume([lot], holder=holder, operation=operation)
        lots = [
            _new_lot(
                operation,
                holder,
                role=_role_of(holder, OperationKind.SPLIT),
                commodity_id=lot.commodity_id,
                mass_kg=m,
                unit=u,
                grade=g,
                label=lot.label,
                sealed_on=_today(),
            )
            for m, g, u in made
        ]
        _flag_breach(operation, lots)
        _audit_operation(actor, operation, [lot], lots)
    return lots


def lots_process(
    *, actor: Any, lots: Sequence[Lot], parts: Sequence[Part], note: str = ""
) -> list[Lot]:
    """Process lots (washing, concentrating, smelting): the grade changes, and the contained
    metal that comes out may not exceed what went in (beyond tolerance)."""
    holder, commodity, label = _held_lots(lots)
    _require_acting(actor, holder, OperationKind.PROCESSING)
    made = _outputs(parts, None)
    with transaction.atomic():
        operation = _operation(OperationKind.PROCESSING, holder, actor, note=note.strip()[:1000])
        _balance(
            operation,
            commodity_id=commodity.pk,
            inputs=[(lot.mass_kg, lot.grade) for lot in lots],
            outputs=[(m, g) for m, g, _u in made],
            field="parts",
        )
        operation.save()
        _consume(lots, holder=holder, operation=operation)
        outputs = [
            _new_lot(
                operation,
                holder,
                role=_role_of(holder, OperationKind.PROCESSING),
                commodity_id=commodity.pk,
                mass_kg=m,
                unit=u,
                grade=g,
                label=label,
                sealed_on=_today(),
            )
            for m, g, u in made
        ]
        _flag_breach(operation, outputs)
        _audit_operation(actor, operation, lots, outputs)
    return outputs


def lot_export(
    *,
    actor: Any,
    lot: Lot,
    importer: str,
    destination: Country,
    shipped_on: datetime.date | None = None,
    customs_value: str = "",
    route: str = "",
    transport_company: str = "",
) -> Operation:
    """Export a lot: the exporter's lot leaves the country and is used up."""
    holder = lot.holder
    _require_acting(actor, holder, OperationKind.EXPORT)
    if not importer.strip():
        raise _invalid("importer", _("Name the importer."))
    if destination.pk == holder.country_id:
        raise _invalid("destination", _("An export leaves the country."))
    _dates_in_order(sealed_on=lot.sealed_on, shipped_on=shipped_on)
    with transaction.atomic():
        operation = _operation(
            OperationKind.EXPORT,
            holder,
            actor,
            mass_in_kg=lot.mass_kg,
            metal_in_kg=_q(lot.metal_kg),
            mass_out_kg=lot.mass_kg,
            metal_out_kg=_q(lot.metal_kg),
            details={
                "importer": importer.strip()[:200],
                "destination": destination.alpha2,
                "shipped_on": str(shipped_on or _today()),
                "customs_value": customs_value.strip()[:60],
                "route": route.strip()[:300],
                "transport_company": transport_company.strip()[:200],
            },
        )
        operation.save()
        _consume([lot], holder=holder, operation=operation, status=LotStatus.EXPORTED)
        _audit_operation(actor, operation, [lot], [])
    return operation


def origin_production_recorded(origin: Country, commodity: Commodity) -> bool:
    """Whether the platform knows of any production of ``commodity`` in ``origin``: a
    production record of the registry or a lot produced at one of its sites."""
    from casm.registry.models import ProductionRecord

    return (
        ProductionRecord.objects.filter(country=origin, commodity=commodity).exists()
        or Lot.objects.filter(country=origin, commodity=commodity, site__isnull=False).exists()
    )


def lot_import(
    *,
    actor: Any,
    importer: Actor,
    origin: Country,
    commodity: Commodity,
    mass: Any,
    unit: str = MassUnit.KILOGRAM,
    grade: Any = None,
    number: str = "",
    exporter: str = "",
    certificate: str = "",
    shipped_on: datetime.date | None = None,
    received_on: datetime.date | None = None,
    route: str = "",
    transport_company: str = "",
    package_type: str = "",
    package_count: int | None = None,
) -> Lot:
    """A lot that enters the country: held by its importer, with no input lot and no site, its
    declared origin country and the exporter's certificate kept with the operation. An origin
    where no production of the mineral was ever recorded raises a red flag."""
    _require_acting(actor, importer, OperationKind.IMPORT)
    if origin.pk == importer.country_id:
        raise _invalid("origin", _("An import comes from another country."))
    mass_kg = _mass_kg(mass, unit, "mass")
    grade_value = _grade(grade)
    _dates_in_order(shipped_on=shipped_on, received_on=received_on)
    number = _number(number)
    with transaction.atomic():
        operation = _operation(
            OperationKind.IMPORT, importer, actor,
            mass_in_kg=mass_kg, metal_in_kg=_q(_metal(mass_kg, grade_value)),
            mass_out_kg=mass_kg, metal_out_kg=_q(_metal(mass_kg, grade_value)),
            details={
                "origin": origin.alpha2, "exporter": exporter.strip()[:200],
                "certificate": certificate.strip()[:100],
            },
        )  # fmt: skip
        operation.save()
        lot = _new_lot(
            operation, importer, role=_role_of(importer, OperationKind.IMPORT),
            commodity_id=commodity.pk, mass_kg=mass_kg, unit=unit, grade=grade_value,
            number=number, shipped_on=shipped_on, received_on=received_on or _today(),
            route=route.strip()[:300], transport_company=transport_company.strip()[:200],
            package_type=package_type.strip()[:60], package_count=package_count,
        )  # fmt: skip
        if not origin_production_recorded(origin, commodity):
            flag_raised(
                None, kind=FlagKind.ORIGIN, severity=FlagSeverity.HIGH,
                country_id=operation.country_id, operation=operation, lot=lot, actor=importer,
                evidence={"code": "origin_without_production", "origin": origin.alpha2,
                          "mineral": commodity.code},
                raised_at=operation.at,
            )  # fmt: skip
        _audit_operation(actor, operation, [], [lot])
    return lot


def mass_balance_rule_set(
    *,
    actor: Any,
    country: Country,
    commodity: Commodity,
    kind: str,
    tolerance_percent: Any,
    on_breach: str,
) -> MassBalanceRule:
    """Set the tolerance of one mineral and kind of operation in a country."""
    permissions.require(actor, "traceability.inspect", country=country)
    try:
        tolerance = Decimal(str(tolerance_percent))
    except (InvalidOperation, ValueError):
        raise _invalid("tolerance_percent", _("The tolerance is not a number.")) from None
    if not tolerance.is_finite() or tolerance < 0 or tolerance > 100:
        raise _invalid("tolerance_percent", _("The tolerance is between 0 and 100%."))
    if kind not in OperationKind.values or on_breach not in BreachAction.values:
        raise _invalid("kind", _("Unknown operation or action."))
    rule = MassBalanceRule.objects.filter(country=country, commodity=commodity, kind=kind).first()
    data = {"tolerance_percent": tolerance.quantize(Decimal("0.01")), "on_breach": on_breach}
    if rule is None:
        return model_create(
            model=MassBalanceRule,
            actor=actor,
            data={"country": country, "commodity": commodity, "kind": kind, **data},
        )
    return _updated(instance=rule, actor=actor, data=data)


# The risks that allow mitigation are mitigated within this long (OECD Annex II: disengage if
# no measurable improvement, commonly within six months); a serious abuse allows none.
MITIGATION_MONTHS = 6
SEVERITY_OF: dict[str, str] = {FlagKind.SERIOUS_ABUSE: FlagSeverity.SUSPEND}


def flag_raised(by: Any, *, kind: str, severity: str, raised_at: Any, **fields: Any) -> RedFlag:
    """Write a red flag with its mitigation deadline; a serious abuse suspends its supplier at
    once (the flag's actor, or for a site every supplier that produced there). The caller is
    in a transaction and has checked its capability; ``by`` is who acted (None: a check), and
    ``actor`` among the fields is the supplier."""
    due = None
    if severity != FlagSeverity.SUSPEND:
        due = months_later(timezone.localdate(raised_at), MITIGATION_MONTHS)
    flag = RedFlag.objects.create(
        kind=kind, severity=severity, raised_at=raised_at, mitigation_due=due, **fields
    )
    if severity == FlagSeverity.SUSPEND:
        _suspend_at_once(by, flag)
    return flag


def _suspend_at_once(by: Any, flag: RedFlag) -> None:
    if flag.actor_id is not None:
        suppliers = Actor.objects.filter(pk=flag.actor_id)
    elif flag.site_id is not None:
        producers = Operation.objects.filter(
            kind=OperationKind.PRODUCTION, outputs__site_id=flag.site_id
        ).values("actor_id")
        suppliers = Actor.objects.filter(pk__in=producers)
    else:
        return
    reason = _("Serious abuse (red flag %(flag)s): suspended at once.") % {"flag": flag.pk}
    for supplier in suppliers.filter(suspended_on__isnull=True).order_by("pk"):
        _updated(
            instance=supplier,
            actor=by,
            data={"suspended_on": _today(), "suspension_reason": reason},
        )


def flag_raise(
    *,
    actor: Any,
    country: Country,
    kind: str,
    text: str,
    site: Any = None,
    lot: Lot | None = None,
    supplier: Actor | None = None,
) -> RedFlag:
    """An inspector raises a red flag of the OECD Annex II risks from what was reported or
    seen: on a site, a lot or a supplier of the country. A serious abuse suspends the supplier
    at once; the others have six months to be mitigated."""
    permissions.require(actor, "traceability.inspect", country=country)
    if kind not in ANNEX_II:
        raise _invalid("kind", _("Raise a risk of OECD Annex II; the data checks raise the rest."))
    text = (text or "").strip()[:2000]
    if not text:
        raise _invalid("text", _("Say what was found, where and by whom it was reported."))
    for field, record in (("site", site), ("lot", lot), ("supplier", supplier)):
        if record is not None and record.country_id != country.pk:
            raise _invalid(field, _("This is not in the flag's country."))
    if site is None and lot is None and supplier is None:
        raise _invalid("site", _("Name the site, the lot or the supplier the flag is about."))
    with transaction.atomic():
        flag = flag_raised(
            actor, kind=kind, severity=SEVERITY_OF.get(kind, FlagSeverity.HIGH),
            raised_at=timezone.now(), country=country, site=site, lot=lot, actor=supplier,
            evidence={"text": text}, owner=_signed_in(actor),
        )  # fmt: skip
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            instance=flag,
            changes={"kind": [None, kind], "severity": [None, flag.severity]},
        )
    return flag


def flag_plan(
    *, actor: Any, flag: RedFlag, owner: Any, plan: str, due: datetime.date | None
) -> RedFlag:
    """Give a flag its owner (an inspector of its country) and its mitigation plan with a
    deadline, at most six months after the flag was raised. A serious abuse allows none."""
    permissions.require(actor, "traceability.inspect", country=flag.country_id)
    if flag.status == FlagStatus.CLOSED:
        raise _invalid("plan", _("This flag is already closed."))
    if flag.severity == FlagSeverity.SUSPEND:
        raise _invalid(
            "plan",
            _("A serious abuse allows no mitigation: the supplier stays suspended; close the "
              "flag when it is ended, saying how."),
        )  # fmt: skip
    if owner is None or not permissions.can(owner, "traceability.inspect", country=flag.country_id):
        raise _invalid("owner", _("The owner is an inspector of the flag's country."))
    plan = (plan or "").strip()[:4000]
    if not plan:
        raise _invalid("plan", _("Say how the risk is to be mitigated."))
    latest = months_later(timezone.localdate(flag.raised_at), MITIGATION_MONTHS)
    due = due or latest
    if due < _today():
        raise _invalid("due", _("The deadline is already past."))
    if due > latest:
        raise _invalid(
            "due",
            _("Mitigate within six months of the flag: by %(date)s at the latest.")
            % {"date": latest.isoformat()},
        )
    return _updated(
        instance=flag,
        actor=actor,
        data={"owner": owner, "mitigation_plan": plan, "mitigation_due": due,
              "status": FlagStatus.MITIGATING, "escalated_on": None},
    )  # fmt: skip


def flags_escalate(*, today: datetime.date | None = None) -> int:
    """The daily round's part: mark the flags whose mitigation deadline passed while still open
    (once each; the flags page lists them as overdue)."""
    today = today or _today()
    return RedFlag.objects.filter(
        status__in=(FlagStatus.OPEN, FlagStatus.MITIGATING),
        mitigation_due__lt=today,
        escalated_on__isnull=True,
    ).update(escalated_on=today)


def flag_close(*, actor: Any, flag: RedFlag, closure: str) -> RedFlag:
    """An officer closes a red flag (an override of a breach, or a risk mitigated), saying why."""
    permissions.require(actor, "traceability.inspect", country=flag.country_id)
    if not closure.strip():
        raise _invalid("closure", _("Say why the flag is closed."))
    if flag.status == "closed":
        raise _invalid("closure", _("This flag is already closed."))
    return _updated(
        instance=flag,
        actor=actor,
        data={
            "status": "closed",
            "closed_at": timezone.now(),
            "closure": closure.strip()[:2000],
            "closed_by": _signed_in(actor),
        },
    )


# --- Site inspections -----------------------------------------------------------------------

# A red site stays red this long at least, whatever a later inspection finds (ICGLR MD.01).
RED_HOLD_MONTHS = 6
# The red flags an inspection raises by itself for what it found breached, and how serious.
INSPECTION_FLAGS: dict[str, tuple[str, str]] = {
    Criterion.ARMED_GROUPS: (FlagKind.ARMED_GROUPS, FlagSeverity.HIGH),
    Criterion.SECURITY_FORCES: (FlagKind.SECURITY_FORCES, FlagSeverity.HIGH),
    Criterion.CHILD_LABOUR: (FlagKind.SERIOUS_ABUSE, FlagSeverity.SUSPEND),
    Criterion.SERIOUS_ABUSE: (FlagKind.SERIOUS_ABUSE, FlagSeverity.SUSPEND),
    Criterion.TAXES: (FlagKind.TAXES, FlagSeverity.HIGH),
}


def _findings(findings: Any) -> dict[str, str]:
    if not isinstance(findings, dict):
        raise _invalid("findings", _("Give a finding (met or breached) for every criterion."))
    unknown = sorted(str(key) for key in findings if key not in Criterion.values)
    if unknown:
        raise _invalid(
            "findings", _("Unknown criteria: %(names)s.") % {"names": ", ".join(unknown)}
        )
    missing = [str(Criterion(c).label) for c in Criterion.values if not findings.get(c)]
    if missing:
        raise _invalid(
            "findings",
            _("Give a finding for every criterion; missing: %(names)s.")
            % {"names": "; ".join(missing)},
        )
    wrong = sorted(c for c in Criterion.values if findings[c] not in Finding.values)
    if wrong:
        raise _invalid(
            "findings",
            _("A finding is met or breached (%(names)s).") % {"names": ", ".join(wrong)},
        )
    return {c: str(findings[c]) for c in Criterion.values}


def red_held_until(site: Any, on: datetime.date) -> datetime.date | None:
    """The day before which a site red on ``on`` may not be cleared, or None when it was not
    red then. The six months run from the day it became red: a critical breach found again
    starts them anew; an inspection that found the site still within them does not."""
    records = list(
        site.certifications.filter(valid_from__lte=on)
        .select_related("inspection")
        .order_by("-valid_from", "-pk")[:100]
    )
    if not records:
        return None
    latest = records[0]
    status, since, _until, lapsed = certification_now(
        latest.status, latest.valid_from, latest.valid_until, on
    )
    if status != "red" or since is None:
        return None
    if not lapsed:
        for record in records:
            if record.status != "red":
                break
            since = record.valid_from
            inspection = related_or_none(record, "inspection")
            if inspection is None or inspection.red_held_until is None:
                break
    held = months_later(since, RED_HOLD_MONTHS)
    return held if held > on else None


def inspection_result(
    findings: dict[str, str], site: Any, on: datetime.date
) -> tuple[str, datetime.date | None]:
    """The status an inspection sets and the day a red it keeps is held until: red for a
    critical criterion breached or a site still within its six red months; yellow for any
    other; green when every criterion is met."""
    breached = {c for c, finding in findings.items() if finding == Finding.BREACHED}
    if breached & CRITICAL_CRITERIA:
        return "red", None
    held = red_held_until(site, on)
    if held is not None:
        return "red", held
    return ("yellow" if breached else "green"), None


def inspection_record(
    *,
    actor: Any,
    site: Any,
    inspected_on: datetime.date,
    authority: str,
    findings: Any,
    note: str = "",
) -> Inspection:
    """An inspector of the site's country records an inspection: its findings set the site's
    status (a certification decision in the registry, valid one year when green, three months
    when yellow, until cleared when red) and raise the red flags of what was found breached."""
    permissions.require(actor, "traceability.inspect", country=site.country_id)
    if inspected_on is None:
        raise _invalid("inspected_on", _("Give the day of the inspection."))
    problem = date_problem(inspected_on, today=_today())
    if problem:
        raise _invalid("inspected_on", str(problem))
    authority = (authority or "").strip()[:200]
    if not authority:
        raise _invalid("authority", _("Name the inspecting authority."))
    checked = _findings(findings)
    status, held = inspection_result(checked, site, inspected_on)
    with transaction.atomic():
        record = certification_write(
            actor=actor, site=site, status=status, valid_from=inspected_on,
            cause=CertificationCause.INSPECTION,
        )  # fmt: skip
        inspection = model_create(
            model=Inspection,
            actor=actor,
            data={
                "site": site,
                "country_id": site.country_id,
                "inspected_on": inspected_on,
                "inspector": _signed_in(actor),
                "authority": authority,
                "findings": checked,
                "status": status,
                "valid_until": record.valid_until,
                "red_held_until": held,
                "note": (note or "").strip()[:4000],
                "record": record,
            },
        )
        at = timezone.make_aware(datetime.datetime.combine(inspected_on, datetime.time(12)))
        for criterion in inspection.breached():
            if criterion not in INSPECTION_FLAGS:
                continue
            kind, severity = INSPECTION_FLAGS[criterion]
            flag_raised(
                actor, kind=kind, severity=severity, country_id=site.country_id, site=site,
                evidence={"code": "inspection", "criterion": criterion,
                          "inspection": inspection.pk, "on": str(inspected_on)},
                raised_at=at,
            )  # fmt: skip
    return inspection


def round_daily(*, today: datetime.date | None = None) -> dict[str, int]:
    """The daily round (``casm traceability daily``): write the site statuses that ran out,
    mark the red flags past their mitigation deadline, and flag the sites whose tagged output
    went above their capacity."""
    today = today or _today()
    return {
        "lapsed": len(certifications_lapse(today=today)),
        "overdue": flags_escalate(today=today),
        "capacity": capacity_flags_raise(today=today),
    }


# --- The capacity check ----------------------------------------------------------------------


def productivity_set(
    *,
    actor: Any,
    country: Country,
    commodity: Commodity,
    mass: Any,
    unit: str,
    margin_percent: Any,
    source: str,
) -> Productivity:
    """Set what one worker can produce of a mineral in a month in a country (``mass`` in
    ``unit``), the margin above the capacity before a flag, and where the figure comes from."""
    permissions.require(actor, "traceability.inspect", country=country)
    kg = _mass_kg(mass, unit, "mass")
    try:
        margin = Decimal(str(margin_percent))
    except (InvalidOperation, ValueError):
        raise _invalid("margin_percent", _("The margin is not a number.")) from None
    if not margin.is_finite() or margin < 0 or margin > 1000:
        raise _invalid("margin_percent", _("The margin is between 0 and 1000%."))
    source = (source or "").strip()[:300]
    if not source:
        raise _invalid("source", _("Say where the figure comes from (a study, a survey)."))
    data = {"kg_per_worker_month": kg, "margin_percent": margin.quantize(Decimal("0.01")),
            "source": source}  # fmt: skip
    rule = Productivity.objects.filter(country=country, commodity=commodity).first()
    if rule is None:
        return model_create(
            model=Productivity,
            actor=actor,
            data={"country": country, "commodity": commodity, **data},
        )
    return _updated(instance=rule, actor=actor, data=data)


def _capacity_flag(row: Any, since: datetime.date, *, lot: Lot | None = None) -> RedFlag:
    from casm.core.audit import audit_record
    from casm.core.models import AuditEvent

    flag = flag_raised(
        None, kind=FlagKind.CAPACITY, severity=FlagSeverity.HIGH, raised_at=timezone.now(),
        country_id=row.country_id, site_id=row.site_id, lot=lot,
        actor=lot.holder if lot is not None else None, evidence=row.evidence(since),
    )  # fmt: skip
    audit_record(
        actor=None, action=AuditEvent.Action.CREATE, instance=flag,
        changes={"kind": [None, flag.kind], "site": [None, row.site_id],
                 "evidence": [None, flag.evidence]},
    )  # fmt: skip
    return flag


def _capacity_flagged(site_ids: list[int]) -> set[tuple[int, Any]]:
    """The (site, mineral) pairs that already have a capacity flag not closed."""
    flags = RedFlag.objects.filter(kind=FlagKind.CAPACITY, site_id__in=site_ids).exclude(
        status=FlagStatus.CLOSED
    )
    return {(site, (evidence or {}).get("commodity"))
            for site, evidence in flags.values_list("site_id", "evidence")}  # fmt: skip


def capacity_flags_raise(*, today: datetime.date | None = None, country_ids: Any = None) -> int:
    """Flag every site whose tagged output of a mineral over the window went above its capacity
    (margin included), once while the flag stays open; returns how many were raised. The flags
    and their audit events are written in bulk: a national round may raise thousands."""
    from casm.core.audit import audit_records
    from casm.core.models import AuditEvent

    from .selectors import capacity_rows, capacity_since

    rows = capacity_rows(country_ids=country_ids, today=today)
    if not rows:
        return 0
    flagged = _capacity_flagged([row.site_id for row in rows])
    since = capacity_since(today)
    now = timezone.now()
    due = months_later(timezone.localdate(now), MITIGATION_MONTHS)
    flags = [
        RedFlag(kind=FlagKind.CAPACITY, severity=FlagSeverity.HIGH, raised_at=now,
                mitigation_due=due, country_id=row.country_id, site_id=row.site_id,
                evidence=row.evidence(since))
        for row in rows
        if (row.site_id, row.commodity_id) not in flagged
    ]  # fmt: skip
    with transaction.atomic():
        # bulk_create gives the primary keys back on both databases (SQLite 3.35+, PostgreSQL).
        RedFlag.objects.bulk_create(flags, batch_size=1000)
        audit_records(
            actor=None, action=AuditEvent.Action.CREATE,
            items=[(flag, {"kind": [None, flag.kind], "site": [None, flag.site_id],
                           "evidence": [None, flag.evidence]}) for flag in flags],
        )  # fmt: skip
    return len(flags)


def _flag_capacity(lot: Lot, site: Any) -> None:
    """At production: flag the site if this lot takes its output above its capacity."""
    from .selectors import capacity_rows, capacity_since

    rows = [row for row in capacity_rows(country_ids=[site.country_id], site_ids=[site.pk])
            if row.commodity_id == lot.commodity_id]  # fmt: skip
    if rows and (site.pk, lot.commodity_id) not in _capacity_flagged([site.pk]):
        _capacity_flag(rows[0], capacity_since(), lot=lot)


# --- Export certificates --------------------------------------------------------------------


def _certificate_data(certificate: ExportCertificate, operation: Operation) -> dict[str, Any]:
    """The certificate's fields as they are signed: plain text and numbers, in the ICGLR
    certificate's terms."""
    from .selectors import provenance

    lot = operation.inputs.select_related("commodity", "holder__organisation").get()
    details = operation.details or {}
    destination = Country.objects.filter(alpha2=details.get("destination", "")).first()
    origin = [
        {"code": s.site.code, "name": s.site.name, "province": s.site.admin1 or ""}
        for s in provenance(lot).sites
    ]
    exporter = operation.actor
    return {
        "identifier": certificate.identifier,
        "issuing_country": f"{certificate.country.name} ({certificate.country.alpha2})",
        "exporter": {"name": exporter.name, "registration": exporter.registration},
        "importer": details.get("importer", ""),
        "destination": f"{destination.name} ({destination.alpha2})" if destination else "",
        "lot": lot.number,
        "mineral": {"name": lot.commodity.name, "hs_code": lot.commodity.hs_code},
        "ore_type": certificate.ore_type,
        "weight": {"mass": str(lot.mass), "unit": lot.unit},
        "grade": "" if lot.grade is None else str(plain_decimal(lot.grade)),
        "origin": origin,
        "customs_value": details.get("customs_value", ""),
        "shipped_on": details.get("shipped_on", ""),
        "route": details.get("route", ""),
        "transport_company": details.get("transport_company", ""),
        "issuing_authority": certificate.data.get("issuing_authority", ""),
        "verifier": {
            "name": person_name(certificate.verified_by),
            "on": str(certificate.verified_on),
        },
        "validator": {
            "name": person_name(certificate.validated_by),
            "on": str(certificate.validated_on or ""),
        },
        "issued_on": str(certificate.issued_on or ""),
        "expires_on": str(certificate.expires_on or ""),
    }


def certificate_prepare(
    *, actor: Any, operation: Operation, ore_type: str, issuing_authority: str
) -> ExportCertificate:
    """An inspector of the exporting country verifies an export and prepares its certificate;
    another inspector validates it (:func:`certificate_validate`)."""
    import secrets

    permissions.require(actor, "traceability.inspect", country=operation.country_id)
    if operation.kind != OperationKind.EXPORT:
        raise _invalid("lot", _("Only an exported lot gets an export certificate."))
    ore_type, issuing_authority = ore_type.strip()[:100], issuing_authority.strip()[:200]
    if not ore_type:
        raise _invalid("ore_type", _("Say the type of ore (e.g. gold doré, cassiterite)."))
    if not issuing_authority:
        raise _invalid("issuing_authority", _("Name the issuing authority."))
    today = _today()
    try:
        with transaction.atomic():
            certificate = ExportCertificate.objects.create(
                identifier=f"pending-{uuid.uuid4().hex}",
                country_id=operation.country_id,
                operation=operation,
                ore_type=ore_type,
                verified_by=_signed_in(actor),
                verified_on=today,
                data={"issuing_authority": issuing_authority},
                check_code=secrets.token_urlsafe(12),
            )
            country = certificate.country
            certificate.identifier = f"{country.alpha2}-EC-{today.year}-{certificate.pk:06d}"
            certificate.data = _certificate_data(certificate, operation)
            certificate.save(update_fields=["identifier", "data"])
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                instance=certificate,
                changes={
                    "identifier": [None, certificate.identifier],
                    "status": [None, certificate.status],
                    "lot": [None, certificate.data["lot"]],
                },
            )
    except IntegrityError:
        raise _invalid("lot", _("This export has its certificate already.")) from None
    return certificate


def certificate_validate(
    *, actor: Any, certificate: ExportCertificate, expires_on: datetime.date
) -> ExportCertificate:
    """A second inspector validates the certificate: it is issued and signed. The one who
    verified it may not validate it too."""
    from . import certificates

    permissions.require(actor, "traceability.inspect", country=certificate.country_id)
    if certificate.status == CertificateStatus.ISSUED:
        raise _invalid("expires_on", _("This certificate is issued already."))
    signed_in = _signed_in(actor)
    if signed_in is not None and certificate.verified_by_id == signed_in.pk:
        raise _invalid("expires_on", _("Another inspector validates the certificate you verified."))
    today = _today()
    if expires_on is None or expires_on <= today:
        raise _invalid("expires_on", _("The date of expiry comes after today."))
    with transaction.atomic():
        # Taken once: a second validation at the same moment finds it issued.
        taken = ExportCertificate.objects.filter(
            pk=certificate.pk, status=CertificateStatus.PREPARED
        ).update(status=CertificateStatus.ISSUED)
        if not taken:
            raise _invalid("expires_on", _("This certificate is issued already."))
        certificate.status = CertificateStatus.ISSUED
        certificate.validated_by = signed_in
        certificate.validated_on = certificate.issued_on = today
        certificate.expires_on = expires_on
        certificate.data = _certificate_data(certificate, certificate.operation)
        try:
            key_id, signature, public = certificates.sign(certificate.data)
        except certificates.KeyFileError as exc:
            raise _invalid(
                "expires_on", _("The signing key cannot be read: %(why)s") % {"why": str(exc)}
            ) from None
        SigningKey.objects.get_or_create(
            key_id=key_id, defaults={"public_key": public, "created_at": timezone.now()}
        )
        certificate.key_id, certificate.signature = key_id, signature
        certificate.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=certificate,
            changes={
                "status": [CertificateStatus.PREPARED, CertificateStatus.ISSUED],
                "expires_on": [None, str(expires_on)],
                "key_id": [None, key_id],
            },
        )
    return certificate
