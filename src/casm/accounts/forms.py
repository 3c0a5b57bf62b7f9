from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from casm.accounts import services
from casm.accounts.models import Organisation, User
from casm.core.middleware import client_address
from casm.core.models import Country
from casm.core.permissions import Role


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, paused after repeated failures for an account or an address."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed attempts. Wait %(minutes)s minutes, or reset your password."
        ),
    }

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else None
        if services.login_is_throttled(username=username, address=address):
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failure_record(username=username, address=address)
            raise
        services.login_failures_clear(username=username, address=address)
        return cleaned


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
        fields = ["username", "first_name", "last_name", "email", "organisation", "is_active"]

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
