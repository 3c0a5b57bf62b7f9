"""The register's API: applications (filed online or entered from paper), their screening and
workflow, and the licences granted.

The register is public as a cadastre publishes it: number, receipt second, type, the
organisation that applies (a person is "a private person"), area and shape, commodities,
status and screening. The applicant's name and contact, the documents and the objections are
answered only to the filer and the country's officers. Steps are taken by licensing officers
of the application's country; elsewhere the application is not found (404).
"""

import base64
import binascii
import datetime
from typing import Annotated, Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.core.api_types import CommodityCode, CountryCode, RecordId
from casm.core.models import Commodity
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint
from casm.registry.selectors import country_by_code

from .. import selectors, services
from ..areas import AreaError, area_from_corners, area_from_geojson
from ..models import (
    Application,
    ApplicationScreening,
    ApplicationStatus,
    Channel,
    HolderKind,
    Licence,
    LicenceType,
    Objection,
)
from ..screening import Finding
from ..services.applications import MAX_DOCUMENT_BYTES, Upload
from . import router
from .cadastre import Money, _invalid

# Base64 of a document of at most 10 MB.
MAX_BASE64 = (MAX_DOCUMENT_BYTES * 4) // 3 + 8


class StepOut(Schema):
    kind: str
    at: datetime.datetime


class StoredFindingOut(Schema):
    rule: str
    verdict: str = Field(..., description="blocks, decision or info")
    code: str
    message: str = Field(..., description="In the reader's language (Accept-Language)")
    feature_code: str = Field(..., description="The title, zone or area found, if any")
    kind: str = Field(..., description="Its layer")
    overlap_ha: float | None
    share: float | None


class StoredScreeningOut(Schema):
    run_at: datetime.datetime
    verdict: str = Field(..., description="blocks, decision or clear")
    area_ha: float
    layer_versions: dict[str, int] = Field(..., description="The version of each layer read")
    findings: list[StoredFindingOut]

    @staticmethod
    def resolve_findings(screening: ApplicationScreening) -> list[dict[str, Any]]:
        return [
            {**found, "message": Finding.from_dict(found).text,
             "feature_code": found.get("feature_code", ""), "kind": found.get("kind", "")}
            for found in screening.findings
        ]  # fmt: skip


class ApplicationOut(Schema):
    id: int
    number: str
    country: str = Field(..., description="ISO alpha-2")
    licence_type: str = Field(..., description="The licence type's code")
    sequence: int = Field(..., description="Its place in the country's register")
    received_at: datetime.datetime = Field(..., description="To the second, UTC")
    applicant: str = Field(..., description="The organisation, or “a private person”")
    holder_kind: str
    commodities: list[str]
    area_ha: float
    status: str
    due_on: datetime.date | None = Field(None, description="The current step's legal deadline")
    notice_until: datetime.date | None
    decided_at: datetime.datetime | None
    decision_reasons: str
    licence: str | None = Field(None, description="The number of the licence granted")
    area: dict[str, Any] = Field(..., alias="geometry", description="GeoJSON in WGS 84")

    @staticmethod
    def resolve_country(application: Application) -> str:
        return application.country.alpha2

    @staticmethod
    def resolve_licence_type(application: Application) -> str:
        return application.licence_type.code

    @staticmethod
    def resolve_applicant(application: Application) -> str:
        return application.public_applicant

    @staticmethod
    def resolve_commodities(application: Application) -> list[str]:
        return [c.code for c in application.commodities.all()]

    @staticmethod
    def resolve_licence(application: Application) -> str | None:
        licence = getattr(application, "licence", None)
        return licence.number if licence else None


class ObjectionOut(Schema):
    id: int
    objector: str
    received_on: datetime.date
    text: str
    answer: str
    answered_at: datetime.datetime | None


class PrivateOut(Schema):
    applicant_name: str
    applicant_contact: str
    channel: str
    filed_by: str
    documents: list[str]
    objections: list[ObjectionOut]

    @staticmethod
    def resolve_filed_by(application: Application) -> str:
        return application.filed_by.get_username()

    @staticmethod
    def resolve_documents(application: Application) -> list[str]:
        return [d.name for d in application.documents.all()]

    @staticmethod
    def resolve_objections(application: Application) -> list[Objection]:
        return list(application.objections.all())


