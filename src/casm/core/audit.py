"""Where a write comes from, and the audit record every service write leaves behind.

Middleware, the API, commands and importers set the *source* with :func:`audit_source`; services
call :func:`model_create`, :func:`model_update` or :func:`model_delete`, which validate, save
and record who changed which fields from what to what, in the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from casm.core.models import AuditEvent

M = TypeVar("M", bound=models.Model)

# Values never written to the log; the log only says that they changed.
REDACTED_FIELDS = frozenset({"password", "key_hash", "follow_key_hash"})
REDACTED = "(hidden)"


@dataclass(frozen=True)
class AuditContext:
    source: str = AuditEvent.Source.SYSTEM
    ip_address: str | None = None


_DEFAULT_CONTEXT = AuditContext()
_context: ContextVar[AuditContext] = ContextVar("casm_audit_context", default=_DEFAULT_CONTEXT)


def current_audit_context() -> AuditContext:
    return _context.get()


@contextlib.contextmanager
def audit_source(source: str, ip_address: str | None = None) -> Iterator[None]:
    """Mark every write inside the block as coming from ``source`` (web, api, cli, import…)."""
    token = _context.set(AuditContext(source=source, ip_address=ip_address))
    try:
        yield
    finally:
        _context.reset(token)


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple | set):
        return sorted((_plain(item) for item in value), key=str)
    return value


def _field_value(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    if field.many_to_many:
        if instance.pk is None:
            return []
        return sorted(getattr(instance, name).values_list("pk", flat=True))
    if field.is_relation:
        return getattr(instance, field.attname)  # type: ignore[union-attr]
    return _plain(getattr(instance, name))


def _editable_fields(instance: models.Model) -> list[str]:
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    ] + [field.name for field in instance._meta.many_to_many]


def _event(
    actor: Any, action: str, instance: models.Model, changes: dict[str, list[Any]]
) -> AuditEvent:
    context = current_audit_context()
    for name in changes.keys() & REDACTED_FIELDS:
        changes[name] = [REDACTED, REDACTED]
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent(
        actor=actor if is_person else None,
        actor_repr=actor.get_username() if is_person else "",
        source=context.source,
        ip_address=context.ip_address,
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    changes: dict[str, list[Any]],
) -> AuditEvent:
    """Write one audit event for ``instance``; ``changes`` maps a field to ``[old, new]``."""
    event = _event(actor, action, instance, changes)
    event.save()
    return event


def audit_records(
    *, actor: Any, action: str, items: Iterable[tuple[models.Model, dict[str, list[Any]]]]
) -> int:
    """One audit event for each (instance, changes), written in one bulk insert: for the
    checks that write many records at once (a daily round's flags)."""
    events = [_event(actor, action, instance, changes) for instance, changes in items]
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def model_create(*, model: type[M], actor: Any, data: dict[str, Any]) -> M:
    """Validate and save a new ``model`` from ``data`` (many-to-many fields included), audited."""
    many = {name: data.pop(name) for name in list(data) if model._meta.get_field(name).many_to_many}
    instance = model(**data)
    instance.full_clean()
    with transaction.atomic():
        instance.save()
        for name, values in many.items():
            getattr(instance, name).set(values)
        changes = {
            name: [None, _field_value(instance, name)]
            for name in _editable_fields(instance)
            if _field_value(instance, name) not in (None, "", [])
        }
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, instance=instance, changes=changes
        )
    return instance


def model_update(
    *, instance: M, actor: Any, data: dict[str, Any], fields: Iterable[str] | None = None
) -> tuple[M, dict[str, list[Any]]]:
    """Apply the ``data`` items named in ``fields`` (default: all), validate, save and audit.

    Returns the instance and the changes; nothing is saved or recorded when nothing changed.
    """
    allowed = set(fields) if fields is not None else set(data)
    changes: dict[str, list[Any]] = {}
    many: dict[str, list[Any]] = {}
    for name in sorted(allowed & set(data)):
        field = instance._meta.get_field(name)
        old = _field_value(instance, name)
        value = data[name]
        if field.many_to_many:
            if value is None:  # a list may be empty, never null
                raise ValidationError({name: [models.Field.default_error_messages["null"]]})
            new = sorted(_plain(item) for item in value)
            if new != old:
                many[name] = list(value)
                changes[name] = [old, new]
            continue
        setattr(instance, name, value)
        new = _field_value(instance, name)
        if new != old:
            changes[name] = [old, new]
    if not changes:
        return instance, changes
    # full_clean() does not look at an empty value of a field that may be blank, so a None
    # given for a text that may be empty but not null would only fail in the database.
    nulls = {}
    for name in changes:
        field = instance._meta.get_field(name)
        if name in many or not isinstance(field, models.Field) or field.null:
            continue
        if getattr(instance, field.attname) is None:
            nulls[name] = [field.error_messages["null"]]
    if nulls:
        raise ValidationError(nulls)
    instance.full_clean()
    with transaction.atomic():
        simple = [name for name in changes if name not in many]
        if simple:
            auto_now = [
                f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)
            ]
            instance.save(update_fields=simple + auto_now)
        for name, values in many.items():
            getattr(instance, name).set(values)
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, instance=instance, changes=changes
        )
    return instance, changes


class StillReferredTo(ValidationError):
    """A record that others still name cannot be deleted: the message says which. The API
    answers it with a 409, a page with its message."""


def model_delete(*, instance: models.Model, actor: Any) -> None:
    """Delete ``instance`` and record what it held."""
    with transaction.atomic():
        changes = {
            name: [_field_value(instance, name), None]
            for name in _editable_fields(instance)
            if _field_value(instance, name) not in (None, "", [])
        }
        audit_record(
            actor=actor, action=AuditEvent.Action.DELETE, instance=instance, changes=changes
        )
        instance.delete()
