"""Pages of the licensing app: the cadastre (``cadastre``) and the register (``register``)."""

from .cadastre import (
    cadastre,
    cadastre_export,
    cadastre_map,
    cadastre_shapes,
    layer_import_view,
    licence_type_edit,
    licence_types,
    precheck,
)
from .register import (
    application_detail,
    application_document,
    application_list,
    application_new,
    application_step,
    licence_detail,
    licence_list,
    licence_step,
    officer_work,
    register_statistics,
    rent_issue,
)

__all__ = [
    "application_detail",
    "application_document",
    "application_list",
    "application_new",
    "application_step",
    "cadastre",
    "cadastre_export",
    "cadastre_map",
    "cadastre_shapes",
    "layer_import_view",
    "licence_detail",
    "licence_list",
    "licence_step",
    "licence_type_edit",
    "licence_types",
    "officer_work",
    "precheck",
    "register_statistics",
    "rent_issue",
]
