"""Writes of the register: filing an application, screening it, and its workflow up to the
licence (completeness, public notice and objections, decision, a second approval).

The register gives numbers one filing at a time per country: each filing locks the country's
row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's immediate transactions take the write
lock first), takes the next ``sequence`` and reads the clock only then, so that receipt order
and register order are the same. A grant takes the same lock and screens the area again, so
two officers granting overlapping licences at one moment cannot both succeed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from casm.core import permissions
from casm.core.audit import audit_record
from casm.core.models import AuditEvent, Commodity, Country
from casm.core.numbers import number_show
from casm.core.spatial import bbox_filter
from casm.lib.geometry import area_hectares, as_geojson

from ..models import (
    PENDING,
    Application,
    ApplicationDocument,
    ApplicationScreening,
    ApplicationStatus,
    ApplicationStep,
    Channel,
    HolderKind,
    Layer,
    LayerFeature,
    LayerKind,
    Licence,
    LicenceEvent,
    LicenceEventKind,
    LicenceStatus,
    LicenceType,
    Objection,
    StepKind,
)
from ..screening import BLOCKS, Finding, area_screen
from .cadastre import site_standings_update
from .licences import _years_later

# An applicant's filing that covers this share of one of their pending ones (and the reverse)
# is the same filing twice.
SAME_AREA_SHARE = 0.9
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# What a filed document may be, by its first bytes.
DOCUMENT_SIGNATURES = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


@dataclass
class Upload:
    """A document as a filing gives it: the required document it is, and its file."""

    name: str
    file: Any


def _now() -> datetime.datetime:
    """The register's clock, to the second."""
    return timezone.now().replace(microsecond=0)


def _today() -> datetime.date:
    return timezone.localdate()


def _in_days(days: int | None, start: datetime.date | None = None) -> datetime.date | None:
    if days is None:
        return None
    return (start or _today()) + datetime.timedelta(days=days)


def _step(application: Application, kind: str, actor: Any, note: str = "") -> None:
    ApplicationStep.objects.create(
        application=application, kind=kind, at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None, note=note,
    )  # fmt: skip


def _audit(actor: Any, instance: Any, action: str, changes: dict[str, list[Any]]) -> None:
    audit_record(actor=actor, action=action, instance=instance, changes=changes)


def _require_officer(actor: Any, application: Application) -> None:
    permissions.require(actor, "licensing.decide", country=application.country_id)


def _is_filer(actor: Any, application: Application) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and actor.pk == application.filed_by_id


def _document_problem(upload: Upload) -> str | None:
    """What is wrong with a filed document, or None."""
    size = getattr(upload.file, "size", None)
    if size is None or size == 0:
        return _("%(name)s: the file is empty.") % {"name": upload.name}
    if size > MAX_DOCUMENT_BYTES:
        return _("%(name)s: the file is larger than 10 MB.") % {"name": upload.name}
    upload.file.seek(0)
    head = upload.file.read(8)
    upload.file.seek(0)
    if not any(head.startswith(signature) for signature in DOCUMENT_SIGNATURES):
        return _("%(name)s: give a PDF, PNG or JPEG file.") % {"name": upload.name}
    return None


