"""Writes of the registry: sites, certification, visits, operators, miners and production.

Every rule of the registry is enforced here (with the plain checks of ``validation.py``), so the
web forms, the API, the importer and the command line cannot disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.audit import audit_record, model_create, model_delete, model_update
from casm.core.models import AuditEvent, Commodity, Country
from casm.registry import validation
from casm.registry.models import (
    CertificationCause,
    CertificationRecord,
    Miner,
    Operator,
    ProductionRecord,
    Site,
    SiteFootprint,
    SiteVisit,
)

SITE_FIELDS = [
    "country",
    "code",
    "name",
    "other_names",
    "admin1",
    "admin2",
    "admin3",
    "admin4",
    "latitude",
    "longitude",
    "location_note",
    "footprint",
    "commodities",
    "mining_methods",
    "processing_methods",
    "activity_status",
    "legal_status",
    "source",
]
AREA_FIELDS = ["area1", "area2", "area3"]
VISIT_FIELDS = [
    "date",
    "team",
    "submission_id",
    "reached",
    "not_reached_reason",
    "workers",
    "men",
    "women",
    "boys_under_15",
    "girls_under_15",
    "boys_15_17",
    "girls_15_17",
    "pits",
    "max_depth_m",
    "commodities",
    "state_services",
    "armed_presence",
    "armed_activities",
    "traceability_scheme",
    "mercury_use",
    "women_work",
    "children_work",
    "notes",
    "footprint",
]
OPERATOR_FIELDS = [
    "country",
    "kind",
    "name",
    "registration_number",
    "member_count",
    "sites",
    "contact_name",
    "contact_phone",
    "contact_email",
]
MINER_FIELDS = [
    "country",
    "name",
    "sex",
    "year_of_birth",
    "id_number",
    "roles",
    "operator",
    "sites",
]
PRODUCTION_FIELDS = [
    "country",
    "site",
    "operator",
    "commodity",
    "period",
    "year",
    "period_number",
    "quantity",
    "unit",
    "value",
    "currency",
    "source",
]


# --- Versions: what changed since a cached figure was computed -------------------------------


ALL_COUNTRIES = 0


def _version_key(country_id: int) -> str:
    return f"registry:version:{country_id}"


def registry_version(country_id: int) -> int:
    """A number that changes whenever the country's registry data changes (for caches)."""
    version = cache.get(_version_key(country_id))
    if version is None:
        version = int(datetime.datetime.now().timestamp() * 1000)
        cache.set(_version_key(country_id), version, None)
    return int(version)


def registry_version_bump(country_ids: Iterable[int]) -> None:
    """Mark the countries' registry data as changed; version 0 changes with any country."""
    stamp = int(datetime.datetime.now().timestamp() * 1000)
    for country_id in {*country_ids, ALL_COUNTRIES}:
        old = cache.get(_version_key(country_id)) or 0
        cache.set(_version_key(country_id), max(stamp, int(old) + 1), None)


def _raise(problems: Sequence[tuple[str, Any]]) -> None:
    if problems:
        errors: dict[str, list[Any]] = {}
        for field, message in problems:
            errors.setdefault(field, []).append(message)
        raise ValidationError(errors)


# --- Footprints ------------------------------------------------------------------------------


def _footprint(data: dict[str, Any], latitude: Any, longitude: Any) -> validation.Footprint | None:
    """The footprint of ``data`` checked against the point; it is replaced by its GeoJSON."""
    checked, problems = validation.footprint_check(data.get("footprint"), latitude, longitude)
    _raise([("footprint", problem) for problem in problems])
    data["footprint"] = checked.geometry if checked is not None else None
    return checked


def footprint_entry(
    site_id: int,
    checked: validation.Footprint | None,
    *,
    observed_on: datetime.date,
    visit_id: int | None = None,
    source: str = "",
) -> SiteFootprint:
    """One entry of a site's footprint history (a removal when ``checked`` is None)."""
    box: dict[str, Any] = {}
    if checked is not None:
        box = dict(zip(("min_x", "min_y", "max_x", "max_y"), checked.bbox, strict=True))
    return SiteFootprint(
        site_id=site_id,
        visit_id=visit_id,
        observed_on=observed_on,
        geometry=checked.geometry if checked is not None else None,
        hectares=checked.hectares if checked is not None else None,
        source=source[:200],
        **box,
    )


