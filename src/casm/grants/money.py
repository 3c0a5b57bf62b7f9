"""Money as a Decimal with a currency: parsing amounts and adding them without mixing currencies."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CENT = Decimal("0.01")
LIMIT = Decimal(10) ** 12  # the fields hold 14 digits, two of them decimals


def money_parse(value: Any, *, field: str = "amount") -> Decimal:
    """A non-negative Decimal with at most two decimals; floats, words and negatives are refused."""
    if isinstance(value, bool | float) or value is None:
        raise ValidationError({field: [_("Enter an amount as a number, e.g. 1250.00.")]})
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter an amount as a number, e.g. 1250.00.")]}) from None
    if not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount as a number, e.g. 1250.00.")]})
    if amount < 0:
        raise ValidationError({field: [_("An amount cannot be negative.")]})
    if amount >= LIMIT:
        raise ValidationError({field: [_("An amount must be less than 1,000,000,000,000.")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("An amount has at most two decimals.")]})
    return amount.quantize(CENT)


def currency_parse(value: Any, *, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError({field: [_("A currency is a three-letter ISO 4217 code.")]})
    return code


def money_sum(items: Iterable[tuple[Decimal, str]], *, currency: str | None = None) -> Decimal:
    """Add ``(amount, currency)`` pairs; different currencies in one sum are refused."""
    total = Decimal("0.00")
    seen = {currency} if currency else set()
    for amount, code in items:
        seen.add(code)
        total += amount
    if len(seen) > 1:
        raise ValidationError(
            _("Amounts in different currencies cannot be added: %(codes)s.")
            % {"codes": ", ".join(sorted(seen))}
        )
    return total