def _check_filing(
    *,
    actor: Any,
    country: Country,
    licence_type: LicenceType,
    holder_kind: str,
    organisation: Any,
    applicant_name: str,
    nationality: Country | None,
    commodities: list[Commodity],
    geometry: BaseGeometry,
    channel: str,
    documents: list[Upload],
) -> float:
    """Every rule a filing must keep before it gets a number; returns its area in ha."""
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if licence_type.country_id != country.pk:
        error(
            "licence_type",
            _("The licence type %(code)s is not one of %(country)s.")
            % {"code": licence_type.code, "country": country.name},
        )
    if holder_kind not in HolderKind.values:
        error("holder_kind", _("Choose who applies."))
    elif licence_type.holders and holder_kind not in licence_type.holders:
        error(
            "holder_kind",
            _("A %(type)s is held only by: %(allowed)s.")
            % {"type": licence_type.name, "allowed": ", ".join(licence_type.holder_labels)},
        )
    if holder_kind == HolderKind.CITIZEN:
        if not applicant_name.strip():
            error("applicant_name", _("Give the applicant's name."))
        if licence_type.nationality_rule and nationality is None:
            error("nationality", _("Give the applicant's nationality."))
        elif licence_type.nationality_rule and nationality != country:
            error(
                "nationality",
                _("This licence is for citizens of %(country)s only (%(rule)s).")
                % {"country": country.name, "rule": licence_type.nationality_rule},
            )
    elif holder_kind in HolderKind.values and organisation is None:
        error("organisation", _("Choose the cooperative, association or company that applies."))
    if (
        organisation is not None
        and channel == Channel.ONLINE
        and not permissions.is_administrator(actor)
        and getattr(actor, "organisation_id", None) != organisation.pk
    ):
        error("organisation", _("You may file only for your own organisation."))
    if not commodities:
        error("commodities", _("Choose at least one commodity."))
    allowed = set(licence_type.commodities.values_list("pk", flat=True))
    if allowed:
        others = [c.code for c in commodities if c.pk not in allowed]
        if others:
            error(
                "commodities",
                _("A %(type)s is not granted for: %(codes)s.")
                % {"type": licence_type.name, "codes": ", ".join(others)},
            )
    area_ha = area_hectares(geometry)
    limits = {"area": number_show(round(area_ha, 2))}
    if licence_type.min_area_ha is not None and area_ha < licence_type.min_area_ha:
        error(
            "area",
            _("The area is %(area)s ha; this licence needs at least %(limit)s ha.")
            % {**limits, "limit": number_show(licence_type.min_area_ha)},
        )
    if licence_type.max_area_ha is not None and area_ha > licence_type.max_area_ha:
        error(
            "area",
            _("The area is %(area)s ha; this licence allows at most %(limit)s ha.")
            % {**limits, "limit": number_show(licence_type.max_area_ha)},
        )
    for upload in documents:
        problem = _document_problem(upload)
        if problem:
            error("documents", problem)
    if channel == Channel.ONLINE:
        given = {upload.name for upload in documents}
        missing = [name for name in licence_type.documents or [] if name not in given]
        if missing:
            error(
                "documents",
                _("Attach the required documents: %(names)s.") % {"names": "; ".join(missing)},
            )
    if errors:
        raise ValidationError(errors)
    return area_ha


def _same_filing(
    *, actor: Any, licence_type: LicenceType, organisation: Any, applicant_name: str,
    geometry: BaseGeometry,
) -> Application | None:  # fmt: skip
    """The applicant's pending application of this type over (nearly) the same area."""
    mine = Application.objects.filter(licence_type=licence_type, status__in=PENDING)
    if organisation is not None:
        mine = mine.filter(organisation=organisation)
    else:
        mine = mine.filter(
            organisation__isnull=True,
            applicant_name__iexact=applicant_name.strip(),
        )
        if getattr(actor, "is_authenticated", False):
            mine = mine.filter(filed_by=actor)
    area = geometry.area
    for other in bbox_filter(mine, geometry.bounds):
        theirs = shape(other.geometry)
        if not theirs.intersects(geometry) or not area or not theirs.area:
            continue
        shared = theirs.intersection(geometry).area
        if shared / area >= SAME_AREA_SHARE and shared / theirs.area >= SAME_AREA_SHARE:
            return other
    return None


