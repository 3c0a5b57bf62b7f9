"""Small SVG charts drawn on the server: no script, print well, readable without colour.

Each chart comes with the numbers in a table next to it in the templates; the SVG is a picture
of that table, so it is marked ``aria-hidden``.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

PALETTE = ["#1f5f8b", "#c2572b", "#4a8a3c", "#7d4e9e", "#a88a1c"]
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2"]


def line_chart_svg(
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    width: int = 640,
    height: int = 240,
    tick: Callable[[float], str] = lambda value: f"{value:,.0f}",
) -> str:
    """Lines over ``labels`` (e.g. dates); ``series`` is [(name, values)], a value may be None.
    ``tick`` writes the axis's numbers (the pages pass the reader's number format)."""
    left, right, top, bottom = 48, 12, 12, 44
    values = [v for _name, vs in series for v in vs if v is not None]
    top_value = max(values) if values else 0
    top_value = top_value or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - v / top_value * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="11">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#888"/>',
    ]
    for fraction in (0, 0.5, 1):
        value = top_value * fraction
        shown = escape(tick(value))
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{shown}</text>'
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{width - right}" y2="{y(value):.1f}" '
            'stroke="#ddd"/>'
        )
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for index, (name, vs) in enumerate(series):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        points = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}" points="{" ".join(points)}"/>'
            )
        for point in points:
            cx, cy = point.split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
        legend_x = left + index * 150
        parts.append(
            f'<line x1="{legend_x}" y1="{height - 8}" x2="{legend_x + 20}" y2="{height - 8}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>'
            f'<text x="{legend_x + 24}" y="{height - 4}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
