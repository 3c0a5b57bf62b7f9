"""The public pre-check of an area in a real browser: a visitor on a phone, in French, draws an
area on the map, clears it, types the corners over a mining permit and reads that the
application would be refused, why, and on a map; on a desktop, a click on the map writes its
corner in the corners box."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from casm.core.models import Country
from casm.licensing.tests.factories import TITLE_PE, load_cadastre
from tests.browser.pages import watch_errors

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back the countries.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
CORNER = re.compile(r"^-?\d+\.\d+, -?\d+\.\d+$")


@pytest.fixture
def congo(tmp_path: Any) -> Country:
    congo = Country.objects.get(alpha2="CD")
    load_cadastre(tmp_path, congo)
    return congo


def _map_spot(page: Any, selector: str, lat: float, lon: float) -> dict[str, float]:
    """Where a latitude and longitude fall on the form's map as it first opens (centred on
    0° N 20° E at zoom 3), in pixels from the map's top left corner."""
    return page.evaluate(
        """([selector, lat, lon]) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const crs = L.CRS.EPSG3857;
            const centre = crs.latLngToPoint(L.latLng(0, 20), 3);
            const spot = crs.latLngToPoint(L.latLng(lat, lon), 3);
            return {x: box.width / 2 + spot.x - centre.x, y: box.height / 2 + spot.y - centre.y};
        }""",
        [selector, lat, lon],
    )


def _click_around(page: Any, lat: float, lon: float) -> None:
    """Three clicks on the form's map, a few pixels around a place: a triangle over it."""
    spot = _map_spot(page, "#area-picker", lat, lon)
    for dx, dy in ((-12, 10), (12, 10), (0, -12)):
        page.locator("#area-picker").click(position={"x": spot["x"] + dx, "y": spot["y"] + dy})


def test_a_visitor_on_a_phone_draws_an_area_over_a_permit_and_reads_why_in_french(
    new_page, live_server, congo
):
    page = new_page(viewport=PHONE, locale="fr-FR")
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/licensing/precheck/")
    form = page.locator("main form")
    form.locator("[name=country]").select_option(str(congo.pk))
    picker, corners = page.locator("#area-picker"), form.locator("[name=corners]")
    # On a phone the map takes the width of the form, no margin eats into it.
    assert picker.bounding_box()["width"] >= form.bounding_box()["width"] - 2
    west, south, east, north = TITLE_PE

    # Three clicks around the permit draw a triangle, and the corners box holds them.
    _click_around(page, (south + north) / 2, (west + east) / 2)
    expect(picker).to_have_attribute("data-corners", "3")
    assert len(corners.input_value().splitlines()) == 3
    expect(picker.locator("path.leaflet-interactive")).to_have_count(1)

    # Cleared, the map and the box start again; typed corners inside the permit are drawn.
    page.get_by_role("button", name="Effacer les sommets").click()
    expect(picker).to_have_attribute("data-corners", "0")
    expect(corners).to_have_value("")
    expect(picker.locator("path.leaflet-interactive")).to_have_count(0)
    inset = 0.005
    south, west, north, east = south + inset, west + inset, north - inset, east - inset
    corners.fill(
        f"{south:.3f}, {west:.3f}\n{south:.3f}, {east:.3f}\n{north:.3f}, {east:.3f}\n"
        f"{north:.3f}, {west:.3f}"
    )
    expect(picker).to_have_attribute("data-corners", "4")
    form.get_by_role("button", name="Vérifier la zone").click()

    expect(page.locator("h2#verdict")).to_have_text("Une demande sur cette zone serait refusée")
    expect(page.locator(".screening tbody")).to_contain_text("La zone empiète sur le titre 101")
    # The result's map draws the area and the permit it overlaps.
    result = page.locator("#screening-map")
    expect(result.locator("path.leaflet-interactive")).to_have_count(2)
    assert result.bounding_box()["width"] >= form.bounding_box()["width"] - 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not errors, errors


def test_a_click_on_the_map_writes_its_corner_in_the_box(new_page, live_server, congo):
    page = new_page(viewport=DESKTOP, locale="en-GB")
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/licensing/precheck/")
    corners = page.locator("main form [name=corners]")
    expect(corners).to_have_value("")

    page.locator("#area-picker").click()
    lines = corners.input_value().splitlines()
    assert len(lines) == 1 and CORNER.match(lines[0]), lines
    expect(page.locator("#area-picker")).to_have_attribute("data-corners", "1")

    # Another click, away from the zoom buttons in the top left corner, adds another line.
    box = page.locator("#area-picker").bounding_box()
    page.locator("#area-picker").click(position={"x": box["width"] - 40, "y": box["height"] - 40})
    lines = corners.input_value().splitlines()
    assert len(lines) == 2 and all(CORNER.match(line) for line in lines), lines
    assert lines[0] != lines[1]
    expect(page.locator("#area-picker")).to_have_attribute("data-corners", "2")
    assert not errors, errors


def test_an_outline_traced_by_hand_becomes_a_few_corners_in_the_box(new_page, live_server, congo):
    import math

    page = new_page(viewport=DESKTOP, locale="fr-FR")
    errors = watch_errors(page)
    page.goto(f"{live_server.url}/licensing/precheck/")
    corners = page.locator("main form [name=corners]")
    trace = page.locator("#area-trace")
    expect(trace).to_have_text("Tracer à main levée")
    trace.click()
    expect(trace).to_have_attribute("aria-pressed", "true")
    box = page.locator("#area-picker").bounding_box()
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # A circle of 60 points, traced with the mouse held down.
    path = [(middle_x + 60 * math.cos(a / 60 * 2 * math.pi),
             middle_y + 60 * math.sin(a / 60 * 2 * math.pi)) for a in range(61)]  # fmt: skip
    page.mouse.move(*path[0])
    page.mouse.down()
    for x, y in path[1:]:
        page.mouse.move(x, y)
    page.mouse.up()
    lines = corners.input_value().splitlines()
    # Thinned to the corners that matter, every one a "latitude, longitude" line.
    assert 6 <= len(lines) < 40 and all(CORNER.match(line) for line in lines), lines
    expect(page.locator("#area-picker")).to_have_attribute("data-corners", str(len(lines)))
    expect(trace).to_have_attribute("aria-pressed", "false")
    # Tracing is over: a click adds one corner again.
    page.locator("#area-picker").click(position={"x": box["width"] - 40, "y": box["height"] - 40})
    assert len(corners.input_value().splitlines()) == len(lines) + 1
    assert not errors, errors