def application_file(
    *,
    actor: Any,
    country: Country,
    licence_type: LicenceType,
    holder_kind: str,
    commodities: Iterable[Commodity],
    geometry: BaseGeometry,
    organisation: Any = None,
    applicant_name: str = "",
    applicant_contact: str = "",
    nationality: Country | None = None,
    area_given_as: str = "",
    fee_paid: Decimal | None = None,
    fee_reference: str = "",
    channel: str = Channel.ONLINE,
    paper_dated: datetime.date | None = None,
    documents: Iterable[Upload] = (),
) -> Application:
    """File an application (online by the applicant, or an officer entering a paper filing)
    and screen it: it gets its number and its receipt second, and its place in the register.

    An online filing carries the type's required documents; a paper one may lack some (the
    completeness check says so). Nothing is written when a rule fails.
    """
    if not permissions.is_signed_in(actor):
        raise PermissionDenied(str(permissions.SIGN_IN))
    if channel == Channel.OFFICER:
        permissions.require(actor, "licensing.decide", country=country)
    elif channel != Channel.ONLINE:
        raise ValidationError({"channel": [_("Unknown way of filing.")]})
    chosen = list(commodities)
    uploads = list(documents)
    if paper_dated is not None and channel != Channel.OFFICER:
        paper_dated = None
    if paper_dated is not None and paper_dated > _today():
        raise ValidationError(
            {"paper_dated": [_("The paper filing cannot be dated later than today.")]}
        )
    area_ha = _check_filing(
        actor=actor, country=country, licence_type=licence_type, holder_kind=holder_kind,
        organisation=organisation, applicant_name=applicant_name, nationality=nationality,
        commodities=chosen, geometry=geometry, channel=channel, documents=uploads,
    )  # fmt: skip
    if holder_kind != HolderKind.CITIZEN:
        applicant_name = applicant_name if organisation is None else ""
    min_x, min_y, max_x, max_y = geometry.bounds
    with transaction.atomic():
        # One filing at a time per country: the lock orders the register.
        Country.objects.select_for_update().get(pk=country.pk)
        same = _same_filing(
            actor=actor, licence_type=licence_type, organisation=organisation,
            applicant_name=applicant_name, geometry=geometry,
        )  # fmt: skip
        if same is not None:
            raise ValidationError(
                {"area": [_("This applicant already filed %(number)s for this area; it is "
                            "pending.") % {"number": same.number}]}
            )  # fmt: skip
        last = Application.objects.filter(country=country).aggregate(last=Max("sequence"))
        sequence = (last["last"] or 0) + 1
        received_at = _now()
        application = Application(
            country=country, licence_type=licence_type, sequence=sequence,
            number=f"{country.alpha2}-{received_at.year}-{sequence:06d}",
            received_at=received_at, channel=channel, filed_by=actor, paper_dated=paper_dated,
            holder_kind=holder_kind, organisation=organisation,
            applicant_name=applicant_name.strip()[:200],
            applicant_contact=applicant_contact.strip()[:200], nationality=nationality,
            geometry=as_geojson(geometry), min_x=min_x, min_y=min_y, max_x=max_x, max_y=max_y,
            area_ha=round(area_ha, 4), area_given_as=area_given_as[:40], fee_paid=fee_paid,
            fee_reference=fee_reference.strip()[:100], status=ApplicationStatus.RECEIVED,
            status_since=received_at,
            due_on=_in_days(licence_type.completeness_days, received_at.date()),
        )  # fmt: skip
        application.full_clean()
        application.save()
        application.commodities.set(chosen)
        for upload in uploads:
            _document_save(application, upload, actor)
        _step(application, StepKind.RECEIVED, actor)
        _audit(actor, application, AuditEvent.Action.CREATE, {
            "number": [None, application.number], "country": [None, country.alpha2],
            "licence_type": [None, licence_type.code], "channel": [None, channel],
            "area_ha": [None, application.area_ha],
            "documents": [None, [u.name for u in uploads]],
        })  # fmt: skip
        application_screen(actor=None, application=application, geometry=geometry)
    return application


def _document_save(application: Application, upload: Upload, actor: Any) -> ApplicationDocument:
    document = ApplicationDocument(
        application=application, name=upload.name.strip()[:200], size=upload.file.size,
        uploaded_by=actor,
    )  # fmt: skip
    base = str(getattr(upload.file, "name", "") or "document").rsplit("/", 1)[-1]
    document.file.save(f"{application.number}-{base}"[:180], upload.file, save=False)
    document.save()
    return document


