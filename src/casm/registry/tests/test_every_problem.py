"""A site form, a visit and a census row report every problem at once, not only the first."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casm.imports.census import census_import
from casm.imports.tests.test_census import HEADER, _csv
from casm.registry import services


def test_the_site_form_reports_both_coordinates(client, login, ghana_officer, country):
    login(ghana_officer)
    data = {
        "country": country("GH").pk,
        "name": "Tarkwa Gulch",
        "latitude": "999",
        "longitude": "east",
        "activity_status": "active",
        "legal_status": "informal",
    }
    response = client.post(reverse("registry:site_create"), data)
    page = response.content.decode()

    assert response.status_code == 400
    assert "999.0 is outside −90 to 90." in page
    assert "Enter a number." in page


def test_the_site_service_reports_both_coordinates(db, country):
    with pytest.raises(ValidationError) as refused:
        services.site_create(
            actor=None, country=country("GH"), name="X", latitude=999, longitude=500
        )

    assert set(refused.value.message_dict) == {"latitude", "longitude"}


def test_a_census_row_outside_the_country_with_a_negative_count_reports_both(
    db, congo_officer, tmp_path
):
    row = "u-1,,Kamituga,,CD,5.6,-0.2,2024-03-05,10,5,-3,1,0,1,0,gold,yes,no,"
    result = census_import(
        actor=congo_officer, path=_csv(tmp_path, [row], header=HEADER), dry_run=True
    )

    messages = {(p.row, p.column): p.text for p in result.problems}
    assert messages[(2, "women")] == "A count cannot be negative."
    assert "outside the country's outline" in messages[(2, "_location_latitude")]
