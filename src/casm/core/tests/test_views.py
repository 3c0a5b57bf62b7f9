import re

import pytest
from django.db import connection


def test_the_home_page_shows_figures_with_sources_and_a_map(client, ghana_cooperative):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "40.5 M" in html
    assert "Source:" in html
    assert '<svg viewBox="0 0 720 330"' in html
    assert 'class="has-data"><title>Ghana</title>' in html
    assert "Natural Earth" in html


def test_the_map_s_credit_is_in_each_reader_s_language_whoever_came_first(client, db):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "country outlines (public domain)" in english
    assert "contours des pays (domaine public)" in french
    assert "country outlines (public domain)" not in french


def test_pages_load_nothing_from_other_hosts(client, db):
    html = client.get("/").content.decode()
    for attribute in ['src="http', 'href="http', 'src="//', 'href="//', "url(http"]:
        assert attribute not in html


def test_the_interface_switches_to_french(client, db):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    page = client.get("/")
    assert '<html lang="fr">' in page.content.decode()
    assert "Gouvernance et formalisation" in page.content.decode()
    assert "Se connecter" in page.content.decode()


@pytest.mark.parametrize("language", ["es", "pt"])
def test_the_navigation_exists_in_spanish_and_portuguese(client, db, language):
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    html = client.get("/").content.decode()
    assert f'<html lang="{language}">' in html
    assert "Governance and formalization" not in html


def test_healthz_answers_200_with_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_the_database_is_unreachable(client, db, monkeypatch):
    from django.db import OperationalError

    class Unreachable:
        vendor = connection.vendor

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr("casm.core.views.connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_pillar_pages_exist_for_the_four_pillars_only(client, db):
    for slug in ["governance", "environment", "network", "knowledge"]:
        assert client.get(f"/pillars/{slug}/").status_code == 200
    assert client.get("/pillars/astrology/").status_code == 404


def test_the_main_menu_reaches_the_pillars_events_and_grants(client, db):
    html = client.get("/").content.decode()
    menu = html[html.index('class="pillars"') : html.index('class="account"')]
    for name in ["Governance", "Environment", "Network", "Knowledge", "Events", "Grants"]:
        assert f">{name}</a>" in menu
    assert 'href="/events/"' in menu and 'href="/grants/"' in menu
    events = client.get("/events/").content.decode()
    assert 'href="/events/" aria-current="page"' in events


def test_the_environment_pillar_links_to_its_documents_sites_and_grants(client, db):
    html = client.get("/pillars/environment/").content.decode()
    cards = html[html.index('class="cards"') :]
    links = re.findall(r'<a href="([^"]+)">', cards)
    assert "/library/?theme=mercury" in links
    assert "/registry/sites/map/?mercury_use=1" in links
    assert "/grants/" in links
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_reference_pages_are_public_and_searchable(client, db):
    page = client.get("/reference/countries/", {"q": "congo"})
    names = [c.alpha2 for c in page.context["page"].object_list]
    assert set(names) == {"CD", "CG"}
    assert b"No country matches" in client.get("/reference/countries/", {"q": "zzz"}).content
    assert b"7108.12" in client.get("/reference/commodities/").content


def test_hostile_text_is_escaped(login, admin_user, make_organisation):
    make_organisation('<script>alert("x")</script>', "GH")
    html = login(admin_user).get("/accounts/organisations/").content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


LOGIN_REQUIRED = [
    ("get", "/jobs/"),
    ("get", "/jobs/1/"),
    ("get", "/jobs/1/status"),
    ("post", "/jobs/1/cancel"),
    ("get", "/jobs/1/download"),
    ("get", "/audit/"),
    ("post", "/audit/export"),
    ("get", "/accounts/profile/"),
    ("post", "/accounts/profile/tokens/"),
    ("post", "/accounts/profile/tokens/1/revoke"),
    ("get", "/accounts/password/change/"),
    ("get", "/accounts/organisations/"),
    ("get", "/accounts/organisations/new/"),
    ("get", "/accounts/organisations/1/"),
    ("get", "/accounts/organisations/1/edit/"),
    ("post", "/accounts/organisations/1/delete/"),
    ("get", "/accounts/users/"),
    ("get", "/accounts/users/new/"),
    ("get", "/accounts/users/1/edit/"),
]


@pytest.mark.parametrize(("method", "url"), LOGIN_REQUIRED)
def test_signed_out_visitors_are_sent_to_sign_in(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


ADMINISTRATORS_ONLY = [
    ("get", "/audit/"),
    ("post", "/audit/export"),
    ("get", "/accounts/users/"),
    ("get", "/accounts/users/new/"),
]


@pytest.mark.parametrize(("method", "url"), ADMINISTRATORS_ONLY)
def test_administrator_pages_refuse_other_roles(login, ghana_officer, method, url):
    assert getattr(login(ghana_officer), method)(url).status_code == 403


def test_user_edit_is_404_for_non_administrators(login, ghana_officer, member):
    assert login(ghana_officer).get(f"/accounts/users/{member.pk}/edit/").status_code == 403


def test_the_map_s_outlines_written_as_steps_land_on_the_same_pixels():
    import re as regex

    from casm.core.maps import _ring_path, _xy

    ring = [[-17.5, 14.7], [-17.49, 14.7], [-16.0, 12.0], [-11.3, 12.4], [-12.0, 16.6],
            [-17.5, 14.7]]  # fmt: skip
    path = _ring_path(ring)
    assert path.startswith("M") and "l" in path and path.endswith("z")
    start, steps = path[1:-1].split("l")
    x, y = map(int, start.split())
    points = [(x, y)]
    numbers = [int(n) for n in regex.findall(r"-?\d+", steps)]
    for dx, dy in zip(numbers[::2], numbers[1::2], strict=True):
        x, y = x + dx, y + dy
        points.append((x, y))
    expected = []
    for lon, lat in ring:
        if not expected or expected[-1] != _xy(lon, lat):
            expected.append(_xy(lon, lat))
    assert points == expected


def test_the_home_page_counts_and_map_follow_a_new_organisation_at_once(
    client, ghana_cooperative, make_organisation
):
    def shown():
        html = client.get("/").content.decode()
        count = re.search(r"<strong>(\d+)</strong> <span>organisations</span>", html).group(1)
        return int(count), 'class="has-data"><title>Peru</title>' in html

    assert shown() == (1, False)
    make_organisation("Cooperativa Minera Puno", "PE")
    assert shown() == (2, True)


def test_the_map_names_countries_in_the_reader_s_language(client, ghana_cooperative):
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<title>Peru</title>" in english and "<title>Pérou</title>" in french
    assert 'class="has-data"><title>Ghana</title>' in french
    assert "<title>Peru</title>" not in french
