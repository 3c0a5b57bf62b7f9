"""Incidents reported at a mine site or on a route, and their workflow.

Anyone may report one, signed in or not (anonymously through the public form); the handlers of
the country (inspectors, data officers, environment and health officers) triage it, investigate
it and resolve it, with dates and who at each step. An incident not triaged within
``TRIAGE_DAYS`` days, or not resolved by its deadline, is escalated by the daily round.

The workflow is shared: each app contributes its *family* of kinds. The chain of custody brings
the OECD Annex II risks met on the ground (armed groups, extortion, child or forced labour,
violence, smuggling, bribery, tag misuse); health, safety and environmental incidents join as
further families of :class:`IncidentKind` without changing the workflow.

What a reporter writes and who they are stay with the handlers: the public sees only the
counts by kind, province and year, and a reporter follows their own report with the key they
were given (kept here as its SHA-256 hash only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import person_name
from casm.core.models import AdminArea, Country

# Days a new report may wait for its triage before it is escalated.
TRIAGE_DAYS = 7
# Days from the triage to the resolution, by severity: the default deadline the handler may
# shorten (the platform's working rule; a country may set its own by choosing dates).
RESOLUTION_DAYS = {"high": 30, "medium": 60, "low": 90}


class IncidentFamily(models.TextChoices):
    SUPPLY_CHAIN = "supply_chain", _("supply chain and security")


class IncidentKind(models.TextChoices):
    ARMED_GROUP = "armed_group", _("armed group or abusive security forces")
    EXTORTION = "extortion", _("illegal taxation or extortion")
    CHILD_LABOUR = "child_labour", _("child labour")
    FORCED_LABOUR = "forced_labour", _("forced labour")
    VIOLENCE = "violence", _("violence, torture or sexual violence")
    SMUGGLING = "smuggling", _("smuggling or false origin")
    BRIBERY = "bribery", _("bribery")
    TAG_MISUSE = "tag_misuse", _("tag misuse or tag trading")
    OTHER = "other", _("other incident")


# Each kind's family: the apps that add kinds add them here.
FAMILY_OF: dict[str, str] = {kind: IncidentFamily.SUPPLY_CHAIN for kind in IncidentKind.values}


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("reported, awaiting triage")
    INVESTIGATING = "investigating", _("under investigation")
    RESOLVED = "resolved", _("resolved")
    DISMISSED = "dismissed", _("dismissed at triage")


class Severity(models.TextChoices):
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class Outcome(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    NOT_CONFIRMED = "not_confirmed", _("not confirmed")


class Incident(models.Model):
    """One report and its handling."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=IncidentKind.choices)
    occurred_on = models.DateField(_("occurred on"))
    site = models.ForeignKey(
        "registry.Site",
        verbose_name=_("mine site"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    location = models.CharField(
        _("place or route"), max_length=300, blank=True,
        help_text=_("e.g. the road from Kamituga to Bukavu, or a village"),
    )  # fmt: skip
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # The province: the area holding the site or the point when the country's areas are
    # loaded, else the province the site's record states.
    area1 = models.ForeignKey(
        AdminArea,
        verbose_name=_("province"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    province = models.CharField(_("province"), max_length=200, blank=True)
    # Private: what happened, and who says so.
    description = models.TextField(_("what happened"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_reported",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=200, blank=True)
    reporter_contact = models.CharField(_("reporter's contact"), max_length=200, blank=True)
    follow_key_hash = models.CharField(max_length=64, unique=True)
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    status = models.CharField(
        _("status"), max_length=20, choices=IncidentStatus.choices,
        default=IncidentStatus.REPORTED,
    )  # fmt: skip
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents_handled",
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    triage_note = models.TextField(_("triage note"), blank=True)
    due_on = models.DateField(_("resolve by"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    # What the reporter reads when they follow their report (no names).
    public_note = models.CharField(_("note for the reporter"), max_length=500, blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        indexes = [
            models.Index(fields=["country", "status"], name="incident_country_status"),
            models.Index(fields=["status", "due_on"], name="incident_due"),
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.reference

    @property
    def handler_name(self) -> str:
        return person_name(self.handler)

    @property
    def triaged_by_name(self) -> str:
        return person_name(self.triaged_by)

    @property
    def resolved_by_name(self) -> str:
        return person_name(self.resolved_by)

    @property
    def reporter_label(self) -> str:
        """Who reported it, as the handlers read it: the account, the name given, or none."""
        return person_name(self.reporter) or self.reporter_name

    @property
    def family(self) -> str:
        return FAMILY_OF.get(self.kind, "")

    @property
    def anonymous(self) -> bool:
        return self.reporter_id is None and not self.reporter_name

    @property
    def is_open(self) -> bool:
        return self.status in (IncidentStatus.REPORTED, IncidentStatus.INVESTIGATING)
