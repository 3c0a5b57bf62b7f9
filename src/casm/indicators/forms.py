from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import QuerySet

from casm.indicators.models import WorkforceEstimate


class WorkforceEstimateForm(forms.ModelForm):
    class Meta:
        model = WorkforceEstimate
        fields = [
            "country",
            "year",
            "value",
            "low",
            "high",
            "is_best",
            "source",
            "source_url",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, countries: QuerySet | None = None, world: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        country = cast(forms.ModelChoiceField, self.fields["country"])
        if countries is not None:
            country.queryset = countries
        # Only administrators edit the world's estimates: the others must choose a country.
        country.required = not world
