import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casm.core.models import Country
from casm.indicators import selectors
from casm.indicators.tests.factories import make_congo_registry
from casm.registry import services as registry
from casm.registry.models import Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def congo():
    make_congo_registry()
    return Country.objects.get(alpha2="CD")


def test_it_counts_sites_by_commodity_and_legal_status(congo):
    profile = selectors.country_profile(congo)
    assert profile["sites"]["total"] == 3
    assert profile["sites"]["visits"] == 3
    by_commodity = {row["code"]: row["sites"] for row in profile["sites_by_commodity"]}
    assert by_commodity == {"gold": 2, "tin": 1}
    by_legal = {row["status"]: row["sites"] for row in profile["sites_by_legal_status"]}
    assert by_legal == {"licensed": 1, "asm_zone": 1, "informal": 1, "unknown": 0}


def test_it_computes_the_shares_of_women_and_children(congo):
    people = selectors.country_profile(congo)["people"]
    assert people["workers"] == {"value": 210, "suppressed": False}
    assert people["women"] == {"value": 55, "suppressed": False}
    assert people["women_share"]["value"] == round(100 * 55 / 210, 1)
    # Children are counted at two sites (180 workers); Bisie's visit gave no age groups.
    assert people["children"] == {"value": 10, "suppressed": False}
    assert people["children_share"]["value"] == round(100 * 10 / 180, 1)


def test_it_computes_formalization_mercury_and_armed_interference(congo):
    profile = selectors.country_profile(congo)
    assert profile["formalization"] == {"known": 3, "formal": 2, "rate": 66.7}
    # Mercury is unknown at Bisie: the share is among the two sites where it is known.
    assert profile["mercury"] == {"known": 2, "yes": 1, "share": 50.0}
    assert profile["armed"] == {"known": 3, "yes": 1, "share": 33.3}


def test_it_sums_production_by_commodity_and_year_in_the_commodity_unit(congo):
    production = {s["code"]: s for s in selectors.country_profile(congo)["production"]}
    assert [(y["year"], y["quantity"]) for y in production["gold"]["years"]] == [
        (2022, 1500.0),
        (2023, 2500.0),
    ]
    assert production["tin"]["unit"] == "kg"
    assert production["tin"]["years"][0]["quantity"] == 3000.0


def test_it_suppresses_cells_of_fewer_than_five_people(make_site):
    site = make_site("Kalima", code="CD")
    registry.site_visit_record(
        actor=None,
        site=site,
        date=datetime.date(2024, 1, 1),
        workers=40,
        men=37,
        women=3,
        boys_under_15=0,
        girls_under_15=0,
        boys_15_17=0,
        girls_15_17=0,
    )
    people = selectors.country_profile(site.country)["people"]
    assert people["workers"] == {"value": 40, "suppressed": False}
    assert people["women"] == {"value": None, "suppressed": True}
    assert people["women_share"] == {"value": None, "suppressed": True}
    assert people["children"] == {"value": None, "suppressed": True}


def test_it_suppresses_women_when_the_men_could_be_worked_out(make_site):
    site = make_site("Kalima", code="CD")
    registry.site_visit_record(
        actor=None, site=site, date=datetime.date(2024, 1, 1), workers=12, men=2, women=10
    )
    people = selectors.country_profile(site.country)["people"]
    assert people["women"]["suppressed"] is True


def test_a_country_with_few_workers_shows_no_count_of_people(make_site):
    site = make_site("Kalima", code="CD")
    registry.site_visit_record(
        actor=None, site=site, date=datetime.date(2024, 1, 1), workers=3, women=1
    )
    people = selectors.country_profile(site.country)["people"]
    assert people["workers"] == {"value": None, "suppressed": True}
    assert people["women"] == {"value": None, "suppressed": True}
    assert people["women_share"] == {"value": None, "suppressed": True}


def test_the_profile_is_cached_until_the_registry_changes(congo):
    selectors.country_profile(congo)
    with CaptureQueriesContext(connection) as warm:
        selectors.country_profile(congo)
    assert len(warm) <= 3  # the version, the cached figures, the estimates

    # A bulk write that bypasses the services, then the bump every bulk writer must make.
    Site.objects.filter(country=congo, name="Lugushwa").update(legal_status="licensed")
    assert selectors.country_profile(congo)["formalization"]["formal"] == 2  # still cached
    registry.registry_version_bump([congo.pk])
    assert selectors.country_profile(congo)["formalization"]["formal"] == 3


def test_a_cold_profile_takes_a_few_grouped_queries(congo):
    registry.registry_version_bump([congo.pk])
    with CaptureQueriesContext(connection) as cold:
        selectors.country_profile(congo)
    assert len(cold) <= 12


def test_the_profile_names_follow_the_language(congo):
    with translation.override("fr"):
        profile = selectors.country_profile(congo)
    assert profile["country"]["name"] == congo.name_fr
    assert {row["name"] for row in profile["sites_by_commodity"]} >= {"Or"}


def test_the_map_becomes_a_grid_when_there_are_many_sites(congo, monkeypatch):
    monkeypatch.setattr(selectors, "MAP_POINTS_UP_TO", 2)
    registry.registry_version_bump([congo.pk])
    site_map = selectors.country_profile(congo)["map"]
    assert site_map["mode"] == "grid"
    assert sum(n for _x, _y, n in site_map["cells"]) == 3


def test_the_ranking_orders_countries_by_their_best_estimate():
    ranking = selectors.workforce_ranking()
    assert [row["alpha2"] for row in ranking[:4]] == ["IN", "CN", "ID", "CD"]
    assert ranking[3]["value"] == 2_000_000
    assert "Delve" in ranking[3]["source"]


def test_the_world_series_keeps_each_source():
    world = selectors.world_series()
    figures = {(row["year"], row["value"]) for row in world}
    assert {
        (1993, 6_000_000),
        (1999, 13_000_000),
        (2014, 30_000_000),
        (2017, 40_500_000),
    } <= figures
    assert all(row["source"] for row in world)
    iied = next(row for row in world if row["value"] is None)
    assert (iied["low"], iied["high"]) == (20_000_000, 30_000_000)
    assert [row["year"] for row in world if row["is_best"]] == [2017]


@pytest.mark.parametrize(
    ("count", "also_hide", "shown"),
    [
        (None, False, {"value": None, "suppressed": False}),  # unknown, not hidden
        (4, False, {"value": None, "suppressed": True}),
        (5, False, {"value": 5, "suppressed": False}),  # five people are shown
        (5, True, {"value": None, "suppressed": True}),  # its complement is small
        (0, False, {"value": None, "suppressed": True}),
    ],
)
def test_a_count_of_people_is_shown_from_five_on(count, also_hide, shown):
    assert selectors.people_cell(count, also_hide=also_hide) == shown


def test_a_share_is_hidden_with_its_count_and_empty_without_a_base():
    shown = selectors.people_cell(12)
    hidden = selectors.people_cell(3)
    assert selectors.share_cell(12, 48, part_cell=shown) == {"value": 25.0, "suppressed": False}
    assert selectors.share_cell(3, 48, part_cell=hidden) == {"value": None, "suppressed": True}
    # No count or no base: nothing to show, and nothing hidden either.
    for part, whole in [(None, 48), (12, 0), (12, None), (None, None)]:
        assert selectors.share_cell(part, whole, part_cell=shown) == {
            "value": None,
            "suppressed": False,
        }
