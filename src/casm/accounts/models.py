from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from casm.core.models import Country
from casm.core.permissions import Role, is_administrator


def person_name(user: Any) -> str:
    """A user's full name, else the user name; empty for none (the system's own act)."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username()).strip()


class Organisation(models.Model):
    """An organisation people belong to; a user may be scoped to one."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government agency")
        INTERGOVERNMENTAL = "intergovernmental", _("intergovernmental body")
        DONOR = "donor", _("donor or development agency")
        NGO = "ngo", _("non-governmental organisation")
        MINERS = "miners", _("miners' association or cooperative")
        LSM = "lsm", _("large-scale mining company")
        TRADER = "trader", _("trader or refiner")
        JEWELLER = "jeweller", _("jeweller or manufacturer")
        CERTIFICATION = "certification", _("certification body")
        ACADEMIA = "academia", _("academia")

    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text=_("Where the organisation is based; it decides who may see it."),
    )
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    countries_of_work = models.ManyToManyField(
        Country,
        verbose_name=_("countries of work"),
        blank=True,
        related_name="working_organisations",
    )
    description = models.TextField(_("description"), blank=True)
    # The name in lower case, kept by the database: directory searches match it without
    # folding the case of every row on every search.
    name_folded = models.GeneratedField(
        expression=Lower("name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )
    is_network_member = models.BooleanField(
        _("listed in the network directory"),
        default=False,
        db_index=True,
        help_text=_("Shown on the public network directory."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["name", "country"], name="organisation_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class User(AbstractUser):
    """A person who signs in; their role assignments say what they do and where."""

    # The roles themselves live with the permissions table (``casm.core.permissions``).
    Role = Role

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("The organisation the person works for."),
    )
    # Set when the person picks a language while signed in; e-mails to them are written in it.
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language of the e-mails the platform sends to this person."),
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_administrator(self) -> bool:
        return is_administrator(self)


class RoleAssignment(models.Model):
    """One role a user holds, with its own scope: countries and/or an organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries in scope"), blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation in scope"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role", "pk"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_assignment_unique_role")
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token; only its hash is kept, the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
