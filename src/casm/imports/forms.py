"""Forms of the imports app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casm.core.models import Country


class CensusUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Census file"),
        help_text=_(
            "A KoBoToolbox or ODK Central export (.csv, .xlsx, .zip), a plain CSV or XLSX, or "
            "GeoJSON points."
        ),
    )
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.none(),
        required=False,
        help_text=_("For rows that do not name their country."),
    )
    mapping = forms.FileField(
        label=_("Mapping (JSON)"),
        required=False,
        help_text=_("Not needed for the platform's census form."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (write nothing)"), required=False, initial=True
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and report the others"), required=False
    )
    update = forms.BooleanField(
        label=_("Update the visits this file imported before"),
        required=False,
        help_text=_(
            "For a file imported again with a corrected mapping: its rows replace the values "
            "of the visits they made (same submission). Otherwise those rows change nothing."
        ),
    )

    def __init__(self, *args, countries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = (
            countries if countries is not None else Country.objects.none()
        )
