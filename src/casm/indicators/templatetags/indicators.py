"""Filters that show the profile's cells: suppressed counts as "<5", missing ones as "–"."""

from __future__ import annotations

from typing import Any

from django import template

from casm.core.numbers import number_show

register = template.Library()


@register.filter
def number(value: Any, decimals: int = 0) -> str:
    """A number with the language's grouping, or "–" when unknown (``casm.core.numbers``)."""
    return number_show(value, int(decimals))


@register.filter
def cell(value: dict[str, Any] | None, kind: str = "count") -> str:
    """A people cell of the profile: "<5" when suppressed, a count or a percentage otherwise."""
    if not value or value.get("value") is None:
        return "<5" if value and value.get("suppressed") else "–"
    if kind == "percent":
        return f"{number(value['value'], 1)} %"
    return number(value["value"])


@register.filter
def percent(value: Any) -> str:
    return "–" if value is None else f"{number(value, 1)} %"


@register.filter
def estimate_figure(estimate: dict[str, Any]) -> str:
    """ "2,000,000", "20,000,000–30,000,000" or "13,000,000 (10,000,000–15,000,000)"."""
    span = ""
    if estimate.get("low") is not None and estimate.get("high") is not None:
        span = f"{number(estimate['low'])}–{number(estimate['high'])}"
    if estimate.get("value") is None:
        return span or "–"
    return f"{number(estimate['value'])} ({span})" if span else number(estimate["value"])
