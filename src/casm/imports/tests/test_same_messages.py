"""The same bad visit through the web form, the API and the census importer: the same
messages, in English and in French (one set of visit rules, said in the reader's language)."""

import html

import pytest
from django.urls import reverse
from django.utils import translation

from casm.core import messages
from casm.imports.census import census_import

pytestmark = pytest.mark.django_db

# Men and women add up to 6, not 10; not reached, and no reason given.
BAD = {"workers": 10, "men": 3, "women": 3, "boys_under_15": 0, "girls_under_15": 0,
       "boys_15_17": 0, "girls_15_17": 0}  # fmt: skip
EXPECTED = [
    ("registry.groups_not_total", {"sum": 6, "total": 10}),
    ("registry.reason_needed", {}),
]


def _expected(language):
    with translation.override(language):
        return {messages.render(code, params) for code, params in EXPECTED}


def _form(client, login, officer, site, language):
    login(officer)
    client.cookies["django_language"] = language
    url = reverse("registry:visit_create", args=[site.pk])
    response = client.post(url, {"date": "2024-05-01", **{k: str(v) for k, v in BAD.items()}})
    assert response.status_code == 400
    return html.unescape(response.content.decode())


def _api(client, token_for, officer, site, language):
    response = client.post(
        "/api/v1/visits",
        {"site": site.pk, "date": "2024-05-01", "reached": False, **BAD},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=language,
        **token_for(officer),
    )
    assert response.status_code == 422, response.content
    return {detail["message"] for detail in response.json()["error"]["details"]}


def _importer(officer, site, tmp_path, language):
    header = ["site_code", "country", "latitude", "longitude", "date", "reached", *BAD]
    row = [site.code, "GH", str(site.latitude), str(site.longitude), "2024-05-01", "no",
           *[str(v) for v in BAD.values()]]  # fmt: skip
    path = tmp_path / "bad.csv"
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    result = census_import(actor=officer, path=path, dry_run=True)
    with translation.override(language):
        return {problem.text for problem in result.problems}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_same_bad_visit_says_the_same_everywhere(
    client, login, token_for, ghana_officer, make_site, tmp_path, language
):
    site = make_site("Obuasi Pit 7")
    expected = _expected(language)
    assert _importer(ghana_officer, site, tmp_path, language) == expected
    assert _api(client, token_for, ghana_officer, site, language) == expected
    page = _form(client, login, ghana_officer, site, language)
    assert all(message in page for message in expected), (expected, page[-3000:])


def test_french_is_not_english():
    assert _expected("fr").isdisjoint(_expected("en"))
