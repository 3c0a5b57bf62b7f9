"""Writes of a licence's life after its grant: renewal (the licence stays valid while a renewal
filed in time is pending), transfer, surrender of the whole or of part of the area, suspension
and reinstatement, revocation, automatic expiry, reminders before expiry, and the annual rent.

Each is a dated ``LicenceEvent`` with who and why. A licence that ends (surrendered, revoked,
expired) leaves the titles layer, so that its ground is open to later applications, and the
sites inside it are placed again; a suspended one keeps its ground but its sites are no longer
licensed while it lasts.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from casm.core import permissions
from casm.core.audit import audit_record
from casm.core.models import AuditEvent
from casm.lib.geometry import area_hectares, as_geojson

from ..models import (
    Layer,
    LayerFeature,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceShare,
    LicenceStatus,
    RentInvoice,
)
from .cadastre import site_standings_update

# The rent of a term year is due this many days after the year begins.
RENT_DUE_DAYS = 30
# Reminders go out this many days before a licence expires.
REMIND_DAYS = 90


def _today() -> datetime.date:
    return timezone.localdate()


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _require_officer(actor: Any, licence: Licence) -> None:
    permissions.require(actor, "licensing.decide", country=licence.country_id)


def is_holder(actor: Any, licence: Licence) -> bool:
    """Whether ``actor`` speaks for the licence's holder: a member of its organisation, or the
    person who filed its application."""
    if not permissions.is_signed_in(actor):
        return False
    if licence.organisation_id and actor.organisation_id == licence.organisation_id:
        return True
    application = licence.application
    return application is not None and application.filed_by_id == actor.pk


def _event(licence: Licence, kind: str, actor: Any, reason: str = "", *,
           on: datetime.date | None = None, **details: Any) -> LicenceEvent:  # fmt: skip
    event = LicenceEvent.objects.create(
        licence=licence, kind=kind, on=on or _today(), at=timezone.now(),
        actor=actor if permissions.is_signed_in(actor) else None, reason=reason.strip(),
        details=details,
    )  # fmt: skip
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, instance=licence,
        changes={"event": [None, kind], "status": [None, licence.status], **(
            {"reason": [None, reason.strip()]} if reason.strip() else {})},
    )  # fmt: skip
    return event


def _locked(licence: Licence, allowed: tuple[str, ...]) -> Licence:
    current = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("licence_type", "country", "feature", "application")
        .get(pk=licence.pk)
    )
    if current.status not in allowed:
        raise ValidationError(
            {"status": [_("This licence is %(status)s: that is not open to it.")
                        % {"status": current.get_status_display()}]}
        )  # fmt: skip
    return current


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why.")]})


def _leave_the_map(licence: Licence) -> None:
    """The licence's shape leaves the titles layer: its ground is open again."""
    if licence.feature_id is None:
        return
    layer_id = licence.feature.layer_id  # type: ignore[union-attr]
    feature = licence.feature
    licence.feature = None
    licence.save(update_fields=["feature"])
    feature.delete()  # type: ignore[union-attr]
    Layer.objects.filter(pk=layer_id).update(version=F("version") + 1)


def _mark_on_the_map(licence: Licence) -> None:
    if licence.feature_id is not None:
        LayerFeature.objects.filter(pk=licence.feature_id).update(
            status=licence.status, expires_on=licence.expires_on,
            holder=licence.holders_text(persons=False)[:500],
        )  # fmt: skip


def _status(licence: Licence, status: str) -> None:
    licence.status = status
    licence.save(update_fields=["status"])
    _mark_on_the_map(licence)


def licence_renewal_file(*, actor: Any, licence: Licence, note: str = "") -> Licence:
    """The holder (or an officer for them) files a renewal, on or before the expiry date and
    within the renewals the type allows; the licence stays valid until it is decided."""
    if not is_holder(actor, licence):
        _require_officer(actor, licence)
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.VALID,))
        kind = current.licence_type
        if current.renewal_filed_on is not None:
            raise ValidationError({"status": [_("A renewal is already pending.")]})
        if current.expires_on is None:
            raise ValidationError({"status": [_("This licence does not expire.")]})
        if _today() > current.expires_on:
            raise ValidationError(
                {"status": [_("The licence expired on %(date)s: a renewal had to be filed "
                              "before.") % {"date": current.expires_on.isoformat()}]}
            )  # fmt: skip
        if kind.renewals is not None and current.renewals_used >= kind.renewals:
            raise ValidationError(
                {"status": [_("This licence has used all its renewals (%(count)s).")
                            % {"count": kind.renewals}]}
            )  # fmt: skip
        current.renewal_filed_on = _today()
        current.save(update_fields=["renewal_filed_on"])
        _event(current, LicenceEventKind.RENEWAL_FILED, actor, note)
    return current


