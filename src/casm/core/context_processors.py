from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

PILLARS = [
    ("governance", _("Governance and formalization")),
    ("environment", _("Environment and livelihoods")),
    ("network", _("Network")),
    ("knowledge", _("Knowledge")),
]


def navigation(request: HttpRequest) -> dict:
    """The four pillars for the main navigation, with the current one marked."""
    current = getattr(request, "resolver_match", None)
    current_pillar = current.kwargs.get("pillar") if current else None
    return {
        "nav_pillars": [
            {
                "slug": slug,
                "title": title,
                "url": reverse("core:pillar", args=[slug]),
                "current": slug == current_pillar,
            }
            for slug, title in PILLARS
        ]
    }
