from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "casm.library"
    label = "library"
    verbose_name = _("Knowledge library")

    def ready(self) -> None:
        from casm.library import job_handlers  # noqa: F401  (registers the extraction job)
