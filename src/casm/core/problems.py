"""The platform's shared import messages, by code (see ``casm.core.messages``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casm.core import messages

messages.register(
    "core",
    {
        "country_unknown": _(
            "Unknown country “%(value)s”: give its ISO code (e.g. CD or COD) or its name in"
            " English, French, Spanish or Portuguese."
        ),
        "year_future": _("The year %(value)s is after this year (%(year)s)."),
        "date_future": _("The date %(value)s is after today."),
    },
)
