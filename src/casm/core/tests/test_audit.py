import pytest

from casm.accounts.services import organisation_update
from casm.core.audit import audit_source
from casm.core.models import AuditEvent


def events_for(instance):
    return AuditEvent.objects.filter(
        model=instance._meta.label_lower, object_id=str(instance.pk)
    ).order_by("id")


def test_it_records_a_creation_with_its_values(ghana_officer, make_organisation):
    with audit_source("import"):
        cooperative = make_organisation("Prestea Miners", "GH", acronym="PM")
    (event,) = events_for(cooperative)
    assert event.action == "create"
    assert event.source == "import"
    assert event.changes["name"] == [None, "Prestea Miners"]
    assert event.changes["acronym"] == [None, "PM"]


def test_it_records_who_changed_which_field_from_what_to_what(ghana_officer, ghana_cooperative):
    organisation_update(actor=ghana_officer, organisation=ghana_cooperative, acronym="TSSMA")
    event = events_for(ghana_cooperative).last()
    assert event.action == "update"
    assert event.actor == ghana_officer
    assert event.actor_repr == "ama"
    assert event.changes == {"acronym": ["", "TSSMA"]}


def test_an_update_that_changes_nothing_leaves_no_trace(ghana_officer, ghana_cooperative):
    before = events_for(ghana_cooperative).count()
    organisation_update(
        actor=ghana_officer, organisation=ghana_cooperative, name=ghana_cooperative.name
    )
    assert events_for(ghana_cooperative).count() == before


def test_a_rejected_update_writes_nothing(ghana_officer, ghana_cooperative):
    from django.core.exceptions import ValidationError

    before = events_for(ghana_cooperative).count()
    with pytest.raises(ValidationError):
        organisation_update(
            actor=ghana_officer, organisation=ghana_cooperative, website="not a url"
        )
    ghana_cooperative.refresh_from_db()
    assert ghana_cooperative.website == ""
    assert events_for(ghana_cooperative).count() == before


def test_passwords_never_reach_the_log(make_user):
    user = make_user("kofi")
    for event in events_for(user):
        assert "correct-horse" not in str(event.changes)
        assert "pbkdf2" not in str(event.changes)


