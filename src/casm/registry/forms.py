"""Forms of the registry's pages. They check input; the services enforce the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from casm.core import permissions
from casm.core.countries import countries_by_name
from casm.core.forms import date_picker
from casm.core.models import Commodity, Country
from casm.registry import selectors, validation
from casm.registry.models import (
    ArmedActivity,
    CertificationStatus,
    LegalStatus,
    Miner,
    MiningMethod,
    Operator,
    ProcessingMethod,
    ProductionRecord,
    Site,
    SiteVisit,
    StateService,
    WorkRole,
)

YES_NO = [("", _("any")), ("1", _("yes")), ("0", _("no"))]
CHECKBOXES = forms.CheckboxSelectMultiple


def editable_countries(user: Any):
    countries = Country.objects.all()
    ids = permissions.country_ids_for(user, "registry.edit")
    return countries if ids is None else countries.filter(pk__in=ids)


def _preselect_single_country(form: forms.ModelForm, countries: Any) -> None:
    """A data officer of one country need not pick it."""
    if form.instance.pk is None and not form.is_bound:
        ids = list(countries.values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            form.initial["country"] = ids[0]


class SiteFilterForm(forms.Form):
    """The filters of the site list and map (read by selectors.SiteFilters)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    country = forms.ChoiceField(label=_("Country"), required=False)
    admin1 = forms.CharField(label=_("Province or region"), required=False, max_length=100)
    area = forms.ChoiceField(label=_("Administrative area"), required=False)
    commodity = forms.ChoiceField(label=_("Commodity"), required=False)
    legal_status = forms.ChoiceField(
        label=_("Legal status"),
        required=False,
        choices=[("", _("any")), *LegalStatus.choices],
    )
    certification_status = forms.ChoiceField(
        label=_("Certification"),
        required=False,
        choices=[("", _("any"))] + list(CertificationStatus.choices),
    )
    children_present = forms.ChoiceField(
        label=_("Children present"), required=False, choices=YES_NO
    )
    armed_presence = forms.ChoiceField(label=_("Armed presence"), required=False, choices=YES_NO)
    mercury_use = forms.ChoiceField(label=_("Mercury use"), required=False, choices=YES_NO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = countries_by_name(
            Country.objects.filter(Exists(Site.objects.filter(country=OuterRef("pk"))))
        )
        cast(forms.ChoiceField, self.fields["country"]).choices = [("", _("all"))] + [
            (c.alpha2, c.name) for c in countries
        ]
        cast(forms.ChoiceField, self.fields["commodity"]).choices = [("", _("all"))] + [
            (c.code, c.name) for c in Commodity.objects.all()
        ]
        self._area_choices()

    def _area_choices(self) -> None:
        """The chosen country's areas (provinces, then their districts), once a country is
        chosen; a country with no areas imported has no such filter."""
        code = str(self.data.get("country") or "").strip() if self.is_bound else ""
        choices: list[tuple[str, Any]] = [("", _("all")), *selectors.area_choices(code)]
        if len(choices) == 1:
            del self.fields["area"]
        else:
            cast(forms.ChoiceField, self.fields["area"]).choices = choices


FOOTPRINT_WIDGET = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})


