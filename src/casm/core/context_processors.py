from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

PILLARS = [
    ("governance", _("Governance and formalization")),
    ("environment", _("Environment and livelihoods")),
    ("network", _("Network")),
    ("knowledge", _("Knowledge")),
]


# The short names of the main menu, which fits on one line of a desktop screen in every language:
# the four pillars (their pages give the full titles), then the two parts of the network that
# people come for directly.
MENU_PILLARS = {
    "governance": pgettext_lazy("menu", "Governance"),
    "environment": pgettext_lazy("menu", "Environment"),
    "network": pgettext_lazy("menu", "Network"),
    "knowledge": pgettext_lazy("menu", "Knowledge"),
}
MENU_SECTIONS = [
    ("events", "events:event_list", pgettext_lazy("menu", "Events")),
    ("grants", "grants:call_list", pgettext_lazy("menu", "Grants")),
]


def navigation(request: HttpRequest) -> dict:
    """The main menu: the four pillars, events and grants, with the current one marked."""
    current = getattr(request, "resolver_match", None)
    current_pillar = current.kwargs.get("pillar") if current else None
    current_app = current.namespace if current else None
    items = [
        {
            "slug": slug,
            "title": MENU_PILLARS[slug],
            "full_title": title,
            "url": reverse("core:pillar", args=[slug]),
            "current": slug == current_pillar,
        }
        for slug, title in PILLARS
    ]
    items += [
        {
            "slug": slug,
            "title": title,
            "full_title": title,
            "url": reverse(url_name),
            "current": slug == current_app,
        }
        for slug, url_name, title in MENU_SECTIONS
    ]
    return {"nav_pillars": items}
