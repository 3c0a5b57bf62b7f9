"""Web pages of the indicators app: the world ranking and the country profiles (public)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casm.core.maps import outlines_source, world_map_svg
from casm.indicators import selectors
from casm.indicators.exports import profile_csv
from casm.indicators.maps import country_map_svg, production_chart_svg

# Classes of the world map by best estimate: (lowest figure, CSS class).
WORKFORCE_CLASSES = [
    (10_000_000, "workforce-4"),
    (3_000_000, "workforce-3"),
    (1_000_000, "workforce-2"),
    (0, "workforce-1"),
]


def _workforce_class(value: int | None) -> str:
    for lowest, css_class in WORKFORCE_CLASSES:
        if (value or 0) >= lowest:
            return css_class
    return WORKFORCE_CLASSES[-1][1]


@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    ranking = selectors.workforce_ranking()
    highlight = {row["alpha3"]: _workforce_class(row["headline"]) for row in ranking}
    legend = [
        {"css_class": "workforce-4", "label": _("10 million people or more")},
        {"css_class": "workforce-3", "label": _("3 to 10 million")},
        {"css_class": "workforce-2", "label": _("1 to 3 million")},
        {"css_class": "workforce-1", "label": _("under 1 million")},
    ]
    return render(
        request,
        "indicators/profile_list.html",
        {
            "ranking": ranking,
            "world": selectors.world_series(),
            "map_svg": world_map_svg(highlight, label_id="map-caption"),
            "map_source": outlines_source(),
            "legend": legend,
        },
    )


def _country_or_404(alpha2: str):
    country = selectors.country_for_profile(alpha2)
    if country is None:
        raise Http404
    return country


def _csv_response(country, profile) -> HttpResponse:
    response = HttpResponse(profile_csv(profile), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="casm-profile-{country.alpha2}.csv"'
    return response


@require_GET
def profile_detail(request: HttpRequest, alpha2: str) -> HttpResponse:
    country = _country_or_404(alpha2)
    profile = selectors.country_profile(country)
    if request.GET.get("format") == "csv":
        return _csv_response(country, profile)
    charts = [
        {
            "series": series,
            "svg": production_chart_svg(series, label_id=f"chart-{series['code']}"),
            "label_id": f"chart-{series['code']}",
        }
        for series in profile["production"]
    ]
    best = next((e for e in profile["estimates"] if e["is_best"]), None)
    return render(
        request,
        "indicators/profile_detail.html",
        {
            "country": country,
            "profile": profile,
            "best": best,
            "charts": charts,
            "map_svg": country_map_svg(country.alpha3, profile["map"], label_id="map-caption"),
            "map_source": outlines_source(),
        },
    )


@require_GET
def profile_download(request: HttpRequest, alpha2: str) -> HttpResponse:
    country = _country_or_404(alpha2)
    return _csv_response(country, selectors.country_profile(country))
