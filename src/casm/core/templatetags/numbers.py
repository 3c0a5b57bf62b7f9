"""Figures on pages in the reader's language: ``{{ amount|money:currency }}``,
``{{ value|number }}``, ``{{ value|number:2 }}``, ``{{ value|quantity:unit }}``,
``{{ value|compact }}`` (see ``casm.core.numbers``)."""

from __future__ import annotations

from typing import Any

from django import template

from casm.core.numbers import money_show, number_compact, number_show, quantity_show

register = template.Library()


@register.filter
def money(amount: Any, currency: str) -> str:
    return money_show(amount, currency)


@register.filter
def number(value: Any, decimals: Any = None) -> str:
    return number_show(value, None if decimals is None else int(decimals))


@register.filter
def quantity(value: Any, unit: str) -> str:
    return quantity_show(value, unit)


@register.filter
def compact(value: Any) -> str:
    return number_compact(value)
