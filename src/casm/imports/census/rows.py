"""The census import's row checks: which rows need every rule, outlines, submission IDs."""

from __future__ import annotations

from typing import Any

from casm.core.messages import Message
from casm.core.models import Country
from casm.registry import validation

from ..readers import Record
from ..values import (
    content_submission_id,
)
from .state import (
    CACHE_LIMIT,
    ImporterState,
)


class RowChecker(ImporterState):
    """The checks that look at a row as a whole."""

    def _country_areas(self, country_id: int) -> tuple[list[tuple[int, str, str]], Any] | None:
        """The country's areas (level, name, code) and an R-tree of their shapes, read once;
        None when the country has no areas."""
        if country_id not in self.area_shapes:
            import shapely
            from shapely.geometry import shape

            from casm.core.models import AdminArea

            rows = list(
                AdminArea.objects.filter(country_id=country_id)
                .order_by("level", "code")
                .values_list("level", "name", "code", "geometry")
            )
            self.area_shapes[country_id] = (
                ([row[:3] for row in rows], shapely.STRtree([shape(row[3]) for row in rows]))
                if rows
                else None
            )
        return self.area_shapes[country_id]

    def _area_contradictions(
        self,
        countries: list[Any],
        latitudes: list[Any],
        longitudes: list[Any],
        text: dict[str, list[str]],
        problems: dict[int, list[tuple[str, str, Message]]],
    ) -> None:
        """Rows whose stated province (district, sector) is not the area their point lies in:
        the points of a chunk are tested at once against each country's areas."""
        import numpy
        import shapely

        country_ids = {country.id for country in countries if country is not None}
        if all(self._country_areas(pk) is None for pk in country_ids):
            return  # the usual case: no areas imported for the file's countries
        by_country: dict[int, list[int]] = {}
        for index, country in enumerate(countries):
            if index in problems or country is None or latitudes[index] is None:
                continue
            if longitudes[index] is None:
                continue
            if any(text[f"admin{level}"][index] for level in (1, 2, 3)):
                by_country.setdefault(countries[index].id, []).append(index)
        for country_id, rows in by_country.items():
            areas = self._country_areas(country_id)
            if areas is None:
                continue
            found, tree = areas
            points = shapely.points(
                numpy.array([longitudes[i] for i in rows], float),
                numpy.array([latitudes[i] for i in rows], float),
            )
            seen: set[tuple[int, int]] = set()
            for point, area in zip(*tree.query(points, predicate="intersects"), strict=True):
                index, (level, name, code) = rows[int(point)], found[int(area)]
                if (index, level) in seen:
                    continue  # the first area of a level, as the services take it
                seen.add((index, level))
                stated = text[f"admin{level}"][index]
                problem = validation.area_problem(stated, name, code) if stated else None
                if problem is not None:
                    column = self.plan.get(f"admin{level}", [f"admin{level}"])[0]
                    problems.setdefault(index, []).append((column, stated, problem))

    def _footprints(
        self,
        records: list[Record],
        latitudes: list[Any],
        longitudes: list[Any],
        problems: dict[int, list[tuple[str, str, Message]]],
    ) -> dict[int, validation.Footprint]:
        """The checked footprints of the chunk's rows that carry a polygon (GeoJSON features):
        the same check as the services'; a footprint's problem is the row's."""
        checked: dict[int, validation.Footprint] = {}
        for index, record in enumerate(records):
            if record.cells is not None or index in problems:
                continue
            footprint = record.values.get("_footprint")
            if not footprint:
                continue
            found, messages = validation.footprint_check(
                footprint, latitudes[index], longitudes[index]
            )
            if messages:
                problems[index] = [("geometry", "", message) for message in messages]
            elif found is not None:
                checked[index] = found
        return checked

    def _outside(self, country: Country, latitude: float, longitude: float) -> Message | None:
        """The outline check of a point, remembered (censuses repeat their points)."""
        key = (country.alpha3, latitude, longitude)
        outside = self.location_cache.get(key, "?")
        if outside == "?":
            if len(self.location_cache) > CACHE_LIMIT:
                self.location_cache.clear()
            outside = self.location_cache[key] = validation.location_problem(*key)
        return outside  # type: ignore[return-value]

    def _outside_rows(
        self, countries: list[Any], latitudes: list[Any], longitudes: list[Any], rows: list[int]
    ) -> list[tuple[int, Message]]:
        """(row, problem) of the ``rows`` whose point lies outside their country's outline
        (each has a country and a point in range): the points of a country tested in one call,
        the few outside said as :func:`validation.location_problem` says them."""
        if not rows:
            return []
        chosen = [countries[index] for index in rows]
        first = chosen[0]
        groups: dict[str, list[int]]
        if all(country is first for country in chosen):
            groups = {first.alpha3: rows}  # the usual case: one country in the chunk
        else:
            groups = {}
            for index, country in zip(rows, chosen, strict=True):
                groups.setdefault(country.alpha3, []).append(index)
        found = []
        for alpha3, indexes in groups.items():
            lats = [latitudes[index] for index in indexes]
            lons = [longitudes[index] for index in indexes]
            inside = validation.points_in_country(alpha3, lats, lons)
            if inside is None:
                continue  # no outline shipped: said once in the result's notes
            for position in (~inside).nonzero()[0].tolist():
                index = indexes[position]
                problem = self._outside(countries[index], lats[position], lons[position])
                if problem is not None:
                    found.append((index, problem))
        found.sort()
        return found

    def _careful_rows(
        self,
        problems: dict[int, list[tuple[str, str, Message]]],
        numbers: dict[str, list[Any]],
        counts: tuple[str, ...],
        reasons: list[str],
        text: dict[str, list[str]],
        latitudes: list[Any],
        longitudes: list[Any],
    ) -> set[int]:
        """The rows that need every rule checked one by one: a problem already, a count missing,
        negative or not adding up, a reason given or needed, a negative depth or pit count, no
        name nor code, no usable point. The others (most rows) need only the outline check."""
        careful = set(problems)
        count_rows = zip(*(numbers[name] for name in counts), strict=True)
        careful.update(
            index
            for index, row in enumerate(count_rows)
            if None in row or row[0] != sum(row[1:]) or min(row) < 0
        )
        for name in ("pits", "max_depth_m"):
            careful.update(
                index
                for index, value in enumerate(numbers[name])
                if value is not None and value < 0
            )
        careful.update(index for index, reason in enumerate(reasons) if reason)
        careful.update(index for index, value in enumerate(numbers["reached"]) if value is False)
        careful.update(
            index
            for index, (name, code) in enumerate(
                zip(text["site_name"], text["site_code"], strict=True)
            )
            if not name and not code
        )
        careful.update(
            index
            for index, (latitude, longitude) in enumerate(zip(latitudes, longitudes, strict=True))
            if latitude is None
            or longitude is None
            or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
        )
        return careful

    def _check_submissions(
        self,
        records: list[Record],
        submissions: list[str],
        column: str,
        problems: dict[int, list[tuple[str, str, Message]]],
    ) -> None:
        """Each submission ID once in the file (rows without one get an ID of their content)."""
        if all(submissions) and max(map(len, submissions), default=0) <= 100:
            fresh = set(submissions)
            if len(fresh) == len(submissions) and self.seen_ids.keys().isdisjoint(fresh):
                # The usual case, checked in bulk: all given, none seen before.
                self.seen_ids.update(
                    zip(submissions, [record.row for record in records], strict=True)
                )
                return
        for index, submission in enumerate(submissions):
            if not submission:
                values_of_row = records[index].values
                submission = content_submission_id(self.source.kind, values_of_row)
                occurrence = self.content_repeats.get(submission, 0) + 1
                self.content_repeats[submission] = occurrence
                if occurrence > 1:
                    submission = content_submission_id(self.source.kind, values_of_row, occurrence)
            submission = submission[:100]
            submissions[index] = submission
            first = self.seen_ids.get(submission)
            if first is not None:
                message = Message("imports.submission_repeated", id=submission, row=first)
                problems.setdefault(index, []).append(
                    (column or "submission_id", submission, message)
                )
            else:
                self.seen_ids[submission] = records[index].row
