"""Screening an area against the cadastre: the rules an application must pass, each with its
verdict (blocks, needs a decision, information) and the overlaps measured in hectares.

``area_screen`` is the one screening: the public pre-check and the screening of a filed
application (``services.application_screen``, which stores it) both ask it. Candidates come
from the layers' spatial index; the overlap of each is computed exactly (Shapely) and measured
geodesically (pyproj).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db.models import Q
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from casm.core.messages import Message
from casm.core.models import Commodity, Country
from casm.core.numbers import number_show, share_show
from casm.core.spatial import bbox_filter
from casm.lib.geometry import area_hectares
from casm.registry.validation import country_outline, country_outline_prepared

from .models import (
    PENDING,
    Application,
    Layer,
    LayerFeature,
    LayerKind,
    LicenceType,
    OverlapRule,
    RestrictionReason,
    RestrictionRule,
    ZoneRule,
)

BLOCKS, DECISION, INFO = "blocks", "decision", "info"
VERDICTS = (BLOCKS, DECISION, INFO)
# Shapes that only touch (a shared border) overlap by rounding errors, not by land.
MIN_OVERLAP_HA = 0.01
# Sites named in a finding (the count is always the whole).
SITES_NAMED = 10


def _hectares(value: float) -> str:
    return number_show(round(value, 2 if value < 10 else 1))


@dataclass
class Finding:
    """One rule's result over the area."""

    rule: str
    verdict: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    feature: LayerFeature | None = None
    overlap_ha: float | None = None
    share: float | None = None

    @property
    def text(self) -> str:
        """The finding in the reader's language, its numbers as the reader writes them."""
        said = dict(self.params)
        # Stored as codes, said as the reader's words (a screening is read years later).
        if said.get("rule") in RestrictionRule.values:
            said["rule"] = RestrictionRule(said["rule"]).label
        if said.get("reason") in RestrictionReason.values:
            said["reason"] = RestrictionReason(said["reason"]).label
        if "country" in said:
            said["country"] = _country_name(said["country"])
        if self.overlap_ha is not None:
            said["area"] = _hectares(self.overlap_ha)
        if self.share is not None:
            said["share"] = share_show(self.share)
        return str(Message(f"licensing.{self.code}", **said))

    def as_dict(self) -> dict[str, Any]:
        """The finding as it is stored with an application's screening."""
        feature = self.feature
        return {
            "rule": self.rule, "verdict": self.verdict, "code": self.code,
            "params": {k: v if isinstance(v, int | float) else str(v)
                       for k, v in self.params.items()},
            "feature": feature.pk if feature is not None else None,
            "feature_code": feature.code if feature is not None else "",
            "kind": feature.layer.kind if feature is not None else "",
            "overlap_ha": self.overlap_ha, "share": self.share,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """A stored finding (its feature is not read back: the shape may have changed since;
        ``feature_code`` names it)."""
        return cls(
            rule=data.get("rule", ""), verdict=data.get("verdict", INFO),
            code=data.get("code", ""), params=dict(data.get("params") or {}),
            overlap_ha=data.get("overlap_ha"), share=data.get("share"),
        )  # fmt: skip


def _country_name(code: Any) -> str:
    from casm.registry.selectors import country_by_code

    country = country_by_code(str(code)) if isinstance(code, str) and len(code) == 2 else None
    return country.name if country is not None else str(code)


@dataclass
class Screening:
    country: Country
    area_ha: float
    licence_type: LicenceType | None = None
    commodity: Commodity | None = None
    findings: list[Finding] = field(default_factory=list)
    layer_versions: dict[str, int] = field(default_factory=dict)
    geometry: BaseGeometry | None = None

    @property
    def verdict(self) -> str:
        """``blocks`` when any rule blocks, ``decision`` when one needs an officer, else
        ``clear``."""
        verdicts = {finding.verdict for finding in self.findings}
        if BLOCKS in verdicts:
            return BLOCKS
        if DECISION in verdicts:
            return DECISION
        return "clear"


def _overlaps(
    country: Country, kinds: set[str], geometry: BaseGeometry
) -> list[tuple[LayerFeature, BaseGeometry, float]]:
    """The features of the country's layers of ``kinds`` that overlap the area, with the shared
    part and its hectares, largest first."""
    candidates = bbox_filter(
        LayerFeature.objects.filter(layer__country=country, layer__kind__in=kinds).select_related(
            "layer"
        ),
        geometry.bounds,
    )
    shapely.prepare(geometry)
    found = []
    for feature in candidates:
        other = shape(feature.geometry)
        if not geometry.intersects(other):
            continue
        shared = geometry.intersection(other)
        hectares = area_hectares(shared) if not shared.is_empty else 0.0
        if hectares >= MIN_OVERLAP_HA:
            found.append((feature, shared, hectares))
    return sorted(found, key=lambda item: (-item[2], item[0].code))


def _names(commodities: list[Commodity]) -> set[str]:
    """The ways a title's commodities may name these (code, English or French name)."""
    names: set[str] = set()
    for commodity in commodities:
        names |= {commodity.code.lower(), commodity.name_en.lower()}
        if commodity.name_fr:
            names.add(commodity.name_fr.lower())
    return names


def _earlier_applications(
    country: Country,
    geometry: BaseGeometry,
    commodities: list[Commodity],
    application: Application | None,
) -> list[tuple[Application, float]]:
    """The pending applications received before ``application`` (all of them for a
    pre-check) that overlap the area for a commodity in common, with the hectares shared.

    First come, first served: ``(received_at, sequence)`` orders the register; an application
    without commodities, or an area checked without one, shares them all.
    """
    pending = Application.objects.filter(country=country, status__in=PENDING)
    if application is not None:
        pending = pending.filter(
            Q(received_at__lt=application.received_at)
            | Q(received_at=application.received_at, sequence__lt=application.sequence)
        ).exclude(pk=application.pk)
    wanted = {c.pk for c in commodities}
    found = []
    for other in bbox_filter(pending, geometry.bounds).prefetch_related("commodities"):
        theirs = {c.pk for c in other.commodities.all()}
        if wanted and theirs and not wanted & theirs:
            continue
        shape_ = shape(other.geometry)
        if not geometry.intersects(shape_):
            continue
        hectares = area_hectares(geometry.intersection(shape_))
        if hectares >= MIN_OVERLAP_HA:
            found.append((other, hectares))
    return sorted(found, key=lambda item: (item[0].received_at, item[0].sequence))


def area_screen(
    *,
    country: Country,
    geometry: BaseGeometry,
    licence_type: LicenceType | None = None,
    commodity: Commodity | None = None,
    commodities: Iterable[Commodity] = (),
    application: Application | None = None,
) -> Screening:
    """Every rule of the cadastre over ``geometry`` (a checked polygon in WGS 84).

    For a filed ``application``, the pending applications received before it hold it; for a
    pre-check (none), every pending application over the area does.
    """
    chosen = [*([commodity] if commodity is not None else []), *commodities]
    area_ha = area_hectares(geometry)
    screening = Screening(
        country=country,
        area_ha=area_ha,
        licence_type=licence_type,
        commodity=commodity,
        geometry=geometry,
    )
    add = screening.findings.append
    screening.layer_versions = {
        layer.kind: layer.version for layer in Layer.objects.filter(country=country)
    }
    # The country itself
    outline = country_outline(country.alpha3)
    if outline is None:
        add(Finding("country", INFO, "outside_unchecked", {"country": country.alpha2}))
    elif not country_outline_prepared(country.alpha3).covers(geometry):
        # Measured only when some of it may lie outside: most areas are well inside.
        inside = (
            area_hectares(geometry.intersection(outline)) if geometry.intersects(outline) else 0
        )
        outside = max(area_ha - inside, 0.0)
        if outside >= MIN_OVERLAP_HA and outside / area_ha > 0.001:
            add(
                Finding(
                    "country",
                    BLOCKS,
                    "outside",
                    {"country": country.alpha2},
                    overlap_ha=outside,
                    share=outside / area_ha,
                )
            )
    # The licence type's limits
    if licence_type is not None:
        if licence_type.min_area_ha is not None and area_ha < licence_type.min_area_ha:
            add(
                Finding(
                    "area",
                    BLOCKS,
                    "too_small",
                    {"area": _hectares(area_ha), "limit": number_show(licence_type.min_area_ha)},
                )
            )
        if licence_type.max_area_ha is not None and area_ha > licence_type.max_area_ha:
            add(
                Finding(
                    "area",
                    BLOCKS,
                    "too_large",
                    {"area": _hectares(area_ha), "limit": number_show(licence_type.max_area_ha)},
                )
            )
    if not screening.layer_versions:
        add(Finding("layers", DECISION, "no_layers", {"country": country.alpha2}))
    overlaps = _overlaps(country, set(LayerKind.values), geometry)
    by_kind: dict[str, list[tuple[LayerFeature, BaseGeometry, float]]] = {}
    for item in overlaps:
        by_kind.setdefault(item[0].layer.kind, []).append(item)
    # Titles
    same_commodity_only = (
        licence_type is not None and licence_type.overlap_rule == OverlapRule.SAME_COMMODITY
    )
    wanted = _names(chosen)
    for feature, _shared, hectares in by_kind.get(LayerKind.TITLE, []):
        params: dict[str, Any] = {
            "code": feature.code,
            "kind": feature.title_type or "–",
            "holder": feature.public_holder or "–",
        }
        verdict = BLOCKS
        code = "title_overlap"
        if same_commodity_only:
            listed = {c.strip().lower() for c in feature.commodities.split(",") if c.strip()}
            if not listed or not wanted:
                verdict = DECISION  # the title's commodities are not known: an officer decides
            elif not listed & wanted:
                verdict, code = INFO, "title_other_commodity"
                params = {"code": feature.code, "commodities": feature.commodities}
        add(Finding("titles", verdict, code, params, feature, hectares, hectares / area_ha))
    # Earlier applications: the first filed over any part of the area holds the later ones
    for other, hectares in _earlier_applications(country, geometry, chosen, application):
        add(
            Finding(
                "applications", BLOCKS, "earlier_application",
                {"number": other.number, "received": f"{other.received_at:%Y-%m-%d %H:%M:%S}"},
                None, hectares, hectares / area_ha,
            )
        )  # fmt: skip
    # ASM zones
    zones = by_kind.get(LayerKind.ASM_ZONE, [])
    zone_rule = licence_type.asm_zone if licence_type is not None else ZoneRule.ANY
    if zone_rule == ZoneRule.REQUIRED:
        covered = (
            area_hectares(shapely.union_all([shared for _f, shared, _h in zones])) if zones else 0.0
        )
        outside = max(area_ha - covered, 0.0)
        if outside >= MIN_OVERLAP_HA and outside / area_ha > 0.001:
            add(
                Finding(
                    "asm_zones",
                    BLOCKS,
                    "zone_required_outside",
                    {},
                    overlap_ha=outside,
                    share=outside / area_ha,
                )
            )
        for feature, _shared, hectares in zones:
            add(
                Finding(
                    "asm_zones",
                    INFO,
                    "zone_required_inside",
                    {"code": feature.code},
                    feature,
                    hectares,
                    hectares / area_ha,
                )
            )
    else:
        verdict = BLOCKS if zone_rule == ZoneRule.FORBIDDEN else INFO
        code = "zone_forbidden" if zone_rule == ZoneRule.FORBIDDEN else "zone_overlap"
        for feature, _shared, hectares in zones:
            add(
                Finding(
                    "asm_zones",
                    verdict,
                    code,
                    {"code": feature.code},
                    feature,
                    hectares,
                    hectares / area_ha,
                )
            )
    # Protected areas and restriction zones
    for feature, _shared, hectares in by_kind.get(LayerKind.PROTECTED, []):
        add(
            Finding(
                "protected",
                BLOCKS,
                "protected_overlap",
                {"name": feature.name or feature.code},
                feature,
                hectares,
                hectares / area_ha,
            )
        )
    for feature, _shared, hectares in by_kind.get(LayerKind.RESTRICTION, []):
        verdict = BLOCKS if feature.rule in ("", "forbidden") else DECISION
        # Codes: the finding says them in the reader's language when it is read.
        params = {
            "name": feature.name or feature.code,
            "rule": feature.rule or "–",
            "reason": feature.reason or "–",
        }
        add(
            Finding(
                "restrictions",
                verdict,
                "restriction_overlap",
                params,
                feature,
                hectares,
                hectares / area_ha,
            )
        )
    # Who already mines there
    sites = _sites_inside(country, geometry)
    if sites:
        named = ", ".join(f"{s.code} {s.name}" for s in sites[:SITES_NAMED])
        if len(sites) > SITES_NAMED:
            named += ", …"
        add(Finding("sites", INFO, "sites_inside", {"count": len(sites), "sites": named}))
    if not screening.findings:
        add(Finding("layers", INFO, "clear"))
    return screening


def _sites_inside(country: Country, geometry: BaseGeometry) -> list[Any]:
    """The registry's public sites inside the area (their point in the polygon)."""
    from shapely import contains_xy

    from casm.registry.selectors import public_site_list

    min_x, min_y, max_x, max_y = geometry.bounds
    sites = list(
        public_site_list()
        .filter(
            country=country,
            longitude__gte=min_x,
            longitude__lte=max_x,
            latitude__gte=min_y,
            latitude__lte=max_y,
        )
        .select_related(None)
        .only("code", "name", "latitude", "longitude")
        .order_by("code")
    )
    if not sites:
        return []
    inside = contains_xy(geometry, [s.longitude for s in sites], [s.latitude for s in sites])
    return [site for site, keep in zip(sites, inside, strict=True) if keep]
