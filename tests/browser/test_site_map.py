"""The site map in a real browser: groups of sites far out, single sites close in, filters."""

from __future__ import annotations

import random
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data. `serialized_rollback` puts back the reference data
    # (countries, commodities) loaded by migrations, which a transactional test flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SCATTERED = 500  # over the middle of DR Congo
GATHERED = 150  # on a few square kilometres around Kamituga
GOLD_EVERY = 3  # one scattered site in three is a gold site, and every gathered one


def _congo_sites():
    """Bulk-create the sites; return how many there are and how many are gold sites."""
    from casm.core.models import Commodity, Country
    from casm.registry.models import Site

    congo = Country.objects.get(alpha2="CD")
    rng = random.Random(7)
    points = [(rng.uniform(-9.0, 2.0), rng.uniform(19.0, 29.0)) for _ in range(SCATTERED)]
    points += [(rng.uniform(-3.08, -3.04), rng.uniform(28.16, 28.20)) for _ in range(GATHERED)]
    sites = Site.objects.bulk_create(
        Site(country=congo, code=f"CD-MAP-{number:04d}", name=f"Map site {number}", latitude=lat,
             longitude=lon)
        for number, (lat, lon) in enumerate(points)
    )  # fmt: skip
    gold = Commodity.objects.get(code="gold")
    gold_sites = [
        site for number, site in enumerate(sites) if number >= SCATTERED or number % GOLD_EVERY == 0
    ]
    Site.commodities.through.objects.bulk_create(
        Site.commodities.through(site_id=site.pk, commodity_id=gold.pk) for site in gold_sites
    )
    return len(sites), len(gold_sites)


def _shown(page) -> int:
    """The number of sites the map says are in view."""
    text = page.locator("#site-map-status").inner_text()
    match = re.fullmatch(r"(\d+) sites in view", text.strip())
    assert match, f"unexpected status: {text!r}"
    return int(match.group(1))


def _biggest_group(page):
    """The group with the most sites in view, as a locator Playwright can click.

    Markers of the previous view fade out for a moment (opacity 0): they are left aside.
    Playwright's click waits until the label stands still and nothing covers it, so a
    click never lands on a control or on a label that is about to be redrawn.
    """
    counts = page.eval_on_selector_all(
        ".leaflet-marker-icon.cluster",
        """labels => labels.filter(label => label.style.opacity !== "0")
            .map(label => parseInt(label.textContent, 10))""",
    )
    biggest = max(counts)
    return page.locator(
        ".leaflet-marker-icon.cluster:not([style*='opacity: 0'])",
        has_text=re.compile(rf"^{biggest}$"),
    ).first


def test_it_groups_sites_far_out_shows_each_close_in_and_filters(page, live_server, snapshot):
    total, gold = _congo_sites()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    drawn = page.locator("#site-map[data-drawn='1']")

    page.goto(f"{live_server.url}/registry/sites/map/?country=CD")
    expect(drawn).to_have_count(1)
    expect(page.locator("#site-map-status")).to_have_text(f"{total} sites in view")
    # Far out, too many sites to show one by one: numbered groups.
    groups = page.locator(".leaflet-marker-icon.cluster")
    expect(groups.first).to_be_visible()
    assert groups.count() >= 2
    # Each group's number is centred on its disc (Leaflet's own rules must not push it aside).
    offsets = page.eval_on_selector_all(
        ".leaflet-marker-icon.cluster",
        """labels => labels.map(label => {
            const disc = label.getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(label);
            const text = range.getBoundingClientRect();
            return Math.max(Math.abs((text.left + text.right) / 2 - (disc.left + disc.right) / 2),
                            Math.abs((text.top + text.bottom) / 2 - (disc.top + disc.bottom) / 2));
        })""",
    )
    assert max(offsets) <= 2, f"a group's number is {max(offsets):.1f} px off its centre"
    snapshot(page, "groups")

    # Clicking a group zooms in on it, until few enough sites are in view to show each.
    for _ in range(6):
        biggest = _biggest_group(page)
        page.evaluate("document.getElementById('site-map').removeAttribute('data-drawn')")
        with page.expect_response(re.compile(r"/registry/sites/clusters\.json\?")) as answer:
            biggest.click()
        expect(drawn).to_have_count(1)
        # Off the map, so that no group shows its label on hover.
        page.mouse.move(0, 0)
        features = answer.value.json()["features"]
        if all("count" not in feature["properties"] for feature in features):
            break
    expect(groups).to_have_count(0)
    assert 0 < _shown(page) < total
    assert len(features) == _shown(page)
    assert all("count" not in feature["properties"] for feature in features)
    assert {"id", "code", "name"} <= features[0]["properties"].keys()
    snapshot(page, "single-sites")

    # A filter narrows what the map counts.
    page.locator("form.filters select[name=commodity]").select_option("gold")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"commodity=gold"))
    expect(drawn).to_have_count(1)
    expect(page.locator("#site-map-status")).to_have_text(f"{gold} sites in view")
    assert gold < total

    assert requested, "the page made no request at all"
    outside = [url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert outside == [], f"requests left the machine: {outside}"


def test_a_site_page_draws_its_footprint_close_in_in_french_on_a_phone(
    new_page, live_server, congo_officer, snapshot
):
    import datetime

    from casm.core.models import Country
    from casm.registry import services

    site = services.site_create(
        actor=None, country=Country.objects.get(alpha2="CD"), name="Kamituga",
        latitude=-3.06, longitude=28.18,
    )  # fmt: skip
    ring = [
        [28.179, -3.061],
        [28.181, -3.061],
        [28.181, -3.059],
        [28.179, -3.059],
        [28.179, -3.061],
    ]
    services.site_visit_record(
        actor=None, site=site, date=datetime.date(2025, 3, 1), team="Équipe Uvira",
        footprint={"type": "Polygon", "coordinates": [ring]},
    )  # fmt: skip
    page = new_page(viewport={"width": 360, "height": 740}, locale="fr-FR")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server, congo_officer)
    page.goto(f"{live_server.url}/registry/sites/{site.pk}/")
    expect(page.locator("#site-point[data-footprint-drawn='1']")).to_have_count(1)
    # The outline is drawn in the footprint's colour, zoomed in far enough to be seen.
    outline = page.locator("#site-point path[stroke='#8a3b1c']")
    expect(outline).to_have_count(1)
    box = outline.bounding_box()
    assert box is not None and box["width"] > 40 and box["height"] > 40
    expect(page.locator("h2", has_text="Historique de l’emprise")).to_be_visible()
    history = page.locator("table", has_text="Superficie (ha)")
    expect(history).to_contain_text("visite du")
    expect(history).to_contain_text("Équipe Uvira")
    expect(history).to_contain_text("actuelle")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px screen"
    assert errors == []
    snapshot(page, "site-footprint-fr-360")


