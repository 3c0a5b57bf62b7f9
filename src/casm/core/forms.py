from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casm.core.countries import countries_by_name
from casm.core.models import AuditEvent, Country


def date_picker() -> forms.DateInput:
    """A date input the browser shows as a calendar. Its value is written in ISO 8601 whatever
    the reader's language: a French "04/12/2026" would leave the picker empty."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def form_errors_from(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where it names fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class _CountriesByName(forms.models.ModelChoiceIterator):
    """The countries of the field's queryset in the reader's alphabetical order."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for country in countries_by_name(self.queryset):
            yield self.choice(country)


class CountryChoiceField(forms.ModelChoiceField):
    """A country picked by its name in the reader's language, listed in that language's order."""

    iterator = _CountriesByName


class CountryMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = _CountriesByName


class FilterForm(forms.Form):
    """A list page's filters, read from the query string: what was given and valid."""

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    model = forms.ChoiceField(label=_("Kind of object"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("any"))] + list(AuditEvent.Action.choices),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, model_names: list[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["model"]).choices = [("", _("any"))] + [
            (m, m) for m in model_names or []
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


class AdminAreaImportForm(forms.Form):
    """One level of a country's administrative areas, from a zipped Shapefile or GeoJSON."""

    MAX_BYTES = 100 * 1024 * 1024
    SUFFIXES = (".zip", ".geojson", ".json")

    file = forms.FileField(
        label=_("Boundary file"),
        help_text=_(
            "A zipped Shapefile (.shp with its .dbf, .shx and .prj) or GeoJSON, in any projection."
        ),
    )
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[
            ("1", _("1: province or region")),
            ("2", _("2: district or territory")),
            ("3", _("3: sector or chiefdom")),
        ],  # fmt: skip
    )
    code_field = forms.CharField(
        label=_("Field with the official code"), max_length=50, help_text=_("e.g. PCODE")
    )
    name_field = forms.CharField(label=_("Field with the name"), max_length=50)
    parent_code_field = forms.CharField(
        label=_("Field with the code of the area above"), max_length=50, required=False,
        help_text=_("For levels 2 and 3: links each area to the one it is part of."),
    )  # fmt: skip
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    repair = forms.BooleanField(label=_("Mend invalid polygons"), required=False)
    dry_run = forms.BooleanField(label=_("Check only, import nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(self.SUFFIXES):
            raise forms.ValidationError(_("Send a .zip holding the Shapefile, or a .geojson file."))
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; boundary files may be at most %(limit)s MB.")
                % {"size": upload.size // (1024 * 1024), "limit": self.MAX_BYTES // (1024 * 1024)}
            )
        return upload

    @contextlib.contextmanager
    def saved_upload(self) -> Iterator[Path]:
        """The uploaded file on disk under its own name (the readers go by the suffix)."""
        upload = self.cleaned_data["file"]
        with tempfile.TemporaryDirectory(prefix="casm-areas-") as folder:
            path = Path(folder) / Path(upload.name).name
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            yield path
