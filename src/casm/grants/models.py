"""Grants: donors and their contributions to funds, calls for proposals, review, awards and
the money paid out. Money is always a Decimal with a currency code; sums never mix currencies.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from casm.core.models import Country
from casm.library.models import Theme, choice_labels

POSITIVE = [MinValueValidator(0)]


class Donor(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        limit_choices_to={"kind": "donor"},
        related_name="donor_profiles",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("donor")

    def __str__(self) -> str:
        return self.name


class Fund(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")

    class Meta:
        ordering = ["name"]
        verbose_name = _("fund")

    def __str__(self) -> str:
        return self.name


class Contribution(models.Model):
    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="contributions")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="contributions")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=POSITIVE)
    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("contribution")

    def __str__(self) -> str:
        return f"{self.donor} → {self.fund}: {self.amount} {self.currency}"


class Call(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="calls")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, validators=POSITIVE)
    max_award = models.DecimalField(
        _("maximum award"), max_digits=14, decimal_places=2, validators=POSITIVE
    )
    currency = models.CharField(_("currency"), max_length=3)
    eligible_countries = models.ManyToManyField(
        Country, verbose_name=_("eligible countries"), blank=True, related_name="+"
    )
    eligible_themes = models.JSONField(_("eligible themes"), default=list, blank=True)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewers"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )

    class Meta:
        ordering = ["-opens_on", "pk"]
        verbose_name = _("call for proposals")

    def __str__(self) -> str:
        return self.title


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=200)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    max_score = models.DecimalField(
        _("maximum score"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.name


class Proposal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        ELIGIBLE = "eligible", _("eligible")
        INELIGIBLE = "ineligible", _("ineligible")
        UNDER_REVIEW = "under_review", _("under review")
        AWARDED = "awarded", _("awarded")
        DECLINED = "declined", _("declined")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="proposals")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_proposals"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("applicant organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grant_proposals",
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"))
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    sites = models.ManyToManyField(
        "registry.Site", verbose_name=_("sites"), blank=True, related_name="grant_proposals"
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)
    amount_requested = models.DecimalField(
        _("amount requested"), max_digits=14, decimal_places=2, validators=POSITIVE
    )
    currency = models.CharField(_("currency"), max_length=3)
    work_plan = models.TextField(_("work plan"), blank=True)
    attachment = models.FileField(_("attachment"), upload_to="grants/%Y/", blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.DRAFT
    )
    eligibility_messages = models.JSONField(_("eligibility messages"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("proposal")

    def __str__(self) -> str:
        return self.title

    @property
    def theme_names(self) -> str:
        return choice_labels(Theme, self.themes)


class BudgetLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="budget_lines")
    label = models.CharField(_("label"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=POSITIVE)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("budget line")

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class ReviewAssignment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_assignments"
    )
    conflict_declared = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_note = models.TextField(_("conflict of interest"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("review assignment")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "reviewer"], name="grants_one_review")
        ]

    def __str__(self) -> str:
        return f"{self.proposal} / {self.reviewer}"


class Score(models.Model):
    assignment = models.ForeignKey(
        ReviewAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("score")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="grants_one_score")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Decision(models.Model):
    class Outcome(models.TextChoices):
        AWARD = "award", _("award")
        DECLINE = "decline", _("decline")

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    decision = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    reasons = models.TextField(_("reasons"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")

    def __str__(self) -> str:
        return f"{self.proposal}: {self.decision}"


class Award(models.Model):
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="award")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="awards")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=POSITIVE)
    currency = models.CharField(_("currency"), max_length=3)
    conditions = models.TextField(_("conditions"), blank=True)
    awarded_on = models.DateField(_("awarded on"))
    disbursements_closed = models.BooleanField(_("disbursements closed"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-awarded_on", "pk"]
        verbose_name = _("award")

    def __str__(self) -> str:
        return f"{self.proposal}: {self.amount} {self.currency}"


class Tranche(models.Model):
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="tranches")
    planned_on = models.DateField(_("planned date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=POSITIVE)

    class Meta:
        ordering = ["planned_on", "pk"]
        verbose_name = _("tranche")

    def __str__(self) -> str:
        return f"{self.planned_on}: {self.amount}"


class Disbursement(models.Model):
    award = models.ForeignKey(Award, on_delete=models.PROTECT, related_name="disbursements")
    tranche = models.ForeignKey(
        Tranche, on_delete=models.SET_NULL, null=True, blank=True, related_name="disbursements"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=POSITIVE)
    paid_on = models.DateField(_("paid on"))

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("disbursement")

    def __str__(self) -> str:
        return f"{self.paid_on}: {self.amount}"


class Report(models.Model):
    class Kind(models.TextChoices):
        PROGRESS = "progress", _("progress report")
        FINAL = "final", _("final report")

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    narrative = models.TextField(_("narrative"))
    women = models.PositiveIntegerField(_("women reached"), default=0)
    men = models.PositiveIntegerField(_("men reached"), default=0)
    girls = models.PositiveIntegerField(_("girls reached"), default=0)
    boys = models.PositiveIntegerField(_("boys reached"), default=0)
    indicators = models.JSONField(_("other indicators"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("report")

    def __str__(self) -> str:
        return f"{self.award}: {self.kind}"