def test_on_a_phone_the_map_comes_first_and_the_filters_fold_below_it(
    new_page, live_server, snapshot
):
    _congo_sites()
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/registry/sites/map/?country=CD")
    expect(page.locator("#site-map[data-drawn='1']")).to_have_count(1)
    box = page.locator("#site-map").bounding_box()
    assert box is not None
    # The map starts on the first screen and most of it is seen without scrolling.
    assert box["y"] + box["height"] * 2 / 3 <= 740, f"the map starts {box['y']:.0f} px down"
    filters = page.locator("#site-map-filters")
    expect(filters.locator("select[name=commodity]")).to_be_hidden()
    filters_box = filters.bounding_box()
    assert filters_box is not None and filters_box["y"] >= box["y"] + box["height"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px screen"
    # Unfolded, the filters still work.
    filters.locator("summary").click()
    filters.locator("select[name=commodity]").select_option("gold")
    filters.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"commodity=gold"))
    snapshot(page, "phone")
    # The list too: its filters fold, and the first sites are on the first screen.
    page.goto(f"{live_server.url}/registry/sites/?country=CD")
    list_filters = page.locator("details.filter-fold")
    expect(list_filters.locator("select[name=commodity]")).to_be_hidden()
    table = page.locator("main table").bounding_box()
    assert table is not None and table["y"] < 600, f"the list starts {table['y']:.0f} px down"
    list_filters.locator("summary").click()
    expect(list_filters.locator("select[name=commodity]")).to_be_visible()
    # On a desktop the filters are open from the start.
    wide = new_page(viewport={"width": 1280, "height": 800})
    wide.goto(f"{live_server.url}/registry/sites/")
    expect(wide.locator("details.filter-fold select[name=commodity]")).to_be_visible()


def test_the_site_form_map_sets_the_point_and_follows_typed_coordinates(
    new_page, live_server, congo_officer, snapshot
):
    from casm.registry.models import Site

    page = new_page(viewport={"width": 360, "height": 740}, locale="fr-FR")
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, live_server, congo_officer)
    page.goto(f"{live_server.url}/registry/sites/new/")
    picker = page.locator("#point-picker[data-ready='1']")
    expect(picker).to_have_count(1)
    expect(page.locator("figcaption", has_text="Cliquez sur la carte")).to_be_visible()
    # Right below the longitude, where the point is typed; no footprint is an empty box.
    assert page.locator(".field:has(#id_longitude) + figure #point-picker").count() == 1
    assert page.locator("#id_footprint").input_value() == ""
    # The officer's only country is chosen, so the map shows DR Congo; a click in its middle
    # fills both fields with a point inside the country.
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    assert -13.5 < latitude < 5.5 and 12 < longitude < 31.5, (latitude, longitude)
    expect(page.locator("#point-picker path.leaflet-interactive")).to_have_count(1)
    # Typed coordinates move the point; one out of range removes it.
    page.locator("#id_latitude").fill("-3.06")
    page.locator("#id_longitude").fill("28.18")
    expect(picker).to_have_attribute("data-placed", "-3.060000,28.180000")
    page.locator("#id_latitude").fill("999")
    expect(picker).to_have_attribute("data-placed", "")
    expect(page.locator("#point-picker path.leaflet-interactive")).to_have_count(0)
    # The picked point is what the form saves.
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    page.locator("#id_name").fill("Site choisi sur la carte")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1", has_text="Site choisi sur la carte")).to_be_visible()
    saved = Site.objects.get(name="Site choisi sur la carte")
    assert (round(saved.latitude, 4), round(saved.longitude, 4)) == (
        round(latitude, 4), round(longitude, 4),
    )  # fmt: skip
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px screen"
    assert errors == []
    snapshot(page, "site-form-map-fr-360")