def licence_renewal_decide(
    *, actor: Any, licence: Licence, grant: bool, reason: str = ""
) -> Licence:
    """An officer renews the licence (from its expiry, for the type's renewal length) or
    refuses with reasons (past its expiry, it then expires)."""
    _require_officer(actor, licence)
    if not grant:
        _need_reason(reason)
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.VALID, LicenceStatus.SUSPENDED))
        if current.renewal_filed_on is None:
            raise ValidationError({"status": [_("No renewal is pending.")]})
        current.renewal_filed_on = None
        if grant:
            years = current.licence_type.renewal_years or current.licence_type.term_years
            if not years:
                raise ValidationError(
                    {"status": [_("The licence type gives no length for a renewal.")]}
                )
            before = current.expires_on
            current.expires_on = _years_later(current.expires_on or _today(), years)
            current.renewals_used += 1
            current.reminded_on = None
            current.save()
            _mark_on_the_map(current)
            _event(current, LicenceEventKind.RENEWED, actor, reason,
                   expires_before=before.isoformat() if before else None,
                   expires_on=current.expires_on.isoformat())  # fmt: skip
            return current
        current.save(update_fields=["renewal_filed_on"])
        _event(current, LicenceEventKind.RENEWAL_REFUSED, actor, reason)
    licences_expire(today=_today())
    current.refresh_from_db()
    return current


def licence_transfer(
    *, actor: Any, licence: Licence, organisation: Any, share: int = 100, reason: str = ""
) -> Licence:
    """Transfer ``share`` percent of the licence from its holder to an organisation. The
    holder's whole part (100 % when there are no co-holders) makes the organisation the
    holder; less makes it a co-holder (``LicenceShare``), or adds to its share."""
    _require_officer(actor, licence)
    if organisation is None:
        raise ValidationError({"organisation": [_("Choose the organisation it goes to.")]})
    if not 1 <= share <= 100:
        raise ValidationError({"share": [_("A share is from 1 to 100 percent.")]})
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.VALID, LicenceStatus.SUSPENDED))
        if organisation.pk == current.organisation_id:
            raise ValidationError({"organisation": [_("It already holds this licence.")]})
        shares = {s.organisation_id: s for s in current.shares.select_for_update()}
        holding = 100 - sum(s.percent for s in shares.values())
        if share > holding:
            raise ValidationError({"share": [
                _("The holder has %(percent)s %% of this licence: at most that can be transferred.")
                % {"percent": holding}]})  # fmt: skip
        before = current.holders_text()
        already = shares.get(organisation.pk)
        if share == holding:
            # The holder's whole part: the organisation takes its place (with its share, if it
            # was a co-holder).
            if already is not None:
                already.delete()
            current.organisation = organisation
            current.holder_name = ""
            current.save(update_fields=["organisation", "holder_name"])
        elif already is not None:
            already.percent += share
            already.save(update_fields=["percent"])
        else:
            LicenceShare.objects.create(
                licence=current, organisation=organisation, percent=share, since=_today()
            )
        _mark_on_the_map(current)
        _event(current, LicenceEventKind.TRANSFERRED, actor, reason, share=share,
               to=organisation.name, holder_before=before,
               holder_after=current.holders_text())  # fmt: skip
    return current


def licence_surrender(
    *, actor: Any, licence: Licence, part: BaseGeometry | None = None, reason: str = ""
) -> Licence:
    """Surrender the whole licence, or a part of its area (what remains stays licensed)."""
    if not is_holder(actor, licence):
        _require_officer(actor, licence)
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.VALID, LicenceStatus.SUSPENDED))
        if part is None:
            _status(current, LicenceStatus.SURRENDERED)
            _leave_the_map(current)
            _event(current, LicenceEventKind.SURRENDERED, actor, reason, area_ha=current.area_ha)
        else:
            if current.feature is None:
                raise ValidationError({"area": [_("This licence has no shape on the map.")]})
            whole = shape(current.feature.geometry)
            if not whole.intersects(part) or area_hectares(whole.intersection(part)) < 0.01:
                raise ValidationError({"area": [_("The part given does not lie in the licence.")]})
            left = whole.difference(part)
            left_ha = area_hectares(left) if not left.is_empty else 0.0
            if left_ha < 0.01:
                raise ValidationError(
                    {"area": [_("That is the whole licence: surrender it whole.")]}
                )
            feature = current.feature
            min_x, min_y, max_x, max_y = left.bounds
            feature.geometry = as_geojson(left)
            feature.min_x, feature.min_y, feature.max_x, feature.max_y = min_x, min_y, max_x, max_y
            feature.area_ha = round(left_ha, 2)
            feature.save()
            Layer.objects.filter(pk=feature.layer_id).update(version=F("version") + 1)
            before = current.area_ha
            current.area_ha = round(left_ha, 4)
            current.save(update_fields=["area_ha"])
            _event(current, LicenceEventKind.SURRENDERED, actor, reason, part=True,
                   area_before=before, area_after=current.area_ha)  # fmt: skip
        site_standings_update(country_id=current.country_id)
    return current


