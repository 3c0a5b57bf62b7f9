"""The main pages under the Content-Security-Policy in a real browser: nothing refused.

Chromium reports every script, style or image the policy blocks as a console error, so a page
that still needs an inline script or style fails here.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def watch_console(page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems


def test_the_main_pages_load_under_the_policy_without_a_console_error(
    page, live_server, ghana_officer, make_site
):
    site = make_site("Prestea gold site", "GH")
    problems = watch_console(page)

    home = page.goto(live_server.url + "/")
    policy = home.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    for path in ["/library/", "/api/v1/docs"]:
        assert page.goto(live_server.url + path).status == 200
        page.wait_for_load_state("networkidle")

    page.goto(live_server.url + "/registry/sites/map/")
    expect(page.locator("#site-map .leaflet-pane").first).to_be_attached()
    expect(page.locator("#site-map-status")).to_contain_text("in view")

    page.goto(live_server.url + "/accounts/login/")
    page.locator("main form [name=username]").fill(ghana_officer.get_username())
    page.locator("main form [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".site-header .account")).to_contain_text(ghana_officer.get_username())

    page.goto(f"{live_server.url}/registry/sites/{site.pk}/")
    expect(page.locator("h1")).to_contain_text("Prestea gold site")
    expect(
        page.locator("#site-point .leaflet-marker-icon, #site-point path").first
    ).to_be_attached()
    page.wait_for_load_state("networkidle")

    assert problems == []
