"""Forms of the grants pages. They only collect input: the services check every rule."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import Organisation
from casm.accounts.selectors import users_holding
from casm.core.forms import CountryChoiceField, CountryMultipleChoiceField, DateInput
from casm.core.models import Country
from casm.core.permissions import Role
from casm.grants.models import Call, Decision, Donor, Fund, Report, Tranche
from casm.library.models import Theme

MONEY_HELP = _("A number, e.g. 12500.00")


def _reviewers() -> Any:
    return users_holding(Role.GRANTS_REVIEWER).order_by("username")


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    organisation = forms.ModelChoiceField(
        label=_("Applicant organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
    )
    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.all())
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sites = forms.CharField(
        label=_("Sites (registry codes, optional)"),
        required=False,
        help_text=_("Separate codes with commas, e.g. GH-0001, GH-0002"),
    )
    amount_requested = forms.CharField(label=_("Amount requested"), help_text=MONEY_HELP)
    work_plan = forms.CharField(
        label=_("Work plan"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)


class BudgetLineForm(forms.Form):
    label = forms.CharField(label=_("Budget line"), max_length=200, required=False)
    amount = forms.CharField(label=_("Amount"), required=False)


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=5, max_num=30)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=Report.Kind.choices)
    narrative = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 6}))
    women = forms.IntegerField(label=_("Women reached"), min_value=0, initial=0)
    men = forms.IntegerField(label=_("Men reached"), min_value=0, initial=0)
    girls = forms.IntegerField(label=_("Girls reached"), min_value=0, initial=0)
    boys = forms.IntegerField(label=_("Boys reached"), min_value=0, initial=0)


class ConflictForm(forms.Form):
    note = forms.CharField(
        label=_("What is the conflict of interest?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ScoreForm(forms.Form):
    """One score and comment per criterion of the call."""

    def __init__(self, *args: Any, criteria: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.CharField(
                label=_("%(name)s (0 to %(max)s, weight %(weight)s)")
                % {"name": criterion.name, "max": criterion.max_score, "weight": criterion.weight}
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )


class CallForm(forms.Form):
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.all())
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput)
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput)
    budget = forms.CharField(label=_("Budget"), help_text=MONEY_HELP)
    max_award = forms.CharField(label=_("Maximum award"), help_text=MONEY_HELP)
    eligible_countries = CountryMultipleChoiceField(
        label=_("Eligible countries (none: all)"),
        queryset=Country.objects.all(),
        required=False,
    )
    eligible_themes = forms.MultipleChoiceField(
        label=_("Eligible themes (none: all)"),
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reviewers = forms.ModelMultipleChoiceField(
        label=_("Reviewers"), queryset=get_user_model().objects.none(), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=Call.Status.choices, initial="open")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = _reviewers()  # type: ignore[attr-defined]


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=200)
    weight = forms.CharField(label=_("Weight"))
    max_score = forms.CharField(label=_("Maximum score"))


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=get_user_model().objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = _reviewers()  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))
    amount = forms.CharField(label=_("Amount awarded"), required=False, help_text=MONEY_HELP)
    conditions = forms.CharField(
        label=_("Conditions"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    first_tranche_on = forms.DateField(
        label=_("First tranche: date"), widget=DateInput, required=False
    )
    first_tranche = forms.CharField(label=_("First tranche: amount"), required=False)
    second_tranche_on = forms.DateField(
        label=_("Second tranche: date"), widget=DateInput, required=False
    )
    second_tranche = forms.CharField(label=_("Second tranche: amount"), required=False)

    def tranches(self) -> list[tuple[Any, str]]:
        data = self.cleaned_data
        return [
            (data[f"{which}_tranche_on"], data[f"{which}_tranche"])
            for which in ("first", "second")
            if data.get(f"{which}_tranche_on") and data.get(f"{which}_tranche")
        ]


class DisbursementForm(forms.Form):
    amount = forms.CharField(label=_("Amount paid"), help_text=MONEY_HELP)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    tranche = forms.ModelChoiceField(
        label=_("Tranche"), queryset=Tranche.objects.none(), required=False
    )

    def __init__(self, *args: Any, award: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tranche"].queryset = award.tranches.all()  # type: ignore[attr-defined]


class CloseForm(forms.Form):
    close_disbursements = forms.BooleanField(
        label=_("End the payments now; what was not paid returns to the fund"), required=False
    )


class DonorForm(forms.Form):
    name = forms.CharField(label=_("Donor"), max_length=200)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(kind="donor").order_by("name"),
        required=False,
    )


class FundForm(forms.Form):
    name = forms.CharField(label=_("Fund"), max_length=200)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, initial="USD")


class ContributionForm(forms.Form):
    donor = forms.ModelChoiceField(label=_("Donor"), queryset=Donor.objects.all())
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.all())
    amount = forms.CharField(label=_("Amount"), help_text=MONEY_HELP)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3)
    date = forms.DateField(label=_("Date"), widget=DateInput)
