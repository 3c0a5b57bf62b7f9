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