def licence_suspend(*, actor: Any, licence: Licence, reason: str) -> Licence:
    _require_officer(actor, licence)
    _need_reason(reason)
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.VALID,))
        _status(current, LicenceStatus.SUSPENDED)
        _event(current, LicenceEventKind.SUSPENDED, actor, reason)
        site_standings_update(country_id=current.country_id)
    return current


def licence_reinstate(*, actor: Any, licence: Licence, reason: str = "") -> Licence:
    _require_officer(actor, licence)
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.SUSPENDED,))
        _status(current, LicenceStatus.VALID)
        _event(current, LicenceEventKind.REINSTATED, actor, reason)
        site_standings_update(country_id=current.country_id)
    return current


def licence_revoke(*, actor: Any, licence: Licence, reason: str) -> Licence:
    _require_officer(actor, licence)
    _need_reason(reason)
    with transaction.atomic():
        current = _locked(licence, (LicenceStatus.VALID, LicenceStatus.SUSPENDED))
        _status(current, LicenceStatus.REVOKED)
        _leave_the_map(current)
        _event(current, LicenceEventKind.REVOKED, actor, reason)
        site_standings_update(country_id=current.country_id)
    return current


def licences_expire(*, today: datetime.date | None = None) -> list[Licence]:
    """Expire every licence past its date with no renewal pending (the system's own act)."""
    today = today or _today()
    due = Licence.objects.filter(
        status__in=(LicenceStatus.VALID, LicenceStatus.SUSPENDED), expires_on__lt=today,
        renewal_filed_on__isnull=True,
    ).select_related("feature")  # fmt: skip
    expired = []
    countries = set()
    with transaction.atomic():
        for licence in due.select_for_update(of=("self",)):
            _status(licence, LicenceStatus.EXPIRED)
            _leave_the_map(licence)
            _event(licence, LicenceEventKind.EXPIRED, None, on=licence.expires_on)
            expired.append(licence)
            countries.add(licence.country_id)
        for country_id in sorted(countries):
            site_standings_update(country_id=country_id)
    return expired


def licences_to_remind(*, today: datetime.date | None = None, days: int = REMIND_DAYS) -> Any:
    """Valid licences expiring within ``days`` that have not been reminded, no renewal filed."""
    today = today or _today()
    return Licence.objects.filter(
        status=LicenceStatus.VALID, renewal_filed_on__isnull=True, reminded_on__isnull=True,
        expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=days),
    ).select_related(
        "country", "licence_type", "organisation", "application__filed_by"
    )  # fmt: skip


def licence_reminded(*, licence: Licence, today: datetime.date | None = None) -> None:
    Licence.objects.filter(pk=licence.pk).update(reminded_on=today or _today())


def _rate(rates: list[str], year: int) -> Decimal | None:
    if not rates:
        return None
    return Decimal(rates[min(year, len(rates)) - 1])


def rent_invoices_issue(
    *, actor: Any, country: Any, today: datetime.date | None = None
) -> list[RentInvoice]:
    """Issue the rent of every term year that has begun for the country's valid and suspended
    licences (each year once; a type without rates or a currency issues none)."""
    permissions.require(actor, "licensing.decide", country=country)
    today = today or _today()
    made = []
    licences = Licence.objects.filter(
        country=country, status__in=(LicenceStatus.VALID, LicenceStatus.SUSPENDED)
    ).select_related("licence_type")
    with transaction.atomic():
        for licence in licences:
            kind = licence.licence_type
            if not kind.rent_per_ha or not kind.currency:
                continue
            issued = set(licence.invoices.values_list("year", flat=True))
            year, start = 1, licence.granted_on
            while start <= today:
                if year not in issued:
                    rate = _rate(kind.rent_per_ha, year)
                    assert rate is not None
                    amount = (rate * Decimal(str(licence.area_ha))).quantize(
                        Decimal("0.01"), rounding=ROUND_HALF_UP
                    )
                    made.append(RentInvoice.objects.create(
                        licence=licence, year=year, period_start=start,
                        due_on=start + datetime.timedelta(days=RENT_DUE_DAYS),
                        area_ha=licence.area_ha, rate=rate, amount=amount,
                        currency=kind.currency,
                    ))  # fmt: skip
                year += 1
                start = _years_later(licence.granted_on, year - 1)
        for invoice in made:
            audit_record(
                actor=actor, action=AuditEvent.Action.CREATE, instance=invoice,
                changes={"amount": [None, f"{invoice.amount} {invoice.currency}"],
                         "year": [None, invoice.year]},
            )  # fmt: skip
    return made


