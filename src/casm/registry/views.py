"""Web pages of the registry: site list and map, site pages and forms, operators and miners.

The site list and the map are public in outline (selectors.PUBLIC_SITE_FIELDS); a site's page,
its visits, operators and miners are seen only within scope.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casm.core import permissions
from casm.core.forms import form_errors_from
from casm.core.maps import OUTLINES_PATH
from casm.core.numbers import number_show
from casm.core.permissions import PUBLIC, endpoint
from casm.core.throttling import export_rate_limited
from casm.lib.charts import line_chart_svg
from casm.registry import exports, forms, selectors, services, validation
from casm.registry.models import Miner, Operator, Site

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _visible_country_ids(user: Any) -> set[int] | None:
    """None: every country."""
    return permissions.country_ids_for(user, "registry.view") if user.is_authenticated else set()


def _can_edit_somewhere(user: Any) -> bool:
    return permissions.can(user, "registry.edit")


# --- Sites -----------------------------------------------------------------------------------


@require_GET
@endpoint(PUBLIC)
def site_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.SiteFilters.from_params(request.GET)
    sites = selectors.public_site_list(filters=filters).defer(
        "footprint", "location_note", "workers", "women", "children"
    )
    page = Paginator(sites, PAGE_SIZE).get_page(request.GET.get("page"))
    visible = _visible_country_ids(request.user)
    rows = [
        {"site": site, "linked": visible is None or site.country_id in visible}
        for site in page.object_list
    ]
    return render(
        request,
        "registry/site_list.html",
        {
            "form": forms.SiteFilterForm(request.GET or None),
            "page": page,
            "rows": rows,
            "query": _query_without_page(request),
            "filter_query": filters.as_params(),
            "filtered": not filters.is_empty(),
            "can_edit": _can_edit_somewhere(request.user),
        },
    )


@require_GET
@endpoint(PUBLIC)
def site_map(request: HttpRequest) -> HttpResponse:
    filters = selectors.SiteFilters.from_params(request.GET)
    return render(
        request,
        "registry/site_map.html",
        {
            "form": forms.SiteFilterForm(request.GET or None),
            "filter_query": filters.as_params(),
            "query": _query_without_page(request),
            "country": selectors.country_by_code(filters.country) if filters.country else None,
            "footprint_zoom": selectors.FOOTPRINT_MIN_ZOOM,
        },
    )


@require_GET
@endpoint(PUBLIC)
def site_clusters(request: HttpRequest) -> JsonResponse:
    """The map's points: single sites or counted groups, for a zoom and a box."""
    filters = selectors.SiteFilters.from_params(request.GET)
    try:
        zoom = max(0, min(18, int(request.GET.get("zoom", "3"))))
    except ValueError:
        zoom = 3
    bbox = selectors.bbox_from_param(request.GET.get("bbox", ""))
    data = selectors.site_clusters_cached(filters=filters, zoom=zoom, bbox=bbox)
    return JsonResponse(data)


EXPORT_FORMATS = ("csv", "xlsx", "geojson")


@require_GET
@export_rate_limited
@endpoint(PUBLIC)
def site_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered sites as a file: public fields for everyone, every field within scope."""
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse(_("Unknown format."), status=400, content_type="text/plain")
    filters = selectors.SiteFilters.from_params(request.GET)
    footprints = request.GET.get("shape") == "footprints"
    try:
        if request.GET.get("detail") == "1" and request.user.is_authenticated:
            sites = selectors.site_list(user=request.user, filters=filters)
            export = exports.sites_export(sites, fmt, footprints=footprints)
        else:
            sites = selectors.public_site_list(filters=filters)
            export = exports.sites_export(sites, fmt, public=True, footprints=footprints)
    except exports.ExportError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    return exports.export_response(export)


@login_required
@require_GET
@export_rate_limited
@endpoint("registry.view")
def visit_export(request: HttpRequest) -> HttpResponseBase:
    """The visits of the filtered sites within the user's scope."""
    fmt = request.GET.get("format", "csv")
    if fmt not in EXPORT_FORMATS:
        return HttpResponse(_("Unknown format."), status=400, content_type="text/plain")
    filters = selectors.SiteFilters.from_params(request.GET)
    visits = selectors.visit_list(user=request.user, site_filters=filters)
    return exports.export_response(exports.visits_export(visits, fmt))


