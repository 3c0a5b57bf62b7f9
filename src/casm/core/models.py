from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Country(models.Model):
    """An ISO 3166-1 country, with its UN M49 region; loaded by migration, never edited."""

    alpha2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    alpha3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric"), max_length=3, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    region_m49 = models.CharField(_("M49 region"), max_length=3, blank=True)
    region_en = models.CharField(_("region (English)"), max_length=60, blank=True)
    region_fr = models.CharField(_("region (French)"), max_length=60, blank=True)
    subregion_m49 = models.CharField(_("M49 sub-region"), max_length=3, blank=True)
    subregion_en = models.CharField(_("sub-region (English)"), max_length=60, blank=True)
    subregion_fr = models.CharField(_("sub-region (French)"), max_length=60, blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (French, else English)."""
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en

    @property
    def region(self) -> str:
        return self.region_fr if (get_language() or "en").startswith("fr") else self.region_en


class Commodity(models.Model):
    """A mineral commodity of the sector, with its HS code and default unit."""

    class Unit(models.TextChoices):
        GRAM = "g", _("gram")
        CARAT = "ct", _("carat")
        KILOGRAM = "kg", _("kilogram")
        TONNE = "t", _("tonne")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_fr = models.CharField(_("name (French)"), max_length=80)
    name_es = models.CharField(_("name (Spanish)"), max_length=80)
    name_pt = models.CharField(_("name (Portuguese)"), max_length=80)
    group = models.CharField(_("group"), max_length=60, blank=True)
    hs_code = models.CharField(_("HS code"), max_length=12, blank=True)
    unit = models.CharField(_("default unit"), max_length=2, choices=Unit.choices)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("commodity")
        verbose_name_plural = _("commodities")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en


class AuditEvent(models.Model):
    """One write made through a service: who, when, from where, and what changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    class Source(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")
        CLI = "cli", _("command line")
        IMPORT = "import", _("import")
        JOB = "job", _("background job")
        SYSTEM = "system", _("system")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_repr = models.CharField(_("who (as recorded)"), max_length=150, blank=True)
    source = models.CharField(_("from"), max_length=10, choices=Source.choices)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("model"), max_length=80, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"


class Job(models.Model):
    """A piece of long work run by `casm worker`, with progress people can watch."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveBigIntegerField(_("progress"), default=0)
    total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    # When the worker last said it was still at work (each progress report), and how many
    # times a worker took the job: a job whose worker died is queued again once, then failed.
    heartbeat_at = models.DateTimeField(_("last news"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, int(100 * self.progress / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED}

    @property
    def said_result(self) -> dict:
        """The result with its messages in the reader's language (see ``core.messages``)."""
        from casm.core.messages import said_result

        return said_result(self.result or {})

    @property
    def said_message(self) -> str:
        """The message in the reader's language once the job has ended and keeps a summary."""
        summary = (self.result or {}).get("summary")
        if self.status in (self.Status.DONE, self.Status.FAILED) and isinstance(summary, dict):
            from casm.core.messages import render

            # Only the summary is said: a list of jobs needs no problem of any of them.
            return render(summary.get("code", ""), summary.get("params")) or self.message
        return self.message


class AdminArea(models.Model):
    """An administrative area (province, district, ...) with its official code and boundary.

    Levels 1–3 of a country, imported from the government's own boundary files. The boundary
    is GeoJSON in WGS 84; its bounding box is kept beside it and indexed (SQLite's R*Tree,
    a GiST index on PostgreSQL) so that a point finds its candidates without a scan.
    """

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="areas"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    code = models.CharField(_("official code"), max_length=40, help_text=_("e.g. a P-code"))
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    geometry = models.JSONField(_("boundary"))
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    area_ha = models.FloatField(_("area (ha)"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country", "level", "name"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="admin_area_unique_code"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=3), name="admin_area_level_1_to_3"
            ),
        ]
        indexes = [models.Index(fields=["country", "level"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
