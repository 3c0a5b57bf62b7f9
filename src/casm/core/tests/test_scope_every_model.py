"""The scope rule over every scoped model: nothing moves into a country outside one's scope.

Every model that names a country is listed here, either as *scoped* (a data officer writes
it within their countries) with the ways to write it through the API and the web, or as not
scoped with the reason. A new model with a country fails the first test until it is listed,
so that its writes are tried too. `registry/tests/test_scope_moves.py` tries the registry's
services directly; this module tries what a Ghana data officer can send.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps

from casm.core.models import Commodity, Country

LAST_YEAR = datetime.date.today().year - 1


@dataclass(frozen=True)
class Scoped:
    """How to make a Ghanaian record, and how the API and the web would move it to DR Congo."""

    make: Callable[[], Any]
    # PATCH path and body that ask for DR Congo (the record's pk fills {pk}).
    api_move: tuple[str, dict[str, Any]]
    # POST path and body that create a record in DR Congo.
    api_create: tuple[str, dict[str, Any]] | None
    # The web form that edits the record ({pk}), or None where the web has none.
    web_edit: str | None
    # The web form that creates one, or None.
    web_create: str | None


def _site() -> Any:
    from casm.registry.tests.factories import make_site

    return make_site("Prestea Gold Pit", "GH", commodities=[Commodity.objects.get(code="gold")])


def _operator() -> Any:
    from casm.registry.tests.factories import make_operator

    return make_operator("Prestea Diggers")


def _miner() -> Any:
    from casm.registry.tests.factories import make_miner

    return make_miner("Kwame Mensah", sites=[_site()])


def _visit() -> Any:
    from casm.registry.tests.factories import make_visit

    return make_visit(_site(), workers=40)


def _production() -> Any:
    from casm.registry.tests.factories import make_production

    return make_production(site=_site())


def _estimate() -> Any:
    from casm.indicators import services

    return services.workforce_estimate_create(
        actor=None,
        country=Country.objects.get(alpha2="GH"),
        year=2020,
        value=1_100_000,
        source="Minerals Commission",
    )


def _organisation() -> Any:
    from casm.accounts.models import Organisation
    from casm.accounts.services import organisation_create

    return organisation_create(
        actor=None,
        name="Tarkwa Small-Scale Miners Association",
        kind=Organisation.Kind.MINERS,
        country=Country.objects.get(alpha2="GH"),
    )


def _congo_site_pk() -> int:
    from casm.registry.tests.factories import make_site

    return make_site("Kamituga", "CD").pk


SCOPED: dict[str, Scoped] = {
    "registry.Site": Scoped(
        _site,
        ("/api/v1/sites/{pk}", {"country": "CD", "latitude": -2.5, "longitude": 28.8}),
        (
            "/api/v1/sites",
            {"country": "CD", "name": "Kamituga", "latitude": -3.06, "longitude": 28.18},
        ),
        "/registry/sites/{pk}/edit/",
        "/registry/sites/new/",
    ),
    "registry.Operator": Scoped(
        _operator,
        ("/api/v1/operators/{pk}", {"country": "CD", "sites": []}),
        ("/api/v1/operators", {"country": "CD", "kind": "cooperative", "name": "Kamituga Coop"}),
        "/registry/operators/{pk}/edit/",
        "/registry/operators/new/",
    ),
    "registry.Miner": Scoped(
        _miner,
        ("/api/v1/miners/{pk}", {"country": "CD", "operator": None, "sites": []}),
        ("/api/v1/miners", {"country": "CD", "name": "Mwamba Ilunga", "sex": "m"}),
        "/registry/miners/{pk}/edit/",
        "/registry/miners/new/",
    ),
    # A visit and a production record take their site's country: moving one means naming a
    # site in DR Congo, which a Ghana officer cannot see.
    "registry.SiteVisit": Scoped(
        _visit,
        ("/api/v1/visits/{pk}", {"country": "CD", "workers": 12}),
        ("/api/v1/visits", {"site": "congo-site", "date": f"{LAST_YEAR}-03-01", "workers": 5}),
        None,
        None,
    ),
    "registry.ProductionRecord": Scoped(
        _production,
        ("/api/v1/production/{pk}", {"country": "CD", "site": "congo-site"}),
        (
            "/api/v1/production",
            {
                "site": "congo-site",
                "commodity": "gold",
                "period": "year",
                "year": LAST_YEAR,
                "quantity": "10",
                "unit": "g",
            },
        ),
        None,
        None,
    ),
    "indicators.WorkforceEstimate": Scoped(
        _estimate,
        ("/api/v1/workforce-estimates/{pk}", {"country": "CD"}),
        (
            "/api/v1/workforce-estimates",
            {"country": "CD", "year": 2021, "value": 10, "source": "Somebody"},
        ),
        "/profiles/estimates/{pk}/edit/",
        "/profiles/estimates/new/",
    ),
    "accounts.Organisation": Scoped(
        _organisation,
        ("/api/v1/organisations/{pk}", {"country": "CD"}),
        ("/api/v1/organisations", {"country": "CD", "name": "Kamituga Coop", "kind": "miners"}),
        "/accounts/organisations/{pk}/edit/",
        "/accounts/organisations/new/",
    ),
}

# Models that name a country but are not written within a country scope, and why.
NOT_SCOPED = {
    "core.AdminArea": "reference data, changed by administrators only (reference.manage)",
    "accounts.RoleAssignment": "the scope itself, given by administrators only (users.manage)",
    "library.Document": "the library is global: library editors file documents on any country",
    "grants.Call": "calls are the secretariat's (grants.manage), for any country",
    "grants.Proposal": "a proposal is its applicant's, reviewed by the secretariat, any country",
    "events.Event": "events are the secretariat's (events.manage), held in any country",
    "events.Registration": "each person registers themselves, from any country",
    "network.Person": "the directory is the secretariat's (network.manage, global scope)",
    "network.ExpertProfile": "the directory is the secretariat's (network.manage, global scope)",
    "network.Project": "the directory is the secretariat's (network.manage, global scope)",
    "licensing.LicenceType": "reference data of each country's law, changed by administrators",
    "licensing.Layer": "written only by the layer import, which requires licensing.layers in "
    "the layer's country (licensing/tests/test_layers.py)",
    "licensing.Application": "filed by anyone signed in; its country never changes after filing, "
    "and each step requires licensing.decide in it (licensing/tests/test_applications.py)",
    "licensing.Licence": "made only by a grant, in the application's country; no write moves it "
    "(licensing/tests/test_applications.py)",
    "traceability.Actor": "registered by an inspector of its country (traceability.inspect); "
    "its country never changes (traceability/tests/test_services.py)",
    "traceability.TagBatch": "issued by an inspector of its country, to a site or actor of it "
    "(traceability/tests/test_services.py)",
    "traceability.MassBalanceRule": "set by an inspector of its country "
    "(traceability/tests/test_services.py)",
    "traceability.Productivity": "set by an inspector of its country, which never changes "
    "(traceability/tests/test_capacity.py)",
    "traceability.Operation": "recorded for an actor by its organisation; the country is the "
    "actor's and never given (traceability/tests/test_services.py)",
    "traceability.Lot": "made only by operations, in the holder's country; no write moves it",
    "traceability.RedFlag": "raised by the checks of an operation or an inspection, in its "
    "country; closed by an inspector of that country",
    "traceability.Inspection": "recorded by an inspector of the site's country, in the site's "
    "country, never given (traceability/tests/test_inspections.py)",
    "traceability.ExportCertificate": "prepared for an export, in the export's country, by an "
    "inspector of it; validated by another (traceability/tests/test_certificates.py)",
    "incidents.Incident": "reported by anyone in any country (a public form); its country "
    "never changes, and only its country's handlers triage and resolve it "
    "(incidents/tests/test_incidents.py)",
}


def _models_with_a_country() -> set[str]:
    found = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "related_model", None) is Country and not field.auto_created:
                found.add(model._meta.label)
    return found


def _country_of(record: Any) -> str:
    record.refresh_from_db()
    return record.country.alpha2


def _body(body: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _congo_site_pk() if value == "congo-site" else value for key, value in body.items()
    }


def test_every_model_with_a_country_is_listed():
    listed = set(SCOPED) | set(NOT_SCOPED)
    assert _models_with_a_country() - listed == set(), "list the new model in SCOPED or NOT_SCOPED"
    assert listed - _models_with_a_country() == set(), "a listed model no longer names a country"


def test_organisation_scope_is_the_chain_of_custody_only():
    """Only supply-chain actors are scoped to an organisation: they write lots and operations
    for their own organisation, whose country is the actor's, never given. That a trader
    cannot act on another organisation's lots is tried in traceability/tests/."""
    from casm.core.permissions import CAPABILITIES, Scope

    organisation_scoped = {c.code for c in CAPABILITIES.values() if c.scope is Scope.ORGANISATION}
    assert organisation_scoped == {"traceability.trade"}
    for label in ("traceability.Lot", "traceability.Operation"):
        assert label in NOT_SCOPED


