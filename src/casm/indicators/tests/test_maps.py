from casm.indicators.maps import country_bbox, country_map_svg, production_chart_svg
from casm.indicators.selectors import GRID_CELLS, MAP_POINTS_UP_TO


def test_the_densest_site_grid_stays_light():
    west, south, east, north = country_bbox("COD")
    cell = max(east - west, north - south) / GRID_CELLS
    every_cell = [[x, y, 1000 + x * y] for x in range(GRID_CELLS) for y in range(GRID_CELLS)]
    site_map = {
        "mode": "grid",
        "bbox": [west, south, east, north],
        "cells": every_cell,
        "cell": cell,
    }
    svg = country_map_svg("COD", site_map, label_id="map")
    assert svg.count("<rect") == GRID_CELLS * GRID_CELLS
    assert len(svg.encode()) < 2_000_000 // 4


def test_the_most_points_drawn_one_by_one_stay_light():
    west, south, east, north = country_bbox("COD")
    points = [[west + (east - west) * i / MAP_POINTS_UP_TO, -2.0] for i in range(MAP_POINTS_UP_TO)]
    site_map = {"mode": "points", "bbox": [west, south, east, north], "points": points}
    svg = country_map_svg("COD", site_map, label_id="map")
    assert svg.count("<circle") == MAP_POINTS_UP_TO
    assert len(svg.encode()) < 2_000_000 // 4


def test_a_chart_has_one_bar_per_year_and_a_title():
    series = {
        "name": "Gold",
        "unit": "g",
        "years": [{"year": 2020 + i, "quantity": 10.0 * i, "records": 1} for i in range(5)],
    }
    svg = production_chart_svg(series, label_id="chart-gold")
    assert svg.count("<rect") == 5
    assert "<title>Gold production by year, in g</title>" in svg
    assert 'aria-labelledby="chart-gold"' in svg
