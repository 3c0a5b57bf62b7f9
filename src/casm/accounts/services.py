"""Writes of the accounts app: organisations, users, passwords, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casm.accounts import lockout
from casm.accounts.models import ApiToken, Organisation, RoleAssignment, User
from casm.core import permissions
from casm.core.audit import (
    StillReferredTo,
    audit_record,
    model_create,
    model_delete,
    model_update,
)
from casm.core.models import AuditEvent

ORGANISATION_FIELDS = ["name", "acronym", "kind", "country", "website", "contact_email"]
USER_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "language",
    "is_active",
]
TOKEN_PREFIX = "casm_"  # noqa: S105 (a prefix, not a secret)


def organisation_create(*, actor: Any, **data: Any) -> Organisation:
    """Register an organisation."""
    permissions.require(actor, "organisations.manage", country=data.get("country"))
    return model_create(
        model=Organisation, actor=actor, data={k: data[k] for k in ORGANISATION_FIELDS if k in data}
    )


def organisation_update(*, actor: Any, organisation: Organisation, **data: Any) -> Organisation:
    """Change an organisation's details; moving it needs scope over both countries."""
    permissions.require_change(actor, "organisations.manage", instance=organisation, data=data)
    organisation, _changes = model_update(
        instance=organisation, actor=actor, data=data, fields=ORGANISATION_FIELDS
    )
    return organisation


def _named(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (", …" if len(names) > 3 else "")


def _organisation_references(organisation: Organisation) -> list[str]:
    """What still names ``organisation``, one sentence per kind of record: grant proposals and
    the network's projects would refuse its deletion, partnerships would lose it silently."""
    sentences = []
    if organisation.members.exists():
        sentences.append(_("This organisation still has members; move them first."))
    proposals = list(organisation.grant_proposals.order_by("title").values_list("title", flat=True))
    if proposals:
        sentences.append(
            ngettext(
                "This organisation is still named by %(count)d grant proposal: %(names)s.",
                "This organisation is still named by %(count)d grant proposals: %(names)s.",
                len(proposals),
            )
            % {"count": len(proposals), "names": _named(proposals)}
        )
    projects: dict[int, str] = {}
    for accessor in ("led_projects", "partner_projects", "funded_projects"):
        projects.update(getattr(organisation, accessor).values_list("pk", "title"))
    if projects:
        titles = sorted(projects.values())
        sentences.append(
            ngettext(
                "This organisation is still named by %(count)d project: %(names)s.",
                "This organisation is still named by %(count)d projects: %(names)s.",
                len(titles),
            )
            % {"count": len(titles), "names": _named(titles)}
        )
    partnerships = list(organisation.partnerships.order_by("name").values_list("name", flat=True))
    if partnerships:
        sentences.append(
            ngettext(
                "This organisation is still named by %(count)d partnership: %(names)s.",
                "This organisation is still named by %(count)d partnerships: %(names)s.",
                len(partnerships),
            )
            % {"count": len(partnerships), "names": _named(partnerships)}
        )
    return sentences


def organisation_delete(*, actor: Any, organisation: Organisation) -> None:
    """Delete an organisation that nothing names any more: no member, grant proposal,
    project or partnership (:class:`StillReferredTo` says which do)."""
    permissions.require(actor, "organisations.manage", country=organisation.country)
    references = _organisation_references(organisation)
    if references:
        raise StillReferredTo(" ".join(references))
    model_delete(instance=organisation, actor=actor)


def user_create(
    *,
    actor: Any,
    password: str | None = None,
    role: str | None = None,
    countries: Any = (),
    **data: Any,
) -> User:
    """Create an account; without a password the person sets one through a reset e-mail.

    ``role`` (with ``countries`` and the user's organisation as its scope) is the account's
    first role assignment; more are added with :func:`role_assign`.
    """
    permissions.require(actor, "users.manage")
    fields = {k: data[k] for k in USER_FIELDS if k in data}
    if password:
        validate_password(password, User(**fields))
    with transaction.atomic():
        if User.objects.filter(username__iexact=fields.get("username", "")).exists():
            raise ValidationError({"username": _("A user with that username already exists.")})
        user = model_create(model=User, actor=actor, data={**fields, "password": "!"})
        # Without a password, a random one that nobody knows: the person chooses theirs through
        # the reset e-mail (an unusable password would make Django refuse to send it).
        user.set_password(password or secrets.token_urlsafe(32))
        user.save(update_fields=["password"])
        if role:
            role_assign(
                actor=actor,
                user=user,
                role=role,
                countries=list(countries),
                organisation=fields.get("organisation")
                if role in permissions.ORGANISATION_ROLES
                else None,
            )
    return user


def user_update(*, actor: Any, user: User, **data: Any) -> User:
    """Change a person's details; roles change through :func:`role_assign` and ``role_revoke``.

    Deactivating an account ends its sessions and revokes its API tokens at once.
    """
    permissions.require(actor, "users.manage")
    if user.pk == getattr(actor, "pk", None) and data.get("is_active") is False:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic():
        user, changes = model_update(instance=user, actor=actor, data=data, fields=USER_FIELDS)
        if "is_active" in changes and not user.is_active:
            _user_sign_out_everywhere(actor=actor, user=user)
    return user


def user_language_set(*, actor: Any, language: str) -> None:
    """Remember the language a signed-in person picked: the platform's e-mails to them are
    written in it (audited when it changes)."""
    if not getattr(actor, "is_authenticated", False):
        return
    if language not in dict(settings.LANGUAGES) or actor.language == language:
        return
    model_update(instance=actor, actor=actor, data={"language": language})


def _user_sign_out_everywhere(*, actor: Any, user: User) -> None:
    """End every session of ``user`` and revoke their live tokens (audited)."""
    from django.contrib.sessions.models import Session

    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        api_token_revoke(actor=actor, token=token)
    user_pk = str(user.pk)
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == user_pk
    ]
    Session.objects.filter(pk__in=doomed).delete()