def _country_codes(form: Any) -> str:
    """JSON of the form's country choices, id → ISO alpha-3 (the outlines' key), for its map."""
    countries = form.fields["country"].queryset
    return json.dumps({str(c.pk): c.alpha3 for c in countries.only("pk", "alpha3")})


@functools.cache
def _outlines_text() -> str:
    return OUTLINES_PATH.read_text(encoding="utf-8")


@require_GET
@endpoint(PUBLIC)
def site_footprints(request: HttpRequest) -> JsonResponse:
    """The map's footprints: the current outlines of the filtered sites in a box (public; the
    whole world without one, at most ``FOOTPRINT_LIMIT`` of them)."""
    filters = selectors.SiteFilters.from_params(request.GET)
    given = request.GET.get("bbox")
    bbox = selectors.bbox_from_param(given) if given is not None else (-180, -90, 180, 90)
    if bbox is None:
        return JsonResponse(
            {"detail": _("Give the box as bbox=west,south,east,north in degrees.")}, status=400
        )
    sites = selectors.public_site_list(filters=filters)
    return JsonResponse(selectors.site_footprints_in_view(sites, bbox))


@require_GET
@cache_control(max_age=86400, public=True)
@endpoint(PUBLIC)
def outlines(request: HttpRequest) -> HttpResponse:
    """Country outlines for the map's background (no tiles: nothing from the internet)."""
    return HttpResponse(_outlines_text(), content_type="application/geo+json")


def _visits_chart(visits: list[Any]) -> str:
    reached = [v for v in reversed(visits) if v.reached and v.workers is not None]
    if len(reached) < 2:
        return ""
    return mark_safe(  # noqa: S308 (built by line_chart_svg, which escapes its text)
        line_chart_svg(
            [v.date.isoformat() for v in reached],
            [
                (_("workers"), [v.workers for v in reached]),
                (_("women"), [v.women for v in reached]),
                (_("children"), [v.children for v in reached]),
            ],
            tick=number_show,
        )
    )


@login_required
@require_GET
@endpoint("registry.view")
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    visits = list(selectors.site_visits(site=site)[:200])
    footprints = list(selectors.site_footprints(site=site)[:50])
    current = next((entry for entry in footprints if entry.current), None)
    from casm.licensing.models import SiteStanding
    from casm.licensing.selectors import features_at_point, layer_list

    has_cadastre = layer_list(country=site.country).exists()
    cadastre = (
        features_at_point(country=site.country, longitude=site.longitude, latitude=site.latitude)
        if has_cadastre
        else []
    )
    return render(
        request,
        "registry/site_detail.html",
        {
            "site": site,
            "has_cadastre": has_cadastre,
            "standing": SiteStanding.objects.filter(site=site).select_related("feature").first(),
            "cadastre": cadastre,
            "visits": visits,
            "chart": _visits_chart(visits),
            "production": selectors.site_production(site=site)[:200],
            "operators": site.operators.all(),
            "certifications": site.certifications.all(),
            "duplicates": site.possible_duplicates.all(),
            "can_edit": selectors.site_can_edit(user=request.user, site=site),
            "can_inspect": permissions.can(
                request.user, "traceability.inspect", country=site.country_id
            ),
            "certification_form": forms.CertificationForm(),
            "merge_form": forms.MergeForm(
                initial={"into": site.duplicate_of.code if site.duplicate_of else ""}
            ),
            "point": json.dumps([site.latitude, site.longitude]),
            "footprints": footprints,
            "footprint": current,
            "footprint_json": json.dumps(site.footprint) if site.footprint else "",
        },
    )


