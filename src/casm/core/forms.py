from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casm.core.models import AuditEvent


def form_errors_from(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where it names fields."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


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