class ApplicationDetailOut(ApplicationOut):
    screening: StoredScreeningOut | None
    steps: list[StepOut]
    private: PrivateOut | None = Field(
        None, description="Only for the filer and the country's officers"
    )

    @staticmethod
    def resolve_screening(application: Application) -> ApplicationScreening | None:
        return selectors.latest_screening(application)

    @staticmethod
    def resolve_steps(application: Application) -> list[Any]:
        return list(application.steps.all())

    @staticmethod
    def resolve_private(application: Application, context: Any) -> Application | None:
        user = context["request"].user
        return application if selectors.application_is_private_to(user, application) else None


class ApplicationFilters(Schema):
    country: CountryCode = Field("", description="ISO alpha-2")
    status: ApplicationStatus | None = None
    pending: bool = Field(False, description="Only the applications not yet decided")
    number: str = Field("", max_length=40)


class ApplicationDocumentIn(Schema):
    name: str = Field(..., min_length=1, max_length=200, description="The required document")
    filename: str = Field(..., min_length=1, max_length=200)
    content_base64: str = Field(..., max_length=MAX_BASE64, description="PDF, PNG or JPEG")


class ApplicationIn(Schema):
    country: CountryCode = Field(..., description="ISO alpha-2")
    licence_type: str = Field(..., min_length=1, max_length=40, description="Its code")
    holder_kind: HolderKind
    organisation: RecordId | None = Field(None, description="For a cooperative or company")
    applicant_name: str = Field("", max_length=200, description="A person's; kept private")
    applicant_contact: str = Field("", max_length=200, description="Kept private")
    nationality: CountryCode = Field("", description="ISO alpha-2, for a person")
    commodities: list[CommodityCode] = Field(..., min_length=1, max_length=20)
    area: dict[str, Any] | None = Field(None, description="A GeoJSON Polygon or MultiPolygon")
    corners: str = Field("", max_length=50_000, description="Or corners, one per line")
    grid: str = Field("", max_length=80, description="The corners' grid (EPSG code), if in metres")
    fee_paid: Money | None = None
    fee_reference: str = Field("", max_length=100)
    channel: Channel = Field(Channel.ONLINE, description="officer: a paper filing entered")
    paper_dated: datetime.date | None = None
    documents: list[ApplicationDocumentIn] = Field(default_factory=list, max_length=20)


class CompletenessIn(Schema):
    complete: bool
    note: str = Field("", max_length=2000)


class ObjectionIn(Schema):
    objector: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=5000)
    received_on: datetime.date | None = None


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=5000)


class LicenceDecisionIn(Schema):
    grant: bool
    reasons: str = Field("", max_length=5000)


class ApplicationWithdrawIn(Schema):
    reason: str = Field("", max_length=2000)


class LicenceEventOut(Schema):
    kind: str
    on: datetime.date
    reason: str


class LicenceHolderOut(Schema):
    holder: str = Field(..., description="The organisation, or “a private person”")
    percent: int


class LicenceOut(Schema):
    id: int
    number: str
    country: str
    licence_type: str
    holder: str = Field(..., description="The organisation, or “a private person”")
    holders: list[LicenceHolderOut] = Field(
        ..., description="The holder and the co-holders with their shares, the holder first"
    )
    commodities: list[str]
    area_ha: float
    granted_on: datetime.date
    expires_on: datetime.date | None
    status: str
    application: str | None
    events: list[LicenceEventOut]

    @staticmethod
    def resolve_country(licence: Licence) -> str:
        return licence.country.alpha2

    @staticmethod
    def resolve_licence_type(licence: Licence) -> str:
        return licence.licence_type.code

    @staticmethod
    def resolve_holder(licence: Licence) -> str:
        return licence.public_holder

    @staticmethod
    def resolve_holders(licence: Licence) -> list[Any]:
        return [{"holder": name, "percent": percent} for name, percent in licence.public_holders()]

    @staticmethod
    def resolve_commodities(licence: Licence) -> list[str]:
        return [c.code for c in licence.commodities.all()]

    @staticmethod
    def resolve_application(licence: Licence) -> str | None:
        return licence.application.number if licence.application else None

    @staticmethod
    def resolve_events(licence: Licence) -> list[Any]:
        return list(licence.events.all())