def footprints_refresh(site_ids: Iterable[int]) -> None:
    """Make each site's footprint its latest entry's (by day, then by entry; not audited:
    derived from what was recorded)."""
    ids = sorted(set(site_ids))
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        latest: dict[int, tuple[int, Any]] = {}
        entries = SiteFootprint.objects.filter(site_id__in=batch).order_by(
            "site_id", "-observed_on", "-pk"
        )
        for site_id, pk, geometry in entries.values_list("site_id", "pk", "geometry"):
            latest.setdefault(site_id, (pk, geometry))
        SiteFootprint.objects.filter(site_id__in=batch, current=True).update(current=False)
        SiteFootprint.objects.filter(
            pk__in=[pk for pk, geometry in latest.values() if geometry is not None]
        ).update(current=True)
        # One statement for the batch, not one per site.
        sites = [
            Site(pk=site_id, footprint=latest.get(site_id, (None, None))[1]) for site_id in batch
        ]
        Site.objects.bulk_update(sites, ["footprint"])


# --- Sites -----------------------------------------------------------------------------------


def _site_code_next(country: Country, latitude: float, longitude: float) -> str:
    number = Site.objects.filter(country=country).count() + 1
    while True:
        code = validation.site_code_format(country.alpha2, latitude, longitude, number)
        if not Site.objects.filter(country=country, code=code).exists():
            return code
        number += 1


def site_possible_duplicate(
    *, country: Country, code: str, name: str, latitude: float, longitude: float, exclude: Any
) -> Site | None:
    """Another site with the same code, or a similar name within 500 m."""
    others = Site.objects.filter(country=country).exclude(pk=exclude)
    if code:
        same_code = others.filter(code=code).first()
        if same_code:
            return same_code
    south, north, west, east = validation.bbox_around(
        latitude, longitude, validation.DUPLICATE_DISTANCE_M
    )
    nearby = others.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    ).values_list("pk", "name", "latitude", "longitude")
    pk = validation.first_duplicate(name, latitude, longitude, nearby)
    return Site.objects.get(pk=pk) if pk else None


def _check_site(data: dict[str, Any], *, override_location: bool) -> None:
    country = data.get("country")
    problems = validation.coordinates_problems(data.get("latitude"), data.get("longitude"))
    problems += validation.choice_problems(data)
    _raise(problems)
    if country is not None:
        warning = validation.location_problem(country.alpha3, data["latitude"], data["longitude"])
        if warning and not (override_location and data.get("location_note", "").strip()):
            raise ValidationError(
                {
                    "latitude": [
                        str(warning)
                        + " "
                        + _(
                            "To keep it, confirm the location and give the reason for the override."
                        )
                    ]
                },
                code="outside_country",
            )


def _place_in_areas(data: dict[str, Any], *, override_location: bool) -> None:
    """Find the administrative areas of the point; a stated area that contradicts it is a
    problem (unless the location is overridden with a reason), an empty one is filled in."""
    from casm.core.areas import areas_for_point

    country = data.get("country")
    if country is None or data.get("latitude") is None or data.get("longitude") is None:
        return
    found = areas_for_point(country.pk, data["longitude"], data["latitude"])
    overridden = override_location and data.get("location_note", "").strip()
    problems: list[tuple[str, Any]] = []
    for level in (1, 2, 3):
        area, stated = found.get(level), (data.get(f"admin{level}") or "").strip()
        data[f"area{level}"] = area
        if area is None:
            continue
        if not stated:
            data[f"admin{level}"] = area.name
        elif not overridden:
            problem = validation.area_problem(stated, area.name, area.code)
            if problem is not None:
                problems.append((f"admin{level}", problem))
    _raise(problems)


