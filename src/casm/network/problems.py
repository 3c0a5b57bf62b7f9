"""The network directory's import messages, by code (see ``casm.core.messages``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casm.core import messages

messages.register(
    "network",
    {
        "columns_missing": _("missing columns: %(columns)s"),
        "empty": _("%(field)s is empty"),
        "kind_unknown": _("unknown type “%(value)s” (one of: %(allowed)s)"),
        "country_unknown": _("unknown country “%(value)s”"),
        "countries_unknown": _("unknown countries of work: %(values)s"),
        "summary": _(
            "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
            "%(skipped)s with problems"
        ),
        "dry_run_summary": _(
            "Dry run, nothing written: %(created)s would be created, %(updated)s would be "
            "updated, %(unchanged)s unchanged, %(skipped)s with problems"
        ),
    },
)
