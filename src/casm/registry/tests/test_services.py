import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent, Commodity
from casm.registry import services
from casm.registry.models import Site, SiteVisit


def test_it_generates_the_regional_site_code(make_site):
    site = make_site("Nyamasheke", code="RW", latitude=-1.9641, longitude=30.0619)
    assert site.code == "RW-1.9641+30.0619-00001"


def test_it_refuses_out_of_range_coordinates(make_site):
    with pytest.raises(ValidationError) as error:
        make_site("Far", latitude=95, longitude=10)
    assert "latitude" in error.value.message_dict
    assert not Site.objects.exists()


def test_it_needs_a_reason_to_keep_a_point_outside_the_country(make_site):
    with pytest.raises(ValidationError) as error:
        make_site("Lost", code="GH", latitude=-2.5, longitude=28.8)
    assert "outside the country" in str(error.value)
    site = make_site(
        "Lost",
        code="GH",
        latitude=-2.5,
        longitude=28.8,
        override_location=True,
        location_note="Surveyed by GPS",
    )
    assert site.location_note == "Surveyed by GPS"


def test_it_says_when_latitude_and_longitude_look_swapped(make_site):
    with pytest.raises(ValidationError) as error:
        make_site("Swapped", code="GH", latitude=-1.7, longitude=6.2)
    assert "swapped" in str(error.value)


def test_it_flags_a_similar_name_within_500_m_as_possible_duplicate(make_site):
    first = make_site("Kamituga Centre", latitude=6.2, longitude=-1.7)
    near = make_site("Kamituga centre", latitude=6.2020, longitude=-1.7)
    far = make_site("Kamituga Centre", latitude=6.25, longitude=-1.7)
    assert near.duplicate_of == first
    assert far.duplicate_of is None


def test_it_merges_a_duplicate_keeping_visits_and_audit(make_site, admin_user):
    first = make_site("Kamituga", latitude=6.2, longitude=-1.7)
    second = make_site("Kamituga", latitude=6.2005, longitude=-1.7)
    services.site_visit_record(actor=None, site=second, date=datetime.date(2024, 5, 1), workers=10)
    services.site_visit_record(actor=None, site=first, date=datetime.date(2023, 5, 1), workers=4)
    old_pk = second.pk
    services.site_merge(actor=admin_user, site=second, into=first)
    first.refresh_from_db()
    assert first.visits.count() == 2
    assert first.workers == 10 and first.last_visit == datetime.date(2024, 5, 1)
    assert not Site.objects.filter(pk=old_pk).exists()
    assert AuditEvent.objects.filter(model="registry.site", object_id=str(old_pk)).count() >= 2


def test_a_visit_updates_the_sites_current_figures(make_site):
    site = make_site("Obuasi")
    services.site_visit_record(
        actor=None,
        site=site,
        date=datetime.date(2024, 1, 1),
        workers=20,
        men=10,
        women=6,
        boys_under_15=1,
        girls_under_15=1,
        boys_15_17=1,
        girls_15_17=1,
        mercury_use=True,
    )
    site.refresh_from_db()
    assert (site.workers, site.women, site.children, site.children_present) == (20, 6, 4, True)
    assert site.mercury_use is True


def test_age_groups_must_add_up_to_the_total(make_site):
    site = make_site("Obuasi")
    with pytest.raises(ValidationError) as error:
        services.site_visit_record(
            actor=None,
            site=site,
            date=datetime.date(2024, 1, 1),
            workers=20,
            men=10,
            women=6,
            boys_under_15=0,
            girls_under_15=0,
            boys_15_17=0,
            girls_15_17=0,
        )
    assert "add up to 16" in str(error.value)
    assert not SiteVisit.objects.exists()


def test_a_visit_cannot_be_in_the_future(make_site):
    site = make_site("Obuasi")
    with pytest.raises(ValidationError):
        services.site_visit_record(
            actor=None, site=site, date=datetime.date.today() + datetime.timedelta(days=2)
        )


