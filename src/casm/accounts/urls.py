from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from casm.accounts import forms, views
from casm.core.permissions import PUBLIC, SIGNED_IN, endpoint

app_name = "accounts"

urlpatterns = [
    path("login/", endpoint(PUBLIC)(views.LoginView.as_view()), name="login"),
    path("logout/", endpoint(PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password/reset/",
        endpoint(PUBLIC)(
            auth_views.PasswordResetView.as_view(
                template_name="accounts/password_reset.html",
                email_template_name="accounts/email/password_reset.txt",
                subject_template_name="accounts/email/password_reset_subject.txt",
                success_url=reverse_lazy("accounts:password_reset_done"),
            )
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        endpoint(PUBLIC)(
            auth_views.PasswordResetDoneView.as_view(
                template_name="accounts/password_reset_done.html"
            )
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        endpoint(PUBLIC)(
            auth_views.PasswordResetConfirmView.as_view(
                template_name="accounts/password_reset_confirm.html",
                form_class=forms.SetPasswordForm,
                success_url=reverse_lazy("accounts:password_reset_complete"),
            )
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        endpoint(PUBLIC)(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="accounts/password_reset_complete.html"
            )
        ),
        name="password_reset_complete",
    ),
    path(
        "password/change/",
        endpoint(SIGNED_IN)(
            auth_views.PasswordChangeView.as_view(
                template_name="accounts/password_change.html",
                form_class=forms.PasswordChangeForm,
                success_url=reverse_lazy("accounts:profile"),
            )
        ),
        name="password_change",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke", views.token_revoke, name="token_revoke"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path(
        "organisations/<int:organisation_id>/",
        views.organisation_detail,
        name="organisation_detail",
    ),
    path(
        "organisations/<int:organisation_id>/edit/",
        views.organisation_edit,
        name="organisation_edit",
    ),
    path(
        "organisations/<int:organisation_id>/delete/",
        views.organisation_delete,
        name="organisation_delete",
    ),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/roles/", views.user_role_assign, name="user_role_assign"),
    path(
        "users/<int:user_id>/roles/<int:assignment_id>/revoke",
        views.user_role_revoke,
        name="user_role_revoke",
    ),
]