def _upload(document: ApplicationDocumentIn, field: str) -> Upload:
    try:
        content = base64.b64decode(document.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(field, f"{document.filename}: content_base64 is not base64.") from None
    return Upload(document.name, SimpleUploadedFile(document.filename, content))


@router.get("/licensing/applications", response=list[ApplicationOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def application_list(request: HttpRequest, filters: Query[ApplicationFilters]):
    """The register in its order of priority (receipt second, then place in the register)."""
    return selectors.application_list(
        country=country_by_code(filters.country) if filters.country else None,
        status=str(filters.status or ""), pending=filters.pending, q=filters.number,
    )  # fmt: skip


@router.get("/licensing/applications/{application_id}", response=ApplicationDetailOut)
@endpoint(PUBLIC)
def application_detail(request: HttpRequest, application_id: RecordId):
    """An application with its latest screening and its steps (and, for the filer and the
    country's officers, its private part)."""
    return selectors.application_get(application_id)


@router.post("/licensing/applications", response={201: ApplicationDetailOut})
@endpoint(SIGNED_IN)
def application_file(request: HttpRequest, payload: ApplicationIn):
    """File an application; it is numbered, timed to the second and screened at once. An
    online filing carries the type's required documents (base64)."""
    from casm.accounts.models import Organisation

    country = country_by_code(payload.country)
    licence_type = LicenceType.objects.filter(country=country, code=payload.licence_type).first()
    if country is None or licence_type is None:
        raise _invalid(
            "licence_type", f"{payload.licence_type!r} is not a licence type of {payload.country}."
        )
    organisation = None
    if payload.organisation is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation).first()
        if organisation is None:
            raise _invalid("organisation", f"No organisation {payload.organisation}.")
    try:
        if payload.area is not None:
            geometry = area_from_geojson(payload.area)
        elif payload.corners.strip():
            geometry = area_from_corners(payload.corners, payload.grid.strip())
        else:
            raise _invalid("area", "Give the area: a GeoJSON shape or its corner coordinates.")
    except AreaError as exc:
        raise _invalid("corners" if payload.area is None else "area", exc.message) from None
    uploads = [_upload(d, f"documents.{i}") for i, d in enumerate(payload.documents)]
    application = services.application_file(
        actor=request.user, country=country, licence_type=licence_type,
        holder_kind=str(payload.holder_kind), organisation=organisation,
        applicant_name=payload.applicant_name, applicant_contact=payload.applicant_contact,
        nationality=country_by_code(payload.nationality) if payload.nationality else None,
        commodities=list(Commodity.objects.filter(code__in=payload.commodities)),
        geometry=geometry, area_given_as="api", fee_paid=payload.fee_paid,
        fee_reference=payload.fee_reference, channel=str(payload.channel),
        paper_dated=payload.paper_dated, documents=uploads,
    )  # fmt: skip
    return Status(201, selectors.application_get(application.pk))


def _officer_application(request: HttpRequest, application_id: int) -> Application:
    return selectors.application_for_officer(request.user, application_id)


@router.post(
    "/licensing/applications/{application_id}/screenings", response={201: StoredScreeningOut}
)
@endpoint("licensing.decide")
def application_screen(request: HttpRequest, application_id: RecordId):
    """Screen the application again against the cadastre as it is now."""
    application = _officer_application(request, application_id)
    return Status(201, services.application_screen(actor=request.user, application=application))


@router.post("/licensing/applications/{application_id}/completeness", response=ApplicationDetailOut)
@endpoint("licensing.decide")
def application_complete(request: HttpRequest, application_id: RecordId, payload: CompletenessIn):
    """The completeness check: complete, or incomplete with what is missing."""
    application = _officer_application(request, application_id)
    services.application_complete(
        actor=request.user, application=application, complete=payload.complete,
        note=payload.note,
    )  # fmt: skip
    return selectors.application_get(application_id)


@router.post("/licensing/applications/{application_id}/notice", response=ApplicationDetailOut)
@endpoint("licensing.decide")
def application_notice(request: HttpRequest, application_id: RecordId):
    """Publish the public notice for the licence type's period."""
    application = _officer_application(request, application_id)
    services.application_notice_publish(actor=request.user, application=application)
    return selectors.application_get(application_id)


@router.post("/licensing/applications/{application_id}/notice/close", response=ApplicationDetailOut)
@endpoint("licensing.decide")
def application_notice_close(request: HttpRequest, application_id: RecordId):
    """Close the notice once its period has run."""
    application = _officer_application(request, application_id)
    services.application_notice_close(actor=request.user, application=application)
    return selectors.application_get(application_id)


@router.post("/licensing/applications/{application_id}/objections", response={201: ObjectionOut})
@endpoint("licensing.decide")
def objection_record(request: HttpRequest, application_id: RecordId, payload: ObjectionIn):
    """Record an objection received during the notice."""
    application = _officer_application(request, application_id)
    objection = services.objection_record(
        actor=request.user, application=application, objector=payload.objector,
        text=payload.text, received_on=payload.received_on,
    )  # fmt: skip
    return Status(201, objection)


@router.post(
    "/licensing/applications/{application_id}/objections/{objection_id}/answer",
    response=ObjectionOut,
)
@endpoint("licensing.decide")
def objection_answer(
    request: HttpRequest, application_id: RecordId, objection_id: RecordId, payload: AnswerIn
):
    """Answer an objection."""
    application = _officer_application(request, application_id)
    objection = get_object_or_404(Objection, pk=objection_id, application=application)
    return services.objection_answer(actor=request.user, objection=objection, answer=payload.answer)


@router.post("/licensing/applications/{application_id}/decision", response=ApplicationDetailOut)
@endpoint("licensing.decide")
def application_decide(request: HttpRequest, application_id: RecordId, payload: LicenceDecisionIn):
    """Grant (after a screening run again now) or refuse with reasons."""
    application = _officer_application(request, application_id)
    services.application_decide(
        actor=request.user, application=application, grant=payload.grant,
        reasons=payload.reasons,
    )  # fmt: skip
    return selectors.application_get(application_id)


@router.post("/licensing/applications/{application_id}/withdraw", response=ApplicationDetailOut)
@endpoint(SIGNED_IN)
def application_withdraw(
    request: HttpRequest, application_id: RecordId, payload: ApplicationWithdrawIn
):
    """The filer withdraws (or an officer records the withdrawal)."""
    application = selectors.application_for_party(request.user, application_id)
    services.application_withdraw(actor=request.user, application=application,
                                  reason=payload.reason)  # fmt: skip
    return selectors.application_get(application_id)


@router.post(
    "/licensing/applications/{application_id}/documents", response={201: ApplicationDetailOut}
)
@endpoint(SIGNED_IN)
def document_add(request: HttpRequest, application_id: RecordId, payload: ApplicationDocumentIn):
    """Add a document (the filer, or an officer)."""
    application = selectors.application_for_party(request.user, application_id)
    services.document_add(
        actor=request.user, application=application, upload=_upload(payload, "content_base64")
    )
    return Status(201, selectors.application_get(application_id))


@router.get("/licensing/overdue", response=list[ApplicationOut])
@paginate(LimitOffset)
@endpoint("licensing.view")
def overdue_list(request: HttpRequest):
    """The pending applications of one's countries past their step's legal deadline."""
    from casm.core.permissions import require

    require(request.user, "licensing.view")
    return selectors.overdue_list(request.user)


@router.get("/licensing/licences", response=list[LicenceOut])
@paginate(LimitOffset)
@endpoint(PUBLIC)
def licence_list(request: HttpRequest, country: CountryCode = ""):
    """The licences granted through the register."""
    return selectors.licence_list(country_code=country)


@router.get("/licensing/licences/{licence_id}", response=LicenceOut)
@endpoint(PUBLIC)
def licence_detail(request: HttpRequest, licence_id: RecordId):
    return selectors.licence_get(licence_id)


class LicenceEventIn(Schema):
    kind: Annotated[
        str,
        Field(
            pattern="^(renewal_filed|renewed|renewal_refused|transferred|surrendered|suspended"
            "|reinstated|revoked)$",
            description="renewal_filed (the holder or an officer), renewed or renewal_refused, "
            "transferred, surrendered (the holder or an officer), suspended, reinstated, revoked",
        ),
    ]
    reason: str = Field("", max_length=2000)
    organisation: RecordId | None = Field(None, description="transferred: to whom")
    share: int = Field(100, ge=1, le=100, description="transferred: the share in percent")
    area: dict[str, Any] | None = Field(
        None, description="surrendered: the part given up (GeoJSON); none gives up the whole"
    )


class RentInvoiceOut(Schema):
    id: int
    licence: str
    year: int
    period_start: datetime.date
    due_on: datetime.date
    area_ha: float
    rate: str
    amount: str
    currency: str
    paid_on: datetime.date | None
    payment_reference: str
    unpaid_late: bool = Field(..., alias="is_unpaid_late")

    @staticmethod
    def resolve_licence(invoice: Any) -> str:
        return invoice.licence.number

    @staticmethod
    def resolve_rate(invoice: Any) -> str:
        return f"{invoice.rate:.2f}"

    @staticmethod
    def resolve_amount(invoice: Any) -> str:
        return f"{invoice.amount:.2f}"


class RentIssueIn(Schema):
    country: CountryCode = Field(..., description="ISO alpha-2")


class PaymentIn(Schema):
    paid_on: datetime.date | None = None
    reference: str = Field("", max_length=100)


def _licence_for(request: HttpRequest, licence_id: int, *, holder_may: bool) -> Licence:
    """The licence if the reader may act on it (an officer of its country, or its holder for
    what a holder does); otherwise 404."""
    from casm.core.permissions import can

    from ..services.licences import is_holder

    licence = selectors.licence_get(licence_id)
    if can(request.user, "licensing.decide", country=licence.country_id):
        return licence
    if holder_may and is_holder(request.user, licence):
        return licence
    raise Http404


@router.post("/licensing/licences/{licence_id}/events", response={201: LicenceOut})
@endpoint(SIGNED_IN)
def licence_event(request: HttpRequest, licence_id: RecordId, payload: LicenceEventIn):
    """An event of the licence's life, dated today, with why."""
    from casm.accounts.models import Organisation

    kind = payload.kind
    licence = _licence_for(request, licence_id, holder_may=kind in ("renewal_filed", "surrendered"))
    actor, reason = request.user, payload.reason
    if kind == "renewal_filed":
        services.licence_renewal_file(actor=actor, licence=licence, note=reason)
    elif kind in ("renewed", "renewal_refused"):
        services.licence_renewal_decide(
            actor=actor, licence=licence, grant=kind == "renewed", reason=reason
        )
    elif kind == "transferred":
        organisation = Organisation.objects.filter(pk=payload.organisation or 0).first()
        services.licence_transfer(
            actor=actor, licence=licence, organisation=organisation, share=payload.share,
            reason=reason,
        )  # fmt: skip
    elif kind == "surrendered":
        part = None
        if payload.area is not None:
            try:
                part = area_from_geojson(payload.area)
            except AreaError as exc:
                raise _invalid("area", exc.message) from None
        services.licence_surrender(actor=actor, licence=licence, part=part, reason=reason)
    else:
        act = {"suspended": services.licence_suspend, "reinstated": services.licence_reinstate,
               "revoked": services.licence_revoke}[kind]  # fmt: skip
        act(actor=actor, licence=licence, reason=reason)
    return Status(201, selectors.licence_get(licence.pk))


@router.get("/licensing/licences/{licence_id}/invoices", response=list[RentInvoiceOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def rent_invoice_list(request: HttpRequest, licence_id: RecordId):
    """A licence's rent invoices, for its holder and the officers of its country."""
    licence = _licence_for(request, licence_id, holder_may=True)
    return licence.invoices.select_related("licence")


class RentIssuedOut(Schema):
    country: str
    issued: int = Field(..., description="How many invoices were issued")


@router.post("/licensing/rent", response={201: RentIssuedOut})
@endpoint("licensing.decide")
def rent_issue(request: HttpRequest, payload: RentIssueIn):
    """Issue the annual surface rent fallen due in a country (each licence's invoices are
    then under /licensing/licences/{id}/invoices)."""
    country = country_by_code(payload.country)
    made = services.rent_invoices_issue(actor=request.user, country=country)
    return Status(201, RentIssuedOut(country=payload.country, issued=len(made)))


@router.post(
    "/licensing/licences/{licence_id}/invoices/{invoice_id}/payment", response=RentInvoiceOut
)
@endpoint("licensing.decide")
def rent_invoice_pay(
    request: HttpRequest, licence_id: RecordId, invoice_id: RecordId, payload: PaymentIn
):
    """Record the payment of a rent invoice."""
    licence = _licence_for(request, licence_id, holder_may=False)
    invoice = get_object_or_404(licence.invoices, pk=invoice_id)
    return services.rent_invoice_pay(
        actor=request.user, invoice=invoice, paid_on=payload.paid_on, reference=payload.reference
    )
