import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from casm.core.models import AuditEvent
from casm.indicators import services
from casm.indicators.models import WorkforceEstimate

pytestmark = pytest.mark.django_db


def _ghana_estimate(actor, **extra):
    from casm.core.models import Country

    data = {
        "country": Country.objects.get(alpha2="GH"),
        "year": 2020,
        "value": 1_100_000,
        "source": "Minerals Commission",
    }
    data.update(extra)
    return services.workforce_estimate_create(actor=actor, **data)


def test_a_data_officer_adds_an_estimate_for_their_country_audited(ghana_officer):
    estimate = _ghana_estimate(ghana_officer)
    event = AuditEvent.objects.get(model="indicators.workforceestimate", object_id=str(estimate.pk))
    assert event.action == "create" and event.actor == ghana_officer


def test_a_data_officer_cannot_touch_another_country_or_the_world(congo_officer, ghana_officer):
    with pytest.raises(PermissionDenied):
        _ghana_estimate(congo_officer)
    with pytest.raises(PermissionDenied):
        services.workforce_estimate_create(
            actor=ghana_officer, country=None, value=1, source="Somebody"
        )
    world = WorkforceEstimate.objects.filter(country__isnull=True).first()
    with pytest.raises(PermissionDenied):
        services.workforce_estimate_update(actor=ghana_officer, estimate=world, value=1)


def test_members_cannot_add_estimates(member):
    with pytest.raises(PermissionDenied):
        _ghana_estimate(member)


def test_every_estimate_needs_a_source_and_a_figure(admin_user):
    with pytest.raises(ValidationError) as error:
        _ghana_estimate(admin_user, source="  ")
    assert "source" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _ghana_estimate(admin_user, value=None, low=10, high=None)
    assert "value" in error.value.message_dict
    with pytest.raises(ValidationError):
        _ghana_estimate(admin_user, value=None, low=30, high=10)


def test_a_range_without_a_single_figure_is_accepted(admin_user):
    estimate = _ghana_estimate(admin_user, value=None, low=900_000, high=1_300_000)
    assert estimate.headline == 1_100_000


def test_there_is_one_best_estimate_per_country(admin_user):
    first = _ghana_estimate(admin_user, is_best=True)
    second = _ghana_estimate(admin_user, year=2022, value=1_200_000)
    services.workforce_estimate_mark_best(actor=admin_user, estimate=second)
    first.refresh_from_db()
    assert not first.is_best
    assert list(WorkforceEstimate.objects.filter(country=first.country, is_best=True)) == [second]
    # The world keeps its own best estimate.
    assert WorkforceEstimate.objects.filter(country__isnull=True, is_best=True).count() == 1


def test_a_new_best_world_estimate_takes_the_flag_from_the_old_one(admin_user):
    new = services.workforce_estimate_create(
        actor=admin_user, country=None, year=2024, value=45_000_000, source="A", is_best=True
    )
    assert list(WorkforceEstimate.objects.filter(country__isnull=True, is_best=True)) == [new]


def test_deleting_an_estimate_is_audited(admin_user):
    estimate = _ghana_estimate(admin_user)
    pk = estimate.pk
    services.workforce_estimate_delete(actor=admin_user, estimate=estimate)
    assert not WorkforceEstimate.objects.filter(pk=pk).exists()
    assert AuditEvent.objects.filter(object_id=str(pk), action="delete").exists()