def _site_save(request: HttpRequest, site: Site | None) -> HttpResponse:
    if site is not None and not selectors.site_can_edit(user=request.user, site=site):
        raise PermissionDenied
    if site is None and not _can_edit_somewhere(request.user):
        raise PermissionDenied
    form = forms.SiteForm(request.POST or None, instance=site, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        override = data.pop("confirm_location", False)
        data["commodities"] = list(data["commodities"])
        try:
            if site is None:
                site = services.site_create(actor=request.user, override_location=override, **data)
                messages.success(request, _("Site %(code)s registered.") % {"code": site.code})
            else:
                site = services.site_update(
                    actor=request.user, site=site, override_location=override, **data
                )
                messages.success(request, _("Site saved."))
            if site.duplicate_of_id:
                messages.warning(
                    request,
                    _("This site may be a duplicate of %(other)s; check and merge or dismiss.")
                    % {"other": site.duplicate_of},
                )
            unchecked = validation.location_unchecked(site.country.alpha3, site.country.name)
            if unchecked is not None:
                messages.warning(request, str(unchecked))
            return redirect("registry:site_detail", site.pk)
        except ValidationError as exc:
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error("country", str(exc))
    return render(
        request,
        "registry/site_form.html",
        {"form": form, "site": site, "country_codes": _country_codes(form)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def site_create(request: HttpRequest) -> HttpResponse:
    return _site_save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    return _site_save(request, selectors.site_get_for_user(user=request.user, pk=site_id))


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def visit_create(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    if not selectors.site_can_edit(user=request.user, site=site):
        raise PermissionDenied
    form = forms.VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_visit_record(actor=request.user, site=site, **form.service_data())
            messages.success(request, _("Visit recorded."))
            return redirect("registry:site_detail", site.pk)
        except ValidationError as exc:
            form_errors_from(form, exc)
    return render(
        request,
        "registry/visit_form.html",
        {"form": form, "site": site},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def production_create(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    if not selectors.site_can_edit(user=request.user, site=site):
        raise PermissionDenied
    form = forms.ProductionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.production_record_create(actor=request.user, site=site, **form.cleaned_data)
            messages.success(request, _("Production recorded."))
            return redirect("registry:site_detail", site.pk)
        except ValidationError as exc:
            form_errors_from(form, exc)
    return render(
        request,
        "registry/production_form.html",
        {"form": form, "site": site},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
@endpoint("registry.edit")
def site_certify(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    form = forms.CertificationForm(request.POST)
    if form.is_valid():
        try:
            services.site_certify(actor=request.user, site=site, **form.cleaned_data)
            messages.success(request, _("Certification recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("The certification was not recorded: check the dates."))
    return redirect("registry:site_detail", site.pk)


@login_required
@require_POST
@endpoint("registry.edit")
def site_merge(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the code of the site to keep."))
        return redirect("registry:site_detail", site.pk)
    into = (
        selectors.site_list(user=request.user)
        .filter(country=site.country, code=form.cleaned_data["into"].strip())
        .first()
    )
    if into is None:
        messages.error(request, _("No site of this country has that code."))
        return redirect("registry:site_detail", site.pk)
    try:
        services.site_merge(actor=request.user, site=site, into=into)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:site_detail", site.pk)
    messages.success(request, _("The site was merged into %(site)s.") % {"site": into})
    return redirect("registry:site_detail", into.pk)


@login_required
@require_POST
@endpoint("registry.edit")
def site_dismiss_duplicate(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.site_get_for_user(user=request.user, pk=site_id)
    services.site_duplicate_dismiss(actor=request.user, site=site)
    messages.success(request, _("Marked as not a duplicate."))
    return redirect("registry:site_detail", site.pk)


# --- Operators and miners --------------------------------------------------------------------


@login_required
@require_GET
@endpoint("registry.view")
def operator_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "").strip()
    country = request.GET.get("country", "").strip()[:3]
    operators = selectors.operator_list(user=request.user, country=country, kind=kind, q=q)
    return render(
        request,
        "registry/operator_list.html",
        {
            "page": Paginator(operators, PAGE_SIZE).get_page(request.GET.get("page")),
            "q": q,
            "kind": kind,
            "country": country.upper(),
            "kinds": Operator.Kind.choices,
            "query": _query_without_page(request),
            "can_edit": _can_edit_somewhere(request.user),
        },
    )


@login_required
@require_GET
@endpoint("registry.view")
def operator_detail(request: HttpRequest, operator_id: int) -> HttpResponse:
    operator = selectors.operator_get_for_user(user=request.user, pk=operator_id)
    return render(
        request,
        "registry/operator_detail.html",
        {
            "operator": operator,
            "miners": selectors.miner_list(user=request.user, operator=operator.pk)[:200],
            "can_edit": selectors.site_can_edit(user=request.user, country=operator.country),
        },
    )


def _operator_save(request: HttpRequest, operator: Operator | None) -> HttpResponse:
    if not _can_edit_somewhere(request.user):
        raise PermissionDenied
    form = forms.OperatorForm(request.POST or None, instance=operator, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if operator is None:
                operator = services.operator_create(actor=request.user, **form.cleaned_data)
            else:
                operator = services.operator_update(
                    actor=request.user, operator=operator, **form.cleaned_data
                )
            messages.success(request, _("Operator saved."))
            return redirect("registry:operator_detail", operator.pk)
        except ValidationError as exc:
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error("country", str(exc))
    return render(
        request,
        "registry/simple_form.html",
        {
            "form": form,
            "title": _("Edit operator") if operator else _("New operator"),
            "back": operator and operator.pk,
            "back_url": "registry:operator_detail" if operator else "registry:operator_list",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def operator_create(request: HttpRequest) -> HttpResponse:
    return _operator_save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def operator_edit(request: HttpRequest, operator_id: int) -> HttpResponse:
    operator = selectors.operator_get_for_user(user=request.user, pk=operator_id)
    if not selectors.site_can_edit(user=request.user, country=operator.country):
        raise PermissionDenied
    return _operator_save(request, operator)


@login_required
@require_GET
@endpoint("registry.view")
def miner_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    country = request.GET.get("country", "").strip()[:3]
    miners = selectors.miner_list(user=request.user, country=country, q=q)
    return render(
        request,
        "registry/miner_list.html",
        {
            "page": Paginator(miners, PAGE_SIZE).get_page(request.GET.get("page")),
            "q": q,
            "country": country.upper(),
            "query": _query_without_page(request),
            "can_edit": _can_edit_somewhere(request.user),
        },
    )


@login_required
@require_GET
@endpoint("registry.view")
def miner_detail(request: HttpRequest, miner_id: int) -> HttpResponse:
    miner = selectors.miner_get_for_user(user=request.user, pk=miner_id)
    return render(
        request,
        "registry/miner_detail.html",
        {
            "miner": miner,
            "can_edit": selectors.site_can_edit(user=request.user, country=miner.country),
        },
    )


def _miner_save(request: HttpRequest, miner: Miner | None) -> HttpResponse:
    form = forms.MinerForm(request.POST or None, instance=miner, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if miner is None:
                miner = services.miner_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Miner registered."))
            else:
                services.miner_update(actor=request.user, miner=miner, **form.cleaned_data)
                messages.success(request, _("Miner saved."))
            return redirect("registry:miner_detail", miner.pk)
        except ValidationError as exc:
            form_errors_from(form, exc)
        except PermissionDenied as exc:
            form.add_error("country", str(exc))
    return render(
        request,
        "registry/simple_form.html",
        {
            "form": form,
            "title": _("Edit miner") if miner else _("New miner"),
            "back": miner and miner.pk,
            "back_url": "registry:miner_detail" if miner else "registry:miner_list",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def miner_create(request: HttpRequest) -> HttpResponse:
    if not _can_edit_somewhere(request.user):
        raise PermissionDenied
    return _miner_save(request, None)


@login_required
@require_http_methods(["GET", "POST"])
@endpoint("registry.edit")
def miner_edit(request: HttpRequest, miner_id: int) -> HttpResponse:
    miner = selectors.miner_get_for_user(user=request.user, pk=miner_id)
    if not selectors.site_can_edit(user=request.user, country=miner.country):
        raise PermissionDenied
    return _miner_save(request, miner)