def rent_invoice_pay(
    *, actor: Any, invoice: RentInvoice, paid_on: datetime.date | None = None,
    reference: str = "",
) -> RentInvoice:  # fmt: skip
    """Record the payment of a rent invoice."""
    permissions.require(actor, "licensing.decide", country=invoice.licence.country_id)
    paid_on = paid_on or _today()
    if paid_on > _today():
        raise ValidationError({"paid_on": [_("A payment cannot be dated later than today.")]})
    with transaction.atomic():
        current = RentInvoice.objects.select_for_update().get(pk=invoice.pk)
        if current.paid_on is not None:
            raise ValidationError({"paid_on": [_("This invoice is already paid.")]})
        current.paid_on = paid_on
        current.payment_reference = reference.strip()[:100]
        current.save(update_fields=["paid_on", "payment_reference"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, instance=current,
                     changes={"paid_on": [None, paid_on.isoformat()]})  # fmt: skip
    return current


def _officers_with_mail() -> list[Any]:
    from casm.accounts.selectors import users_holding
    from casm.core.permissions import Role

    return list(users_holding(Role.LICENSING_OFFICER).filter(email__gt=""))


def licensing_remind(
    *, today: datetime.date | None = None, days: int = REMIND_DAYS
) -> dict[str, int]:
    """The daily round (``casm licensing remind``): expire the licences past their date, tell
    holders and officers of the licences expiring within ``days`` (once each), and tell each
    officer the applications of their countries past a step's deadline. Mail goes after the
    writes commit, in each reader's language."""
    from casm.core.mail import mail_to
    from casm.licensing.selectors import overdue_list

    today = today or _today()
    expired = licences_expire(today=today)
    every_officer = _officers_with_mail()
    by_country: dict[int, list[Any]] = {}

    def officers_of(country_id: int) -> list[Any]:
        """The officers with an address who decide in the country, worked out once each."""
        if country_id not in by_country:
            by_country[country_id] = [
                u for u in every_officer
                if permissions.can(u, "licensing.decide", country=country_id)
            ]  # fmt: skip
        return by_country[country_id]

    reminded = 0
    for licence in list(licences_to_remind(today=today, days=days)):

        def write(licence: Licence = licence) -> tuple[str, str]:
            assert licence.expires_on is not None  # chosen by its expiry
            return (
                _("Licence %(number)s expires on %(date)s") % {
                    "number": licence.number, "date": licence.expires_on.isoformat()},
                _("The licence %(number)s (%(type)s) expires on %(date)s. A renewal filed "
                  "before that day keeps it valid until it is decided.") % {
                    "number": licence.number, "type": licence.licence_type.name,
                    "date": licence.expires_on.isoformat()},
            )  # fmt: skip

        readers = list(officers_of(licence.country_id))
        if licence.application is not None:
            readers.append(licence.application.filed_by)
        for reader in {r.pk: r for r in readers}.values():
            mail_to(reader, write)
        licence_reminded(licence=licence, today=today)
        reminded += 1
    told = 0
    countries = set(overdue_list(None, today=today).values_list("country_id", flat=True).distinct())
    officers = {u.pk: u for c in sorted(countries) for u in officers_of(c)}
    for officer in officers.values():
        late = list(overdue_list(officer, today=today))
        if not late:
            continue

        def digest(late: list[Any] = late) -> tuple[str, str]:
            lines = [f"{a.number}: {a.get_status_display()}, {a.due_on.isoformat()}" for a in late]
            return (
                ngettext(
                    "%(count)s application past a step's deadline",
                    "%(count)s applications past a step's deadline",
                    len(late),
                )
                % {"count": len(late)},
                "\n".join(lines),
            )

        if mail_to(officer, digest):
            told += 1
    return {"expired": len(expired), "reminded": reminded, "officers_told": told}
