"""Writes of the licensing app: the cadastre (licence types, the sites' standing) and the
register (applications, their workflow, licences)."""

from .applications import (
    application_complete,
    application_decide,
    application_file,
    application_notice_close,
    application_notice_publish,
    application_screen,
    application_withdraw,
    document_add,
    objection_answer,
    objection_record,
)
from .cadastre import (
    LICENCE_TYPE_FIELDS,
    licence_type_create,
    licence_type_update,
    site_standing_update,
    site_standings_update,
)
from .licences import (
    licence_reinstate,
    licence_renewal_decide,
    licence_renewal_file,
    licence_revoke,
    licence_surrender,
    licence_suspend,
    licence_transfer,
    licences_expire,
    rent_invoice_pay,
    rent_invoices_issue,
)

__all__ = [
    "LICENCE_TYPE_FIELDS",
    "application_complete",
    "application_decide",
    "application_file",
    "application_notice_close",
    "application_notice_publish",
    "application_screen",
    "application_withdraw",
    "document_add",
    "licence_reinstate",
    "licence_renewal_decide",
    "licence_renewal_file",
    "licence_revoke",
    "licence_surrender",
    "licence_suspend",
    "licence_transfer",
    "licence_type_create",
    "licence_type_update",
    "licences_expire",
    "objection_answer",
    "objection_record",
    "rent_invoice_pay",
    "rent_invoices_issue",
    "site_standing_update",
    "site_standings_update",
]
