"""Forms of the network pages: directory filters and the secretariat's editing forms.

The forms only collect input; the services validate and write.
"""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import Organisation
from casm.core.countries import countries_by_name
from casm.core.forms import DateInput, FilterForm
from casm.core.models import Country
from casm.library.models import Language, Theme
from casm.network.models import Availability, Partnership, Person, Project


@functools.cache
def _country_options(language: str) -> tuple[tuple[str, str], ...]:
    """Each country's code and its ``<option>`` in ``language``, in its alphabetical order,
    escaped once a language: countries never change, and drawing 250 options with the form
    widgets' templates costs more than the search itself."""
    with translation.override(language):
        return tuple(
            (
                country.alpha2,
                format_html('<option value="{}">{}</option>', country.alpha2, country.name),
            )
            for country in countries_by_name(Country.objects.all())
        )


class QuickSelect(forms.Select):
    """A select drawn with ``format_html`` rather than a template per option: a directory page
    has a few hundred options, and their templates would cost more than the search."""

    def _options(self) -> list[tuple[str, str]]:
        return [
            (str(value), format_html('<option value="{}">{}</option>', value, label))
            for value, label in self.choices
        ]

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = str(value or "")
        options: list[str] = []
        for code, option in self._options():
            if code == chosen:
                option = option.replace("<option ", "<option selected ", 1)
            options.append(option)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(options)))  # noqa: S308


class CountrySelect(QuickSelect):
    """Every country, from the options escaped once."""

    def _options(self) -> list[tuple[str, str]]:
        return [("", format_html('<option value="">{}</option>', _("All countries")))] + list(
            _country_options(translation.get_language() or "en")
        )


class CountryChoiceField(forms.ChoiceField):
    widget = CountrySelect

    def valid_value(self, value: Any) -> bool:
        return any(
            alpha2 == value
            for alpha2, _option in _country_options(translation.get_language() or "en")
        )


class DirectoryFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *Organisation.Kind.choices],
        widget=QuickSelect,
    )
    country = CountryChoiceField(label=_("Country"), required=False)
    theme = forms.ChoiceField(
        label=_("Theme"),
        required=False,
        choices=[("", _("All themes")), *Theme.choices],
        widget=QuickSelect,
    )


class PeopleFilterForm(DirectoryFilterForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["theme"]
        self.fields["kind"].label = _("Type of organisation")


class ExpertFilterForm(DirectoryFilterForm):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language")), *Language.choices],
        widget=QuickSelect,
    )
    availability = forms.ChoiceField(
        label=_("Availability"),
        required=False,
        choices=[("", _("Any availability")), *Availability.choices],
        widget=QuickSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class ProjectFilterForm(DirectoryFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Project.Status.choices],
        widget=QuickSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["kind"]


class ServiceModelForm(forms.ModelForm):
    """A model form that only collects input: the service validates, saves and audits.

    Editing forms get the object's values as ``initial`` (never ``instance``), so the service
    still sees the old values and records what changed.
    """

    def _post_clean(self) -> None:
        pass


class OrganisationForm(ServiceModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "acronym",
            "kind",
            "country",
            "website",
            "contact_email",
            "countries_of_work",
            "description",
            "is_network_member",
        ]


class PersonForm(ServiceModelForm):
    class Meta:
        model = Person
        fields = ["name", "organisation", "email", "phone", "public_profile", "bio", "countries"]


class PartnershipForm(ServiceModelForm):
    class Meta:
        model = Partnership
        fields = ["name", "programme", "description", "organisations", "start", "end"]
        widgets = {"start": DateInput, "end": DateInput}


class ProjectForm(ServiceModelForm):
    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        required=False,
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Project
        fields = [
            "title",
            "lead_organisation",
            "partners",
            "donors",
            "countries",
            "themes",
            "budget",
            "currency",
            "start",
            "end",
            "status",
            "outputs",
        ]
        widgets = {"start": DateInput, "end": DateInput}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donors"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            kind=Organisation.Kind.DONOR
        )
