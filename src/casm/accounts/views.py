from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casm.accounts import lockout, selectors, services
from casm.accounts.forms import (
    LoginForm,
    NewUserForm,
    OrganisationForm,
    RoleAssignmentForm,
    TokenForm,
    UserForm,
)
from casm.accounts.models import Organisation, User
from casm.core import permissions
from casm.core.countries import countries_by_name
from casm.core.forms import form_errors_from
from casm.core.models import Country
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint

PAGE_SIZE = 50


def _signed_in(request: HttpRequest) -> User:
    """The person behind a request that @login_required has let through."""
    return cast(User, request.user)


@endpoint(PUBLIC)
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in person's choice is also kept on their account,
    so that the e-mails the platform sends them are in it."""
    from django.views.i18n import set_language

    response = set_language(request)
    if request.method == "POST":
        services.user_language_set(actor=request.user, language=request.POST.get("language", ""))
    return response


class LoginView(auth_views.LoginView):
    """Sign-in; a paused one is the page again with the wait, as a 429 with ``Retry-After``."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_invalid(form)
        if getattr(self.request, "axes_locked_out", False):
            response.status_code = 429
            wait = lockout.seconds_to_wait(self.request, {"username": form.entered_username()})
            response["Retry-After"] = str(wait)
        return response


@login_required
@require_GET
@endpoint(SIGNED_IN)
def profile(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.api_token_list_for_user(request.user),
            "token_form": TokenForm(),
            "assignments": selectors.role_assignment_list(_signed_in(request)),
        },
    )


@login_required
@require_POST
@endpoint(SIGNED_IN)
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    raw = None
    if form.is_valid():
        try:
            _token, raw = services.api_token_create(
                actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.api_token_list_for_user(request.user),
            "token_form": TokenForm() if raw else form,
            "new_token": raw,
            "assignments": selectors.role_assignment_list(_signed_in(request)),
        },
        status=200 if raw or form.is_valid() else 400,
    )


@login_required
@require_POST
@endpoint(SIGNED_IN)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_for_user(request.user, token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:profile")


def _manageable_countries(user):
    countries = Country.objects.all()
    ids = permissions.country_ids_for(user, "organisations.manage")
    return countries if ids is None else countries.filter(pk__in=ids)


def _can_manage_organisations(user) -> bool:
    return permissions.can(user, "organisations.manage")


@login_required
@require_GET
@endpoint(SIGNED_IN)
def organisation_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    country = request.GET.get("country", "").strip()[:2]
    kind = request.GET.get("kind", "").strip()
    organisations = selectors.organisation_list_for_user(
        request.user, search=search, country=country, kind=kind
    )
    in_scope = selectors.organisation_list_for_user(request.user)
    country_choices = countries_by_name(
        Country.objects.filter(pk__in=in_scope.values("country")).annotate(n=Count("organisations"))
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/organisation_list.html",
        {
            "page": Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page")),
            "search": search,
            "country": country.upper(),
            "kind": kind,
            "kinds": Organisation.Kind.choices,
            "country_choices": country_choices,
            "query": query.urlencode(),
            "can_manage": _can_manage_organisations(request.user),
        },
    )


@login_required
@require_GET
@endpoint(SIGNED_IN)
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "can_manage": _can_manage_organisations(request.user),
            "is_administrator": permissions.is_administrator(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("organisations.manage")
def organisation_create(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "organisations.manage")
    form = OrganisationForm(request.POST or None, countries=_manageable_countries(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The organisation is registered."))
            return redirect("accounts:organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "title": _("New organisation")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("organisations.manage")
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    permissions.require(request.user, "organisations.manage")
    # The form works on a copy so that a rejected change leaves the object untouched.
    form = OrganisationForm(
        request.POST or None,
        instance=Organisation.objects.get(pk=organisation.pk),
        countries=_manageable_countries(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("accounts:organisation_detail", organisation_id=organisation.pk)
    return render(
        request,
        "accounts/organisation_form.html",
        {"form": form, "title": organisation.name, "organisation": organisation},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@endpoint("organisations.manage")
def organisation_delete(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    try:
        services.organisation_delete(actor=request.user, organisation=organisation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:organisation_detail", organisation_id=organisation.pk)
    messages.success(request, _("The organisation is deleted."))
    return redirect("accounts:organisation_list")


def _require_administrator(request: HttpRequest) -> None:
    permissions.require(request.user, "users.manage")


@login_required
@require_GET
@endpoint("users.manage")
def user_list(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    search = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "").strip()
    users = selectors.user_list_for_user(request.user, search=search, role=role)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "page": Paginator(users, PAGE_SIZE).get_page(request.GET.get("page")),
            "search": search,
            "role": role,
            "roles": permissions.Role.choices,
            "query": query.urlencode(),
        },
    )


def _send_invitation(request: HttpRequest, user: User) -> None:
    form = PasswordResetForm({"email": user.email})
    if form.is_valid():
        form.save(
            request=request,
            email_template_name="accounts/email/invitation.txt",
            subject_template_name="accounts/email/invitation_subject.txt",
        )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("users.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = NewUserForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            _send_invitation(request, user)
            messages.success(
                request,
                _("%(username)s can now sign in; an e-mail to choose a password was sent.")
                % {"username": user.username},
            )
            return redirect("accounts:user_list")
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": _("New user")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("users.manage")
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    _require_administrator(request)
    person = selectors.user_get_for_user(request.user, user_id)
    form = UserForm(request.POST or None, instance=User.objects.get(pk=person.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=person, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("accounts:user_list")
    return _user_page(request, person, form=form)


def _user_page(
    request: HttpRequest,
    person: User,
    *,
    form: UserForm | None = None,
    role_form: RoleAssignmentForm | None = None,
) -> HttpResponse:
    """The account's page: its details and the roles it holds, each with its scope."""
    form = form or UserForm(instance=User.objects.get(pk=person.pk))
    role_form = role_form or RoleAssignmentForm()
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "title": person.username,
            "person": person,
            "assignments": selectors.role_assignment_list(person),
            "role_form": role_form,
        },
        status=400 if form.errors or role_form.errors else 200,
    )


@login_required
@require_POST
@endpoint("users.manage")
def user_role_assign(request: HttpRequest, user_id: int) -> HttpResponse:
    """Give the person a role, or a new scope for a role they hold."""
    _require_administrator(request)
    person = selectors.user_get_for_user(request.user, user_id)
    role_form = RoleAssignmentForm(request.POST)
    if role_form.is_valid():
        try:
            assignment = services.role_assign(
                actor=request.user, user=person, **role_form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(role_form, exc)
        else:
            messages.success(
                request,
                _("%(username)s is now %(role)s.")
                % {"username": person.username, "role": assignment.get_role_display()},
            )
            return redirect("accounts:user_edit", user_id=person.pk)
    return _user_page(request, person, role_form=role_form)


@login_required
@require_POST
@endpoint("users.manage")
def user_role_revoke(request: HttpRequest, user_id: int, assignment_id: int) -> HttpResponse:
    _require_administrator(request)
    person = selectors.user_get_for_user(request.user, user_id)
    assignment = selectors.role_assignment_get_for_user(request.user, person, assignment_id)
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(username)s is no longer %(role)s.")
            % {"username": person.username, "role": assignment.get_role_display()},
        )
    return redirect("accounts:user_edit", user_id=person.pk)