def document_add(*, actor: Any, application: Application, upload: Upload) -> ApplicationDocument:
    """The applicant (or an officer) adds a document; an incomplete application goes back to
    the completeness check."""
    if not _is_filer(actor, application):
        _require_officer(actor, application)
    if not application.is_pending:
        raise ValidationError(
            {"file": [_("This application is decided: it takes no more documents.")]}
        )
    problem = _document_problem(upload)
    if problem:
        raise ValidationError({"file": [problem]})
    with transaction.atomic():
        document = _document_save(application, upload, actor)
        _audit(
            actor,
            document,
            AuditEvent.Action.CREATE,
            {"name": [None, document.name], "application": [None, application.number]},
        )
        if application.status == ApplicationStatus.INCOMPLETE:
            _move(
                application,
                ApplicationStatus.RECEIVED,
                StepKind.COMPLETED,
                actor,
                due_on=_in_days(application.licence_type.completeness_days),
            )
    return document


def application_screen(
    *, actor: Any, application: Application, geometry: BaseGeometry | None = None
) -> ApplicationScreening:
    """Screen the application against the cadastre and the earlier applications as they are
    now, and keep the result with the layers' versions (re-runnable by an officer)."""
    if actor is not None:
        _require_officer(actor, application)
    area = geometry if geometry is not None else shape(application.geometry)
    screening = area_screen(
        country=application.country, geometry=area, licence_type=application.licence_type,
        commodities=list(application.commodities.all()), application=application,
    )  # fmt: skip
    stored = ApplicationScreening.objects.create(
        application=application, run_at=timezone.now(),
        run_by=actor if getattr(actor, "is_authenticated", False) else None,
        verdict=screening.verdict, area_ha=screening.area_ha,
        findings=[finding.as_dict() for finding in screening.findings],
        layer_versions=screening.layer_versions,
    )  # fmt: skip
    _step(application, StepKind.SCREENED, actor, note=screening.verdict)
    return stored


def _move(
    application: Application, status: str, step: str, actor: Any, *, note: str = "",
    due_on: datetime.date | None = None, **values: Any,
) -> Application:  # fmt: skip
    """Put the application in its next step, dated, with who and why, audited."""
    changes = {"status": [application.status, status]}
    application.status = status
    application.status_since = timezone.now()
    application.due_on = due_on
    for name, value in values.items():
        changes[name] = [str(getattr(application, name)), str(value)]
        setattr(application, name, value)
    application.save()
    _step(application, step, actor, note=note)
    _audit(actor, application, AuditEvent.Action.UPDATE, changes)
    return application


def _locked(application: Application, allowed: Iterable[str]) -> Application:
    """The application re-read under a lock, refused unless it is in one of ``allowed``."""
    current = (
        Application.objects.select_for_update(of=("self",))
        .select_related("licence_type", "country")
        .get(pk=application.pk)
    )
    if current.status not in set(allowed):
        raise ValidationError(
            {"status": [_("This application is %(status)s: that step is not open.")
                        % {"status": current.get_status_display()}]}
        )  # fmt: skip
    return current


def application_complete(
    *, actor: Any, application: Application, complete: bool, note: str = ""
) -> Application:
    """The completeness check: complete (on to the public notice, or to the decision when the
    type has none), or incomplete with what is missing (back to the applicant)."""
    _require_officer(actor, application)
    if not complete and not note.strip():
        raise ValidationError({"note": [_("Say what is missing.")]})
    with transaction.atomic():
        current = _locked(application, (ApplicationStatus.RECEIVED, ApplicationStatus.INCOMPLETE))
        kind = current.licence_type
        if not complete:
            return _move(current, ApplicationStatus.INCOMPLETE, StepKind.INCOMPLETE, actor,
                         note=note.strip())  # fmt: skip
        if kind.notice_days:
            return _move(current, ApplicationStatus.COMPLETE, StepKind.COMPLETE, actor,
                         note=note.strip())  # fmt: skip
        return _move(current, ApplicationStatus.DECISION, StepKind.COMPLETE, actor,
                     note=note.strip(), due_on=_in_days(kind.decision_days))  # fmt: skip


def application_notice_publish(*, actor: Any, application: Application) -> Application:
    """Open the public notice for the type's period; objections are recorded until it ends."""
    _require_officer(actor, application)
    with transaction.atomic():
        current = _locked(application, (ApplicationStatus.COMPLETE,))
        until = _in_days(current.licence_type.notice_days or 0)
        return _move(current, ApplicationStatus.NOTICE, StepKind.NOTICE, actor, due_on=until,
                     notice_until=until)  # fmt: skip


