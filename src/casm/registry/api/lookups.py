"""What a request names, turned into records: codes of countries and commodities, ids of
records within the asker's scope, the site filters; refused with the field's name (422) when
unknown. And the pagination of site lists."""

import hashlib
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, ValidationError
from django.http import HttpRequest

from casm.core.models import AdminArea, Commodity, Country
from casm.core.pagination import LimitOffset
from casm.registry import selectors, services
from casm.registry.api.schemas import SiteFilterParams
from casm.registry.models import Operator, Site


class SiteLimitOffset(LimitOffset):
    """Pages of sites whose total is remembered until the registry changes: counting a
    national list costs more than reading one page of it."""

    def total(self, queryset: Any) -> int:
        try:
            sql = str(queryset.query)
        except EmptyResultSet:
            return 0
        digest = hashlib.sha256(sql.encode()).hexdigest()
        key = f"registry:count:{services.registry_version(services.ALL_COUNTRIES)}:{digest}"
        count = cache.get(key)
        if count is None:
            count = queryset.count()
            cache.set(key, count, 3600)
        return int(count)


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def _site_filters(params: SiteFilterParams) -> tuple[selectors.SiteFilters, tuple | None]:
    """The selectors' filters and the bounding box; unknown codes are refused, not ignored."""
    values = params.dict()
    bbox_text = values.pop("bbox")
    if values["country"] and selectors.country_by_code(values["country"]) is None:
        raise _invalid("country", f"Unknown country code {values['country']!r}.")
    if values["commodity"] and not Commodity.objects.filter(code=values["commodity"]).exists():
        raise _invalid("commodity", f"Unknown commodity {values['commodity']!r}.")
    if values["area"] and not AdminArea.objects.filter(code=values["area"]).exists():
        raise _invalid("area", f"Unknown administrative area {values['area']!r}.")
    bbox = None
    if bbox_text:
        bbox = selectors.bbox_from_param(bbox_text)
        if bbox is None or bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            raise _invalid("bbox", "Give west,south,east,north in degrees.")
    return selectors.SiteFilters.from_params(values), bbox


def _in_bbox(queryset: Any, bbox: tuple | None) -> Any:
    if bbox is None:
        return queryset
    west, south, east, north = bbox
    return queryset.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    )


def _country(code: str) -> Country:
    country = Country.objects.filter(alpha2=code.upper()).first()
    if country is None:
        raise _invalid("country", f"Unknown country code {code!r}.")
    return country


def _commodity(code: str, field: str = "commodity") -> Commodity:
    commodity = Commodity.objects.filter(code=code).first()
    if commodity is None:
        raise _invalid(field, f"Unknown commodity {code!r}.")
    return commodity


def _commodities(codes: list[str]) -> list[Commodity]:
    found = {c.code: c for c in Commodity.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise _invalid("commodities", f"Unknown commodities: {', '.join(unknown)}.")
    return [found[code] for code in dict.fromkeys(codes)]


def _site_ref(request: HttpRequest, pk: int, field: str = "site") -> Site:
    """A site named in a body: one outside scope is unknown, like one that does not exist."""
    found = selectors.site_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise _invalid(field, f"Unknown site {pk}.")
    return found


def _sites_ref(request: HttpRequest, pks: list[int]) -> list[Site]:
    found = list(selectors.site_list(user=request.user).filter(pk__in=pks))
    missing = set(pks) - {site.pk for site in found}
    if missing:
        raise _invalid("sites", f"Unknown sites: {', '.join(map(str, sorted(missing)))}.")
    return found


def _operator_ref(request: HttpRequest, pk: int) -> Operator:
    found = selectors.operator_list(user=request.user).filter(pk=pk).first()
    if found is None:
        raise _invalid("operator", f"Unknown operator {pk}.")
    return found
