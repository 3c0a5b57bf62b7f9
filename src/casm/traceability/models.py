"""Chain of custody, named as the ICGLR data standard names it: the actors of the supply chain,
tags issued to sites and actors, lots, and the operations that make lots from other lots.

Every operation makes new lots and consumes its inputs: a lot is never changed into another,
so a lot's holder is fixed and the tree of a lot back to its mine sites is the chain of
``made_by`` (the operation that made a lot) and ``consumed_by`` (the operation that used it).
A lot is consumed once: the services consume with one conditional update, which two requests
cannot both win.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import person_name
from casm.core.models import Commodity, Country
from casm.registry.models import CertificationStatus


class ChainRole(models.TextChoices):
    """The roles of the ICGLR data standard."""

    MINER = "miner", _("miner (producer)")
    TRADER = "trader", _("trader")
    SHIPPER = "shipper", _("shipper")
    PROCESSOR = "processor", _("processor")
    WAREHOUSE = "warehouse", _("warehouse")
    IMPORTER = "importer", _("importer")
    EXPORTER = "exporter", _("exporter")
    GOVERNMENT = "government", _("government")


class Actor(models.Model):
    """An organisation of the directory acting in one country's supply chain, with its roles."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="chain_actors",
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    roles = models.JSONField(_("roles"), default=list)
    registration = models.CharField(_("registration or licence number"), max_length=80, blank=True)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    suspension_reason = models.CharField(_("why suspended"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["country", "organisation__name"]
        verbose_name = _("supply-chain actor")
        verbose_name_plural = _("supply-chain actors")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "country"], name="actor_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.name} ({self.country_id})"

    @property
    def name(self) -> str:
        return self.organisation.name

    @property
    def is_suspended(self) -> bool:
        return self.suspended_on is not None

    def role_labels(self) -> list[str]:
        return [str(ChainRole(role).label) for role in self.roles if role in ChainRole]


class TagBatch(models.Model):
    """A batch of tag numbers issued at once to a mine site or to an actor."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "registry.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tag_batches",
    )
    actor = models.ForeignKey(
        Actor,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tag_batches",
    )
    issued_on = models.DateField(_("issued on"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("tag batch")
        verbose_name_plural = _("tag batches")

    def __str__(self) -> str:
        return f"tags of {self.issued_on}"


class TagStatus(models.TextChoices):
    ISSUED = "issued", _("issued, unused")
    USED = "used", _("used")
    LOST = "lost", _("lost")
    VOIDED = "voided", _("voided")


class Tag(models.Model):
    """One unique tag number (printed with its QR code), used once."""

    number = models.CharField(_("tag number"), max_length=40, unique=True)
    batch = models.ForeignKey(
        TagBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="tags"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TagStatus.choices, default=TagStatus.ISSUED
    )
    status_note = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.number


class OperationKind(models.TextChoices):
    PRODUCTION = "production", _("production")
    TRANSFER = "transfer", _("purchase or transfer")
    COMBINATION = "combination", _("combination")
    SPLIT = "split", _("split")
    PROCESSING = "processing", _("processing")
    EXPORT = "export", _("export")
    IMPORT = "import", _("import")


class OperationStatus(models.TextChoices):
    DONE = "done", _("done")
    PENDING = "pending", _("waiting for the receiver")
    REFUSED = "refused", _("refused by the receiver")
    CANCELLED = "cancelled", _("cancelled")


class Operation(models.Model):
    """One operation of the chain: it consumes its input lots and makes its output lots."""

    kind = models.CharField(_("operation"), max_length=12, choices=OperationKind.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        Actor, verbose_name=_("by"), on_delete=models.PROTECT, related_name="operations"
    )
    # A transfer's receiver; the transfer is complete only when it accepts.
    receiver = models.ForeignKey(
        Actor,
        verbose_name=_("receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operations_received",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OperationStatus.choices, default=OperationStatus.DONE
    )
    at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The mass balance as checked: masses and contained metal (mass × grade) in kilograms.
    mass_in_kg = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    metal_in_kg = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    mass_out_kg = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    metal_out_kg = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    # Export: the importer and destination; transfer: the receiver's weighing.
    details = models.JSONField(_("details"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class LotStatus(models.TextChoices):
    ACTIVE = "active", _("held")
    IN_TRANSIT = "in_transit", _("in transit")
    CONSUMED = "consumed", _("consumed")
    EXPORTED = "exported", _("exported")


class MassUnit(models.TextChoices):
    GRAM = "g", _("gram")
    KILOGRAM = "kg", _("kilogram")
    TONNE = "t", _("tonne")


UNIT_KG = {
    MassUnit.GRAM: Decimal("0.001"),
    MassUnit.KILOGRAM: Decimal(1),
    MassUnit.TONNE: Decimal(1000),
}


def plain_decimal(value: Decimal) -> Decimal:
    """``value`` without trailing zeros, never in exponent form (normalize() writes 420 as
    4.2E+2)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


class Label(models.TextChoices):
    NONE = "", _("none")
    FAIRMINED = "fairmined", _("Fairmined")
    FAIRTRADE = "fairtrade", _("Fairtrade")


class Lot(models.Model):
    """A lot of mineral held by one actor, made by one operation and consumed by at most one."""

    number = models.CharField(_("lot number"), max_length=40, unique=True)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    holder = models.ForeignKey(
        Actor, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="lots"
    )
    creator_role = models.CharField(_("creator's role"), max_length=12, choices=ChainRole.choices)
    commodity = models.ForeignKey(
        Commodity, verbose_name=_("mineral"), on_delete=models.PROTECT, related_name="+"
    )
    mass_kg = models.DecimalField(_("mass (kg)"), max_digits=16, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=2, choices=MassUnit.choices)
    grade = models.DecimalField(
        _("grade (%)"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Concentration of the mineral or metal, in percent."),
    )
    package_type = models.CharField(_("package type"), max_length=60, blank=True)
    package_count = models.PositiveIntegerField(_("packages"), null=True, blank=True)
    site = models.ForeignKey(
        "registry.Site",
        verbose_name=_("mine site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lots",
    )
    tag = models.OneToOneField(
        Tag,
        verbose_name=_("tag"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lot",
    )
    made_by = models.ForeignKey(
        Operation, verbose_name=_("made by"), on_delete=models.PROTECT, related_name="outputs"
    )
    consumed_by = models.ForeignKey(
        Operation,
        verbose_name=_("used by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inputs",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LotStatus.choices, default=LotStatus.ACTIVE
    )
    label = models.CharField(
        _("certification label"), max_length=10, choices=Label.choices, blank=True
    )
    sealed_on = models.DateField(_("sealed on"), null=True, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    transport_method = models.CharField(_("transport"), max_length=60, blank=True)
    route = models.CharField(_("route"), max_length=300, blank=True)
    transport_company = models.CharField(_("transport company"), max_length=200, blank=True)
    taxes_paid = models.BooleanField(_("taxes paid"), null=True, blank=True)
    tax_reference = models.CharField(_("tax receipt"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        indexes = [models.Index(fields=["country", "status"], name="lot_country_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(mass_kg__gt=0), name="lot_mass_positive"),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True)
                | (models.Q(grade__gt=0) & models.Q(grade__lte=100)),
                name="lot_grade_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def mass(self) -> Decimal:
        """The mass in the lot's own unit."""
        return plain_decimal(self.mass_kg / UNIT_KG[MassUnit(self.unit)])

    @property
    def operation_kind(self) -> str:
        """The kind of the operation that made the lot: read with the lot where the query
        annotated it (``made_by_kind``), else from the operation."""
        kind = getattr(self, "made_by_kind", None)
        return kind if kind is not None else self.made_by.kind

    def operation_label(self) -> str:
        return str(OperationKind(self.operation_kind).label)

    def declared_origin(self) -> Country | None:
        """For an imported lot, the country of origin its papers declare; else None."""
        if self.operation_kind != OperationKind.IMPORT:
            return None
        return Country.objects.filter(alpha2=(self.made_by.details or {}).get("origin")).first()

    @property
    def metal_kg(self) -> Decimal | None:
        """The contained mineral or metal: mass × grade."""
        return None if self.grade is None else self.mass_kg * self.grade / 100


class BreachAction(models.TextChoices):
    REFUSE = "refuse", _("refuse the operation")
    FLAG = "flag", _("record it and raise a red flag")


class MassBalanceRule(models.Model):
    """How much more may come out of an operation than went in, for one mineral and kind of
    operation in one country (scales differ; moisture goes)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    commodity = models.ForeignKey(
        Commodity, verbose_name=_("mineral"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("operation"), max_length=12, choices=OperationKind.choices)
    tolerance_percent = models.DecimalField(_("tolerance (%)"), max_digits=5, decimal_places=2)
    on_breach = models.CharField(
        _("on a breach"), max_length=6, choices=BreachAction.choices, default=BreachAction.REFUSE
    )

    class Meta:
        ordering = ["country", "commodity", "kind"]
        verbose_name = _("mass-balance rule")
        verbose_name_plural = _("mass-balance rules")
        constraints = [
            models.UniqueConstraint(fields=["country", "commodity", "kind"], name="balance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} {self.commodity_id} {self.kind}: {self.tolerance_percent}%"


class Productivity(models.Model):
    """What one worker of a site can produce of a mineral in a month, in one country: the
    capacity check multiplies it by the workers the latest census counted at the site. Set by
    the country's inspectors with its source; none is shipped, so a country without one has no
    capacity check for that mineral."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    commodity = models.ForeignKey(
        Commodity, verbose_name=_("mineral"), on_delete=models.PROTECT, related_name="+"
    )
    kg_per_worker_month = models.DecimalField(
        _("kg per worker and month"), max_digits=14, decimal_places=6
    )
    margin_percent = models.DecimalField(
        _("margin (%)"), max_digits=6, decimal_places=2, default=Decimal(25),
        help_text=_("How far above the capacity tagged output may go before a flag."),
    )  # fmt: skip
    source = models.CharField(_("source"), max_length=300)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["country", "commodity"]
        verbose_name = _("productivity")
        verbose_name_plural = _("productivities")
        constraints = [
            models.UniqueConstraint(fields=["country", "commodity"], name="productivity_once"),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} {self.commodity_id}: {self.kg_per_worker_month} kg"


class FlagKind(models.TextChoices):
    """OECD Due Diligence Guidance, Annex II, and the data checks that raise flags."""

    SERIOUS_ABUSE = "serious_abuse", _("serious abuses (child labour, forced labour, torture…)")
    ARMED_GROUPS = "armed_groups", _("support to non-state armed groups")
    SECURITY_FORCES = "security_forces", _("public or private security forces illegally present")
    BRIBERY = "bribery", _("bribery or fraudulent misrepresentation of origin")
    LAUNDERING = "laundering", _("money laundering")
    TAXES = "taxes", _("unpaid taxes, fees or royalties")
    MASS_BALANCE = "mass_balance", _("mass-balance breach")
    TAG_REUSE = "tag_reuse", _("tag used again")
    SITE_STATUS = "site_status", _("production at a red, lapsed or unlicensed site")
    CAPACITY = "capacity", _("tagged output above the site's capacity")
    ORIGIN = "origin", _("origin country with no recorded production")


# The risks of OECD Annex II, which an inspector raises by hand; the data checks raise the others.
ANNEX_II = (
    FlagKind.SERIOUS_ABUSE,
    FlagKind.ARMED_GROUPS,
    FlagKind.SECURITY_FORCES,
    FlagKind.BRIBERY,
    FlagKind.LAUNDERING,
    FlagKind.TAXES,
)


class FlagSeverity(models.TextChoices):
    SUSPEND = "suspend", _("serious: the supplier is suspended")
    HIGH = "high", _("high: mitigate within 6 months")
    MEDIUM = "medium", _("medium")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("open")
    MITIGATING = "mitigating", _("being mitigated")
    CLOSED = "closed", _("closed")


class RedFlag(models.Model):
    """A risk met on the chain, with its evidence, owner, mitigation and closure."""

    kind = models.CharField(_("red flag"), max_length=20, choices=FlagKind.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=FlagSeverity.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    operation = models.ForeignKey(
        Operation,
        verbose_name=_("operation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    lot = models.ForeignKey(
        Lot,
        verbose_name=_("lot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    site = models.ForeignKey(
        "registry.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="red_flags",
    )
    actor = models.ForeignKey(
        Actor,
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    # Codes and figures, said in the reader's language when read.
    evidence = models.JSONField(_("evidence"), default=dict)
    raised_at = models.DateTimeField(_("raised at"))
    status = models.CharField(
        _("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    # Who answers for it (an inspector of the country), the plan and its deadline (six months
    # from the flag for the risks that allow mitigation; none for a serious abuse).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mitigation_plan = models.TextField(_("mitigation plan"), max_length=4000, blank=True)
    mitigation_due = models.DateField(_("mitigate by"), null=True, blank=True)
    # Set by the daily round when the deadline passed with the flag still open.
    escalated_on = models.DateField(_("overdue since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closure = models.CharField(_("closure"), max_length=2000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["status", "mitigation_due"], name="flag_due")]
        verbose_name = _("red flag")
        verbose_name_plural = _("red flags")

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def owner_name(self) -> str:
        return person_name(self.owner)


class Criterion(models.TextChoices):
    """What an inspector checks at a mine site. A critical criterion breached makes the site red;
    an important one, yellow (ICGLR data standard MD.01; OECD Annex II for the critical risks)."""

    ARMED_GROUPS = "armed_groups", _("no non-state armed group present, controlling or taxing")
    SECURITY_FORCES = (
        "security_forces",
        _("no public or private security forces controlling, taxing or extorting illegally"),
    )
    CHILD_LABOUR = "child_labour", _("no child under 18 working at the site")
    SERIOUS_ABUSE = (
        "serious_abuse",
        _("no forced labour, torture, cruel treatment or sexual violence"),
    )
    LEGAL_STATUS = "legal_status", _("worked under a valid licence or inside an ASM zone")
    TRACEABILITY = "traceability", _("production tagged and written in the site's logbook")
    TAXES = "taxes", _("taxes, fees and royalties paid")
    HEALTH_SAFETY = "health_safety", _("health and safety measures in place")
    ENVIRONMENT = "environment", _("environment protected (mercury, tailings, land)")


CRITICAL_CRITERIA = frozenset(
    {
        Criterion.ARMED_GROUPS,
        Criterion.SECURITY_FORCES,
        Criterion.CHILD_LABOUR,
        Criterion.SERIOUS_ABUSE,
    }
)


class Finding(models.TextChoices):
    MET = "met", _("met")
    BREACHED = "breached", _("breached")


class Inspection(models.Model):
    """A mine site inspection: the inspector's finding on each criterion sets the site's status
    (written to the registry as a certification decision)."""

    site = models.ForeignKey(
        "registry.Site",
        verbose_name=_("site"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_on = models.DateField(_("inspected on"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    authority = models.CharField(_("inspecting authority"), max_length=200)
    # {criterion: "met" | "breached"}, every criterion answered.
    findings = models.JSONField(_("findings"), default=dict)
    status = models.CharField(
        _("resulting status"), max_length=8, choices=CertificationStatus.choices
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Red held: a site red less than six months before stays red whatever is found.
    red_held_until = models.DateField(_("red at least until"), null=True, blank=True)
    # Kept for the inspectors; never on the public page.
    note = models.TextField(_("inspector's note"), max_length=4000, blank=True)
    record = models.OneToOneField(
        "registry.CertificationRecord",
        verbose_name=_("certification decision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspection",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-pk"]
        verbose_name = _("site inspection")
        verbose_name_plural = _("site inspections")

    def __str__(self) -> str:
        return f"inspection {self.pk} of site {self.site_id}"

    @property
    def inspector_name(self) -> str:
        return person_name(self.inspector)

    def breached(self) -> list[str]:
        """The criteria breached, in the order of :class:`Criterion`."""
        return [c for c in Criterion.values if self.findings.get(c) == Finding.BREACHED]

    def breached_labels(self) -> list[str]:
        return [str(Criterion(c).label) for c in self.breached()]


class SigningKey(models.Model):
    """A public key that signed export certificates, kept so that every certificate it signed
    can be checked after the key is replaced (the private key stays in a file, never here)."""

    key_id = models.CharField(_("key"), max_length=32, unique=True)
    public_key = models.TextField(_("public key (PEM)"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return self.key_id


class CertificateStatus(models.TextChoices):
    PREPARED = "prepared", _("verified, waiting for validation")
    ISSUED = "issued", _("issued")


class ExportCertificate(models.Model):
    """An export certificate of the regional certification: prepared (verified) by one
    inspector, validated and signed by another. ``data`` holds the certificate's fields exactly
    as signed; the signature covers their canonical JSON."""

    identifier = models.CharField(_("certificate identifier"), max_length=40, unique=True)
    country = models.ForeignKey(
        Country, verbose_name=_("issuing country"), on_delete=models.PROTECT, related_name="+"
    )
    operation = models.OneToOneField(
        Operation,
        verbose_name=_("export"),
        on_delete=models.PROTECT,
        related_name="certificate",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CertificateStatus.choices,
        default=CertificateStatus.PREPARED,
    )
    ore_type = models.CharField(_("type of ore"), max_length=100)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verifier"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_on = models.DateField(_("verified on"))
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    validated_on = models.DateField(_("validated on"), null=True, blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    expires_on = models.DateField(_("date of expiry"), null=True, blank=True)
    data = models.JSONField(_("certificate data"), default=dict)
    key_id = models.CharField(_("key"), max_length=32, blank=True)
    signature = models.CharField(_("signature"), max_length=200, blank=True)
    # Printed on the certificate and in its QR code: the way to its public page.
    check_code = models.CharField(_("check code"), max_length=32, unique=True)

    class Meta:
        ordering = ["-verified_on", "-pk"]
        verbose_name = _("export certificate")
        verbose_name_plural = _("export certificates")

    def __str__(self) -> str:
        return self.identifier
