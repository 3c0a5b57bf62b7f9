"""Numbers and money as the reader writes them: "1 400 t", "40,5 M", "200 000,00 £GB" in French,
"1,400 t", "40.5M", "£200,000.00" in English, through Babel's data for the active language.

Pages show figures through these functions (and the ``numbers`` template filters that call
them); the API and the CSV files keep machine values.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_compact_decimal, format_currency, format_decimal
from django.utils.translation import get_language

NBSP = "\u00a0"


def reader_locale() -> str:
    """The Babel locale of the active language ("fr", "pt_BR" for "pt-br"), English by default."""
    language = get_language() or "en"
    head, _sep, tail = language.partition("-")
    return f"{head}_{tail.upper()}" if tail else head


def number_show(value: Any, decimals: int | None = None) -> str:
    """A number with the reader's grouping and decimal mark; ``decimals`` fixes the decimals,
    otherwise up to three are kept. None (unknown) is "–"."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value))
    if decimals is None:
        return format_decimal(number, format="#,##0.###", locale=reader_locale())
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(number, decimals), format=pattern, locale=reader_locale())


def number_compact(value: Any) -> str:
    """A large number in short: "40,5 M" in French, "40.5M" in English (for axes and maps)."""
    if value is None:
        return "–"
    return format_compact_decimal(
        float(value), format_type="short", fraction_digits=1, locale=reader_locale()
    )


def share_show(share: float) -> str:
    """A share (0 to 1) as a percentage with one decimal at most, never broken from its sign:
    "92.9 %" in English, "92,9 %" in French."""
    return f"{number_show(round(share * 100, 1))}{NBSP}%"


def quantity_show(value: Any, unit: str, decimals: int | None = None) -> str:
    """A quantity with its unit, never broken between them: "1 400 t"."""
    return f"{number_show(value, decimals)}{NBSP}{unit}" if value is not None else "–"


def money_show(amount: Any, currency: str) -> str:
    """An amount in its currency as the reader writes it: "£200,000.00", "200 000,00 £GB"."""
    if amount is None or amount == "":
        return "–"
    return format_currency(Decimal(str(amount)), currency, locale=reader_locale())
