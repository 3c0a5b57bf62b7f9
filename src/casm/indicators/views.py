"""Web pages of the indicators app: the world ranking and the country profiles (public)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casm.core import permissions
from casm.core.forms import form_errors_from
from casm.core.maps import outlines_source, world_map_svg
from casm.core.numbers import number_show
from casm.core.permissions import PUBLIC, endpoint
from casm.indicators import selectors, services
from casm.indicators.exports import profile_csv
from casm.indicators.forms import WorkforceEstimateForm
from casm.indicators.maps import country_map_svg, production_chart_svg
from casm.indicators.models import WorkforceEstimate
from casm.indicators.network import network_series, network_series_csv
from casm.lib.charts import line_chart_svg

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
@endpoint(PUBLIC)
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
            "can_edit_world": selectors.estimate_can_edit(request.user, None),
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
@endpoint(PUBLIC)
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
            "can_edit": selectors.estimate_can_edit(request.user, country),
        },
    )


@require_GET
@endpoint(PUBLIC)
def profile_download(request: HttpRequest, alpha2: str) -> HttpResponse:
    country = _country_or_404(alpha2)
    return _csv_response(country, selectors.country_profile(country))


@require_GET
@endpoint(PUBLIC)
def network_indicators(request: HttpRequest) -> HttpResponse:
    """The network's figures by year, with charts; ``?format=csv`` downloads them."""
    rows = network_series()
    if request.GET.get("format") == "csv":
        response = HttpResponse(network_series_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="casm-network-indicators.csv"'
        return response
    labels = [str(row["year"]) for row in rows]

    def series(key: str) -> list[float | None]:
        return [row[key] for row in rows]

    charts = []
    if rows:
        charts = [
            (
                _("The annual conference"),
                line_chart_svg(
                    labels,
                    [
                        (_("attendees"), series("conference_attendees")),
                        (_("countries represented"), series("conference_countries")),
                    ],
                    tick=number_show,
                ),
            ),
            (
                _("Partnerships and countries with projects"),
                line_chart_svg(
                    labels,
                    [
                        (_("partnerships"), series("partnerships")),
                        (_("countries with projects"), series("countries_with_projects")),
                    ],
                    tick=number_show,
                ),
            ),
            (
                _("Documents published and grants awarded"),
                line_chart_svg(
                    labels,
                    [
                        (_("documents published"), series("documents_published")),
                        (_("grants awarded"), series("grants_awarded")),
                    ],
                    tick=number_show,
                ),
            ),
        ]
    return render(
        request,
        "indicators/network_indicators.html",
        {
            "rows": rows,
            # Drawn by line_chart_svg from numbers and escaped labels only.
            "charts": [(title, mark_safe(svg)) for title, svg in charts],  # noqa: S308
        },
    )


# --- Managing the estimates (administrators; data officers for their countries) -----------


def _back_to(estimate_country) -> HttpResponse:
    if estimate_country is None:
        return redirect("indicators:profile_list")
    return redirect("indicators:profile_detail", alpha2=estimate_country.alpha2)


def _estimate_or_404(estimate_id: int) -> WorkforceEstimate:
    estimate = selectors.workforce_estimate_get(estimate_id)
    if estimate is None:
        raise Http404
    return estimate


def _estimate_form(request: HttpRequest, instance=None, initial=None) -> WorkforceEstimateForm:
    countries = selectors.estimate_countries_for_user(request.user)
    if countries is None:
        raise PermissionDenied(_("Only administrators and data officers edit estimates."))
    return WorkforceEstimateForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        countries=countries,
        world=permissions.is_administrator(request.user),
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("estimates.edit")
def estimate_create(request: HttpRequest) -> HttpResponse:
    country = selectors.country_for_profile(request.GET.get("country", ""))
    form = _estimate_form(request, initial={"country": country})
    if request.method == "POST" and form.is_valid():
        try:
            estimate = services.workforce_estimate_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The estimate is saved."))
            return _back_to(estimate.country)
    return render(
        request,
        "indicators/estimate_form.html",
        {"form": form, "title": _("New ASM workforce estimate"), "country": country},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("estimates.edit")
def estimate_edit(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _estimate_or_404(estimate_id)
    if not selectors.estimate_can_edit(request.user, estimate.country):
        raise PermissionDenied(_("You may not edit this estimate."))
    # The form works on a copy so that a rejected change leaves the estimate untouched.
    form = _estimate_form(request, instance=WorkforceEstimate.objects.get(pk=estimate.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.workforce_estimate_update(
                actor=request.user, estimate=estimate, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The changes are saved."))
            return _back_to(estimate.country)
    return render(
        request,
        "indicators/estimate_form.html",
        {"form": form, "title": _("ASM workforce estimate"), "country": estimate.country,
         "estimate": estimate},
        status=400 if form.errors else 200,
    )  # fmt: skip


@login_required
@require_POST
@endpoint("estimates.edit")
def estimate_mark_best(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _estimate_or_404(estimate_id)
    services.workforce_estimate_mark_best(actor=request.user, estimate=estimate)
    messages.success(request, _("This is now the best estimate."))
    return _back_to(estimate.country)


@login_required
@require_POST
@endpoint("estimates.edit")
def estimate_delete(request: HttpRequest, estimate_id: int) -> HttpResponse:
    estimate = _estimate_or_404(estimate_id)
    country = estimate.country
    services.workforce_estimate_delete(actor=request.user, estimate=estimate)
    messages.success(request, _("The estimate is deleted."))
    return _back_to(country)
