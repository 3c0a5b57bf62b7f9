"""Reference figures of the country profiles: ASM workforce estimates, each with its source."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from casm.core.models import Country


class WorkforceEstimate(models.Model):
    """How many people work directly in ASM in a country (or the world), by one source.

    A country may have several estimates (years, sources, ranges); the services keep at most one
    of them flagged as the best, which the ranking uses. An estimate may be a range only.
    """

    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workforce_estimates",
        help_text=_("Empty for the whole world."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("Empty when the source gives none.")
    )
    value = models.PositiveBigIntegerField(
        _("people"), null=True, blank=True, help_text=_("Empty when the source gives a range.")
    )
    low = models.PositiveBigIntegerField(_("low end of the range"), null=True, blank=True)
    high = models.PositiveBigIntegerField(_("high end of the range"), null=True, blank=True)
    is_best = models.BooleanField(_("best estimate"), default=False)
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country__name_en", "-is_best", "-year", "pk"]
        verbose_name = _("ASM workforce estimate")
        verbose_name_plural = _("ASM workforce estimates")
        indexes = [models.Index(fields=["country", "is_best"], name="estimate_country_best")]

    def __str__(self) -> str:
        where = self.country.alpha2 if self.country_id else "world"  # type: ignore[union-attr]
        return f"{where} {self.year or ''}: {self.headline} ({self.source})"

    @property
    def headline(self) -> int | None:
        """The figure that ranks countries: the value, else the middle of the range."""
        if self.value is not None:
            return self.value
        if self.low is not None and self.high is not None:
            return (self.low + self.high) // 2
        return self.low if self.low is not None else self.high
