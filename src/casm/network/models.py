"""The CASM network: people and their public profiles, the expert roster, regional networks
with their memberships over time, partnerships and projects.

Organisations are ``accounts.Organisation`` (extended with the countries they work in, a
description and whether they are listed in the public directory); this app adds everything
around them. Contact details of people are private: only the secretariat sees them.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from casm.core.models import Country
from casm.library.models import Language, Theme, choice_labels


class Availability(models.TextChoices):
    AVAILABLE = "available", _("available")
    LIMITED = "limited", _("limited availability")
    UNAVAILABLE = "unavailable", _("not available")


class Person(models.Model):
    """Someone in the network; only the name, organisation, bio and countries may be public."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    # The name in lower case, kept by the database, for searches (see accounts.Organisation).
    name_folded = models.GeneratedField(
        expression=Lower("name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    public_profile = models.BooleanField(
        _("public profile"),
        default=False,
        db_index=True,
        help_text=_("Show the name, organisation, bio and countries in the public directory."),
    )
    bio = models.TextField(_("bio"), blank=True)
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries"), blank=True, related_name="network_people"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class ExpertProfile(models.Model):
    """A person on the expert roster: what they know, in which languages and where."""

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="expert"
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries"), blank=True, related_name="network_experts"
    )
    availability = models.CharField(
        _("availability"),
        max_length=12,
        choices=Availability.choices,
        default=Availability.AVAILABLE,
        db_index=True,
    )

    class Meta:
        ordering = ["person__name"]
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return str(self.person)

    @property
    def theme_names(self) -> str:
        return choice_labels(Theme, self.themes)

    @property
    def language_names(self) -> str:
        return choice_labels(Language, self.languages)


class RegionalNetwork(models.Model):
    """A regional network of the CASM network (Africa, Asia, China)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    founded = models.PositiveSmallIntegerField(_("founded"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("regional network")
        verbose_name_plural = _("regional networks")

    def __str__(self) -> str:
        return self.name


class NetworkMembership(models.Model):
    """An organisation's membership of a regional network, from ``joined`` until ``left``."""

    network = models.ForeignKey(
        RegionalNetwork,
        verbose_name=_("network"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="network_memberships",
    )
    joined = models.DateField(_("joined"))
    left = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["network", "joined", "pk"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.organisation} — {self.network}"


class Programme(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Knowledge Development and Sharing")
    GRANTS = "grants", _("Grants Program")
    RESEARCH = "research", _("Strategic Research Program")
    TECHNICAL = "technical", _("Technical Assistance")


class Partnership(models.Model):
    """A partnership between the network and other organisations, under a programme."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    programme = models.CharField(
        _("programme"), max_length=12, choices=Programme.choices, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("organisations"),
        blank=True,
        related_name="partnerships",
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        ordering = ["start", "name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A project run by organisations of the network, with its donors, places and budget."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ONGOING = "ongoing", _("ongoing")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    title = models.CharField(_("title"), max_length=300, db_index=True)
    lead_organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    partners = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="partner_projects",
    )
    donors = models.ManyToManyField(
        "accounts.Organisation",
        verbose_name=_("donors"),
        blank=True,
        related_name="funded_projects",
    )
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries"), blank=True, related_name="network_projects"
    )
    sites = models.ManyToManyField(
        "registry.Site", verbose_name=_("mining sites"), blank=True, related_name="projects"
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    outputs = models.TextField(_("outputs"), blank=True)
    documents = models.ManyToManyField(
        "library.Document", verbose_name=_("documents"), blank=True, related_name="projects"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-start", "title"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.title

    @property
    def theme_names(self) -> str:
        return choice_labels(Theme, self.themes)
