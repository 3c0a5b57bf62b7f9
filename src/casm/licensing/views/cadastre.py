"""Pages of the cadastre: the public layers with their exports, licence types, the public
pre-check of an area, and a licensing officer's import of a layer."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from casm.core import tables
from casm.core.forms import form_errors_from
from casm.core.geometry import problem_text
from casm.core.pagination import page_of
from casm.core.permissions import PUBLIC, can, endpoint
from casm.lib.geometry import GeometryFileError, as_geojson
from casm.registry.selectors import bbox_from_param

from .. import forms, selectors, services
from ..exports import shapefile_zip
from ..layers import MappingError, layer_import
from ..models import LayerKind, LicenceType
from ..screening import area_screen

PAGE_SIZE = 50
MAX_PAGE = 2000
EXPORT_FORMATS = ("csv", "geojson", "zip")


def _page(request: HttpRequest, queryset: Any) -> Any:
    return page_of(request, queryset, PAGE_SIZE, most=MAX_PAGE)


@require_safe
@endpoint(PUBLIC)
def cadastre(request: HttpRequest) -> HttpResponse:
    """The cadastre's layers, filtered and paged, with their downloads."""
    form = forms.FeatureFilterForm(request.GET or None)
    filters = form.filters()
    features = selectors.feature_list(**filters)
    query = urlencode(sorted((k, v) for k, v in request.GET.items() if k != "page" and v))
    return render(
        request,
        "licensing/cadastre.html",
        {
            "form": form,
            "page": _page(request, features),
            "query": query,
            "layers": selectors.layer_list(country=filters.get("country")),
            "may_import": can(request.user, "licensing.layers"),
        },
    )


@require_safe
@endpoint(PUBLIC)
def cadastre_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The filtered features as CSV (no shapes), GeoJSON or a zipped Shapefile (with them)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = forms.FeatureFilterForm(request.GET or None)
    features = selectors.feature_list(**form.filters())
    if fmt == "zip":
        name, content = shapefile_zip(features)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    table = selectors.feature_table(features, shapes=fmt == "geojson")
    return tables.export_response(tables.table_export(table, fmt))


@require_safe
@endpoint(PUBLIC)
def cadastre_map(request: HttpRequest) -> HttpResponse:
    """The cadastre on a map: the shapes in view are fetched as the map moves."""
    return render(
        request,
        "licensing/cadastre_map.html",
        {"outlines_url": reverse("registry:outlines"), "kinds": LayerKind.choices},
    )


@require_safe
@endpoint(PUBLIC)
def cadastre_shapes(request: HttpRequest) -> JsonResponse:
    """The shapes in a box for the map (``bbox=west,south,east,north``, the world without
    one; ``kind``)."""
    given = request.GET.get("bbox")
    bbox = bbox_from_param(given) if given is not None else (-180.0, -90.0, 180.0, 90.0)
    if bbox is None or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
        return JsonResponse(
            {"detail": _("Give the box as bbox=west,south,east,north in degrees.")}, status=400
        )
    kind = request.GET.get("kind", "")
    if kind and kind not in LayerKind.values:
        return JsonResponse({"detail": _("Unknown layer.")}, status=400)
    response = JsonResponse(selectors.map_shapes(bbox=bbox, kind=kind))
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
@endpoint(PUBLIC)
def licence_types(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "licensing/licence_types.html",
        {
            "types": selectors.licence_type_list(),
            "may_manage": can(request.user, "reference.manage"),
        },
    )


@require_http_methods(["GET", "POST"])
@endpoint("reference.manage")
def licence_type_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """An administrator adds a licence type or corrects one."""
    if not can(request.user, "reference.manage"):
        raise PermissionDenied
    instance = get_object_or_404(LicenceType, pk=pk) if pk else None
    form = forms.LicenceTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if instance is None:
                services.licence_type_create(actor=request.user, data=data)
            else:
                # The form has already put its values on ``instance``: the service compares
                # them with the stored record, so it gets that.
                stored = LicenceType.objects.get(pk=instance.pk)
                services.licence_type_update(actor=request.user, licence_type=stored, data=data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("The licence type is saved."))
            return redirect("licensing:licence_types")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "licensing/licence_type_form.html",
        {"form": form, "licence_type": instance},
        status=status,
    )


def _map_data(screening: Any) -> dict[str, Any]:
    """The area and the shapes it overlaps, for the result's map."""
    features = [{"type": "Feature", "geometry": as_geojson(screening.geometry),
                 "properties": {"role": "area"}}]  # fmt: skip
    for finding in screening.findings:
        if finding.feature is not None:
            features.append({
                "type": "Feature", "geometry": finding.feature.geometry,
                "properties": {"role": finding.verdict, "label": finding.feature.code},
            })  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


@require_http_methods(["GET", "POST"])
@endpoint(PUBLIC)
def precheck(request: HttpRequest) -> HttpResponse:
    """Anyone checks an area before filing: the same verdicts an officer's screening gives,
    without private data."""
    screening = None
    map_data: dict[str, Any] = {}
    if request.method == "POST":
        form = forms.PrecheckForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            screening = area_screen(
                country=data["country"], geometry=data["geometry"],
                licence_type=data.get("licence_type"), commodity=data.get("commodity"),
            )  # fmt: skip
            map_data = _map_data(screening)
    else:
        form = forms.PrecheckForm()
    status = 422 if request.method == "POST" and not form.is_valid() else 200
    return render(
        request,
        "licensing/precheck.html",
        {
            "form": form, "screening": screening, "map_data": map_data,
            "outlines_url": reverse("registry:outlines"),
        },
        status=status,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@endpoint("licensing.layers")
def layer_import_view(request: HttpRequest) -> HttpResponse:
    """A licensing officer (or an administrator) loads a layer from a file."""
    if not can(request.user, "licensing.layers"):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        form = forms.LayerImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            suffix = Path(upload.name).suffix.lower() or ".geojson"
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"layer{suffix}"
                with open(path, "wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    result = layer_import(
                        actor=request.user, path=path, country=data["country"],
                        kind=data["kind"], mapping=data["loaded_mapping"],
                        dry_run=data["dry_run"], skip_invalid=data["skip_invalid"],
                        name=Path(upload.name).name[:200],
                    )  # fmt: skip
                except GeometryFileError as exc:
                    form.add_error("file", problem_text(exc))
                except MappingError as exc:
                    form.add_error("mapping", str(exc.message))
            if result is not None and result.committed:
                messages.success(request, str(result.summary))
    else:
        form = forms.LayerImportForm()
    return render(request, "licensing/layer_import.html", {"form": form, "result": result})
