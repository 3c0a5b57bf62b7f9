"""The shell of the site in a real browser: sign-in, language, small screens, jobs, scope."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data. `serialized_rollback` puts back the reference data
    # (countries, commodities) loaded by migrations, which a transactional test flushes.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
MENU = ["Governance", "Environment", "Network", "Knowledge", "Events", "Grants"]


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form")
    form.locator("[name=username]").fill(user.get_username())
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator(".site-header .account")).to_contain_text(user.get_username())


def test_it_signs_in_switches_to_french_and_stays_on_its_own_host(page, live_server, member):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".site-header .account").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.locator("main form [name=username]").fill(member.get_username())
    page.locator("main form [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    header = page.locator("header.site-header")
    expect(header.locator(".account")).to_contain_text(member.get_username())
    expect(header).to_contain_text("Sign out")

    switcher = page.locator("form.language")
    switcher.locator("select[name=language]").select_option("fr")
    switcher.locator("button[type=submit]").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(header.locator("nav.pillars")).to_contain_text("Gouvernance")
    expect(header.locator(".account")).to_contain_text("Se déconnecter")
    expect(switcher.locator("select[name=language]")).to_have_value("fr")

    assert requested, "the page made no request at all"
    outside = [url for url in requested if urlsplit(url).hostname not in LOCAL_HOSTS]
    assert outside == [], f"requests left the machine: {outside}"


def test_it_is_usable_on_a_narrow_phone_screen(new_page, live_server, snapshot):
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(live_server.url)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360 + 1, f"the page scrolls sideways: {scroll_width}px wide"

    # Keyboard: the first Tab lands on the skip link, which then shows on screen.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()

    expect(page.locator("nav.pillars")).to_be_hidden()
    menu = page.locator("details.menu")
    expect(menu).to_be_visible()
    links = menu.locator("nav a")
    expect(links).to_have_count(len(MENU))
    for link in links.all():
        expect(link).to_be_hidden()
    snapshot(page, "menu-closed")
    menu.locator("summary").click()
    expect(menu).to_have_attribute("open", "")
    expect(links).to_have_text(MENU)
    for link in links.all():
        expect(link).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360 + 1, f"the open menu scrolls sideways: {scroll_width}px wide"


def test_it_shows_a_job_progressing(page, live_server, admin_user):
    from casm.core.jobs import worker_loop
    from casm.core.services import job_enqueue

    sign_in(page, live_server, admin_user)
    job = job_enqueue(
        kind="core.audit_export", title="Audit log export", actor=admin_user, params={}
    )

    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.locator("h1")).to_have_text("Audit log export")
    status = page.locator("#job-status")
    expect(status).to_have_text("queued")
    download = page.get_by_role("link", name="Download the result")
    expect(download).to_have_count(0)

    assert worker_loop(once=True) == 1

    # The page polls /jobs/<id>/status and reloads once the job has finished.
    expect(status).to_have_text("done", timeout=10_000)
    expect(download).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Cancel this job")).to_have_count(0)

    response = page.request.get(live_server.url + download.get_attribute("href"))
    assert response.ok
    assert response.text().splitlines()[0].startswith("at,who,source")


def test_it_shows_an_organisation_out_of_scope_as_not_found(
    page, live_server, ghana_officer, ghana_cooperative, congo_cooperative
):
    sign_in(page, live_server, ghana_officer)

    response = page.goto(f"{live_server.url}/accounts/organisations/{ghana_cooperative.pk}/")
    assert response.status == 200
    expect(page.locator("main h1")).to_have_text(ghana_cooperative.name)

    response = page.goto(f"{live_server.url}/accounts/organisations/{congo_cooperative.pk}/")
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text(congo_cooperative.name)
    # The 404 page keeps the site's shell: the officer is still signed in.
    expect(page.locator(".site-header .account")).to_contain_text(ghana_officer.get_username())
