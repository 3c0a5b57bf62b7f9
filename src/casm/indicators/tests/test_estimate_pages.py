import pytest

from casm.indicators.models import WorkforceEstimate

pytestmark = pytest.mark.django_db


def _ghana_form(**extra):
    data = {"country": "", "year": "2020", "value": "1100000", "low": "", "high": "",
            "source": "Minerals Commission", "source_url": "", "note": ""}  # fmt: skip
    data.update(extra)
    return data


def test_a_data_officer_adds_an_estimate_from_the_profile(login, ghana_officer, country):
    client = login(ghana_officer)
    page = client.get("/profiles/GH/").content.decode()
    assert "/profiles/estimates/new/?country=GH" in page
    assert client.get("/profiles/estimates/new/?country=GH").status_code == 200
    ghana = country("GH")
    response = client.post(
        "/profiles/estimates/new/?country=GH", _ghana_form(country=ghana.pk, is_best="on")
    )
    assert response.status_code == 302 and response["Location"] == "/profiles/GH/"
    estimate = WorkforceEstimate.objects.get(country=ghana)
    assert estimate.is_best and estimate.source == "Minerals Commission"
    assert "1,100,000" in client.get("/profiles/GH/").content.decode()


def test_a_data_officer_cannot_add_an_estimate_elsewhere(login, ghana_officer, country):
    client = login(ghana_officer)
    response = client.post("/profiles/estimates/new/", _ghana_form(country=country("CD").pk))
    assert response.status_code == 400  # Congo is not among the form's choices
    response = client.post("/profiles/estimates/new/", _ghana_form())
    assert response.status_code == 400  # the world is for administrators
    assert not WorkforceEstimate.objects.filter(source="Minerals Commission").exists()


def test_a_data_officer_cannot_change_another_country_estimate(login, ghana_officer):
    client = login(ghana_officer)
    congo = WorkforceEstimate.objects.get(country__alpha2="CD")
    assert client.get(f"/profiles/estimates/{congo.pk}/edit/").status_code == 403
    assert client.post(f"/profiles/estimates/{congo.pk}/delete/").status_code == 403
    assert WorkforceEstimate.objects.filter(pk=congo.pk).exists()
    assert "estimate-actions" not in client.get("/profiles/CD/").content.decode()


def test_members_and_visitors_cannot_manage_estimates(client, login, member):
    congo = WorkforceEstimate.objects.get(country__alpha2="CD")
    assert client.get("/profiles/estimates/new/").status_code == 302  # to sign in
    assert client.post(f"/profiles/estimates/{congo.pk}/best/").status_code == 302
    signed_in = login(member)
    assert signed_in.get("/profiles/estimates/new/").status_code == 403
    assert signed_in.post(f"/profiles/estimates/{congo.pk}/delete/").status_code == 403
    assert "estimate-actions" not in signed_in.get("/profiles/CD/").content.decode()


def test_an_administrator_marks_a_world_estimate_as_best(login, admin_user):
    client = login(admin_user)
    old = WorkforceEstimate.objects.get(country__isnull=True, year=2014)
    response = client.post(f"/profiles/estimates/{old.pk}/best/")
    assert response.status_code == 302 and response["Location"] == "/profiles/"
    best = WorkforceEstimate.objects.filter(country__isnull=True, is_best=True)
    assert list(best) == [old]


def test_an_administrator_edits_and_deletes_an_estimate(login, admin_user):
    client = login(admin_user)
    congo = WorkforceEstimate.objects.get(country__alpha2="CD")
    form = _ghana_form(country=congo.country_id, value="", low="1500000", high="2500000",
                       source="Delve", is_best="on")  # fmt: skip
    assert client.post(f"/profiles/estimates/{congo.pk}/edit/", form).status_code == 302
    congo.refresh_from_db()
    assert (congo.value, congo.low, congo.high) == (None, 1_500_000, 2_500_000)
    bad = client.post(f"/profiles/estimates/{congo.pk}/edit/", {**form, "source": ""})
    assert bad.status_code == 400
    assert client.post(f"/profiles/estimates/{congo.pk}/delete/").status_code == 302
    assert not WorkforceEstimate.objects.filter(pk=congo.pk).exists()
