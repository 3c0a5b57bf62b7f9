from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casm.accounts import selectors, services
from casm.accounts.forms import LoginForm, OrganisationForm, TokenForm, UserForm
from casm.accounts.models import Organisation, User
from casm.core.forms import form_errors_from
from casm.core.models import Country
from casm.core.scope import user_country_ids, user_sees_everything

PAGE_SIZE = 50


def _signed_in(request: HttpRequest) -> User:
    """The person behind a request that @login_required has let through."""
    return cast(User, request.user)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


@login_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": selectors.api_token_list_for_user(request.user),
            "token_form": TokenForm(),
            "countries": _signed_in(request).countries.all(),
        },
    )


@login_required
@require_POST
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
            "countries": _signed_in(request).countries.all(),
        },
        status=200 if raw or form.is_valid() else 400,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_for_user(request.user, token_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("accounts:profile")


def _manageable_countries(user):
    countries = Country.objects.all()
    return (
        countries if user_sees_everything(user) else countries.filter(pk__in=user_country_ids(user))
    )


def _can_manage_organisations(user) -> bool:
    return user_sees_everything(user) or user.role == User.Role.DATA_OFFICER


@login_required
@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    country = request.GET.get("country", "").strip()[:2]
    kind = request.GET.get("kind", "").strip()
    organisations = selectors.organisation_list_for_user(
        request.user, search=search, country=country, kind=kind
    )
    in_scope = selectors.organisation_list_for_user(request.user)
    country_choices = (
        Country.objects.filter(pk__in=in_scope.values("country"))
        .annotate(n=Count("organisations"))
        .order_by("name_en")
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
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    return render(
        request,
        "accounts/organisation_detail.html",
        {
            "organisation": organisation,
            "can_manage": _can_manage_organisations(request.user),
            "is_administrator": user_sees_everything(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request: HttpRequest) -> HttpResponse:
    if not _can_manage_organisations(request.user):
        raise PermissionDenied(_("Only administrators and data officers manage organisations."))
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
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get_for_user(request.user, organisation_id)
    if not _can_manage_organisations(request.user):
        raise PermissionDenied(_("Only administrators and data officers manage organisations."))
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
    if not user_sees_everything(request.user):
        raise PermissionDenied(_("Only administrators manage users."))


@login_required
@require_GET
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
            "roles": User.Role.choices,
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
def user_create(request: HttpRequest) -> HttpResponse:
    _require_administrator(request)
    form = UserForm(request.POST or None, initial={"is_active": True})
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
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "title": person.username, "person": person},
        status=400 if form.errors else 200,
    )
