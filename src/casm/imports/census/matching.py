"""The census import's site matching: by code, else same name within 500 m, else a new site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from casm.core.models import Country
from casm.registry import validation

from ..readers import Record
from ..sites import CountryIndex, SiteRef
from .state import (
    TEXT_COLUMNS,
    ImporterState,
)


class SiteMatcher(ImporterState):
    """The site of each row: an existing one, or a new one (flagged when it may be a duplicate)."""

    def _site_details(
        self, text: dict[str, list[str]], notes: dict[int, str], records: list[Record], index: int
    ) -> dict[str, Any]:
        """What a new site takes from its first row (its footprint comes with its visits)."""
        return {
            **{name: text[name][index] for name in TEXT_COLUMNS},
            "location_note": notes.get(index, ""),
        }

    def _index(self, country: Country) -> CountryIndex:
        index = self.indexes.get(country.pk)
        if index is None:
            index = self.indexes[country.pk] = CountryIndex(country)
        return index

    def site_for(
        self,
        country: Country,
        code: str,
        name: str,
        latitude: float,
        longitude: float,
        details: Callable[[], dict[str, Any]],
    ) -> SiteRef:
        """The site of a row: by code, else same folded name within 500 m, else a new one."""
        index = self._index(country)
        if code and code in index.by_code:
            return self._matched(index.by_code[code])
        name = name or code
        key = validation.name_key(name)
        nearby = list(index.near(latitude, longitude))
        if not code:
            same = [ref for ref in nearby if ref.key == key]
            if same:
                best = min(
                    same,
                    key=lambda r: validation.distance_m(
                        latitude, longitude, r.latitude, r.longitude
                    ),
                )
                return self._matched(best)
        duplicate = validation.first_duplicate(
            name,
            latitude,
            longitude,
            ((ref, ref.name, ref.latitude, ref.longitude) for ref in nearby),
        )
        ref = SiteRef(
            None, code or index.new_code(latitude, longitude), name, key, latitude, longitude
        )
        data = details()
        ref.new = {
            "country_id": country.pk,
            "code": ref.code,
            "name": name[:200],
            "admin1": data["admin1"][:100],
            "admin2": data["admin2"][:100],
            "admin3": data["admin3"][:100],
            "admin4": data["admin4"][:100],
            "latitude": latitude,
            "longitude": longitude,
            "location_note": data.get("location_note", "")[:300],
            # Who collected it, never the file's name (which a public profile would show).
            "source": (data["source"] or data["team"] or self.collector)[:200],
            "duplicate_of_id": None,
        }
        ref.duplicate = duplicate
        index.add(ref)
        self.new_sites.append(ref)
        self.unsaved_sites.append(ref)
        self.result.sites_created += 1
        if duplicate is not None:
            self.result.sites_flagged += 1
        return ref

    def _matched(self, ref: SiteRef) -> SiteRef:
        if ref.new is None and ref.pk not in self.matched_existing:
            self.matched_existing.add(ref.pk)  # type: ignore[arg-type]
            self.result.sites_matched += 1
        return ref
