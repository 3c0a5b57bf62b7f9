"""The DR Congo country profile in a real browser: figures, a chart, the map, in French too."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from casm.indicators.tests.factories import make_congo_registry

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; `serialized_rollback` puts back the reference data
    # (countries, commodities, estimates) loaded by migrations, which a transactional test flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def test_it_shows_the_congo_profile_and_switches_to_french(page, live_server, snapshot):
    make_congo_registry()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/profiles/")
    expect(page.locator(".workforce-map svg path.workforce-4").first).to_be_visible()  # India
    expect(page.locator("table.ranking")).to_contain_text("15,000,000")
    snapshot(page, "world")
    page.locator("table.ranking").get_by_role("link", name="Congo, Democratic Republic").click()
    expect(page).to_have_url(f"{live_server.url}/profiles/CD/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Congo, Democratic Republic of the")
    expect(page.locator(".headline")).to_contain_text("2,000,000")
    expect(page.locator(".headline")).to_contain_text("Delve")
    figures = page.locator("#registry-figures")
    expect(figures).to_contain_text("sites in the registry")
    expect(figures).to_contain_text("66.7 %")
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() == 2  # gold in 2022 and 2023
    site_map = page.locator("#site-map svg.country-map")
    expect(site_map).to_be_visible()
    assert site_map.locator("circle").count() == 3
    box = site_map.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    snapshot(page, "english")

    switcher = page.locator("form.language")
    switcher.locator("select[name=language]").select_option("fr")
    switcher.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(f"{live_server.url}/profiles/CD/")
    expect(page.locator("h1")).to_contain_text("Congo, République démocratique du")
    expect(page.locator(".headline")).to_contain_text("000 000")  # French grouping
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#site-map svg.country-map")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Or")  # gold, by its French name

    outside = [url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert outside == [], f"requests left the machine: {outside}"
    # The page's final state (French) is kept by the `page` fixture in test-artifacts/.
