"""Every problem of a write at once: checks run one after another put their ValidationErrors
in one collector, which raises them together, field by field, so a form shows each message at
its field and the API's 422 lists them all, instead of only the first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError

T = TypeVar("T")


class ErrorCollector:
    """Collect ValidationErrors by field; ``raise_if_any()`` raises them as one."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ValidationError]] = {}

    def add(self, field: str | None, error: ValidationError | str) -> None:
        """One more problem; ``field`` None for a problem of the whole record."""
        if not isinstance(error, ValidationError):
            error = ValidationError(error)
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.errors.setdefault(name, []).extend(errors)
        else:
            key = field or "__all__"
            self.errors.setdefault(key, []).extend(error.error_list)

    def check(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``function(*args, **kwargs)``, or None when it refuses: its problems are kept (at
        the fields its ValidationError names, or for the whole record)."""
        try:
            return function(*args, **kwargs)
        except ValidationError as exc:
            self.add(None, exc)
            return None

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)  # type: ignore[arg-type]
