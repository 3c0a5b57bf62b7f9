"""A walk through the main pages, as a visitor, a data officer and an administrator, on a phone
(360 px) and a desktop (1280 px), in English and in French: no page is wider than the screen,
no French page shows a known English label, no page logs a console error, and the signed-in
header keeps to one line on a desktop. A screenshot of every page is kept in test-artifacts/.

The data are made once, and every page of a pass is read in one browser context, so that the
walk stays short however many pages it covers.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back the reference data.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# The English labels of the menu, the header, the footer and common buttons. None of them may
# be left on a French page (words that French writes the same, like "Sites" or "API", are left
# out). Matched as whole words, case-sensitive, in the text a reader sees.
ENGLISH_LABELS = [
    "Skip to content", "Governance", "Environment", "Knowledge", "Events", "Grants",
    "Sign in", "Sign out", "Change language", "Operators", "Miners", "Imports", "Jobs", "Users",
    "Audit log", "Country profiles", "Map of ASM sites", "Countries", "Commodities",
    "Administrative areas", "Filter", "Clear filters", "Search", "Previous", "Next", "Show",
    "Send", "Download", "Password", "Username", "Seats left", "Past events", "Coming events",
    "Funds", "Nothing yet", "Loading",
]  # fmt: skip
ENGLISH = re.compile(r"(?<![\w’'])(" + "|".join(map(re.escape, ENGLISH_LABELS)) + r")(?![\w’'])")
HEX_DIGEST = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _walk_data(make_user: Any, folder: Path) -> dict[str, Any]:
    """A little of everything the walk reads, with names no English label hides in."""
    from casm.accounts.models import User
    from casm.core.models import Country
    from casm.events.models import Event
    from casm.grants import services as grants
    from casm.indicators.tests.factories import make_congo_registry
    from casm.library import services as library
    from casm.licensing.tests.factories import load_cadastre
    from casm.network.tests.factories import organisation
    from casm.registry.models import Site

    admin = make_user("root", role=User.Role.ADMINISTRATOR)
    officer = make_user("kabila", role=User.Role.DATA_OFFICER, countries=["CD"])
    sites = make_congo_registry()
    congo, ghana = Country.objects.get(alpha2="CD"), Country.objects.get(alpha2="GH")
    load_cadastre(folder, congo)
    # A name without a break in it, as a hash or a survey's identifier would be.
    Site.objects.filter(pk=next(iter(sites.values())).pk).update(name=HEX_DIGEST)
    document = library.document_create(
        actor=admin,
        data={"title": "Mercure et orpaillage au Kivu", "doc_type": "toolkit",
              "licence": "CC-BY-4.0", "year": 2023},
        authors=["Amani Mukendi"], publish=True,
    )  # fmt: skip
    organisation("Coopérative minière de Kamituga", code="CD")
    organisation("Réseau des orpailleurs de l’Ashanti", code="GH")
    today = datetime.date.today()
    for title, starts_on in (("Conférence de Kinshasa", today + datetime.timedelta(days=60)),
                             ("Atelier d’Accra", datetime.date(2019, 5, 6))):  # fmt: skip
        Event.objects.create(
            kind=Event.Kind.CONFERENCE, title=title, year=starts_on.year, host_country=ghana,
            city="Accra", starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=2),
            capacity=40,
        )  # fmt: skip
    for donor_name, currency, amount in (("Fondation Tshopo", "GBP", "200000"),
                                         ("Banque Ituri", "USD", "1050000")):  # fmt: skip
        fund = grants.fund_create(actor=admin, name=f"Fonds {currency}", currency=currency)
        donor = grants.donor_create(actor=admin, name=donor_name)
        grants.contribution_create(
            actor=admin, donor=donor, fund=fund, amount=amount, currency=currency,
            date=datetime.date(2026, 1, 15),
        )  # fmt: skip
    grants.call_create(
        actor=admin, fund=fund, title="Orpaillage sans mercure",
        opens_on=today - datetime.timedelta(days=10), closes_on=today + datetime.timedelta(days=20),
        budget="60000", max_award="30000", eligible_countries=[congo, ghana],
        eligible_themes=["mercury"],
    )  # fmt: skip
    from shapely.geometry import box

    from casm.core.models import Commodity
    from casm.licensing.models import LicenceType
    from casm.licensing.services import application_file
    from casm.licensing.tests.factories import ZONE

    card = LicenceType.objects.get(country=congo, code="CEA")
    west, south = ZONE[0], ZONE[1]
    application = application_file(
        actor=admin, country=congo, licence_type=card, holder_kind="citizen",
        applicant_name="Mutombo Kalala", nationality=congo,
        commodities=[Commodity.objects.get(code="gold")],
        geometry=box(west + 0.002, south + 0.002, west + 0.004, south + 0.004),
    )  # fmt: skip
    return {"admin": admin, "officer": officer, "site": next(iter(sites.values())),
            "document": document, "application": application, "card": card}  # fmt: skip


def _sign_in(page: Any, base: str, user: Any) -> None:
    page.goto(f"{base}/accounts/login/")
    form = page.locator("main form")
    form.locator("[name=username]").fill(user.get_username())
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator(".site-header .account")).to_contain_text(user.get_username())


def _header_on_one_line(page: Any) -> bool:
    """Whether the visible parts of the header's bar all stand side by side on one line."""
    return page.evaluate(
        """() => {
            const boxes = [...document.querySelectorAll('.site-header .bar > *')]
                .map(part => part.getBoundingClientRect()).filter(box => box.width > 0);
            const lowestTop = Math.max(...boxes.map(box => box.top));
            return lowestTop < Math.min(...boxes.map(box => box.bottom));
        }"""
    )