def sites_assign_areas(
    *, country_id: int, site_ids: Iterable[int] | None = None, unplaced_only: bool = False
) -> int:
    """Place the country's sites (those given, or those not yet placed) in its administrative
    areas, in bulk after an import of areas or of sites; the stated names are kept, empty ones
    are filled from the areas. Returns
    how many changed. All the points are tested at once against every area of the country."""
    from shapely.geometry import shape

    from casm.core.models import AdminArea
    from casm.lib.geometry import point_polygon_pairs

    sites = Site.objects.filter(country_id=country_id)
    if site_ids is not None:
        sites = sites.filter(pk__in=list(site_ids))
    if unplaced_only:
        sites = sites.filter(area1__isnull=True)
    rows = list(
        sites.values_list(
            "pk", "longitude", "latitude", "area1", "area2", "area3", "admin1", "admin2", "admin3"
        )
    )
    areas = list(
        AdminArea.objects.filter(country_id=country_id)
        .order_by("level", "code")
        .values_list("pk", "level", "geometry", "name")
    )
    names = {area[0]: area[3] for area in areas}
    found: dict[int, dict[int, int]] = {}
    if rows and areas:
        point_index, area_index = point_polygon_pairs(
            [row[1] for row in rows], [row[2] for row in rows], [shape(a[2]) for a in areas]
        )
        for point, area in zip(point_index.tolist(), area_index.tolist(), strict=True):
            pk, level = areas[area][0], areas[area][1]
            found.setdefault(point, {}).setdefault(level, pk)
    changed = []
    for number, (pk, _lon, _lat, *current) in enumerate(rows):
        levels = found.get(number, {})
        ids = [levels.get(level) for level in (1, 2, 3)]
        stated = [str(text) for text in current[3:]]
        # An empty name is filled from the area, as a single write does; a stated one is kept.
        filled = [text or names.get(ids[i] or 0, "") for i, text in enumerate(stated)]
        if ids != current[:3] or filled != stated:
            changed.append(
                Site(pk=pk, area1_id=ids[0], area2_id=ids[1], area3_id=ids[2],
                     admin1=filled[0], admin2=filled[1], admin3=filled[2])
            )  # fmt: skip
    fields = ["area1", "area2", "area3", "admin1", "admin2", "admin3"]
    Site.objects.bulk_update(changed, fields, batch_size=1000)
    if changed:
        registry_version_bump([country_id])
    return len(changed)


def _place_in_cadastre(site: Site) -> None:
    """The site's standing in the mining cadastre, where its country has one (the licensing
    app keeps the rule; the registry tells it where the site is)."""
    from casm.licensing.services import site_standing_update

    site_standing_update(site=site)


def site_create(*, actor: Any, override_location: bool = False, **data: Any) -> Site:
    """Register a site: code made when absent, location checked, duplicates flagged."""
    data = {name: data[name] for name in SITE_FIELDS if name in data}
    country = data.get("country")
    permissions.require(actor, "registry.edit", country=country)
    _check_site(data, override_location=override_location)
    footprint = _footprint(data, data.get("latitude"), data.get("longitude"))
    _place_in_areas(data, override_location=override_location)
    with transaction.atomic():
        if not data.get("code") and country is not None:
            data["code"] = _site_code_next(country, data["latitude"], data["longitude"])
        duplicate = None
        if country is not None:
            duplicate = site_possible_duplicate(
                country=country,
                code="",
                name=data.get("name", ""),
                latitude=data["latitude"],
                longitude=data["longitude"],
                exclude=None,
            )
        if duplicate:
            data["duplicate_of"] = duplicate
        if country is not None and Site.objects.filter(country=country, code=data["code"]).exists():
            raise ValidationError(
                {"code": [_("Another site of this country has the code %s.") % data["code"]]}
            )
        site = model_create(model=Site, actor=actor, data=data)
        if footprint is not None:
            entry = footprint_entry(
                site.pk, footprint, observed_on=datetime.date.today(), source=site.source
            )
            entry.current = True
            entry.save()
        _place_in_cadastre(site)
    registry_version_bump([site.country_id])
    return site


def site_update(*, actor: Any, site: Site, override_location: bool = False, **data: Any) -> Site:
    """Change a site's details; moving it checks the location and duplicates again."""
    permissions.require_change(actor, "registry.edit", instance=site, data=data)
    merged = {name: getattr(site, name) for name in SITE_FIELDS if name != "commodities"}
    merged.update({k: v for k, v in data.items() if k in SITE_FIELDS and k != "commodities"})
    _check_site(merged, override_location=override_location)
    footprint = _footprint(merged, merged.get("latitude"), merged.get("longitude"))
    _place_in_areas(merged, override_location=override_location)
    update = {name: merged[name] for name in [*SITE_FIELDS, *AREA_FIELDS] if name != "commodities"}
    if "commodities" in data:
        update["commodities"] = data["commodities"]
    old_country_id = site.country_id
    with transaction.atomic():
        site, changes = model_update(
            instance=site, actor=actor, data=update, fields=[*SITE_FIELDS, *AREA_FIELDS]
        )
        if "footprint" in changes:
            # Drawn today: the site's footprint from now on, the earlier one kept in the history.
            footprint_entry(
                site.pk, footprint, observed_on=datetime.date.today(), source=site.source
            ).save()
            footprints_refresh([site.pk])
            site.refresh_from_db(fields=["footprint"])
        if "country" in changes:
            # Visits and production keep their site's country, for scope and national counts.
            site.visits.update(country=site.country)
            site.production.update(country=site.country)
        moved = {"latitude", "longitude", "name", "code"} & set(changes)
        if moved and not site.duplicate_dismissed:
            duplicate = site_possible_duplicate(
                country=site.country,
                code=site.code,
                name=site.name,
                latitude=site.latitude,
                longitude=site.longitude,
                exclude=site.pk,
            )
            if duplicate != site.duplicate_of:
                model_update(instance=site, actor=actor, data={"duplicate_of": duplicate})
    if {"latitude", "longitude", "country"} & set(data):
        _place_in_cadastre(site)
    registry_version_bump([old_country_id, site.country_id])
    return site


