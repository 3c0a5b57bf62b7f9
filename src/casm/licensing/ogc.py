"""The cadastre as OGC API – Features (Part 1: Core, GeoJSON), so that QGIS, ArcGIS, OWSLib
and other GIS tools load its layers directly.

One collection per kind of layer, across countries (``?country=CD`` narrows one down):
``titles``, ``asm-zones``, ``protected-areas``, ``restriction-zones``. Items come in pages
(``limit``, at most ``MAX_LIMIT``, and ``offset`` with a ``next`` link), filtered by ``bbox``
(through the spatial index) and ``datetime`` (the date a title was granted). What is published
is what the public cadastre shows: holders only where the layer publishes them.
"""

from __future__ import annotations

import datetime
import math
from typing import Any
from urllib.parse import urlencode

from django.db.models import Max, Min
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casm.core.permissions import PUBLIC, endpoint

from . import selectors
from .models import LayerFeature, LayerKind

COLLECTIONS = {
    "titles": LayerKind.TITLE,
    "asm-zones": LayerKind.ASM_ZONE,
    "protected-areas": LayerKind.PROTECTED,
    "restriction-zones": LayerKind.RESTRICTION,
}
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
JSON = "application/json"
GEOJSON = "application/geo+json"


class InvalidParameter(ValueError):
    pass


def _answer(data: dict[str, Any], content_type: str = JSON, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = content_type
    response["Access-Control-Allow-Origin"] = "*"  # public data, read by GIS tools anywhere
    return response


def _invalid(name: str, message: str) -> JsonResponse:
    """OGC API's exception for a bad parameter (400)."""
    return _answer(
        {"code": "InvalidParameterValue", "description": f"{name}: {message}"}, status=400
    )


def _url(request: HttpRequest, name: str, *args: Any, **query: Any) -> str:
    path = reverse(name, args=args)
    given = {k: v for k, v in query.items() if v not in (None, "")}
    return request.build_absolute_uri(path + (f"?{urlencode(given)}" if given else ""))


@require_safe
@endpoint(PUBLIC)
def landing(request: HttpRequest) -> JsonResponse:
    return _answer({
        "title": _("Mining cadastre"),
        "description": _("Titles, ASM zones, protected areas and restriction zones."),
        "links": [
            {"href": _url(request, "licensing:ogc_landing"), "rel": "self", "type": JSON,
             "title": "this document"},
            {"href": _url(request, "licensing:ogc_conformance"), "rel": "conformance",
             "type": JSON, "title": "conformance classes"},
            {"href": _url(request, "licensing:ogc_collections"), "rel": "data", "type": JSON,
             "title": "the collections"},
        ],
    })  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def conformance(request: HttpRequest) -> JsonResponse:
    return _answer({"conformsTo": CONFORMANCE})


def _collection(request: HttpRequest, collection_id: str) -> dict[str, Any]:
    kind = COLLECTIONS[collection_id]
    extent = LayerFeature.objects.filter(layer__kind=kind).aggregate(
        west=Min("min_x"), south=Min("min_y"), east=Max("max_x"), north=Max("max_y"),
        first=Min("granted_on"), last=Max("granted_on"),
    )  # fmt: skip
    bbox = [extent["west"], extent["south"], extent["east"], extent["north"]]
    interval = [d.isoformat() if d else None for d in (extent["first"], extent["last"])]
    items = _url(request, "licensing:ogc_items", collection_id)
    return {
        "id": collection_id,
        "title": str(kind.label),
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {"bbox": [bbox if None not in bbox else [-180, -90, 180, 90]],
                        "crs": CRS84},
            "temporal": {"interval": [interval]},
        },
        "links": [
            {"href": items, "rel": "items", "type": GEOJSON, "title": str(kind.label)},
            {"href": _url(request, "licensing:ogc_collection", collection_id), "rel": "self",
             "type": JSON},
        ],
    }  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def collections(request: HttpRequest) -> JsonResponse:
    return _answer({
        "links": [{"href": _url(request, "licensing:ogc_collections"), "rel": "self",
                   "type": JSON}],
        "collections": [_collection(request, name) for name in COLLECTIONS],
    })  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def collection(request: HttpRequest, collection_id: str) -> JsonResponse:
    if collection_id not in COLLECTIONS:
        raise Http404
    return _answer(_collection(request, collection_id))


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        parts = [float(part) for part in text.split(",")]
    except ValueError:
        raise InvalidParameter(_("four numbers: west,south,east,north")) from None
    if len(parts) == 6:  # with heights, which the cadastre has not
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4 or not all(math.isfinite(p) for p in parts):
        raise InvalidParameter(_("four numbers: west,south,east,north"))
    west, south, east, north = parts
    if south > north or not (-90 <= south <= 90 and -90 <= north <= 90):
        raise InvalidParameter(_("south and north between -90 and 90, south first"))
    return max(-180.0, west), south, min(180.0, east), north


