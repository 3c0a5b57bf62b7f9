"""The register end to end in a real browser: an applicant on a phone, in French, checks an
area, then files an application over it with its documents; an officer at a desktop checks
it complete, publishes the notice, records and answers an objection, closes the notice once
its period has run and grants; the site inside becomes licensed on its page, and the DR Congo
profile's formalization rate changes."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from casm.accounts.models import User
from casm.accounts.services import organisation_create
from casm.core.models import Commodity, Country
from casm.licensing.models import Application, LicenceType
from casm.licensing.tests.factories import load_cadastre
from casm.registry.tests.factories import make_site
from tests.browser.pages import sign_in, watch_errors

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Inside DR Congo, away from every shape of the test cadastre.
WEST, SOUTH, EAST, NORTH = 15.80, -4.32, 15.81, -4.31
PDF = b"%PDF-1.4\n% a document\n"


@pytest.fixture
def world(tmp_path: Any, make_user: Any) -> dict[str, Any]:
    congo = Country.objects.get(alpha2="CD")
    load_cadastre(tmp_path, congo)
    kind = LicenceType.objects.create(
        country=congo, code="EXA", name_en="Example small-scale permit",
        name_fr="Permis d'exemple à petite échelle", category="small_scale",
        holders=["cooperative"], max_area_ha=500, documents=["Statuts", "Plan de situation"],
        notice_days=21, source="example", is_example=True,
    )  # fmt: skip
    kind.commodities.set(Commodity.objects.filter(code="gold"))
    cooperative = organisation_create(
        actor=None, name="Coopérative minière de Lukula", kind="miners", country=congo
    )
    centre = ((SOUTH + NORTH) / 2, (WEST + EAST) / 2)
    site = make_site("Puits Lukula", "CD", latitude=centre[0], longitude=centre[1])
    for number in range(3):  # outside the area: they stay informal
        make_site(f"Puits {number}", "CD", latitude=-4.5 - number / 10, longitude=16.2)
    return {
        "kind": kind, "site": site,
        "applicant": make_user("mwamba", organisation=cooperative),
        "officer": make_user("lukusa", role=User.Role.LICENSING_OFFICER, countries=["CD"]),
    }  # fmt: skip


def _corners() -> str:
    return f"{SOUTH}, {WEST}\n{SOUTH}, {EAST}\n{NORTH}, {EAST}\n{NORTH}, {WEST}"


def _rate(page: Any, live_server: Any) -> str:
    page.goto(f"{live_server.url}/profiles/CD/")
    item = page.locator("li", has_text="formalization rate")
    return item.locator("strong").inner_text()


def test_an_application_goes_from_the_pre_check_to_a_licence_and_its_site_is_licensed(
    new_page, live_server, world
):
    office = new_page(viewport=DESKTOP, locale="en-GB")
    office_errors = watch_errors(office)
    before = _rate(office, live_server)

    # The applicant, on a phone and in French, checks the area first.
    phone = new_page(viewport=PHONE, locale="fr-FR")
    phone_errors = watch_errors(phone)
    sign_in(phone, live_server, world["applicant"])
    phone.goto(f"{live_server.url}/licensing/precheck/")
    form = phone.locator("main form")
    form.locator("[name=country]").select_option(str(world["kind"].country_id))
    form.locator("[name=licence_type]").select_option(str(world["kind"].pk))
    form.locator("[name=corners]").fill(_corners())
    form.get_by_role("button", name="Vérifier la zone").click()
    expect(phone.locator("h2#verdict")).to_have_text("Rien dans le cadastre ne s’y oppose")
    expect(phone.locator(".screening tbody")).to_contain_text("Puits Lukula")

    # Then files, choosing the licence type and giving its documents.
    phone.goto(f"{live_server.url}/licensing/applications/new/")
    phone.get_by_role("link", name=re.compile("Permis d'exemple")).click()
    form = phone.locator("main form")
    form.locator("[name=organisation]").select_option(label="Coopérative minière de Lukula")
    form.get_by_label("Or", exact=True).check()
    form.locator("[name=corners]").fill(_corners())
    expect(phone.locator("#area-picker")).to_have_attribute("data-corners", "4")
    for index, name in enumerate(("statuts.pdf", "plan.pdf")):
        form.locator(f"[name=document_{index}]").set_input_files(
            {"name": name, "mimeType": "application/pdf", "buffer": PDF}
        )
    form.get_by_role("button", name="Déposer la demande").click()
    application = Application.objects.get()
    expect(phone.locator("h1")).to_have_text(f"Demande {application.number}")
    expect(phone.locator(".messages, [role=status]").first).to_contain_text("reçue le")
    expect(phone.locator("#screening-map path.leaflet-interactive").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The officer checks it complete, publishes the notice and records an objection.
    sign_in(office, live_server, world["officer"])
    office.goto(f"{live_server.url}/licensing/applications/{application.pk}/")
    office.get_by_label("complete", exact=True).check()
    office.get_by_role("button", name="Record the check").click()
    expect(office.locator(".messages, [role=status]").first).to_contain_text(
        "completeness check is recorded"
    )
    office.get_by_role("button", name="Publish the notice").click()
    objection = office.locator(
        "form", has=office.get_by_role("button", name="Record the objection")
    )
    objection.get_by_label("Who objects").fill("Chef de groupement de Lukula")
    objection.locator("[name=text]").fill("Nos champs sont dans la zone.")
    objection.get_by_role("button", name="Record the objection").click()
    office.locator("[name=answer]").fill("Les champs sont exclus du plan.")
    office.get_by_role("button", name="Record the answer").click()
    expect(office.locator("#objections")).to_be_visible()
    expect(office.locator("main")).to_contain_text("Les champs sont exclus du plan.")

    # Before its period has run the notice stays open; 22 days later, it closes.
    office.get_by_role("button", name="Close the notice").click()
    expect(office.locator("[role=alert]").first).to_contain_text("The notice runs until")
    Application.objects.filter(pk=application.pk).update(
        notice_until=datetime.date.today() - datetime.timedelta(days=1)
    )
    office.goto(f"{live_server.url}/licensing/applications/{application.pk}/")
    office.get_by_role("button", name="Close the notice").click()
    decision = office.locator("form", has=office.get_by_role("button", name="Record the decision"))
    decision.get_by_label("grant", exact=True).check()
    decision.get_by_label("Reasons").fill("Complete, clear, objection answered.")
    decision.get_by_role("button", name="Record the decision").click()
    expect(office.locator("dl.facts")).to_contain_text("granted")
    licence_link = office.locator("dl.facts a[href*='/licensing/licences/']")
    expect(licence_link).to_have_text(re.compile(r"^CD-EXA-\d{4}-00001$"))
    number = licence_link.inner_text()

    # The site inside is licensed on its page, and the profile's rate has changed.
    office.goto(f"{live_server.url}/registry/sites/{world['site'].pk}/")
    expect(office.locator("main dl")).to_contain_text("licensed")
    expect(office.locator("main dl")).to_contain_text(number)
    after = _rate(office, live_server)
    assert after != before, (before, after)
    assert not phone_errors, phone_errors
    # The refused close answered 422 (the page says why): the browser logs that status.
    assert [e for e in office_errors if "422" not in e] == [], office_errors