def site_duplicate_dismiss(*, actor: Any, site: Site) -> Site:
    """Mark a flagged site as checked and not a duplicate."""
    permissions.require(actor, "registry.edit", country=site.country)
    site, _changes = model_update(
        instance=site, actor=actor, data={"duplicate_of": None, "duplicate_dismissed": True}
    )
    registry_version_bump([site.country_id])
    return site


def site_merge(*, actor: Any, site: Site, into: Site) -> Site:
    """Fold ``site`` into ``into``: visits, production, operators, miners and certification
    history move over; ``site`` is deleted, its audit trail kept under its old id."""
    permissions.require_each(actor, "registry.edit", countries=[site.country_id, into.country_id])
    if site.pk == into.pk:
        raise ValidationError(_("A site cannot be merged into itself."))
    if site.country_id != into.country_id:
        raise ValidationError(_("Only sites of the same country can be merged."))
    with transaction.atomic():
        moved = {
            "visits": site.visits.update(site=into),
            "production": site.production.update(site=into),
            "certifications": site.certifications.update(site=into),
            "footprints": site.footprints.update(site=into),
        }
        for operator in site.operators.all():
            operator.sites.add(into)
        for miner in site.miners.all():
            miner.sites.add(into)
        into.commodities.add(*site.commodities.all())
        Site.objects.filter(duplicate_of=site).update(duplicate_of=None)
        if into.duplicate_of_id == site.pk:
            into.duplicate_of = None
            into.save(update_fields=["duplicate_of"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            instance=into,
            changes={
                "merged_site": [None, f"{site.code} (#{site.pk}) {site.name}"],
                **{name: [0, count] for name, count in moved.items() if count},
            },
        )
        model_delete(instance=site, actor=actor)
        site_refresh_current(into)
        footprints_refresh([into.pk])
    registry_version_bump([into.country_id])
    return into


def site_certify(
    *,
    actor: Any,
    site: Site,
    status: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    note: str = "",
) -> CertificationRecord:
    """Record a regional certification decision; the site shows the latest one."""
    permissions.require(actor, "registry.edit", country=site.country)
    return certification_write(
        actor=actor, site=site, status=status, valid_from=valid_from, valid_until=valid_until,
        note=note,
    )  # fmt: skip


def certification_write(
    *,
    actor: Any,
    site: Site,
    status: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    note: str = "",
    cause: str = CertificationCause.DECISION,
) -> CertificationRecord:
    """Write a certification decision and copy the latest onto the site. The caller checks
    its own capability: a data officer's decision (``registry.edit``), an inspection
    (``traceability.inspect``) or the daily round's lapses (the system's own act)."""
    problem = validation.date_problem(valid_from)
    if problem:
        raise ValidationError({"valid_from": [problem]})
    if valid_until is None:
        valid_until = validation.certification_default_until(status, valid_from)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": [_("The end comes before the start.")]})
    with transaction.atomic():
        record = model_create(
            model=CertificationRecord,
            actor=actor,
            data={
                "site": site,
                "status": status,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "note": note,
                "cause": cause,
                "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        latest = site.certifications.order_by("-valid_from", "-pk").first()
        if latest is not None:
            model_update(
                instance=site,
                actor=actor,
                data={
                    "certification_status": latest.status,
                    "certification_valid_from": latest.valid_from,
                    "certification_valid_until": latest.valid_until,
                    "certification_lapsed": latest.cause == CertificationCause.LAPSED,
                },
            )
    registry_version_bump([site.country_id])
    return record


def certifications_lapse(*, today: datetime.date | None = None) -> list[CertificationRecord]:
    """The daily round's part: write the statuses that followed by themselves when a site's
    status ran out (green to blue; yellow and blue to red; see ``validation.LAPSES_TO``), each
    from the day after the one before ended, so that the history says when it changed."""
    today = today or timezone.localdate()
    due = Site.objects.filter(
        certification_status__in=list(validation.LAPSES_TO),
        certification_valid_until__lt=today,
    ).order_by("pk")
    written = []
    for site in due.iterator(chunk_size=500):
        steps = validation.certification_lapses(
            site.certification_status, site.certification_valid_until, today
        )
        with transaction.atomic():
            for status, start, until in steps:
                written.append(
                    certification_write(
                        actor=None,
                        site=site,
                        status=status,
                        valid_from=start,
                        valid_until=until,
                        cause=CertificationCause.LAPSED,
                    )  # fmt: skip
                )
    return written


# --- Visits ----------------------------------------------------------------------------------


def _site_current_values(site_id: int) -> dict[str, Any]:
    visits = SiteVisit.objects.filter(site_id=site_id)
    dates = visits.aggregate(first=Min("date"), last=Max("date"))
    latest = visits.filter(reached=True).order_by("-date", "-pk").first()
    values: dict[str, Any] = {"first_visit": dates["first"], "last_visit": dates["last"]}
    if latest is None:
        values.update(
            workers=None, women=None, children=None, children_present=None,
            armed_presence=None, mercury_use=None,
        )  # fmt: skip
        return values
    children = latest.children
    values.update(
        workers=latest.workers,
        women=latest.women,
        children=children,
        children_present=(children > 0) if children is not None else None,
        armed_presence=latest.armed_presence,
        mercury_use=latest.mercury_use,
    )
    return values


def site_refresh_current(site: Site) -> Site:
    """Copy the latest visit's figures onto the site (not audited: derived data)."""
    values = _site_current_values(site.pk)
    Site.objects.filter(pk=site.pk).update(**values)
    for name, value in values.items():
        setattr(site, name, value)
    return site


def sites_refresh_current(
    *, site_ids: Iterable[int] | None = None, country_id: int | None = None
) -> int:
    """Copy every chosen site's latest visit onto it in one statement (importers, demo data).

    Sites are chosen by id, or all sites of a country. Returns how many were updated.
    """
    from django.db.models import OuterRef, Subquery

    visits = SiteVisit.objects.filter(site_id=OuterRef("pk"))
    latest = visits.filter(reached=True).order_by("-date", "-pk")

    def latest_value(field: str) -> Subquery:
        return Subquery(latest.values(field)[:1])

    children = latest.annotate(
        total_children=Coalesce(F("boys_under_15"), 0)
        + Coalesce(F("girls_under_15"), 0)
        + Coalesce(F("boys_15_17"), 0)
        + Coalesce(F("girls_15_17"), 0)
    ).filter(
        Q(boys_under_15__isnull=False)
        | Q(girls_under_15__isnull=False)
        | Q(boys_15_17__isnull=False)
        | Q(girls_15_17__isnull=False)
    )
    sites = Site.objects.all()
    if site_ids is not None:
        sites = sites.filter(pk__in=list(site_ids))
    if country_id is not None:
        sites = sites.filter(country_id=country_id)
    updated = sites.update(
        first_visit=Subquery(visits.order_by("date").values("date")[:1]),
        last_visit=Subquery(visits.order_by("-date").values("date")[:1]),
        workers=latest_value("workers"),
        women=latest_value("women"),
        children=Subquery(children.values("total_children")[:1]),
        armed_presence=latest_value("armed_presence"),
        mercury_use=latest_value("mercury_use"),
    )
    sites.filter(children__isnull=True).update(children_present=None)
    sites.filter(children=0).update(children_present=False)
    sites.filter(children__gt=0).update(children_present=True)
    return updated


def _check_visit(data: dict[str, Any]) -> None:
    codes = Commodity.objects.values_list("code", flat=True)
    _raise(validation.visit_problems(data, commodity_codes=codes))


def site_visit_record(*, actor: Any, site: Site, **data: Any) -> SiteVisit:
    """Record one census observation of a site and update the site's current figures."""
    permissions.require(actor, "registry.edit", country=site.country)
    data = {name: data[name] for name in VISIT_FIELDS if name in data}
    _check_visit(data)
    footprint = _footprint(data, site.latitude, site.longitude)
    submission = data.get("submission_id")
    if submission:
        existing = SiteVisit.objects.filter(submission_id=submission).first()
        if existing is not None:
            return existing  # the same submission again: nothing changes
    with transaction.atomic():
        visit = model_create(
            model=SiteVisit, actor=actor, data={**data, "site": site, "country": site.country}
        )
        if footprint is not None:
            _visit_footprint(visit, footprint)
        site_refresh_current(site)
        for commodity in Commodity.objects.filter(
            code__in=[item["commodity"] for item in data.get("commodities") or []]
        ):
            site.commodities.add(commodity)
    registry_version_bump([site.country_id])
    return visit


def _visit_footprint(visit: SiteVisit, footprint: validation.Footprint) -> None:
    """The visit's footprint into its site's history; the latest becomes the site's."""
    footprint_entry(
        visit.site_id, footprint, observed_on=visit.date, visit_id=visit.pk, source=visit.team
    ).save()
    footprints_refresh([visit.site_id])


def site_visit_update(*, actor: Any, visit: SiteVisit, **data: Any) -> SiteVisit:
    permissions.require(actor, "registry.edit", country=visit.country)
    merged = {name: getattr(visit, name) for name in VISIT_FIELDS}
    merged.update({name: data[name] for name in VISIT_FIELDS if name in data})
    _check_visit(merged)
    footprint = _footprint(merged, visit.site.latitude, visit.site.longitude)
    if "footprint" in data:
        data = {**data, "footprint": merged["footprint"]}
    with transaction.atomic():
        visit, changes = model_update(instance=visit, actor=actor, data=data, fields=VISIT_FIELDS)
        if {"footprint", "date"} & set(changes):
            visit.footprints.all().delete()
            if footprint is not None:
                _visit_footprint(visit, footprint)
        site_refresh_current(visit.site)
    registry_version_bump([visit.country_id])
    return visit


def site_visit_delete(*, actor: Any, visit: SiteVisit) -> None:
    permissions.require(actor, "registry.edit", country=visit.country)
    site = visit.site
    with transaction.atomic():
        model_delete(instance=visit, actor=actor)
        site_refresh_current(site)
        footprints_refresh([site.pk])
    registry_version_bump([site.country_id])


# --- Operators and miners --------------------------------------------------------------------


def _check_same_country(country: Country | None, sites: Iterable[Site]) -> None:
    for site in sites:
        if country is not None and site.country_id != country.pk:
            raise ValidationError({"sites": [_("%s is in another country.") % site]})


def operator_create(*, actor: Any, **data: Any) -> Operator:
    """Register an operator (person, cooperative, association or company)."""
    data = {name: data[name] for name in OPERATOR_FIELDS if name in data}
    permissions.require(actor, "registry.edit", country=data.get("country"))
    _check_same_country(data.get("country"), data.get("sites", []))
    operator = model_create(model=Operator, actor=actor, data=data)
    registry_version_bump([operator.country_id])
    return operator


def operator_update(*, actor: Any, operator: Operator, **data: Any) -> Operator:
    permissions.require_change(actor, "registry.edit", instance=operator, data=data)
    _check_same_country(data.get("country", operator.country), data.get("sites", []))
    old_country_id = operator.country_id
    operator, _changes = model_update(
        instance=operator, actor=actor, data=data, fields=OPERATOR_FIELDS
    )
    registry_version_bump([old_country_id, operator.country_id])
    return operator


def _check_miner(data: dict[str, Any]) -> None:
    problems: list[tuple[str, Any]] = list(validation.choice_problems({"roles": data.get("roles")}))
    year = data.get("year_of_birth")
    this_year = datetime.date.today().year
    if year is not None and not this_year - 100 <= year <= this_year:
        problems.append(("year_of_birth", _("%s is not a plausible year of birth.") % year))
    operator = data.get("operator")
    if operator is not None and data.get("country") and operator.country_id != data["country"].pk:
        problems.append(("operator", _("The operator is in another country.")))
    _raise(problems)
    _check_same_country(data.get("country"), data.get("sites", []))


def miner_create(*, actor: Any, **data: Any) -> Miner:
    """Register a miner (personal data)."""
    data = {name: data[name] for name in MINER_FIELDS if name in data}
    permissions.require(actor, "registry.edit", country=data.get("country"))
    _check_miner(data)
    miner = model_create(model=Miner, actor=actor, data=data)
    registry_version_bump([miner.country_id])
    return miner


def miner_update(*, actor: Any, miner: Miner, **data: Any) -> Miner:
    permissions.require_change(actor, "registry.edit", instance=miner, data=data)
    old_country_id = miner.country_id
    merged = {name: getattr(miner, name) for name in MINER_FIELDS if name != "sites"}
    merged.update({name: data[name] for name in MINER_FIELDS if name in data})
    _check_miner(merged)
    miner, _changes = model_update(instance=miner, actor=actor, data=data, fields=MINER_FIELDS)
    registry_version_bump([old_country_id, miner.country_id])
    return miner


def miner_delete(*, actor: Any, miner: Miner) -> None:
    permissions.require(actor, "registry.edit", country=miner.country)
    model_delete(instance=miner, actor=actor)
    registry_version_bump([miner.country_id])


# --- Production ------------------------------------------------------------------------------


def _check_production(data: dict[str, Any]) -> None:
    problems: list[tuple[str, Any]] = []
    site, operator = data.get("site"), data.get("operator")
    if site is None and operator is None:
        problems.append(("site", _("Give the site or the operator that produced it.")))
    country = data.get("country")
    for field, owner in (("site", site), ("operator", operator)):
        if owner is not None and country is not None and owner.country_id != country.pk:
            problems.append((field, _("It is in another country.")))
    commodity, unit = data.get("commodity"), data.get("unit")
    if commodity is not None and unit:
        problem = validation.unit_problem(commodity.unit, unit)
        if problem:
            problems.append(("unit", problem))
    quantity = data.get("quantity")
    if quantity is not None and quantity < 0:
        problems.append(("quantity", _("A quantity cannot be negative.")))
    if data.get("value") is not None and data["value"] < 0:
        problems.append(("value", _("A value cannot be negative.")))
    if data.get("value") is not None and not data.get("currency"):
        problems.append(("currency", _("Give the currency of the value.")))
    period, number, year = data.get("period"), data.get("period_number"), data.get("year")
    limits = {"month": 12, "quarter": 4}
    if period in limits and not (number and 1 <= number <= limits[period]):
        problems.append(("period_number", _("Give a number from 1 to %s.") % limits[period]))
    if period == "year" and number:
        problems.append(("period_number", _("A whole year has no month or quarter.")))
    if year is not None and year > datetime.date.today().year:
        problems.append(("year", _("%s is in the future.") % year))
    _raise(problems)


def production_record_create(*, actor: Any, **data: Any) -> ProductionRecord:
    """Record production of one commodity for a site or an operator over a period."""
    data = {name: data[name] for name in PRODUCTION_FIELDS if name in data}
    if data.get("country") is None:
        owner = data.get("site") or data.get("operator")
        if owner is not None:
            data["country"] = owner.country
    permissions.require(actor, "registry.edit", country=data.get("country"))
    if data.get("period") == "year":
        data["period_number"] = None
    _check_production(data)
    data["quantity_base"] = validation.quantity_in_commodity_unit(
        data["quantity"], data["unit"], data["commodity"].unit
    )
    record = model_create(model=ProductionRecord, actor=actor, data=data)
    registry_version_bump([record.country_id])
    return record


def production_record_update(
    *, actor: Any, record: ProductionRecord, **data: Any
) -> ProductionRecord:
    merged = {name: getattr(record, name) for name in PRODUCTION_FIELDS}
    merged.update({name: data[name] for name in PRODUCTION_FIELDS if name in data})
    permissions.require_change(actor, "registry.edit", instance=record, data=merged)
    _check_production(merged)
    data = {name: merged[name] for name in PRODUCTION_FIELDS}
    data["quantity_base"] = validation.quantity_in_commodity_unit(
        merged["quantity"], merged["unit"], merged["commodity"].unit
    )
    old_country_id = record.country_id
    record, _changes = model_update(instance=record, actor=actor, data=data)
    registry_version_bump([old_country_id, record.country_id])
    return record


def production_record_delete(*, actor: Any, record: ProductionRecord) -> None:
    permissions.require(actor, "registry.edit", country=record.country)
    model_delete(instance=record, actor=actor)
    registry_version_bump([record.country_id])
