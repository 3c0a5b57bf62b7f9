"""Reads of the cadastre. The layers and licence types are public: what a cadastre publishes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from casm.core.spatial import bbox_filter
from casm.core.tables import Table

from .models import Layer, LayerFeature, LicenceType

FEATURE_COLUMNS = [
    "kind", "code", "name", "type", "holder", "status", "commodities", "granted_on",
    "expires_on", "rule", "reason", "area_ha", "country",
]  # fmt: skip


def licence_type_list(*, country: Any = None) -> QuerySet[LicenceType]:
    types = LicenceType.objects.select_related("country").prefetch_related("commodities")
    if country is not None:
        types = types.filter(country=country)
    return types.order_by("country__name_en", "code")


def licence_type_input(data: dict[str, Any], *, country: Any) -> dict[str, Any]:
    """A licence type's values given by codes (an API body) with their records: the country
    found by ``country(field, code)``, which refuses an unknown one, and the commodities."""
    from casm.core.models import Commodity

    values = dict(data)
    if "country" in values:
        values["country"] = country("country", values["country"])
    if "commodities" in values:
        values["commodities"] = list(Commodity.objects.filter(code__in=values["commodities"]))
    for name in ("category", "asm_zone", "overlap_rule"):
        if name in values:
            values[name] = str(values[name])
    if "holders" in values:
        values["holders"] = [str(holder) for holder in values["holders"]]
    return values


def layer_list(*, country: Any = None) -> QuerySet[Layer]:
    layers = Layer.objects.select_related("country")
    if country is not None:
        layers = layers.filter(country=country)
    return layers


def feature_list(
    *,
    country: Any = None,
    kind: str = "",
    title_type: str = "",
    status: str = "",
    q: str = "",
    bbox: tuple[float, float, float, float] | None = None,
) -> QuerySet[LayerFeature]:
    """The features of the cadastre, filtered; without their shapes (``with_shapes`` adds
    them)."""
    features = LayerFeature.objects.select_related("layer__country").defer("geometry")
    if country is not None:
        features = features.filter(layer__country=country)
    if kind:
        features = features.filter(layer__kind=kind)
    if title_type:
        features = features.filter(title_type=title_type)
    if status:
        features = features.filter(status=status)
    if q:
        features = features.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            # Holders the public may not read cannot be searched for either.
            | Q(holder__icontains=q, layer__holders_public=True)
        )
    if bbox is not None:
        features = bbox_filter(features, bbox)
    return features.order_by("layer__country__name_en", "layer__kind", "code")


def feature_row(feature: LayerFeature) -> dict[str, Any]:
    return {
        "kind": feature.layer.kind,
        "code": feature.code,
        "name": feature.name,
        "type": feature.title_type,
        "holder": feature.public_holder,
        "status": feature.status,
        "commodities": feature.commodities,
        "granted_on": feature.granted_on,
        "expires_on": feature.expires_on,
        "rule": feature.rule,
        "reason": feature.reason,
        "area_ha": feature.area_ha,
        "country": feature.layer.country.alpha2,
    }


def feature_table(features: QuerySet[LayerFeature], *, shapes: bool) -> Table:
    """The features as an export table; with their shapes for GeoJSON."""

    def rows() -> Iterator[dict[str, Any]]:
        chosen = features.defer(None) if shapes else features
        for feature in chosen.iterator(chunk_size=500):
            row = feature_row(feature)
            if shapes:
                row["geometry"] = feature.geometry
            yield row

    return Table(
        name="cadastre",
        columns=FEATURE_COLUMNS + (["geometry"] if shapes else []),
        rows=rows,
        shape="geometry" if shapes else None,
    )


# The map asks for what is in view; past this many shapes it gets the largest and is told.
MAP_LIMIT = 1500


def map_shapes(
    *, bbox: tuple[float, float, float, float], kind: str = "", country: Any = None
) -> dict[str, Any]:
    """The features in view as light GeoJSON for the map: shapes simplified to about a pixel
    of a 1,000-pixel map of the box, coordinates to 5 decimals (about a metre), the largest
    first when more than ``MAP_LIMIT`` are in view."""
    import shapely
    from shapely.geometry import mapping, shape

    features = feature_list(country=country, kind=kind, bbox=bbox)
    matched = features.count()
    chosen = features.defer(None).order_by("-area_ha", "pk")[:MAP_LIMIT]
    tolerance = max(bbox[2] - bbox[0], bbox[3] - bbox[1]) / 1000
    shapes = []
    for feature in chosen:
        simple = shapely.set_precision(
            shape(feature.geometry).simplify(tolerance, preserve_topology=True), 0.00001
        )
        if simple.is_empty:
            continue
        shapes.append({
            "type": "Feature", "geometry": mapping(simple),
            "properties": {"code": feature.code, "kind": feature.layer.kind,
                           "type": feature.title_type, "holder": feature.public_holder,
                           "status": feature.status},
        })  # fmt: skip
    return {"type": "FeatureCollection", "features": shapes, "matched": matched,
            "truncated": matched > len(shapes)}  # fmt: skip


def features_at_point(*, country: Any, longitude: float, latitude: float) -> list[LayerFeature]:
    """The country's titles, zones, protected and restricted areas a point lies in (a site's
    place in the cadastre), zones first, then titles, protected areas and restrictions."""
    from shapely import Point
    from shapely.geometry import shape

    point = Point(longitude, latitude)
    candidates = feature_list(country=country, bbox=(longitude, latitude, longitude, latitude))
    order = {"asm_zone": 0, "title": 1, "protected": 2, "restriction": 3}
    found = [f for f in candidates.defer(None) if shape(f.geometry).covers(point)]
    return sorted(found, key=lambda f: (order.get(f.layer.kind, 9), f.code))


# --- The register -----------------------------------------------------------------------


def application_list(
    *,
    country: Any = None,
    status: str = "",
    licence_type: Any = None,
    q: str = "",
    pending: bool = False,
) -> QuerySet[Any]:
    """The register, oldest first (its order of priority); public: callers show only the
    public fields (``Application.public_applicant``, never a person's name)."""
    from .models import PENDING, Application

    applications = Application.objects.select_related(
        "country", "licence_type", "organisation", "licence"
    ).prefetch_related("commodities")
    if country is not None:
        applications = applications.filter(country=country)
    if status:
        applications = applications.filter(status=status)
    if pending:
        applications = applications.filter(status__in=PENDING)
    if licence_type is not None:
        applications = applications.filter(licence_type=licence_type)
    if q.strip():
        applications = applications.filter(number__icontains=q.strip())
    return applications.order_by("country__name_en", "received_at", "sequence")


def application_get(pk: Any) -> Any:
    """One application of the public register, or Http404."""
    from django.http import Http404

    from .models import Application

    try:
        return application_list().get(pk=pk)
    except (Application.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def application_is_private_to(user: Any, application: Any) -> bool:
    """Whether ``user`` reads the application's private part (the applicant's name and
    contact, its documents): the filer, and officers of its country."""
    from casm.core.permissions import can, is_signed_in

    if not is_signed_in(user):
        return False
    return user.pk == application.filed_by_id or can(
        user, "licensing.view", country=application.country_id
    )


def application_for_officer(user: Any, pk: Any) -> Any:
    """The application if ``user`` may act on it as an officer (its country), else Http404."""
    from casm.core.permissions import get_in_scope_or_404

    from .models import Application

    return get_in_scope_or_404(
        Application.objects.select_related("country", "licence_type", "organisation"),
        user, pk, "licensing.view",
    )  # fmt: skip


def application_for_party(user: Any, pk: Any) -> Any:
    """The application if ``user`` filed it or is an officer of its country, else Http404."""
    application = application_get(pk)
    if not application_is_private_to(user, application):
        from django.http import Http404

        raise Http404
    return application


def my_applications(user: Any) -> QuerySet[Any]:
    """What ``user`` filed."""
    return application_list().filter(filed_by=user)


def pending_for_officer(user: Any) -> QuerySet[Any]:
    """The pending applications of the countries whose register ``user`` may read."""
    from casm.core.permissions import scope_queryset

    return scope_queryset(application_list(pending=True), user, "licensing.view")


def licence_list(*, country: Any = None, country_code: str = "") -> QuerySet[Any]:
    """The licences granted through the register, public (callers show ``public_holder``)."""
    from .models import Licence

    licences = (
        Licence.objects.select_related("country", "licence_type", "organisation", "application")
        .prefetch_related("commodities", "events", "shares__organisation")
        .order_by("country__name_en", "number")
    )
    if country is not None:
        licences = licences.filter(country=country)
    if country_code:
        licences = licences.filter(country__alpha2=country_code)
    return licences


def licence_get(pk: Any) -> Any:
    """One licence, or Http404."""
    from django.http import Http404

    from .models import Licence

    try:
        return licence_list().select_related("feature").get(pk=pk)
    except (Licence.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def overdue_list(user: Any, *, today: Any = None) -> QuerySet[Any]:
    """Pending applications in ``user``'s countries (``None``: the system's round, every
    country) whose step is past its legal deadline, the most overdue first."""
    from django.utils import timezone

    from casm.core.permissions import scope_queryset

    from .models import PENDING

    today = today or timezone.localdate()
    pending = application_list().filter(status__in=PENDING, due_on__lt=today)
    if user is not None:
        pending = scope_queryset(pending, user, "licensing.decide")
    return pending.order_by("due_on", "sequence")


def latest_screening(application: Any) -> Any:
    return application.screenings.order_by("-run_at", "-pk").first()


def sites_in_area(application: Any, *, nearby_km: float = 2.0) -> dict[str, list[Any]]:
    """The registry's sites inside the application's area and within ``nearby_km`` of it, with
    their latest census figures (who already mines there)."""
    import math

    import shapely
    from shapely.geometry import shape

    from casm.registry.selectors import public_site_list

    area = shape(application.geometry)
    # The distance in degrees of longitude at the area's latitude (a little generous).
    margin = nearby_km / 111.0 / max(0.2, abs(math.cos(math.radians(area.centroid.y))))
    min_x, min_y, max_x, max_y = area.bounds
    candidates = list(
        public_site_list()
        .filter(
            country=application.country_id,
            longitude__gte=min_x - margin, longitude__lte=max_x + margin,
            latitude__gte=min_y - margin, latitude__lte=max_y + margin,
        )
        .order_by("code")
    )  # fmt: skip
    if not candidates:
        return {"inside": [], "nearby": []}
    xs = [s.longitude for s in candidates]
    ys = [s.latitude for s in candidates]
    inside = shapely.contains_xy(area, xs, ys)
    near = shapely.contains_xy(area.buffer(margin), xs, ys)
    return {
        "inside": [s for s, keep in zip(candidates, inside, strict=True) if keep],
        "nearby": [
            s for s, keep, core in zip(candidates, near, inside, strict=True) if keep and not core
        ],
    }


def register_statistics(*, country: Any = None, months: int = 12) -> dict[str, Any]:
    """The register's figures: applications received and decided per month, median days per
    step and from receipt to decision, success rate and refusals by licence type, backlog."""
    import datetime
    import statistics

    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from .models import PENDING, Application, ApplicationStatus, ApplicationStep

    applications = Application.objects.all()
    if country is not None:
        applications = applications.filter(country=country)
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=31 * (months - 1))).replace(day=1)
    received = dict(
        applications.filter(received_at__date__gte=start)
        .annotate(month=TruncMonth("received_at")).values("month")
        .annotate(n=Count("pk")).values_list("month", "n")
    )  # fmt: skip
    decided = dict(
        applications.filter(decided_at__date__gte=start, status__in=(
            ApplicationStatus.GRANTED, ApplicationStatus.REFUSED))
        .annotate(month=TruncMonth("decided_at")).values("month")
        .annotate(n=Count("pk")).values_list("month", "n")
    )  # fmt: skip

    def month_key(value: Any) -> str:
        return f"{value:%Y-%m}"

    received_by = {month_key(k): v for k, v in received.items()}
    decided_by = {month_key(k): v for k, v in decided.items()}
    by_month = []
    month = start
    while month <= today:
        key = f"{month:%Y-%m}"
        by_month.append({"month": key, "received": received_by.get(key, 0),
                         "decided": decided_by.get(key, 0)})  # fmt: skip
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    # Days spent in each step: from one step to the next of the same application.
    steps = (
        ApplicationStep.objects.filter(application__in=applications)
        .order_by("application_id", "at", "pk")
        .values_list("application_id", "kind", "at")
    )
    spans: dict[str, list[float]] = {}
    previous: tuple[int, str, Any] | None = None
    for application_id, kind, at in steps:
        if previous is not None and previous[0] == application_id and kind != "screened":
            spans.setdefault(previous[1], []).append((at - previous[2]).total_seconds() / 86400)
        if kind != "screened":
            previous = (application_id, kind, at)
    median_days = {kind: round(statistics.median(values), 1) for kind, values in spans.items()}
    to_decision = [
        (a.decided_at - a.received_at).total_seconds() / 86400
        for a in applications.filter(status__in=(ApplicationStatus.GRANTED,
                                                 ApplicationStatus.REFUSED))
        .only("received_at", "decided_at") if a.decided_at
    ]  # fmt: skip
    by_type = []
    rows = (
        applications.values("licence_type__code", "licence_type__name_en")
        .annotate(
            total=Count("pk"),
            granted=Count("pk", filter=Q(status=ApplicationStatus.GRANTED)),
            refused=Count("pk", filter=Q(status=ApplicationStatus.REFUSED)),
            pending=Count("pk", filter=Q(status__in=PENDING)),
        )
        .order_by("licence_type__code")
    )
    for row in rows:
        decided_n = row["granted"] + row["refused"]
        by_type.append({
            "code": row["licence_type__code"], "name": row["licence_type__name_en"],
            "total": row["total"], "granted": row["granted"], "refused": row["refused"],
            "pending": row["pending"],
            "success_rate": row["granted"] / decided_n if decided_n else None,
        })  # fmt: skip
    refusals = list(
        applications.filter(status=ApplicationStatus.REFUSED)
        .values("decision_reasons")
        .annotate(n=Count("pk"))
        .order_by("-n", "decision_reasons")[:10]
    )
    backlog = dict(
        applications.filter(status__in=PENDING).values("status").annotate(n=Count("pk"))
        .values_list("status", "n")
    )  # fmt: skip
    return {
        "by_month": by_month, "median_days": median_days,
        "median_days_to_decision": round(statistics.median(to_decision), 1)
        if to_decision else None,
        "by_type": by_type,
        "refusals": [{"reasons": r["decision_reasons"], "count": r["n"]} for r in refusals],
        "backlog": [{"status": s, "label": str(ApplicationStatus(s).label), "count": backlog[s]}
                    for s in PENDING if s in backlog],
        "overdue": applications.filter(status__in=PENDING, due_on__lt=today).count(),
    }  # fmt: skip