@pytest.mark.parametrize("label", sorted(SCOPED))
def test_the_api_does_not_move_a_record_out_of_scope(client, token_for, ghana_officer, label):
    scoped = SCOPED[label]
    record = scoped.make()
    path, body = scoped.api_move
    response = client.patch(
        path.format(pk=record.pk),
        _body(body),
        content_type="application/json",
        **token_for(ghana_officer),
    )
    # Refused (403, 404 or 422), or the country is not a field of this record and is ignored:
    # either way the record stays in Ghana.
    assert response.status_code in (200, 403, 404, 422), response.content
    if response.status_code != 200:
        assert response.json()["error"]["message"]
    assert _country_of(record) == "GH"


@pytest.mark.parametrize("label", sorted(s for s in SCOPED if SCOPED[s].api_create))
def test_the_api_does_not_create_a_record_out_of_scope(client, token_for, ghana_officer, label):
    scoped = SCOPED[label]
    path, body = scoped.api_create  # type: ignore[misc]
    model = apps.get_model(label)
    body = _body(body)
    before = model.objects.filter(country__alpha2="CD").count()
    response = client.post(path, body, content_type="application/json", **token_for(ghana_officer))
    assert response.status_code in (403, 404, 422), response.content
    assert response.json()["error"]["message"]
    assert model.objects.filter(country__alpha2="CD").count() == before


