"""The cadastre: licence types per country, and the map layers an application is screened
against (titles, ASM zones, protected areas, restriction zones).

A layer's shapes are GeoJSON in WGS 84 with their bounding box beside them, indexed on both
databases (``casm.core.spatial``) so that screening an area reads only its candidates.
"""

from __future__ import annotations

from typing import Any

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
    IN_LICENCE = "in_licence", _("inside a valid licence of the register")
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
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    application_fee = models.DecimalField(
        _("application fee"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # The rent per hectare and year, year by year of the term; the last rate holds after it.
    rent_per_ha = models.JSONField(
        _("annual surface rent per ha, by year"), default=list, blank=True
    )
    completeness_days = models.PositiveSmallIntegerField(
        _("completeness check (days)"), null=True, blank=True
    )
    decision_days = models.PositiveSmallIntegerField(
        _("decision after the notice (days)"), null=True, blank=True
    )
    second_approval = models.BooleanField(_("a second officer approves each grant"), default=False)
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


# --- The register of applications -------------------------------------------------------


class Channel(models.TextChoices):
    ONLINE = "online", _("filed online by the applicant")
    OFFICER = "officer", _("entered by an officer from a paper filing")


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", _("received: completeness to check")
    INCOMPLETE = "incomplete", _("incomplete: waiting for the applicant")
    COMPLETE = "complete", _("complete: public notice to publish")
    NOTICE = "notice", _("public notice")
    DECISION = "decision", _("waiting for a decision")
    APPROVAL = "approval", _("waiting for a second approval")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


PENDING = (
    ApplicationStatus.RECEIVED,
    ApplicationStatus.INCOMPLETE,
    ApplicationStatus.COMPLETE,
    ApplicationStatus.NOTICE,
    ApplicationStatus.DECISION,
    ApplicationStatus.APPROVAL,
)


def public_name(organisation: Any) -> str:
    """A holder or applicant as the public may read it: an organisation's name, never a
    person's."""
    if organisation is not None:
        return str(organisation.name)
    return str(_("a private person"))


class Application(models.Model):
    """One filing in a country's register: its number and receipt second give its priority.

    Priority is first come, first served per area and commodity: an earlier pending filing over
    any part of the area, for a commodity in common, holds this one until it is decided. The
    register gives numbers one filing at a time per country (``services.application_file``
    locks the country's row), so within one second the lower ``sequence`` was received first:
    that is the documented tie rule.

    A person's name and contact stay private: officers of the country and the filer read them;
    the public register shows the organisation, or "a private person".
    """

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="applications"
    )
    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("licence type"), on_delete=models.PROTECT,
        related_name="applications",
    )  # fmt: skip
    sequence = models.PositiveIntegerField(_("place in the register"))
    number = models.CharField(_("number"), max_length=40, unique=True)
    received_at = models.DateTimeField(_("received"), db_index=True)
    channel = models.CharField(_("filed"), max_length=10, choices=Channel.choices)
    filed_by = models.ForeignKey(
        "accounts.User", verbose_name=_("filed by"), on_delete=models.PROTECT,
        related_name="licence_applications",
    )  # fmt: skip
    paper_dated = models.DateField(_("date on the paper filing"), null=True, blank=True)
    holder_kind = models.CharField(_("applicant"), max_length=20, choices=HolderKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="licence_applications",
    )  # fmt: skip
    # Private for a person (never in public pages, exports or API answers).
    applicant_name = models.CharField(_("applicant's name"), max_length=200, blank=True)
    applicant_contact = models.CharField(_("applicant's contact"), max_length=200, blank=True)
    nationality = models.ForeignKey(
        Country, verbose_name=_("nationality"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    commodities = models.ManyToManyField(
        Commodity, verbose_name=_("commodities"), related_name="licence_applications"
    )
    geometry = models.JSONField(_("area"))
    min_x = models.FloatField()
    min_y = models.FloatField()
    max_x = models.FloatField()
    max_y = models.FloatField()
    area_ha = models.FloatField(_("area (ha)"))
    area_given_as = models.CharField(_("area given as"), max_length=40, blank=True)
    fee_paid = models.DecimalField(
        _("application fee paid"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    fee_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices,
        default=ApplicationStatus.RECEIVED, db_index=True,
    )  # fmt: skip
    status_since = models.DateTimeField(_("in this step since"))
    due_on = models.DateField(_("step due on"), null=True, blank=True)
    notice_until = models.DateField(_("notice open until"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    decision_reasons = models.TextField(_("reasons"), blank=True)

    class Meta:
        ordering = ["country", "received_at", "sequence"]
        verbose_name = _("licence application")
        verbose_name_plural = _("licence applications")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "sequence"], name="application_unique_sequence"
            )
        ]
        # The bounding box is indexed by ``casm.core.spatial`` (migration 0005).
        indexes = [
            models.Index(fields=["country", "status", "due_on"], name="application_step_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    @property
    def public_applicant(self) -> str:
        """Who applied, as the public may read it: an organisation's name, never a person's."""
        return public_name(self.organisation)


class ApplicationDocument(models.Model):
    """A document filed with an application (one of its type's required documents, or other)."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="documents",
    )  # fmt: skip
    name = models.CharField(_("document"), max_length=200)
    file = models.FileField(_("file"), upload_to="licensing/applications/%Y/")
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["application", "name", "pk"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.name


class ApplicationScreening(models.Model):
    """One screening of an application, kept whole with the versions of the layers it read, so
    that a decision can be explained years later; the latest is the one in force."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="screenings",
    )  # fmt: skip
    run_at = models.DateTimeField(_("screened"))
    run_by = models.ForeignKey(
        "accounts.User", verbose_name=_("screened by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    verdict = models.CharField(_("verdict"), max_length=20)
    area_ha = models.FloatField(_("area (ha)"))
    findings = models.JSONField(_("findings"), default=list)
    layer_versions = models.JSONField(_("layer versions"), default=dict)

    class Meta:
        ordering = ["application", "-run_at", "-pk"]
        get_latest_by = ["run_at", "pk"]
        verbose_name = _("application screening")
        verbose_name_plural = _("application screenings")

    def __str__(self) -> str:
        return f"{self.application_id} {self.run_at:%Y-%m-%d %H:%M:%S}: {self.verdict}"


class StepKind(models.TextChoices):
    RECEIVED = "received", _("received")
    SCREENED = "screened", _("screened")
    COMPLETE = "complete", _("found complete")
    INCOMPLETE = "incomplete", _("found incomplete")
    COMPLETED = "completed", _("completed by the applicant")
    NOTICE = "notice", _("public notice published")
    OBJECTION = "objection", _("objection recorded")
    ANSWERED = "answered", _("objection answered")
    NOTICE_CLOSED = "notice_closed", _("public notice closed")
    PROPOSED = "proposed", _("grant proposed for a second approval")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ApplicationStep(models.Model):
    """A dated step of an application's history, with who took it and why."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="steps",
    )  # fmt: skip
    kind = models.CharField(_("step"), max_length=20, choices=StepKind.choices)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["application", "at", "pk"]
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}"


class Objection(models.Model):
    """An objection received during the public notice, and the officer's answer."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE,
        related_name="objections",
    )  # fmt: skip
    received_on = models.DateField(_("received on"))
    objector = models.CharField(_("objector"), max_length=200)
    text = models.TextField(_("objection"))
    recorded_by = models.ForeignKey(
        "accounts.User", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "accounts.User", verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["application", "received_on", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.objector}"


# --- Licences ----------------------------------------------------------------------------


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("valid")
    SUSPENDED = "suspended", _("suspended")
    SURRENDERED = "surrendered", _("surrendered")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class Licence(models.Model):
    """A licence granted from an application. Its shape is also a feature of the country's
    titles layer (``feature``), so that the map, the exports, OGC clients, the screening of
    later applications and the sites' standing all read it as the title it is."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="licences"
    )
    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("licence type"), on_delete=models.PROTECT,
        related_name="licences",
    )  # fmt: skip
    application = models.OneToOneField(
        Application, verbose_name=_("application"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="licence",
    )  # fmt: skip
    number = models.CharField(_("number"), max_length=40, unique=True)
    holder_kind = models.CharField(_("holder"), max_length=20, choices=HolderKind.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="licences",
    )  # fmt: skip
    holder_name = models.CharField(_("holder's name"), max_length=200, blank=True)
    commodities = models.ManyToManyField(
        Commodity, verbose_name=_("commodities"), related_name="licences"
    )
    feature = models.OneToOneField(
        LayerFeature, verbose_name=_("shape in the titles layer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="licence",
    )  # fmt: skip
    area_ha = models.FloatField(_("area (ha)"))
    granted_on = models.DateField(_("granted on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LicenceStatus.choices, default=LicenceStatus.VALID,
        db_index=True,
    )  # fmt: skip
    renewals_used = models.PositiveSmallIntegerField(_("renewals used"), default=0)
    # A renewal filed in time keeps the licence valid past its expiry until it is decided.
    renewal_filed_on = models.DateField(_("renewal filed on"), null=True, blank=True)
    reminded_on = models.DateField(_("expiry reminder sent on"), null=True, blank=True)

    class Meta:
        ordering = ["country", "number"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")

    def __str__(self) -> str:
        return self.number

    @property
    def public_holder(self) -> str:
        """The holder as the public may read it: an organisation's name, never a person's."""
        return public_name(self.organisation)

    @property
    def holder_percent(self) -> int:
        """The holder's share in percent: what the co-holders do not hold."""
        return 100 - sum(share.percent for share in self.shares.all())

    def public_holders(self) -> list[tuple[str, int]]:
        """The holder and the co-holders with their shares in percent, the holder first."""
        co_holders = sorted(self.shares.all(), key=lambda s: (-s.percent, s.organisation.name))
        return [(self.public_holder, self.holder_percent)] + [
            (share.organisation.name, share.percent) for share in co_holders
        ]

    def holders_text(self, *, persons: bool = True) -> str:
        """The holders on one line: "A (60 %), B (40 %)", or the one holder's name. The
        titles layer (``persons=False``) leaves out a holder who is a person."""
        holders = self.public_holders()
        if not persons and self.organisation_id is None:
            holders = holders[1:]
        if len(holders) == 1 and holders[0][1] == 100:
            return holders[0][0]
        return ", ".join(f"{name} ({percent} %)" for name, percent in holders)


class LicenceShare(models.Model):
    """A co-holder's share of a licence, from a transfer of part of it: an organisation and
    its percent. The holder (``Licence.organisation`` or the person) has the rest and speaks
    for the licence."""

    licence = models.ForeignKey(
        Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="shares"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("co-holder"), on_delete=models.PROTECT,
        related_name="licence_shares",
    )  # fmt: skip
    percent = models.PositiveSmallIntegerField(_("share (%)"))
    since = models.DateField(_("since"))

    class Meta:
        ordering = ["licence", "-percent", "pk"]
        verbose_name = _("co-holder's share")
        verbose_name_plural = _("co-holders' shares")
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "organisation"], name="licence_share_unique_holder"
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=1, percent__lte=99),
                name="licence_share_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.organisation_id} {self.percent}%"


class LicenceEventKind(models.TextChoices):
    GRANTED = "granted", _("granted")
    RENEWAL_FILED = "renewal_filed", _("renewal filed")
    RENEWED = "renewed", _("renewed")
    RENEWAL_REFUSED = "renewal_refused", _("renewal refused")
    TRANSFERRED = "transferred", _("transferred")
    SURRENDERED = "surrendered", _("surrendered")
    SUSPENDED = "suspended", _("suspended")
    REINSTATED = "reinstated", _("reinstated")
    REVOKED = "revoked", _("revoked")
    EXPIRED = "expired", _("expired")


class LicenceEvent(models.Model):
    """A dated event of a licence's life, with who and why: its history."""

    licence = models.ForeignKey(
        Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=20, choices=LicenceEventKind.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded"))
    actor = models.ForeignKey(
        "accounts.User", verbose_name=_("by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    reason = models.TextField(_("why"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["licence", "on", "at", "pk"]
        verbose_name = _("licence event")
        verbose_name_plural = _("licence events")

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind} {self.on}"


class RentInvoice(models.Model):
    """A licence's annual surface rent for one year of its term: area × that year's rate."""

    licence = models.ForeignKey(
        Licence, verbose_name=_("licence"), on_delete=models.CASCADE, related_name="invoices"
    )
    year = models.PositiveSmallIntegerField(_("year of the term"))
    period_start = models.DateField(_("from"))
    due_on = models.DateField(_("due on"))
    area_ha = models.FloatField(_("area (ha)"))
    rate = models.DecimalField(_("rent per ha"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)

    class Meta:
        ordering = ["licence", "year"]
        verbose_name = _("rent invoice")
        verbose_name_plural = _("rent invoices")
        constraints = [
            models.UniqueConstraint(fields=["licence", "year"], name="rent_invoice_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.year}"

    @property
    def is_unpaid_late(self) -> bool:
        from django.utils import timezone

        return self.paid_on is None and self.due_on < timezone.localdate()
