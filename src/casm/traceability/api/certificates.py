"""Export certificates over the API: an inspector verifies an exported lot and prepares its
certificate, another validates it (which signs it); its holders fetch the signed document,
and anyone checks a document at ``POST /traceability/verify``."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from casm.core import permissions
from casm.core.api_types import ApiName, RecordId
from casm.core.pagination import LimitOffset
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint

from .. import certificates, selectors, services
from ..models import CertificateStatus, ExportCertificate
from . import router

State = Annotated[CertificateStatus, ApiName("ExportCertificateStatus")]


class CertificateOut(Schema):
    id: int
    identifier: str
    country: str = Field(..., description="ISO alpha-2 of the issuing country")
    status: str
    lot: str
    verified_on: datetime.date
    validated_on: datetime.date | None
    issued_on: datetime.date | None
    expires_on: datetime.date | None
    key_id: str
    signature: str
    data: dict[str, Any] = Field(..., description="The certificate's fields, as signed")
    check_code: str = Field(..., description="Printed on the certificate; its public page")

    @staticmethod
    def resolve_country(certificate: ExportCertificate) -> str:
        return certificate.country.alpha2

    @staticmethod
    def resolve_lot(certificate: ExportCertificate) -> str:
        return str(certificate.data.get("lot", ""))


class CertificateIn(Schema):
    lot: RecordId = Field(..., description="The exported lot")
    ore_type: str = Field(..., min_length=1, max_length=100)
    issuing_authority: str = Field(..., min_length=1, max_length=200)


class CertificateValidateIn(Schema):
    expires_on: datetime.date


class CertificateDocument(Schema):
    format: str = Field(..., max_length=60)
    certificate: dict[str, Any]
    key_id: str = Field(..., max_length=64)
    signature: str = Field(..., max_length=200)


class VerdictOut(Schema):
    valid: bool
    code: str = Field(..., description="valid, tampered, unknown_key, malformed or too_large")
    message: str = Field(..., description="In the reader's language")
    certificate: dict[str, Any] = Field(..., description="The fields the document holds")


class CertificateFilters(Schema):
    status: State | None = None


@router.get("/traceability/certificates", response=list[CertificateOut])
@paginate(LimitOffset)
@endpoint(SIGNED_IN)
def certificate_list(request: HttpRequest, filters: Query[CertificateFilters]):
    """Export certificates of the countries you inspect and of your organisation's exports."""
    shown = selectors.certificates_visible(request.user)
    if filters.status:
        shown = shown.filter(status=str(filters.status))
    return shown


@router.get("/traceability/certificates/{certificate_id}", response=CertificateOut)
@endpoint(SIGNED_IN)
def certificate_detail(request: HttpRequest, certificate_id: RecordId):
    return selectors.certificate_get(request.user, certificate_id)


@router.post("/traceability/certificates", response={201: CertificateOut})
@endpoint("traceability.inspect")
def certificate_prepare(request: HttpRequest, payload: CertificateIn):
    """Verify an exported lot and prepare its certificate; another inspector validates it."""
    permissions.require(request.user, "traceability.inspect")
    try:
        lot = selectors.lot_get(request.user, payload.lot)
    except Http404:
        raise ValidationError({"lot": [_("No lot with this id that you may see.")]}) from None
    operation = selectors.export_of(lot)
    if operation is None:
        raise ValidationError({"lot": [_("Only an exported lot gets an export certificate.")]})
    certificate = services.certificate_prepare(
        actor=request.user, operation=operation, ore_type=payload.ore_type,
        issuing_authority=payload.issuing_authority,
    )  # fmt: skip
    return Status(201, certificate)


@router.post("/traceability/certificates/{certificate_id}/validate", response=CertificateOut)
@endpoint("traceability.inspect")
def certificate_validate(request: HttpRequest, certificate_id: RecordId,
                         payload: CertificateValidateIn):  # fmt: skip
    """Validate a certificate another inspector verified: it is issued and signed."""
    certificate = selectors.certificate_get(request.user, certificate_id)
    return services.certificate_validate(
        actor=request.user, certificate=certificate, expires_on=payload.expires_on
    )


@router.get("/traceability/certificates/{certificate_id}/document", response=CertificateDocument)
@endpoint(SIGNED_IN)
def certificate_document(request: HttpRequest, certificate_id: RecordId):
    """The signed document of an issued certificate, to keep and check offline."""
    certificate = selectors.certificate_get(request.user, certificate_id)
    if certificate.status != CertificateStatus.ISSUED:
        raise Http404
    return certificates.document(certificate)


@router.post("/traceability/verify", response=VerdictOut)
@endpoint(PUBLIC)
def verify(request: HttpRequest, payload: CertificateDocument):
    """Check a certificate document against the platform's public keys: a copy changed in any
    field is found out. Nothing is kept."""
    return certificates.verify(payload.model_dump(), certificates.known_keys())
