import datetime

import pytest
from django.urls import reverse

from casm.registry.models import Miner, Site, SiteVisit
from casm.registry.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ghana_site(make_site):
    site = make_site("Obuasi Pit 7")
    factories.make_visit(site, datetime.date(2024, 3, 1), workers=4, women=1)
    return site


def test_a_visitor_sees_the_site_list_without_head_counts(client, ghana_site):
    response = client.get(reverse("registry:site_list"))
    assert response.status_code == 200
    assert "Obuasi Pit 7" in response.content.decode()
    assert reverse("registry:site_detail", args=[ghana_site.pk]) not in response.content.decode()


def test_the_site_list_filters_and_says_when_nothing_matches(client, ghana_site):
    response = client.get(reverse("registry:site_list"), {"country": "CD"})
    assert "No site matches these filters." in response.content.decode()
    response = client.get(reverse("registry:site_list"), {"country": "GH", "q": "obuasi"})
    assert "Obuasi Pit 7" in response.content.decode()


def test_the_site_list_does_not_query_per_row(client, make_site, django_assert_max_num_queries):
    for number in range(30):
        make_site(f"Site {number}", latitude=6 + number / 50, longitude=-1.7)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("registry:site_list"))
    assert response.status_code == 200


def test_the_map_groups_many_sites_and_shows_few_one_by_one(client, make_site):
    for number in range(5):
        make_site(f"Site {number}", latitude=6 + number / 10, longitude=-1.7)
    url = reverse("registry:site_clusters")
    single = client.get(url, {"zoom": 6}).json()
    assert single["total"] == 5 and all("code" in f["properties"] for f in single["features"])
    assert "workers" not in single["features"][0]["properties"]
    from casm.registry import selectors

    grouped = selectors.site_clusters(Site.objects.all(), zoom=2, detail_below=2)
    assert sum(f["properties"]["count"] for f in grouped["features"]) == 5
    assert client.get(url, {"zoom": "x", "bbox": "nonsense"}).status_code == 200
    assert client.get(reverse("registry:site_map")).status_code == 200


def test_a_site_page_is_for_people_in_scope(
    client, login, ghana_site, congo_officer, ghana_officer
):
    url = reverse("registry:site_detail", args=[ghana_site.pk])
    assert client.get(url).status_code == 302
    login(congo_officer)
    assert client.get(url).status_code == 404
    login(ghana_officer)
    response = client.get(url)
    assert response.status_code == 200
    assert "Record a visit" in response.content.decode()


def test_an_officer_registers_a_site_and_confirms_a_point_outside(
    client, login, ghana_officer, country
):
    login(ghana_officer)
    data = {
        "country": country("GH").pk,
        "name": "Tarkwa Gulch",
        "latitude": "-2.5",
        "longitude": "28.8",
        "activity_status": "active",
        "legal_status": "informal",
    }
    response = client.post(reverse("registry:site_create"), data)
    assert response.status_code == 400
    assert "outside the country" in response.content.decode()
    assert not Site.objects.exists()
    data.update(confirm_location="on", location_note="GPS checked twice")
    response = client.post(reverse("registry:site_create"), data)
    site = Site.objects.get()
    assert response.status_code == 302 and site.code.startswith("GH-2.5000+28.8000")


def test_a_member_cannot_register_sites(client, login, member):
    login(member)
    assert client.get(reverse("registry:site_create")).status_code == 403


def test_an_officer_cannot_register_in_another_country(client, login, congo_officer, country):
    login(congo_officer)
    response = client.post(
        reverse("registry:site_create"),
        {
            "country": country("GH").pk,
            "name": "X",
            "latitude": "6.2",
            "longitude": "-1.7",
            "activity_status": "active",
            "legal_status": "informal",
        },
    )
    assert response.status_code == 400
    assert not Site.objects.exists()


def test_a_visit_whose_groups_do_not_add_up_is_refused(client, login, ghana_officer, ghana_site):
    login(ghana_officer)
    url = reverse("registry:visit_create", args=[ghana_site.pk])
    response = client.post(
        url,
        {
            "date": "2024-05-01",
            "reached": "on",
            "workers": "10",
            "men": "3",
            "women": "3",
            "boys_under_15": "0",
            "girls_under_15": "0",
            "boys_15_17": "0",
            "girls_15_17": "0",
        },
    )
    assert response.status_code == 400
    assert "add up to 6" in response.content.decode()
    response = client.post(
        url, {"date": "2024-05-01", "reached": "on", "workers": "10", "men": "7", "women": "3"}
    )
    assert response.status_code == 302
    assert SiteVisit.objects.filter(site=ghana_site).count() == 2
    ghana_site.refresh_from_db()
    assert ghana_site.workers == 10