def test_every_web_write_is_in_the_audit_log_with_its_address(login, ghana_officer, country):
    client = login(ghana_officer)
    response = client.post(
        "/accounts/organisations/new/",
        {"name": "Obuasi Galamsey Cooperative", "kind": "miners", "country": country("GH").pk},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(model="accounts.organisation", action="create")
    assert (event.source, event.ip_address, event.actor) == ("web", "10.1.2.3", ghana_officer)


def test_every_api_write_is_in_the_audit_log(client, ghana_officer, token_for):
    response = client.post(
        "/api/v1/organisations",
        {"name": "Wassa Cooperative", "kind": "miners", "country": "GH"},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 201, response.content
    organisation_id = response.json()["id"]
    client.patch(
        f"/api/v1/organisations/{organisation_id}",
        {"acronym": "WC"},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    client.delete(f"/api/v1/organisations/{organisation_id}", **token_for(ghana_officer))
    events = AuditEvent.objects.filter(
        model="accounts.organisation", object_id=str(organisation_id)
    )
    assert [(e.action, e.source) for e in events.order_by("id")] == [
        ("create", "api"),
        ("update", "api"),
        ("delete", "api"),
    ]


def test_administrators_filter_the_log_by_user_model_and_date(
    login, admin_user, ghana_officer, ghana_cooperative
):
    organisation_update(actor=ghana_officer, organisation=ghana_cooperative, acronym="X")
    client = login(admin_user)
    page = client.get("/audit/", {"username": "ama", "model": "accounts.organisation"})
    assert page.status_code == 200
    assert b"Tarkwa Small-Scale Miners Association" in page.content
    events = page.context["page"].object_list
    assert {e.actor_repr for e in events} == {"ama"}
    assert client.get("/audit/", {"date_from": "2999-01-01"}).context["page"].paginator.count == 0
    history = client.get(
        "/audit/", {"model": "accounts.organisation", "object_id": ghana_cooperative.pk}
    )
    assert [e.action for e in history.context["page"].object_list] == ["update", "create"]


def test_only_administrators_read_the_audit_log(login, ghana_officer, client, token_for):
    assert login(ghana_officer).get("/audit/").status_code == 403
    response = client.get("/api/v1/audit", **token_for(ghana_officer))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_a_null_list_is_refused_naming_the_field(make_site):
    from django.core.exceptions import ValidationError

    from casm.core.audit import model_update

    site = make_site("Obuasi Pit 7")
    with pytest.raises(ValidationError) as refused:
        model_update(instance=site, actor=None, data={"commodities": None})
    assert list(refused.value.message_dict) == ["commodities"]


def _registration(make_user, **data):
    from casm.events.services import registration_create
    from casm.events.tests.factories import TODAY, make_event, registration_data

    event = make_event(capacity=5)
    person = make_user("esi")
    return registration_create(
        actor=person, event=event, data=registration_data(**data), today=TODAY
    )


def test_secrets_are_hidden_and_blank_values_left_out_of_a_creation(member, make_organisation):
    from casm.accounts.services import api_token_create

    token, _raw = api_token_create(actor=member, name="script")
    (event,) = events_for(token)
    assert event.changes["key_hash"] == ["(hidden)", "(hidden)"]
    cooperative = make_organisation("Prestea Miners", "GH")
    (created,) = events_for(cooperative)
    assert "website" not in created.changes and "acronym" not in created.changes


def test_a_write_by_nobody_or_a_visitor_names_no_one(ghana_cooperative):
    from django.contrib.auth.models import AnonymousUser

    from casm.core.audit import audit_record

    (created,) = events_for(ghana_cooperative)  # made by the system (no actor)
    assert (created.actor, created.actor_repr) == (None, "")
    event = audit_record(
        actor=AnonymousUser(), action="update", instance=ghana_cooperative, changes={}
    )
    event.refresh_from_db()
    assert (event.actor, event.actor_repr) == (None, "")


def test_a_long_name_is_cut_to_what_the_log_holds(make_user):
    registration = _registration(make_user, full_name="A" * 190)
    (event,) = events_for(registration)
    assert len(str(registration)) > 200
    assert event.object_repr == str(registration)[:200]


def test_an_update_saves_only_its_fields_and_keeps_what_others_wrote(
    ghana_officer, ghana_cooperative
):
    from casm.accounts.models import Organisation

    stale = Organisation.objects.get(pk=ghana_cooperative.pk)
    # Another request writes the website meanwhile.
    Organisation.objects.filter(pk=stale.pk).update(website="https://tssma.example.org")
    before = stale.updated_at
    organisation_update(
        actor=ghana_officer, organisation=stale, acronym="TSSMA", description="not from here"
    )
    fresh = Organisation.objects.get(pk=stale.pk)
    assert (fresh.acronym, fresh.website) == ("TSSMA", "https://tssma.example.org")
    assert fresh.description == ""  # not a field this service changes
    assert fresh.updated_at > before


def test_a_list_is_recorded_sorted_and_saved_beside_the_other_fields(
    ghana_officer, ghana_cooperative, country
):
    from casm.core.audit import model_update

    ghana, congo = country("GH"), country("CD")
    organisation, changes = model_update(
        instance=ghana_cooperative,
        actor=ghana_officer,
        data={"countries_of_work": [congo, ghana], "name": "TSSMA"},
    )
    organisation.refresh_from_db()
    assert set(organisation.countries_of_work.all()) == {ghana, congo}
    assert organisation.name == "TSSMA"
    expected = {
        "countries_of_work": [[], sorted([ghana.pk, congo.pk])],
        "name": ["Tarkwa Small-Scale Miners Association", "TSSMA"],
    }
    assert changes == expected
    assert events_for(organisation).last().changes == expected
    # The same countries in another order: nothing changed, nothing recorded.
    count = events_for(organisation).count()
    _same, none = model_update(
        instance=organisation, actor=ghana_officer, data={"countries_of_work": [ghana, congo]}
    )
    assert none == {} and events_for(organisation).count() == count


def test_an_empty_value_that_may_not_be_null_is_refused_with_its_field(
    ghana_officer, ghana_cooperative, make_user, admin_user
):
    from django.core.exceptions import ValidationError

    from casm.core.audit import model_update
    from casm.events.models import FieldVisit

    with pytest.raises(ValidationError) as refused:
        organisation_update(actor=ghana_officer, organisation=ghana_cooperative, acronym=None)
    assert refused.value.message_dict == {"acronym": ["This field cannot be null."]}

    registration = _registration(make_user)
    visit = FieldVisit.objects.create(
        event=registration.event, title="Tarkwa mines", date="2027-03-12", capacity=5
    )
    model_update(instance=registration, actor=admin_user, data={"field_visit": visit})
    with pytest.raises(ValidationError) as both:
        model_update(
            instance=registration,
            actor=admin_user,
            data={"field_visit": None, "organisation_name": None},
        )
    assert both.value.message_dict == {"organisation_name": ["This field cannot be null."]}
    registration.refresh_from_db()
    model_update(instance=registration, actor=admin_user, data={"field_visit": None})
    registration.refresh_from_db()
    assert registration.field_visit is None