def test_the_same_submission_twice_changes_nothing(make_site):
    site = make_site("Obuasi")
    for _ in range(2):
        services.site_visit_record(
            actor=None, site=site, date=datetime.date(2024, 1, 1), submission_id="uuid:1"
        )
    assert SiteVisit.objects.count() == 1


def test_carats_are_refused_for_gold(make_site):
    site = make_site("Obuasi")
    gold = Commodity.objects.get(code="gold")
    with pytest.raises(ValidationError) as error:
        services.production_record_create(
            actor=None,
            site=site,
            commodity=gold,
            period="year",
            year=2023,
            quantity=Decimal("5"),
            unit="ct",
        )
    assert "unit" in error.value.message_dict
    record = services.production_record_create(
        actor=None,
        site=site,
        commodity=gold,
        period="year",
        year=2023,
        quantity=Decimal("2"),
        unit="kg",
    )
    assert record.quantity_base == 2000.0 and record.country == site.country


def test_a_data_officer_edits_only_their_countries(make_site, ghana_officer, congo_officer):
    site = make_site("Obuasi")
    services.site_update(actor=ghana_officer, site=site, name="Obuasi North")
    with pytest.raises(PermissionDenied):
        services.site_update(actor=congo_officer, site=site, name="Elsewhere")


def test_certification_keeps_its_history(make_site, admin_user):
    site = make_site("Rubaya", code="CD")
    services.site_certify(
        actor=admin_user, site=site, status="blue", valid_from=datetime.date(2022, 1, 10)
    )
    services.site_certify(
        actor=admin_user, site=site, status="green", valid_from=datetime.date(2024, 3, 1)
    )
    site.refresh_from_db()
    assert site.certification_status == "green"
    assert site.certification_valid_until == datetime.date(2025, 3, 1)
    assert site.certifications.count() == 2


def test_the_bulk_refresh_agrees_with_the_one_by_one_refresh(make_site):
    site = make_site("Obuasi")
    other = make_site("Tarkwa", latitude=5.3, longitude=-2.0)
    services.site_visit_record(
        actor=None,
        site=site,
        date=datetime.date(2021, 1, 1),
        workers=8,
        men=8,
        women=0,
        boys_under_15=0,
        girls_under_15=0,
        boys_15_17=0,
        girls_15_17=0,
    )
    services.site_visit_record(
        actor=None,
        site=site,
        date=datetime.date(2024, 1, 1),
        workers=20,
        women=5,
        boys_under_15=2,
        armed_presence=True,
    )
    services.site_visit_record(
        actor=None,
        site=other,
        date=datetime.date(2023, 1, 1),
        reached=False,
        not_reached_reason="security",
    )
    expected = {
        s.pk: (
            s.first_visit,
            s.last_visit,
            s.workers,
            s.women,
            s.children,
            s.children_present,
            s.armed_presence,
        )
        for s in Site.objects.all()
    }
    Site.objects.update(first_visit=None, last_visit=None, workers=None, children=None)
    assert services.sites_refresh_current(country_id=site.country_id) == 2
    got = {
        s.pk: (
            s.first_visit,
            s.last_visit,
            s.workers,
            s.women,
            s.children,
            s.children_present,
            s.armed_presence,
        )
        for s in Site.objects.all()
    }
    assert got == expected
    assert got[site.pk][4:6] == (2, True)


def test_moving_a_site_to_another_country_moves_its_visits(make_site, country):
    site = make_site("Border camp", code="RW")
    services.site_visit_record(actor=None, site=site, date=datetime.date(2024, 1, 1), workers=3)
    services.site_update(
        actor=None, site=site, country=country("CD"), latitude=-2.5, longitude=28.8
    )
    assert list(SiteVisit.objects.values_list("country__alpha2", flat=True)) == ["CD"]
