"""Forms of the incident workflow. The services check everything; the forms take the input and
name its fields."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import person_name
from casm.core.forms import CountryChoiceField, FilterForm, date_picker
from casm.core.models import Country

from .models import IncidentKind, IncidentStatus, Outcome, Severity

DATE = date_picker()


class ReportForm(forms.Form):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.all(), to_field_name="alpha2"
    )
    kind = forms.ChoiceField(label=_("What kind of incident"), choices=IncidentKind.choices)
    occurred_on = forms.DateField(
        label=_("When it happened"), widget=DATE, help_text=_("An estimate will do.")
    )
    site = forms.CharField(
        label=_("Mine site code"), required=False, max_length=60,
        help_text=_("If you know it: the code on the site's page, e.g. CD-2.6613+28.6664-00012."),
    )  # fmt: skip
    location = forms.CharField(
        label=_("Place or route"), required=False, max_length=300,
        help_text=_("A village, a road, a trading point."),
    )  # fmt: skip
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
        help_text=_("Who was involved (groups, not victims' names), what was seen, since when."),
    )  # fmt: skip
    reporter_name = forms.CharField(
        label=_("Your name (optional)"), required=False, max_length=200,
        help_text=_("Leave it and the contact empty to report anonymously."),
    )  # fmt: skip
    reporter_contact = forms.CharField(
        label=_("Telephone or e-mail (optional)"), required=False, max_length=200,
        help_text=_("Only the handlers of the report see it."),
    )  # fmt: skip
    # Hidden and left empty by people; filled in by robots that fill in every field.
    website = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def filled_by_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class FollowForm(forms.Form):
    key = forms.CharField(
        label=_("Follow-up key"), max_length=40,
        help_text=_("The key you were given when you reported, e.g. ABCD-EFGH-IJKL-MNOP."),
    )  # fmt: skip


class IncidentFilterForm(FilterForm):
    q = forms.CharField(label=_("Reference"), required=False, max_length=30)
    country = CountryChoiceField(
        label=_("Country"), required=False, queryset=Country.objects.all(),
        to_field_name="alpha2", empty_label=_("all"),
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("all")), ("open", _("open")), ("overdue", _("overdue")),
                 *IncidentStatus.choices],
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("all")), *IncidentKind.choices]
    )
    mine = forms.BooleanField(label=_("Given to me"), required=False)

    def __init__(self, *args: Any, countries: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if countries is not None:
            cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries


class _HandlerChoice(forms.Form):
    def __init__(self, *args: Any, handlers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers = {str(user.pk): user for user in handlers}
        cast(forms.ChoiceField, self.fields["handler"]).choices = [
            ("", "—"),
            *((pk, person_name(user)) for pk, user in self.handlers.items()),
        ]

    def handler_user(self) -> Any:
        return self.handlers.get(self.cleaned_data.get("handler") or "")


class TriageForm(_HandlerChoice):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("accept", _("investigate")), ("dismiss", _("dismiss"))],
    )  # fmt: skip
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", "—"), *Severity.choices]
    )
    handler = forms.ChoiceField(label=_("Handler"), required=False)
    due_on = forms.DateField(
        label=_("Resolve by"), required=False, widget=DATE,
        help_text=_("Empty: 30, 60 or 90 days by severity."),
    )  # fmt: skip
    note = forms.CharField(
        label=_("Triage note"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For the handlers; needed to dismiss."),
    )  # fmt: skip
    public_note = forms.CharField(
        label=_("Note for the reporter"), required=False, max_length=500,
        help_text=_("The reporter reads it with their key; write no name."),
    )  # fmt: skip


class ReassignForm(_HandlerChoice):
    handler = forms.ChoiceField(label=_("Handler"))
    due_on = forms.DateField(label=_("Resolve by"), required=False, widget=DATE)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    resolution = forms.CharField(
        label=_("What was found and done"), max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    public_note = forms.CharField(
        label=_("Note for the reporter"), required=False, max_length=500,
        help_text=_("The reporter reads it with their key; write no name."),
    )  # fmt: skip


class StatisticsFilterForm(FilterForm):
    country = CountryChoiceField(
        label=_("Country"), required=False, queryset=Country.objects.all(),
        to_field_name="alpha2", empty_label=_("all"),
    )  # fmt: skip
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("all")), *IncidentKind.choices]
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            ("", _("all")),
            *((year, str(year)) for year in years),
        ]
