"""The ASM registry: sites, operators, miners, site visits (census observations) and production.

Miners are personal data and never public. A site's "current" figures (workers, children, armed
presence, mercury) are copied from its latest visit by the services, so lists and profiles can
filter and count them without reading the visits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casm.core.models import Commodity, Country


class MiningMethod(models.TextChoices):
    ALLUVIAL = "alluvial", _("alluvial")
    UNDERGROUND = "underground", _("hard rock, underground")
    OPEN_PIT = "open_pit", _("open pit")
    DREDGING = "dredging", _("dredging")
    TAILINGS = "tailings", _("tailings")


class ProcessingMethod(models.TextChoices):
    GRAVITY = "gravity", _("gravity")
    WHOLE_ORE_AMALGAMATION = "whole_ore_amalgamation", _("whole-ore amalgamation")
    CONCENTRATE_AMALGAMATION = "concentrate_amalgamation", _("concentrate amalgamation")
    CYANIDATION = "cyanidation", _("cyanidation")
    NONE = "none", _("none")


class ActivityStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SEASONAL = "seasonal", _("seasonal")
    SUSPENDED = "suspended", _("suspended")
    ABANDONED = "abandoned", _("abandoned")


class LegalStatus(models.TextChoices):
    LICENSED = "licensed", _("licensed")
    ASM_ZONE = "asm_zone", _("inside an ASM zone")
    INFORMAL = "informal", _("informal")
    UNKNOWN = "unknown", _("unknown")


class CertificationStatus(models.TextChoices):
    """ICGLR regional certification: the colour and how long it normally lasts."""

    GREEN = "green", _("green (certified)")
    YELLOW = "yellow", _("yellow (problems to fix)")
    RED = "red", _("red (no production or not compliant)")
    BLUE = "blue", _("blue (not yet inspected)")


class WorkRole(models.TextChoices):
    DIGGER = "digger", _("digger")
    WASHER = "washer", _("washer")
    PROCESSOR = "processor", _("processor")
    TRANSPORTER = "transporter", _("transporter")
    TRADER = "trader", _("trader")
    COOK = "cook", _("cook")
    OTHER = "other", _("other")


class StateService(models.TextChoices):
    MINES = "mines", _("mines administration")
    ASM_SUPPORT = "asm_support", _("artisanal mining support service")
    POLICE = "police", _("police")
    MINING_POLICE = "mining_police", _("mining police")
    ARMY = "army", _("army")
    CUSTOMS = "customs", _("customs or tax office")
    OTHER = "other", _("other")


class ArmedActivity(models.TextChoices):
    TAXATION = "taxation", _("illegal taxation")
    DIGGING = "digging", _("digging")
    FORCED_LABOUR = "forced_labour", _("forced labour")
    PILLAGING = "pillaging", _("pillaging")
    BUYING = "buying", _("buying")
    MONOPOLY = "monopoly", _("monopoly on trade")


class NotReachedReason(models.TextChoices):
    SECURITY = "security", _("insecurity")
    ACCESS = "access", _("no access (road, river, season)")
    REFUSED = "refused", _("access refused")
    CLOSED = "closed", _("site closed or abandoned")
    OTHER = "other", _("other")


class Sex(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")


class Site(models.Model):
    """An artisanal or small-scale mining site."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="sites"
    )
    code = models.CharField(
        _("site code"),
        max_length=60,
        help_text=_("National code, or the regional form CC-lat+long-NNNNN made when left empty."),
    )
    name = models.CharField(_("name"), max_length=200)
    other_names = models.CharField(_("other names"), max_length=500, blank=True)
    admin1 = models.CharField(_("province or region"), max_length=100, blank=True)
    admin2 = models.CharField(_("district or territory"), max_length=100, blank=True)
    admin3 = models.CharField(_("sector or chiefdom"), max_length=100, blank=True)
    admin4 = models.CharField(_("locality"), max_length=100, blank=True)
    # The administrative areas the point lies in, found by the services on every write (the
    # admin1–3 names above are what the source stated).
    area1 = models.ForeignKey(
        "core.AdminArea",
        verbose_name=_("province (from the point)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area2 = models.ForeignKey(
        "core.AdminArea",
        verbose_name=_("district (from the point)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    area3 = models.ForeignKey(
        "core.AdminArea", verbose_name=_("sector (from the point)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    location_note = models.CharField(
        _("location override reason"),
        max_length=300,
        blank=True,
        help_text=_("Why a location outside the country's outline is right."),
    )
    footprint = models.JSONField(_("footprint (GeoJSON polygon)"), null=True, blank=True)
    commodities = models.ManyToManyField(
        Commodity, verbose_name=_("commodities"), blank=True, related_name="sites"
    )
    mining_methods = models.JSONField(_("mining methods"), default=list, blank=True)
    processing_methods = models.JSONField(_("processing methods"), default=list, blank=True)
    activity_status = models.CharField(
        _("activity"),
        max_length=12,
        choices=ActivityStatus.choices,
        default=ActivityStatus.ACTIVE,
    )
    legal_status = models.CharField(
        _("legal status"), max_length=12, choices=LegalStatus.choices, default=LegalStatus.UNKNOWN
    )
    certification_status = models.CharField(
        _("certification"), max_length=8, choices=CertificationStatus.choices, blank=True
    )
    certification_valid_from = models.DateField(_("certified from"), null=True, blank=True)
    certification_valid_until = models.DateField(_("certified until"), null=True, blank=True)
    # The status followed by itself when the one before ran out (see validation.LAPSES_TO).
    # A database default too: bulk writers that list the columns (COPY, raw inserts) need not.
    certification_lapsed = models.BooleanField(_("status lapsed"), default=False, db_default=False)
    # Copied from the latest visit by the services.
    first_visit = models.DateField(_("first visit"), null=True, blank=True)
    last_visit = models.DateField(_("last visit"), null=True, blank=True, db_index=True)
    workers = models.PositiveIntegerField(_("workers"), null=True, blank=True)
    women = models.PositiveIntegerField(_("women"), null=True, blank=True)
    children = models.PositiveIntegerField(_("children under 18"), null=True, blank=True)
    children_present = models.BooleanField(_("children present"), null=True, blank=True)
    armed_presence = models.BooleanField(_("armed presence"), null=True, blank=True)
    mercury_use = models.BooleanField(_("mercury use"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="possible_duplicates",
    )
    duplicate_dismissed = models.BooleanField(_("checked: not a duplicate"), default=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # By the country's id, not its name: the (country, name) index then serves the order.
        ordering = ["country_id", "name", "pk"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["country", "code"], name="site_unique_code"),
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
        ]
        indexes = [
            models.Index(fields=["country", "legal_status"], name="site_country_legal"),
            models.Index(fields=["country", "latitude", "longitude"], name="site_country_point"),
            models.Index(fields=["country", "admin1"], name="site_country_admin1"),
            models.Index(fields=["country", "name"], name="site_country_name"),
            models.Index(fields=["latitude", "longitude"], name="site_point"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def mining_method_labels(self) -> list[str]:
        return [str(MiningMethod(v).label) for v in self.mining_methods if v in MiningMethod]

    def processing_method_labels(self) -> list[str]:
        return [
            str(ProcessingMethod(v).label) for v in self.processing_methods if v in ProcessingMethod
        ]


class CertificationCause(models.TextChoices):
    DECISION = "decision", _("decision recorded")
    INSPECTION = "inspection", _("inspection")
    LAPSED = "lapsed", _("the status before ran out")


class CertificationRecord(models.Model):
    """One regional certification decision; the site keeps the latest."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="certifications")
    status = models.CharField(_("status"), max_length=8, choices=CertificationStatus.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    cause = models.CharField(
        _("cause"), max_length=10, choices=CertificationCause.choices,
        default=CertificationCause.DECISION, db_default=CertificationCause.DECISION,
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("certification decision")
        verbose_name_plural = _("certification decisions")

    def __str__(self) -> str:
        return f"{self.site.code}: {self.status} from {self.valid_from}"


class Operator(models.Model):
    """Who works a site: a person, a cooperative, an association or a company."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("individual")
        COOPERATIVE = "cooperative", _("cooperative")
        ASSOCIATION = "association", _("association")
        COMPANY = "company", _("company")

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="operators"
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True)
    sites = models.ManyToManyField(
        Site, verbose_name=_("sites worked"), blank=True, related_name="operators"
    )
    # Private: seen only within scope, never exported publicly.
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country", "name", "pk"]
        verbose_name = _("operator")
        verbose_name_plural = _("operators")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=~models.Q(registration_number=""),
                name="operator_unique_registration",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Miner(models.Model):
    """A person who works in ASM. Personal data: never public, never in public exports."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="miners"
    )
    name = models.CharField(_("name"), max_length=200)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    year_of_birth = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=60, blank=True)
    roles = models.JSONField(_("roles"), default=list, blank=True)
    operator = models.ForeignKey(
        Operator,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="miners",
    )
    sites = models.ManyToManyField(Site, verbose_name=_("sites"), blank=True, related_name="miners")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country", "name", "pk"]
        verbose_name = _("miner")
        verbose_name_plural = _("miners")

    def __str__(self) -> str:
        return self.name

    def role_labels(self) -> list[str]:
        return [str(WorkRole(v).label) for v in self.roles if v in WorkRole]


class SiteVisit(models.Model):
    """One census observation of a site."""

    # No index of their own on site and country: the indexes (site, date) and (country, date)
    # below serve every lookup by site or country, and each index slows every import down.
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="visits",
        db_index=False,
    )
    # The site's country, kept here so scope and national counts need no join.
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+", db_index=False)
    date = models.DateField(_("date"))
    team = models.CharField(_("source or team"), max_length=200, blank=True)
    submission_id = models.CharField(
        _("submission ID"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The form submission's UUID or KEY; importing it again changes nothing."),
    )
    reached = models.BooleanField(_("site reached"), default=True)
    not_reached_reason = models.CharField(
        _("why not reached"), max_length=10, choices=NotReachedReason.choices, blank=True
    )
    workers = models.PositiveIntegerField(_("workers"), null=True, blank=True)
    men = models.PositiveIntegerField(_("men"), null=True, blank=True)
    women = models.PositiveIntegerField(_("women"), null=True, blank=True)
    boys_under_15 = models.PositiveIntegerField(_("boys under 15"), null=True, blank=True)
    girls_under_15 = models.PositiveIntegerField(_("girls under 15"), null=True, blank=True)
    boys_15_17 = models.PositiveIntegerField(_("boys 15–17"), null=True, blank=True)
    girls_15_17 = models.PositiveIntegerField(_("girls 15–17"), null=True, blank=True)
    pits = models.PositiveIntegerField(_("pits"), null=True, blank=True)
    max_depth_m = models.FloatField(_("deepest pit (m)"), null=True, blank=True)
    # [{"commodity": code, "selling_point": text, "destination": text}, ...]
    commodities = models.JSONField(_("commodities"), default=list, blank=True)
    state_services = models.JSONField(_("state services present"), default=list, blank=True)
    armed_presence = models.BooleanField(_("armed actors present"), null=True, blank=True)
    armed_activities = models.JSONField(_("what armed actors do"), default=list, blank=True)
    traceability_scheme = models.CharField(_("traceability scheme"), max_length=100, blank=True)
    mercury_use = models.BooleanField(_("mercury use seen"), null=True, blank=True)
    women_work = models.JSONField(_("women's work"), default=list, blank=True)
    children_work = models.JSONField(_("children's work"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The site's outline as surveyed on this visit; the latest one becomes the site's footprint.
    footprint = models.JSONField(_("footprint (GeoJSON polygon)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        indexes = [
            models.Index(fields=["site", "date"], name="visit_site_date"),
            models.Index(fields=["country", "date"], name="visit_country_date"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} on {self.date}"

    @property
    def children(self) -> int | None:
        parts = [self.boys_under_15, self.girls_under_15, self.boys_15_17, self.girls_15_17]
        if all(part is None for part in parts):
            return None
        return sum(part or 0 for part in parts)


class SiteFootprint(models.Model):
    """One footprint of a site, as drawn on a day or surveyed on a visit: the history of the
    site's outline. The latest (by day, then by entry) is the site's footprint."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="footprints"
    )
    # The visit that surveyed it; none when it was drawn on the site itself.
    visit = models.ForeignKey(
        SiteVisit,
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="footprints",
    )
    observed_on = models.DateField(_("observed on"))
    # None: the footprint was removed that day.
    geometry = models.JSONField(_("footprint (GeoJSON polygon)"), null=True, blank=True)
    hectares = models.FloatField(_("area (ha)"), null=True, blank=True)
    # The bounding box (WGS 84), indexed (see core.spatial); none for a removal.
    min_x = models.FloatField(null=True, blank=True)
    min_y = models.FloatField(null=True, blank=True)
    max_x = models.FloatField(null=True, blank=True)
    max_y = models.FloatField(null=True, blank=True)
    current = models.BooleanField(_("current"), default=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-observed_on", "-pk"]
        verbose_name = _("site footprint")
        verbose_name_plural = _("site footprints")
        indexes = [models.Index(fields=["site", "observed_on"], name="footprint_site_day")]

    def __str__(self) -> str:
        return f"{self.site_id} on {self.observed_on}"


class ProductionRecord(models.Model):
    """What a site or an operator produced of one commodity over a month, quarter or year."""

    class Period(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        YEAR = "year", _("year")

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="production",
    )
    operator = models.ForeignKey(
        Operator,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="production",
    )
    commodity = models.ForeignKey(
        Commodity, verbose_name=_("commodity"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # Month 1–12 or quarter 1–4; empty for a whole year.
    period_number = models.PositiveSmallIntegerField(_("month or quarter"), null=True, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=2, choices=Commodity.Unit.choices)
    # The quantity in the commodity's default unit, for sums across records.
    quantity_base = models.FloatField(_("quantity in the commodity's unit"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-period_number", "pk"]
        verbose_name = _("production record")
        verbose_name_plural = _("production records")
        indexes = [
            # Covers the profile's sums: read from the index alone, not row by row.
            models.Index(
                fields=["country", "commodity", "year", "source", "quantity_base"],
                name="production_country_sums",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commodity_id} {self.year}: {self.quantity} {self.unit}"
