"""The permissions table in templates: `{% if user|can:"registry.import" %}`."""

from typing import Any

from django import template

from casm.core import permissions

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """Whether ``user`` holds ``capability`` somewhere (see ``casm.core.permissions``)."""
    return user is not None and permissions.can(user, capability)
