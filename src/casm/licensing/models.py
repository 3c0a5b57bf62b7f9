"""The cadastre: licence types per country, and the map layers an application is screened
against (titles, ASM zones, protected areas, restriction zones).

A layer's shapes are GeoJSON in WGS 84 with their bounding box beside them, indexed on both
databases (``casm.core.spatial``) so that screening an area reads only its candidates.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from casm.core.models import Commodity, Country
from casm.registry.models import LegalStatus


class LayerKind(models.TextChoices):
    TITLE = "title", _("mining titles")
    ASM_ZONE = "asm_zone", _("ASM zones")
    PROTECTED = "protected", _("protected areas")
    RESTRICTION = "restriction", _("restriction zones")


class RestrictionRule(models.TextChoices):
    FORBIDDEN = "forbidden", _("mining forbidden")
    UNDERGROUND_ONLY = "underground_only", _("allowed underground only")
    CONDITIONS = "conditions", _("allowed with conditions")
    CONSULTATION = "consultation", _("consultation required")


class RestrictionReason(models.TextChoices):
    DECREE = "decree", _("reserved by decree")
    SECURITY = "security", _("security or conflict zone")
    INDIGENOUS = "indigenous", _("indigenous territory")
    WATER = "water", _("water catchment")
    URBAN = "urban", _("urban area")
    OTHER = "other", _("other reason")


class Layer(models.Model):
    """One country's layer of one kind; its version goes up with each import that changes it,
    so that a screening can say which state of the map it read."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="layers"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LayerKind.choices)
    version = models.PositiveIntegerField(_("version"), default=0)
    source = models.CharField(_("source"), max_length=300, blank=True)
    # A holder may be a person: holders are published only where the country publishes them.
    holders_public = models.BooleanField(_("holders are public"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country", "kind"]
        verbose_name = _("layer")
        verbose_name_plural = _("layers")
        constraints = [
            models.UniqueConstraint(fields=["country", "kind"], name="layer_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.country.alpha2} {self.get_kind_display()}"


class LayerFeature(models.Model):
    """One shape of a layer: a title, an ASM zone, a protected area or a restriction zone."""

    layer = models.ForeignKey(
        Layer, verbose_name=_("layer"), on_delete=models.CASCADE, related_name="features"
    )
    code = models.CharField(_("code"), max_length=80)
    name = models.CharField(_("name"), max_length=300, blank=True)
    title_type = models.CharField(_("type"), max_length=40, blank=True)
    holder = models.CharField(_("holder"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=120, blank=True)
    commodities = models.CharField(_("commodities"), max_length=300, blank=True)
    granted_on = models.DateField(_("granted on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    rule = models.CharField(_("rule"), max_length=20, choices=RestrictionRule.choices, blank=True)
    reason = models.CharField(
        _("reason"), max_length=20, choices=RestrictionReason.choices, blank=True
    )
    geometry = models.JSONField(_("shape"))
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    area_ha = models.FloatField(_("area (ha)"))

    class Meta:
        ordering = ["layer", "code"]
        verbose_name = _("layer feature")
        verbose_name_plural = _("layer features")
        constraints = [
            models.UniqueConstraint(fields=["layer", "code"], name="layer_feature_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def public_holder(self) -> str:
        """The holder as the public may read it: empty unless the layer publishes holders."""
        return self.holder if self.layer.holders_public else ""


class StandingReason(models.TextChoices):
    IN_ZONE = "in_zone", _("inside an ASM zone")
    IN_TITLE = "in_title", _("inside a title that is not an artisanal licence")
    OUTSIDE = "outside", _("outside every title and ASM zone")


class SiteStanding(models.Model):
    """A registry site's legal status as the cadastre gives it, with why: derived from where
    the site's point lies (``services.site_standings_update``), kept beside the status the
    census stated (``Site.legal_status``), which it does not overwrite."""

    site = models.OneToOneField(
        "registry.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="standing"
    )
    status = models.CharField(_("legal status"), max_length=20, choices=LegalStatus.choices)
    reason = models.CharField(_("why"), max_length=20, choices=StandingReason.choices)
    feature = models.ForeignKey(
        LayerFeature, verbose_name=_("title or zone"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("site's standing in the cadastre")
        verbose_name_plural = _("sites' standing in the cadastre")

    def __str__(self) -> str:
        return f"{self.site_id}: {self.status}"


class HolderKind(models.TextChoices):
    CITIZEN = "citizen", _("citizen (individual)")
    COOPERATIVE = "cooperative", _("cooperative or association")
    COMPANY = "company", _("company")


class LicenceCategory(models.TextChoices):
    EXPLORATION = "exploration", _("exploration")
    ARTISANAL = "artisanal", _("artisanal")
    SMALL_SCALE = "small_scale", _("small-scale")
    LARGE_SCALE = "large_scale", _("large-scale")
    QUARRY = "quarry", _("quarry")
    PROCESSING = "processing", _("processing")
    TRADING = "trading", _("trading")


class ZoneRule(models.TextChoices):
    ANY = "any", _("inside or outside an ASM zone")
    REQUIRED = "required", _("only inside an ASM zone")
    FORBIDDEN = "forbidden", _("never inside an ASM zone")


class OverlapRule(models.TextChoices):
    ANY = "any", _("no overlap with any title")
    SAME_COMMODITY = "same_commodity", _("no overlap with a title for the same commodity")


class LicenceType(models.Model):
    """A kind of licence a country grants, with the limits an application is screened against.

    Values are the law's; a value the source does not give stays empty (nothing is invented).
    """

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="licence_types"
    )
    code = models.CharField(_("code"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=LicenceCategory.choices)
    holders = models.JSONField(_("who may hold it"), default=list, blank=True)
    nationality_rule = models.CharField(_("nationality rule"), max_length=300, blank=True)
    min_area_ha = models.FloatField(_("smallest area (ha)"), null=True, blank=True)
    max_area_ha = models.FloatField(_("largest area (ha)"), null=True, blank=True)
    asm_zone = models.CharField(
        _("ASM zone"), max_length=20, choices=ZoneRule.choices, default=ZoneRule.ANY
    )
    overlap_rule = models.CharField(
        _("overlap with titles"),
        max_length=20,
        choices=OverlapRule.choices,
        default=OverlapRule.ANY,
    )
    commodities = models.ManyToManyField(
        Commodity, verbose_name=_("commodities"), blank=True, related_name="licence_types"
    )
    term_years = models.PositiveSmallIntegerField(_("term (years)"), null=True, blank=True)
    renewals = models.PositiveSmallIntegerField(_("renewals allowed"), null=True, blank=True)
    renewal_years = models.PositiveSmallIntegerField(
        _("length of a renewal (years)"), null=True, blank=True
    )
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), null=True, blank=True)
    documents = models.JSONField(_("required documents"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=500)
    is_example = models.BooleanField(
        _("example"), default=False, help_text=_("Not the law of the country: an example.")
    )

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="licence_type_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.country.alpha2} {self.code} {self.name}"

    @property
    def holder_labels(self) -> list[str]:
        labels = dict(HolderKind.choices)
        return [str(labels.get(holder, holder)) for holder in self.holders or []]

    @property
    def name(self) -> str:
        """The name in the active language (French when it has one), else English."""
        if (get_language() or "").startswith("fr") and self.name_fr:
            return self.name_fr
        return self.name_en