class FootprintField(forms.JSONField):
    """A footprint as GeoJSON text; no footprint is an empty box (not the word ``null``)."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


FOOTPRINT_HELP = _(
    "Optional: the site's outline as a GeoJSON Polygon or MultiPolygon in longitude and "
    "latitude (e.g. copied from QGIS). It replaces the current footprint, which stays in the "
    "history. Leave empty for none."
)


class SiteForm(forms.ModelForm):
    mining_methods = forms.MultipleChoiceField(
        label=_("Mining methods"), choices=MiningMethod.choices, required=False, widget=CHECKBOXES
    )
    processing_methods = forms.MultipleChoiceField(
        label=_("Processing methods"),
        choices=ProcessingMethod.choices,
        required=False,
        widget=CHECKBOXES,
    )
    confirm_location = forms.BooleanField(
        label=_("The location is right even if it falls outside the country's outline"),
        required=False,
    )

    class Meta:
        model = Site
        fields = [
            "country",
            "code",
            "name",
            "other_names",
            "admin1",
            "admin2",
            "admin3",
            "admin4",
            "latitude",
            "longitude",
            "confirm_location",
            "location_note",
            "footprint",
            "commodities",
            "mining_methods",
            "processing_methods",
            "activity_status",
            "legal_status",
            "source",
        ]
        widgets = {"commodities": CHECKBOXES, "footprint": FOOTPRINT_WIDGET}
        field_classes = {"footprint": FootprintField}
        help_texts = {"footprint": FOOTPRINT_HELP}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = editable_countries(user)
        _preselect_single_country(self, editable_countries(user))
        self.fields["code"].required = False
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs.update(step="any")

    def clean(self) -> dict[str, Any]:
        """When a field cannot be read the service never runs: the coordinates that could be
        read are still checked here, with the services' own rule, so that a latitude of 999
        is reported beside a longitude that is not a number."""
        cleaned = super().clean() or {}
        if self.errors:
            for field, message in validation.coordinates_problems(
                cleaned.get("latitude", 0.0), cleaned.get("longitude", 0.0)
            ):
                if field in cleaned:
                    self.add_error(field, str(message))
        return cleaned

    def _post_clean(self) -> None:
        """The services validate the site (location, duplicates, codes); not the form."""


class VisitForm(forms.ModelForm):
    commodity_codes = forms.MultipleChoiceField(
        label=_("Commodities produced"), required=False, widget=CHECKBOXES
    )
    selling_point = forms.CharField(label=_("Selling point"), required=False, max_length=200)
    destination = forms.CharField(label=_("Destination"), required=False, max_length=200)
    state_services = forms.MultipleChoiceField(
        label=_("State services present"),
        choices=StateService.choices,
        required=False,
        widget=CHECKBOXES,
    )
    armed_activities = forms.MultipleChoiceField(
        label=_("What armed actors do"),
        choices=ArmedActivity.choices,
        required=False,
        widget=CHECKBOXES,
    )
    women_work = forms.MultipleChoiceField(
        label=_("Women's work"), choices=WorkRole.choices, required=False, widget=CHECKBOXES
    )
    children_work = forms.MultipleChoiceField(
        label=_("Children's work"), choices=WorkRole.choices, required=False, widget=CHECKBOXES
    )

    class Meta:
        model = SiteVisit
        fields = [
            "date",
            "team",
            "reached",
            "not_reached_reason",
            "workers",
            "men",
            "women",
            "boys_under_15",
            "girls_under_15",
            "boys_15_17",
            "girls_15_17",
            "pits",
            "max_depth_m",
            "commodity_codes",
            "selling_point",
            "destination",
            "state_services",
            "armed_presence",
            "armed_activities",
            "traceability_scheme",
            "mercury_use",
            "women_work",
            "children_work",
            "notes",
            "footprint",
        ]
        widgets = {"date": date_picker(), "footprint": FOOTPRINT_WIDGET}
        field_classes = {"footprint": FootprintField}
        help_texts = {"footprint": FOOTPRINT_HELP}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["commodity_codes"]).choices = [
            (c.code, c.name) for c in Commodity.objects.all()
        ]

    def _post_clean(self) -> None:
        """The services check counts, dates and choices."""

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        codes = data.pop("commodity_codes", [])
        selling_point, destination = data.pop("selling_point", ""), data.pop("destination", "")
        data["commodities"] = [
            {"commodity": code, "selling_point": selling_point, "destination": destination}
            for code in codes
        ]
        return data


class CertificationForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CertificationStatus.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=date_picker())
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=date_picker(),
        help_text=_("Empty: green one year, yellow three months, blue three years."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Keep this site (its code)"),
        max_length=60,
        help_text=_("Visits, production, operators and miners move to it; this site goes."),
    )


class OperatorForm(forms.ModelForm):
    class Meta:
        model = Operator
        fields = [
            "country",
            "kind",
            "name",
            "registration_number",
            "member_count",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = editable_countries(user)
        _preselect_single_country(self, editable_countries(user))

    def _post_clean(self) -> None:
        """The services check the rules."""


class MinerForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=WorkRole.choices, required=False, widget=CHECKBOXES
    )

    class Meta:
        model = Miner
        fields = ["country", "name", "sex", "year_of_birth", "id_number", "roles", "operator"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = editable_countries(user)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries
        _preselect_single_country(self, countries)
        cast(forms.ModelChoiceField, self.fields["operator"]).queryset = Operator.objects.filter(
            country__in=countries
        )

    def _post_clean(self) -> None:
        """The services check the rules."""


class ProductionForm(forms.ModelForm):
    class Meta:
        model = ProductionRecord
        fields = [
            "commodity",
            "period",
            "year",
            "period_number",
            "quantity",
            "unit",
            "value",
            "currency",
            "source",
        ]

    def _post_clean(self) -> None:
        """The services check units, periods and quantities."""
