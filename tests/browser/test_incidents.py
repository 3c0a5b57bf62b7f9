"""Incidents in a real browser: a visitor on a phone, in French, goes from a mine site's public
status page to the report form, is told in French what is missing, sends the report
anonymously, writes down the key and reads where the report stands; an inspector triages it
in English on a laptop."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from casm.accounts.models import User
from casm.incidents.models import Incident
from tests.browser.pages import sign_in, watch_errors

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back the countries.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 360, "height": 740}


def _fits_the_screen(page) -> bool:
    return page.evaluate(f"document.documentElement.scrollWidth <= {PHONE['width']} + 1")


def test_a_visitor_reports_anonymously_in_french_and_an_inspector_triages_it(
    new_page, live_server, make_site, make_user
):
    site = make_site("Kamituga Mobale", "CD", admin1="Sud-Kivu")
    inspector = make_user("mbala", role=User.Role.INSPECTOR, countries=["CD"])
    page = new_page(viewport=PHONE, locale="fr-FR")
    page.goto(f"{live_server.url}/traceability/sites/{site.pk}/status/")
    page.get_by_role("link", name="Signaler un incident sur ce site").click()
    expect(page.locator("main h1")).to_have_text("Signaler un incident")
    expect(page.get_by_label("Code du site minier")).to_have_value(site.code)
    page.get_by_label("Type d’incident").select_option("extortion")
    page.get_by_label("Date des faits").fill(
        (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
    )
    page.get_by_role("button", name="Envoyer le signalement").click()
    # Nothing said about what happened: the form comes back, in French, naming the field.
    expect(page.locator(".has-error")).to_contain_text("Ce qui s’est passé")
    expect(page.locator(".has-error .field-errors")).to_contain_text("Ce champ est obligatoire")
    assert _fits_the_screen(page), "the report form is wider than the phone"
    # From here on no script error and no refused request (the 422 above is the form's answer).
    errors = watch_errors(page)
    page.get_by_label("Ce qui s’est passé").fill(
        "Des hommes armés prélèvent 2 g d'or par semaine à l'entrée du puits."
    )
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.locator("main h1")).to_have_text("Signalement envoyé")
    key = page.locator(".follow-key").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", key), key
    assert _fits_the_screen(page), "the receipt is wider than the phone"

    page.get_by_role("link", name="Suivre un signalement").first.click()
    page.get_by_label("Clé de suivi").fill(key.lower())
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator("main dl")).to_contain_text("signalé, en attente de tri")
    assert not errors, errors

    incident = Incident.objects.get()
    laptop = new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
    sign_in(laptop, live_server, inspector)
    laptop.goto(f"{live_server.url}/incidents/")
    laptop.get_by_role("link", name=incident.reference).click()
    expect(laptop.locator("main dl")).to_contain_text("anonymous")
    laptop.get_by_label("Severity").select_option("high")
    laptop.get_by_role("button", name="Record the triage").click()
    expect(laptop.locator("ul.messages")).to_contain_text("The report is triaged.")
    expect(laptop.locator("main")).to_contain_text("under investigation")
