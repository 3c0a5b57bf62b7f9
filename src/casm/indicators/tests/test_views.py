import csv
import io

import pytest

from casm.indicators.tests.factories import make_congo_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def congo_registry():
    return make_congo_registry()


def _in_french(client):
    client.cookies["django_language"] = "fr"
    return client


def test_anyone_sees_the_congo_profile_with_figures_chart_and_map(client, congo_registry):
    response = client.get("/profiles/CD/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Congo, Democratic Republic of the" in page
    assert "2,000,000" in page and "Delve" in page  # the best estimate and its source
    assert 'class="country-map"' in page and "<circle" in page
    assert 'class="chart"' in page and "Gold, in g" in page
    assert "66.7 %" in page  # formalization rate
    assert "IPIS census 2023" in page and "Provincial mining division" in page


def test_the_profile_shows_suppressed_cells_as_less_than_five(client, make_site):
    import datetime

    from casm.registry.services import site_visit_record

    site = make_site("Kalima", code="CD")
    site_visit_record(actor=None, site=site, date=datetime.date(2024, 1, 1), workers=20, women=3)
    page = client.get("/profiles/cd/").content.decode()
    assert "&lt;5" in page


def test_the_profile_reads_in_french(client, congo_registry):
    response = _in_french(client).get("/profiles/CD/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Congo, République démocratique du" in page
    assert "Or" in page  # gold, by its French name
    assert "2 000 000" in page.replace("\u202f", " ").replace("\xa0", " ")


def test_an_unknown_country_is_not_found(client):
    assert client.get("/profiles/XX/").status_code == 404
    assert client.get("/profiles/XX.csv").status_code == 404
    assert client.get("/profiles/FRA/").status_code == 404


def test_a_country_without_data_still_has_a_profile(client):
    response = client.get("/profiles/GH/")
    assert response.status_code == 200
    assert "No production recorded yet." in response.content.decode()


def test_the_profile_downloads_as_csv(client, congo_registry):
    response = client.get("/profiles/CD.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "indicator", "item", "year", "value", "unit", "source"]
    best = next(row for row in rows if row[1] == "best estimate")
    assert best[4] == "2000000" and "delvedatabase.org" in best[6]
    gold = [row for row in rows if row[0] == "production" and row[2] == "gold"]
    assert [(row[3], row[4], row[5]) for row in gold] == [
        ("2022", "1500.0", "g"),
        ("2023", "2500.0", "g"),
    ]
    assert client.get("/profiles/CD/?format=csv").content == response.content


def test_the_csv_shows_suppressed_cells_as_less_than_five(client, make_site):
    import datetime

    from casm.registry.services import site_visit_record

    site = make_site("Kalima", code="CD")
    site_visit_record(actor=None, site=site, date=datetime.date(2024, 1, 1), workers=20, women=3)
    rows = list(csv.reader(io.StringIO(client.get("/profiles/CD.csv").content.decode())))
    women = next(row for row in rows if row[1] == "women")
    assert women[4] == "<5"


def test_the_world_page_ranks_countries_with_a_map_and_the_world_series(client):
    response = client.get("/profiles/")
    assert response.status_code == 200
    page = response.content.decode()
    ranking = page[page.index('class="ranking"') :]
    assert ranking.index("India") < ranking.index("China") < ranking.index("Indonesia")
    assert 'class="workforce-4"' in page  # India on the choropleth
    assert "40,500,000" in page and "IGF" in page
    assert "20,000,000–30,000,000" in page and "IIED" in page
    assert "/profiles/CD/" in page


def test_the_world_page_reads_in_french(client):
    page = _in_french(client).get("/profiles/").content.decode()
    assert '<html lang="fr">' in page and "Inde" in page


def test_a_warm_profile_needs_few_queries(client, congo_registry, django_assert_max_num_queries):
    client.get("/profiles/CD/")
    with django_assert_max_num_queries(6):
        client.get("/profiles/CD/")


def test_the_profile_reflects_a_new_visit_at_once(client, congo_registry):
    import datetime

    from casm.registry.services import site_visit_record

    client.get("/profiles/CD/")
    site_visit_record(
        actor=None, site=congo_registry["Bisie"], date=datetime.date(2024, 2, 1), mercury_use=True
    )
    page = client.get("/profiles/CD/").content.decode()
    assert "4 visits" in page