def objection_record(
    *, actor: Any, application: Application, objector: str, text: str,
    received_on: datetime.date | None = None,
) -> Objection:  # fmt: skip
    """Record an objection received while the notice is open."""
    _require_officer(actor, application)
    received_on = received_on or _today()
    errors: dict[str, list[str]] = {}
    if not objector.strip():
        errors["objector"] = [_("Say who objects.")]
    if not text.strip():
        errors["text"] = [_("Give the objection.")]
    if received_on > _today():
        errors["received_on"] = [_("An objection cannot be received later than today.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(application, (ApplicationStatus.NOTICE,))
        if current.notice_until is not None and received_on > current.notice_until:
            raise ValidationError(
                {"received_on": [_("The notice closed on %(date)s: this objection came late.")
                                 % {"date": current.notice_until.isoformat()}]}
            )  # fmt: skip
        objection = Objection.objects.create(
            application=current, received_on=received_on, objector=objector.strip()[:200],
            text=text.strip(), recorded_by=actor,
        )  # fmt: skip
        _step(current, StepKind.OBJECTION, actor, note=objection.objector)
        _audit(
            actor,
            objection,
            AuditEvent.Action.CREATE,
            {"objector": [None, objection.objector], "application": [None, current.number]},
        )
    return objection


def objection_answer(*, actor: Any, objection: Objection, answer: str) -> Objection:
    """An officer answers an objection (every objection is answered before a decision)."""
    application = objection.application
    _require_officer(actor, application)
    if not answer.strip():
        raise ValidationError({"answer": [_("Give the answer.")]})
    if not application.is_pending:
        raise ValidationError({"answer": [_("This application is decided.")]})
    with transaction.atomic():
        current = Objection.objects.select_for_update().get(pk=objection.pk)
        changes = {"answer": [current.answer, answer.strip()]}
        current.answer = answer.strip()
        current.answered_at = timezone.now()
        current.answered_by = actor
        current.save()
        _step(application, StepKind.ANSWERED, actor, note=current.objector)
        _audit(actor, current, AuditEvent.Action.UPDATE, changes)
    return current


def application_notice_close(*, actor: Any, application: Application) -> Application:
    """Close the notice once its period has run: the application waits for its decision."""
    _require_officer(actor, application)
    with transaction.atomic():
        current = _locked(application, (ApplicationStatus.NOTICE,))
        if current.notice_until is not None and _today() <= current.notice_until:
            raise ValidationError(
                {"status": [_("The notice runs until %(date)s: it cannot close before.")
                            % {"date": current.notice_until.isoformat()}]}
            )  # fmt: skip
        return _move(current, ApplicationStatus.DECISION, StepKind.NOTICE_CLOSED, actor,
                     due_on=_in_days(current.licence_type.decision_days))  # fmt: skip


def application_withdraw(*, actor: Any, application: Application, reason: str = "") -> Application:
    """The applicant withdraws (or an officer records the withdrawal): it no longer holds the
    applications filed after it."""
    if not _is_filer(actor, application):
        _require_officer(actor, application)
    with transaction.atomic():
        current = _locked(application, PENDING)
        return _move(current, ApplicationStatus.WITHDRAWN, StepKind.WITHDRAWN, actor,
                     note=reason.strip(), decided_at=timezone.now())  # fmt: skip


def application_decide(
    *, actor: Any, application: Application, grant: bool, reasons: str = ""
) -> Application:
    """Grant or refuse. A refusal gives its reasons. A grant needs every objection answered and
    a screening, run again now under the register's lock, in which nothing blocks; where the
    type wants a second approval, the first grant proposes and another officer approves."""
    _require_officer(actor, application)
    if not grant and not reasons.strip():
        raise ValidationError({"reasons": [_("Give the reasons for the refusal.")]})
    with transaction.atomic():
        Country.objects.select_for_update().get(pk=application.country_id)
        current = _locked(
            application, (ApplicationStatus.DECISION, ApplicationStatus.APPROVAL)
            if grant else PENDING,
        )  # fmt: skip
        if not grant:
            return _move(current, ApplicationStatus.REFUSED, StepKind.REFUSED, actor,
                         note=reasons.strip(), decided_at=timezone.now(), decided_by=actor,
                         decision_reasons=reasons.strip())  # fmt: skip
        if current.objections.filter(answered_at__isnull=True).exists():
            raise ValidationError({"status": [_("Answer every objection before the decision.")]})
        screening = application_screen(actor=actor, application=current)
        blocking = [f for f in screening.findings if f["verdict"] == BLOCKS]
        if blocking:
            said = " ".join(Finding.from_dict(f).text for f in blocking)
            raise ValidationError(
                {"status": [_("It cannot be granted: %(reasons)s") % {"reasons": said}]}
            )
        if current.licence_type.second_approval:
            if current.status == ApplicationStatus.DECISION:
                return _move(current, ApplicationStatus.APPROVAL, StepKind.PROPOSED, actor,
                             note=reasons.strip(), decided_by=actor,
                             due_on=_in_days(current.licence_type.decision_days))  # fmt: skip
            if current.decided_by_id == actor.pk:
                raise ValidationError(
                    {"status": [_("Another officer must approve the grant you proposed.")]}
                )
        _move(current, ApplicationStatus.GRANTED, StepKind.GRANTED, actor, note=reasons.strip(),
              decided_at=timezone.now(), decided_by=actor,
              decision_reasons=reasons.strip())  # fmt: skip
        _licence_from(current, actor)
        # The sites inside the licence are licensed from now on.
        site_standings_update(country_id=current.country_id)
    return current


def _licence_from(application: Application, actor: Any) -> Licence:
    """The licence of a granted application, and its shape in the country's titles layer."""
    kind = application.licence_type
    granted_on = _today()
    expires_on = _years_later(granted_on, kind.term_years) if kind.term_years else None
    count = Licence.objects.filter(country=application.country, licence_type=kind).count()
    number = f"{application.country.alpha2}-{kind.code}-{granted_on.year}-{count + 1:05d}"
    while Licence.objects.filter(number=number).exists():
        count += 1
        number = f"{application.country.alpha2}-{kind.code}-{granted_on.year}-{count + 1:05d}"
    commodities = list(application.commodities.all())
    layer, _created = Layer.objects.select_for_update().get_or_create(
        country=application.country, kind=LayerKind.TITLE
    )
    # A person's name stays with the licence (private), never on the public map's shape.
    organisation = application.organisation
    holder = organisation.name if organisation is not None else ""
    feature = LayerFeature.objects.create(
        layer=layer, code=number, name=kind.name_en, title_type=kind.code, holder=holder[:500],
        status=LicenceStatus.VALID, commodities=", ".join(c.code for c in commodities),
        granted_on=granted_on, expires_on=expires_on, geometry=application.geometry,
        min_x=application.min_x, min_y=application.min_y, max_x=application.max_x,
        max_y=application.max_y, area_ha=round(application.area_ha, 2),
    )  # fmt: skip
    Layer.objects.filter(pk=layer.pk).update(version=layer.version + 1)
    licence = Licence.objects.create(
        country=application.country, licence_type=kind, application=application, number=number,
        holder_kind=application.holder_kind, organisation=application.organisation,
        holder_name=application.applicant_name, feature=feature, area_ha=application.area_ha,
        granted_on=granted_on, expires_on=expires_on,
    )  # fmt: skip
    licence.commodities.set(commodities)
    LicenceEvent.objects.create(
        licence=licence, kind=LicenceEventKind.GRANTED, on=granted_on, at=timezone.now(),
        actor=actor, reason=application.decision_reasons,
        details={"application": application.number},
    )  # fmt: skip
    _audit(
        actor,
        licence,
        AuditEvent.Action.CREATE,
        {
            "number": [None, number],
            "application": [None, application.number],
            "expires_on": [None, expires_on.isoformat() if expires_on else None],
        },
    )
    return licence