def test_an_officer_merges_a_duplicate_from_its_page(client, login, ghana_officer, make_site):
    first = make_site("Akwatia", latitude=6.0, longitude=-0.8)
    second = make_site("Akwatia", latitude=6.001, longitude=-0.8)
    assert second.duplicate_of == first
    login(ghana_officer)
    page = client.get(reverse("registry:site_detail", args=[second.pk])).content.decode()
    assert "may be a duplicate" in page
    response = client.post(reverse("registry:site_merge", args=[second.pk]), {"into": first.code})
    assert response.status_code == 302
    assert list(Site.objects.all()) == [first]


def test_miners_are_seen_only_within_scope(client, login, ghana_officer, congo_officer):
    miner = factories.make_miner("Ama Owusu", sex="f")
    url = reverse("registry:miner_detail", args=[miner.pk])
    assert client.get(reverse("registry:miner_list")).status_code == 302
    login(congo_officer)
    assert "Ama Owusu" not in client.get(reverse("registry:miner_list")).content.decode()
    assert client.get(url).status_code == 404
    login(ghana_officer)
    assert "Ama Owusu" in client.get(url).content.decode()


def test_an_officer_registers_a_miner(client, login, ghana_officer, country):
    login(ghana_officer)
    response = client.post(
        reverse("registry:miner_create"),
        {"country": country("GH").pk, "name": "Kofi Boateng", "sex": "m", "year_of_birth": "1850"},
    )
    assert response.status_code == 400 and not Miner.objects.exists()
    response = client.post(
        reverse("registry:miner_create"),
        {"country": country("GH").pk, "name": "Kofi Boateng", "sex": "m", "roles": ["digger"]},
    )
    assert response.status_code == 302
    assert Miner.objects.get().roles == ["digger"]


def test_operator_pages_follow_scope(client, login, ghana_officer, congo_officer, country):
    login(ghana_officer)
    response = client.post(
        reverse("registry:operator_create"),
        {"country": country("GH").pk, "kind": "cooperative", "name": "Nkwanta Miners"},
    )
    assert response.status_code == 302
    url = response["Location"]
    assert "Nkwanta Miners" in client.get(url).content.decode()
    login(congo_officer)
    assert client.get(url).status_code == 404


def test_the_site_page_draws_visits_over_time(client, login, admin_user, ghana_site):
    factories.make_visit(ghana_site, datetime.date(2025, 3, 1), workers=9, women=2)
    login(admin_user)
    page = client.get(reverse("registry:site_detail", args=[ghana_site.pk])).content.decode()
    assert "<svg" in page and "polyline" in page


def test_the_site_pages_speak_french(client, login, admin_user, ghana_site):
    login(admin_user)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("registry:site_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in page


def test_a_visitor_downloads_public_fields_only(client, ghana_site):
    response = client.get(reverse("registry:site_export"), {"format": "csv", "detail": "1"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200 and "Obuasi Pit 7" in body
    assert "workers" not in body.splitlines()[0]
    assert client.get(reverse("registry:site_export"), {"format": "pdf"}).status_code == 400
    assert client.get(reverse("registry:visit_export")).status_code == 302


def test_an_officer_downloads_the_visits_of_their_country(client, login, ghana_officer, ghana_site):
    login(ghana_officer)
    response = client.get(reverse("registry:visit_export"), {"format": "csv", "country": "GH"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200 and "2024-03-01" in body
    response = client.get(
        reverse("registry:site_export"), {"format": "csv", "detail": "1", "country": "GH"}
    )
    assert "workers" in b"".join(response.streaming_content).decode("utf-8-sig").splitlines()[0]


def test_a_site_in_a_country_without_an_outline_says_its_point_was_not_checked(
    client, login, make_user
):
    from casm.accounts.models import User
    from casm.core.models import Country
    from casm.registry.validation import _outlines

    bare = Country.objects.exclude(alpha3__in=list(_outlines())).order_by("alpha2").first()
    officer = make_user("tala", role=User.Role.DATA_OFFICER, countries=[bare.alpha2])
    login(officer)
    data = {"country": bare.pk, "name": "Far Pit", "latitude": "1.0", "longitude": "1.0",
            "activity_status": "active", "legal_status": "informal"}  # fmt: skip
    response = client.post(reverse("registry:site_create"), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"No outline for {bare.name}: the location was not checked." in page