def _cells_wider_than(page: Any, width: int) -> list[str]:
    """The beginnings of the table cells wider than the screen (a long word left unbroken)."""
    return page.evaluate(
        """width => [...document.querySelectorAll('main td')]
            .filter(cell => cell.getBoundingClientRect().width > width)
            .map(cell => cell.textContent.trim().slice(0, 20))""",
        width,
    )


def _checkboxes_beside_labels(page: Any) -> list[str]:
    """The single checkboxes of the page's forms that are not on the same line as their label."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main .field.checkbox input[type=checkbox]')]
            .filter(box => {
                const label = document.querySelector(`label[for="${box.id}"]`);
                const a = box.getBoundingClientRect(), b = label.getBoundingClientRect();
                const middle = a.top + a.height / 2;
                return !(middle > b.top && middle < b.bottom && b.left >= a.right);
            }).map(box => box.name)"""
    )


def _walk(browser: Any, base: str, snapshot: Any, *, user: Any, paths: list[str],
          viewport: dict[str, int], locale: str) -> list[str]:  # fmt: skip
    """Read every path in one context; return what a reader would find wrong."""
    context = browser.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []
    who = user.get_username() if user else "visitor"
    try:
        if user:
            _sign_in(page, base, user)
        for path in paths:
            where = f"{path} ({who}, {locale}, {viewport['width']} px)"
            del errors[:]
            response = page.goto(base + path)
            if response is None or response.status != 200:
                problems.append(f"{where}: answered {response and response.status}")
                continue
            page.wait_for_load_state("load")
            expect(page.locator("html")).to_have_attribute("lang", locale[:2])
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{where}: {width} px wide")
            if locale.startswith("fr"):
                text = page.locator("body").inner_text()
                found = sorted(set(ENGLISH.findall(text)))
                if found:
                    problems.append(f"{where}: English left on the French page: {found}")
            if errors:
                problems.append(f"{where}: console errors {errors}")
            if user and viewport["width"] >= DESKTOP["width"] and not _header_on_one_line(page):
                problems.append(f"{where}: the header takes more than one line")
            wide = _cells_wider_than(page, viewport["width"])
            if wide:
                problems.append(f"{where}: table cells wider than the screen: {wide}")
            wrong = _checkboxes_beside_labels(page)
            if wrong:
                problems.append(f"{where}: checkboxes not beside their labels: {wrong}")
            label = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "home"
            snapshot(page, f"{who}-{locale}-{viewport['width']}-{label}")
    finally:
        context.close()
    return problems


def test_the_main_pages_fit_the_screen_speak_french_and_log_no_error(
    browser, live_server, make_user, snapshot, tmp_path
):
    data = _walk_data(make_user, tmp_path)
    site, document = data["site"], data["document"]
    public = [
        "/", "/pillars/environment/", "/library/", f"/library/{document.pk}/",
        "/registry/sites/map/", f"/registry/sites/{site.pk}/", "/profiles/CD/", "/network/",
        "/events/", "/grants/", "/licensing/", "/licensing/types/", "/licensing/precheck/",
        "/licensing/map/", "/licensing/applications/", "/licensing/licences/",
        "/licensing/statistics/",
        f"/licensing/applications/{data['application'].pk}/",
        "/accounts/login/",
    ]  # fmt: skip
    signed_in = {
        data["officer"]: ["/registry/sites/", "/imports/", "/jobs/"],
        data["admin"]: [
            "/grants/secretariat/",
            "/jobs/",
            "/licensing/work/",
            f"/licensing/applications/new/?type={data['card'].pk}",
            f"/licensing/applications/{data['application'].pk}/",
        ],
    }
    problems: list[str] = []
    for locale in ("en-GB", "fr-FR"):
        for viewport in (PHONE, DESKTOP):
            walk = {"viewport": viewport, "locale": locale}
            problems += _walk(browser, live_server.url, snapshot, user=None, paths=public, **walk)
            for user, paths in signed_in.items():
                problems += _walk(
                    browser, live_server.url, snapshot, user=user, paths=paths, **walk
                )
    assert not problems, "\n".join(problems)
