from __future__ import annotations

import math
from typing import cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from casm.accounts import lockout, services
from casm.accounts.models import Organisation, User
from casm.core.models import Country
from casm.core.permissions import Role


class LoginForm(auth_forms.AuthenticationForm):
    """Django's sign-in form; a sign-in paused by the throttle (``casm.accounts.lockout``)
    says how long to wait instead of "wrong password"."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "throttled": ngettext_lazy(
            "Too many failed attempts. Try again in %(minutes)s minute, or reset your password.",
            "Too many failed attempts. Try again in %(minutes)s minutes, or reset your password.",
            "minutes",
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self.request is not None and getattr(self.request, "axes_locked_out", False):
                seconds = lockout.seconds_to_wait(
                    self.request, {"username": self.entered_username()}
                )
                raise forms.ValidationError(
                    self.error_messages["throttled"],
                    code="throttled",
                    params={"minutes": math.ceil(seconds / 60)},
                ) from None
            raise

    def entered_username(self) -> str:
        return self.cleaned_data.get("username") or ""


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Sets the password through the service, so that the change is audited."""

    def save(self, commit: bool = True):
        return services.user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def save(self, commit: bool = True):
        return services.user_set_password(
            actor=self.user, user=self.user, password=self.cleaned_data["new_password1"]
        )


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "acronym", "kind", "country", "website", "contact_email"]

    def __init__(self, *args, countries=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if countries is not None:
            cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username", "first_name", "last_name", "email", "organisation", "language",
            "is_active",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        cast(
            forms.ModelChoiceField, self.fields["organisation"]
        ).queryset = Organisation.objects.select_related("country")


class RoleFields(forms.Form):
    """A role and its scope: countries and/or an organisation."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries in scope"),
        queryset=Country.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Where the role applies: the data the person sees and edits."),
    )


class NewUserForm(UserForm):
    """A new account with its first role; more roles are added on the account's page."""

    role = RoleFields.base_fields["role"]
    countries = RoleFields.base_fields["countries"]

    class Meta(UserForm.Meta):
        pass


class RoleAssignmentForm(RoleFields):
    organisation = forms.ModelChoiceField(
        label=_("Organisation in scope"),
        queryset=Organisation.objects.select_related("country"),
        required=False,
        help_text=_("For a supply-chain actor: the organisation whose lots they record."),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What uses it, e.g. 'census import script'."),
    )
