from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "casm.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from casm.core import checks  # noqa: F401  (registers the system checks)

        # Every app's job_handlers module registers its handlers: nothing to import by hand.
        autodiscover_modules("job_handlers")
