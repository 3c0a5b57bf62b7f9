from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceabilityConfig(AppConfig):
    name = "casm.traceability"
    label = "traceability"
    verbose_name = _("Chain of custody")
