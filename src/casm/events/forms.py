"""Forms of the events pages; they only collect input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from casm.core.forms import DateInput
from casm.events.models import Event, FieldVisit, Registration, Session
from casm.library.models import Document
from casm.registry.models import Site


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class EventForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = [
            "kind",
            "title",
            "year",
            "host_country",
            "city",
            "starts_on",
            "ends_on",
            "registration_deadline",
            "theme",
            "languages",
            "capacity",
            "description",
        ]
        widgets = {
            "starts_on": DateInput,
            "ends_on": DateInput,
            "registration_deadline": DateInput,
        }


class SessionForm(forms.ModelForm):
    presentation = forms.ModelChoiceField(
        label=_("Presentation (library document number)"),
        queryset=Document.objects.filter(status=Document.Status.PUBLISHED),
        required=False,
        widget=forms.NumberInput,
    )

    class Meta:
        model = Session
        fields = ["title", "starts_at", "ends_at", "room", "speakers", "presentation"]
        widgets = {
            "starts_at": DateTimeInput,
            "ends_at": DateTimeInput,
            "speakers": forms.Textarea(attrs={"rows": 2}),
        }


class FieldVisitForm(forms.ModelForm):
    site = forms.ModelChoiceField(
        label=_("Mining site (registry number)"),
        queryset=Site.objects.all(),
        required=False,
        widget=forms.NumberInput,
    )

    class Meta:
        model = FieldVisit
        fields = ["title", "date", "capacity", "transport", "safety_briefing", "site"]
        widgets = {"date": DateInput, "safety_briefing": forms.Textarea(attrs={"rows": 3})}


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = [
            "full_name",
            "organisation_name",
            "organisation_kind",
            "country",
            "gender",
            "field_visit",
            "dietary_needs",
            "accessibility_needs",
            "visa_letter",
        ]

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visits = event.field_visits.all()
        field = self.fields["field_visit"]
        if visits:
            field.queryset = visits  # type: ignore[attr-defined]
            field.empty_label = _("no field visit")  # type: ignore[attr-defined]
        else:
            del self.fields["field_visit"]