def _check_assignment(role: str, countries: list[Any], organisation: Any) -> None:
    if role not in permissions.Role.values:
        raise ValidationError({"role": [_("Unknown role: %s") % role]})
    if role in permissions.ORGANISATION_ROLES and organisation is None:
        raise ValidationError(
            {"organisation": [_("A supply-chain actor works for an organisation: choose it.")]}
        )
    if role == permissions.Role.ADMINISTRATOR and (countries or organisation is not None):
        raise ValidationError(
            {"countries": [_("Administrators work everywhere: give them no countries.")]}
        )


def role_assign(
    *, actor: Any, user: User, role: str, countries: Any = (), organisation: Any = None
) -> RoleAssignment:
    """Give ``user`` a role within ``countries`` and/or ``organisation`` (audited).

    A role the user already holds gets the new scope.
    """
    permissions.require(actor, "users.manage")
    countries = list(countries)
    _check_assignment(role, countries, organisation)
    data = {"countries": countries, "organisation": organisation}
    with transaction.atomic():
        existing = RoleAssignment.objects.filter(user=user, role=role).first()
        if existing is None:
            assignment = model_create(
                model=RoleAssignment, actor=actor, data={"user": user, "role": role, **data}
            )
        else:
            assignment, _changes = model_update(instance=existing, actor=actor, data=data)
    permissions.forget_grants(user)
    return assignment


def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    """Take a role away (audited); an administrator cannot take their own administrator role."""
    permissions.require(actor, "users.manage")
    if (
        assignment.user_id == getattr(actor, "pk", None)
        and assignment.role == permissions.Role.ADMINISTRATOR
    ):
        raise ValidationError(_("You cannot take away your own administrator role."))
    user = assignment.user
    model_delete(instance=assignment, actor=actor)
    permissions.forget_grants(user)


def user_make_administrator(*, username: str, email: str, password: str) -> User:
    """The first administrator, made from the command line."""
    user = user_create(
        actor=None,
        username=username,
        email=email,
        role=User.Role.ADMINISTRATOR,
        password=password,
    )
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user


def user_set_password(*, actor: Any, user: User, password: str) -> User:
    """Set a new password (validated against the password rules), audited without its value.

    The account's failed sign-ins are forgotten: its owner, paused by someone else's guesses,
    signs in again with the new password at once."""
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        lockout.login_failures_clear(username=user.get_username())
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=user,
            changes={"password": ["", ""]},
        )
    return user


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Make a token for ``actor``; the raw token is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the script that uses it.")})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = model_create(
        model=ApiToken,
        actor=actor,
        data={"user": actor, "name": name, "prefix": raw[:12], "key_hash": _token_hash(raw)},
    )
    return token, raw


def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token, _changes = model_update(
            instance=token, actor=actor, data={"revoked_at": timezone.now()}
        )
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user owning the live token ``raw``, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Recording every use would write on every request; once a minute is precise enough.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
