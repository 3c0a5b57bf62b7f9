"""Events of the network: the annual conference, workshops, roundtables and webinars, with their
agenda, field visits and registrations (confirmed, on the waiting list, or cancelled).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import Organisation
from casm.core.models import Country
from casm.library.models import Theme


class Event(models.Model):
    class Kind(models.TextChoices):
        CONFERENCE = "conference", _("annual conference")
        WORKSHOP = "workshop", _("workshop")
        ROUNDTABLE = "roundtable", _("roundtable")
        WEBINAR = "webinar", _("webinar")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    host_country = models.ForeignKey(
        Country,
        verbose_name=_("host country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_events",
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    registration_deadline = models.DateField(_("registration deadline"), null=True, blank=True)
    theme = models.CharField(_("theme"), max_length=30, choices=Theme.choices, blank=True)
    description = models.TextField(_("description"), blank=True)
    languages = models.CharField(
        _("languages"), max_length=120, blank=True, help_text=_("For example: English, French")
    )
    capacity = models.PositiveIntegerField(_("seats"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="event_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    room = models.CharField(_("room"), max_length=120, blank=True)
    speakers = models.TextField(_("speakers"), blank=True)
    presentation = models.ForeignKey(
        "library.Document",
        verbose_name=_("presentation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_sessions",
    )

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return self.title


class FieldVisit(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="field_visits")
    title = models.CharField(_("title"), max_length=300)
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("seats"))
    transport = models.CharField(_("transport"), max_length=300, blank=True)
    safety_briefing = models.TextField(_("safety briefing"), blank=True)
    site = models.ForeignKey(
        "registry.Site",
        verbose_name=_("mining site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="field_visits",
    )

    class Meta:
        ordering = ["date", "title"]
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    class Gender(models.TextChoices):
        WOMAN = "woman", _("woman")
        MAN = "man", _("man")
        OTHER = "other", _("another gender")
        UNSTATED = "unstated", _("prefers not to say")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation in the directory"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registrations",
    )
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    organisation_kind = models.CharField(
        _("organisation type"), max_length=20, choices=Organisation.Kind.choices, blank=True
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNSTATED
    )
    dietary_needs = models.CharField(_("dietary needs"), max_length=300, blank=True)
    accessibility_needs = models.CharField(_("accessibility needs"), max_length=300, blank=True)
    visa_letter = models.BooleanField(_("visa letter requested"), default=False)
    field_visit = models.ForeignKey(
        FieldVisit,
        verbose_name=_("field visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    waiting_position = models.PositiveIntegerField(
        _("place on the waiting list"), null=True, blank=True
    )
    first_time = models.BooleanField(_("first-time attendee"), default=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status="cancelled"),
                name="registration_one_per_user_and_event",
            )
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.full_name} — {self.event}"