def _form_data(form: Any) -> dict[str, Any]:
    """What the browser would send back for an unchanged form."""
    data: dict[str, Any] = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        if value is True:
            data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [getattr(v, "pk", v) for v in value]
        else:
            data[bound.html_name] = getattr(value, "pk", value)
    return data


@pytest.mark.parametrize("label", sorted(s for s in SCOPED if SCOPED[s].web_edit))
def test_the_web_form_does_not_move_a_record_out_of_scope(login, ghana_officer, label):
    scoped = SCOPED[label]
    record = scoped.make()
    client = login(ghana_officer)
    url = scoped.web_edit.format(pk=record.pk)  # type: ignore[union-attr]
    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(page.context["form"])
    data["country"] = Country.objects.get(alpha2="CD").pk
    response = client.post(url, data)
    # The form says the country is not a choice (400), or the move is refused outright.
    assert response.status_code in (400, 403, 404), response.status_code
    assert _country_of(record) == "GH"


@pytest.mark.parametrize("label", sorted(s for s in SCOPED if SCOPED[s].web_create))
def test_the_web_form_offers_no_country_out_of_scope(login, ghana_officer, label):
    scoped = SCOPED[label]
    client = login(ghana_officer)
    page = client.get(scoped.web_create)  # type: ignore[arg-type]
    assert page.status_code == 200
    choices = {str(value) for value, _label in page.context["form"].fields["country"].choices}
    assert str(Country.objects.get(alpha2="CD").pk) not in choices
    assert str(Country.objects.get(alpha2="GH").pk) in choices
    model = apps.get_model(label)
    before = model.objects.filter(country__alpha2="CD").count()
    data = _form_data(page.context["form"])
    data.update({"country": Country.objects.get(alpha2="CD").pk, "name": "Kamituga"})
    response = client.post(scoped.web_create, data)  # type: ignore[arg-type]
    assert response.status_code in (400, 403, 404), response.status_code
    assert model.objects.filter(country__alpha2="CD").count() == before


def test_a_census_row_for_a_country_out_of_scope_writes_nothing_even_when_skipping_bad_rows(
    db, ghana_officer, tmp_path
):
    from casm.imports.census import census_import
    from casm.imports.tests.test_census import ROW_A, _csv
    from casm.registry.models import Site, SiteVisit

    result = census_import(actor=ghana_officer, path=_csv(tmp_path, [ROW_A]), skip_invalid=True)
    assert [problem.text for problem in result.problems] == ["This country is outside your scope."]
    assert SiteVisit.objects.count() == 0
    assert not Site.objects.filter(country__alpha2="CD").exists()