def _day(text: str) -> datetime.date | None:
    if text in ("", ".."):
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidParameter(_("a date, or an interval of two dates with “/”")) from None


def _between(text: str) -> tuple[datetime.date | None, datetime.date | None] | None:
    if not text:
        return None
    if "/" in text:
        start, _sep, end = text.partition("/")
        return _day(start), _day(end)
    day = _day(text)
    return day, day


def _integer(text: str, default: int, low: int) -> int:
    if text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidParameter(_("a whole number")) from None
    if value < low:
        raise InvalidParameter(_("at least %(low)s") % {"low": low})
    return value


def _feature(feature: LayerFeature) -> dict[str, Any]:
    properties = selectors.feature_row(feature)
    return {"type": "Feature", "id": str(feature.pk), "geometry": feature.geometry,
            "properties": properties}  # fmt: skip


@require_safe
@endpoint(PUBLIC)
def items(request: HttpRequest, collection_id: str) -> JsonResponse:
    if collection_id not in COLLECTIONS:
        raise Http404
    params = request.GET
    readers = {
        "bbox": lambda text: _bbox(text),
        "datetime": lambda text: _between(text),
        "limit": lambda text: min(_integer(text, DEFAULT_LIMIT, 1), MAX_LIMIT),
        "offset": lambda text: _integer(text, 0, 0),
    }
    read: dict[str, Any] = {}
    for name, reader in readers.items():
        try:
            read[name] = reader(params.get(name, "").strip())
        except InvalidParameter as exc:
            return _invalid(name, str(exc))
    bbox, dates, limit, offset = read["bbox"], read["datetime"], read["limit"], read["offset"]
    if offset > 2**31:
        return _invalid("offset", _("too large"))
    country = None
    code = params.get("country", "").strip().upper()
    if code:
        from casm.core.models import Country

        country = Country.objects.filter(alpha2=code).first()
        if country is None:
            return _invalid("country", _("an ISO alpha-2 code"))
    features = selectors.feature_list(country=country, kind=COLLECTIONS[collection_id], bbox=bbox)
    if dates is not None:
        start, end = dates
        features = features.exclude(granted_on=None)
        if start is not None:
            features = features.filter(granted_on__gte=start)
        if end is not None:
            features = features.filter(granted_on__lte=end)
    matched = features.count()
    page = list(features.defer(None).order_by("pk")[offset : offset + limit])
    query = {k: params.get(k) for k in ("bbox", "datetime", "country")}
    links = [{"href": _url(request, "licensing:ogc_items", collection_id, limit=limit,
                           offset=offset, **query), "rel": "self", "type": GEOJSON}]  # fmt: skip
    if offset + len(page) < matched:
        links.append({"href": _url(request, "licensing:ogc_items", collection_id, limit=limit,
                                   offset=offset + limit, **query),
                      "rel": "next", "type": GEOJSON})  # fmt: skip
    return _answer(
        {
            "type": "FeatureCollection",
            "features": [_feature(f) for f in page],
            "numberMatched": matched,
            "numberReturned": len(page),
            "timeStamp": timezone.now().isoformat(timespec="seconds"),
            "links": links,
        },
        GEOJSON,
    )


@require_safe
@endpoint(PUBLIC)
def item(request: HttpRequest, collection_id: str, feature_id: int) -> JsonResponse:
    if collection_id not in COLLECTIONS:
        raise Http404
    found = (
        LayerFeature.objects.select_related("layer__country")
        .filter(layer__kind=COLLECTIONS[collection_id], pk=feature_id)
        .first()
    )
    if found is None:
        raise Http404
    data = _feature(found)
    data["links"] = [
        {"href": _url(request, "licensing:ogc_item", collection_id, found.pk), "rel": "self",
         "type": GEOJSON},
        {"href": _url(request, "licensing:ogc_collection", collection_id), "rel": "collection",
         "type": JSON},
    ]  # fmt: skip
    return _answer(data, GEOJSON)
