"""Every web page and every API operation, as every persona.

Each endpoint declares who may reach it (``casm.core.permissions.endpoint``): anyone, anyone
signed in, or the holders of a capability. The walk fills each URL with records of Ghana (or
owned by the Ghana data officer) and asks it as every persona:

- an endpoint that declares nothing fails the walk;
- nobody gets a server error;
- anonymous visitors reach only public endpoints (others answer the sign-in page, 401 or 403);
- a persona without the declared capability, or out of scope of the record, gets 403 or 404,
  never the page; and a record that is not public is a 404 to them;
- and, so that the refusals mean something, the administrator (or the record's owner) reaches
  every endpoint with the same URLs.

Unsafe methods are sent only as personas who must be refused, so nothing changes.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLResolver
from django.utils import timezone

from casm.core import permissions
from casm.core.permissions import PUBLIC, SIGNED_IN, Role

pytestmark = pytest.mark.django_db(transaction=False)

PERSONAS = [
    "anonymous",
    "member",
    "ghana_officer",
    "congo_officer",
    "licensing_cd",
    "inspector_cd",
    "environment_cd",
    "trader",
    "admin_user",
]
REFUSED = {401, 403, 404, 405}
# Personas who must never see the walk's private records, on any page or list.
OUTSIDERS = {"anonymous", "member", "congo_officer", "licensing_cd", "inspector_cd",
             "environment_cd", "trader"}  # fmt: skip
# Names of the walk's private records: none may appear on a page or in an answer given to a
# persona outside their scope (an empty list is their fair answer). An awarded proposal's
# title is public, so the proposal is not among them.
PRIVATE_NAMES = ["Kwame Mensah", "Prestea Diggers", "Officer&#x27;s draft", "Officer's draft",
                 "Officer's export", "officer's script", "Ama Officer",
                 "Bo Private", "Kofi Applicant", "+233 20 000 0000", "GH-WALK-LOT",
                 "GH-WALK-FLAG", "GH-WALK-INCIDENT", "Yaw Whistle", "yaw@example.org"]  # fmt: skip
LOGIN = "/accounts/login/"


# --- The world: records of Ghana, owned by the Ghana data officer --------------------------


@pytest.fixture
def people(make_user, admin_user, ghana_officer, congo_officer, member, congo_cooperative):
    return {
        "member": member,
        "ghana_officer": ghana_officer,
        "congo_officer": congo_officer,
        "licensing_cd": make_user("lic", role=Role.LICENSING_OFFICER, countries=["CD"]),
        "inspector_cd": make_user("insp", role=Role.INSPECTOR, countries=["CD"]),
        "environment_cd": make_user("env", role=Role.ENVIRONMENT_OFFICER, countries=["CD"]),
        "trader": make_user("trader", role=Role.SUPPLY_CHAIN_ACTOR, organisation=congo_cooperative),
        "admin_user": admin_user,
        "reviewer": make_user("rev", role=Role.GRANTS_REVIEWER),
        "editor": make_user("edi", role=Role.LIBRARY_EDITOR),
    }


@pytest.fixture
def world(people, country, make_site, ghana_cooperative):
    """One record of every kind, in Ghana or owned by the Ghana data officer."""
    from casm.accounts.services import api_token_create
    from casm.core.models import Commodity
    from casm.core.services import job_enqueue
    from casm.events.services import registration_create
    from casm.events.tests.factories import make_event, registration_data
    from casm.grants import services as grants
    from casm.indicators.services import workforce_estimate_create
    from casm.library import services as library
    from casm.network import services as network
    from casm.network.tests import factories as network_factories
    from casm.registry import services as registry

    officer, admin, editor = people["ghana_officer"], people["admin_user"], people["editor"]
    gold = Commodity.objects.get(code="gold")
    ghana = country("GH")
    site = make_site("Prestea Gold Pit", "GH", commodities=[gold])
    visit = registry.site_visit_record(
        actor=None, site=site, date=datetime.date(2024, 3, 1), workers=40, men=30, women=10
    )
    operator = registry.operator_create(
        actor=None, country=ghana, kind="cooperative", name="Prestea Diggers", sites=[site]
    )
    miner = registry.miner_create(actor=None, country=ghana, name="Kwame Mensah", sex="m")
    production = registry.production_record_create(
        actor=None, site=site, commodity=gold, period="year", year=2024, quantity=120, unit="g"
    )
    estimate = workforce_estimate_create(
        actor=None, country=ghana, year=2020, value=1_100_000, source="Minerals Commission"
    )
    token, _raw = api_token_create(actor=officer, name="officer's script")
    job = job_enqueue(kind="core.audit_export", title="Officer's export", actor=officer)

    published = library.document_create(
        actor=editor,
        data={"title": "Mercury-free gold", "doc_type": "toolkit", "year": 2015},
        publish=True,
    )
    published_file = library.document_file_add(
        actor=editor, document=published, handle=io.BytesIO(b"Retorts."), name="r.txt",
        extract_now=False,
    )  # fmt: skip
    draft = library.document_create(
        actor=officer, data={"title": "Officer's draft", "doc_type": "report", "year": 2020}
    )
    library.document_file_add(
        actor=officer, document=draft, handle=io.BytesIO(b"Notes."), name="n.txt",
        extract_now=False,
    )  # fmt: skip
    comment = library.comment_add(actor=people["member"], document=published, body="Useful.")
    collection = library.collection_create(
        actor=editor, data={"title": "Mercury", "slug": "mercury"}, documents=[published]
    )

    fund = grants.fund_create(actor=admin, name="Small Grants Fund", currency="USD")
    donor = grants.donor_create(actor=admin, name="A donor")
    grants.contribution_create(
        actor=admin, donor=donor, fund=fund, amount="100000.00", currency="USD",
        date=datetime.date(2026, 1, 15),
    )  # fmt: skip
    today = timezone.localdate()
    call = grants.call_create(
        actor=admin, fund=fund, title="Mercury-free gold", budget="60000", max_award="30000",
        opens_on=today - datetime.timedelta(days=10),
        closes_on=today + datetime.timedelta(days=20),
        eligible_countries=[ghana], eligible_themes=["mercury"],
    )  # fmt: skip
    grants.criterion_create(actor=admin, call=call, name="Impact", weight="1", max_score="5")
    proposal = grants.proposal_create(
        actor=officer, call=call, title="Retorts for Tarkwa", summary="Retorts.", country=ghana,
        amount_requested=Decimal("20000"), budget_lines=[("Retorts", Decimal("20000"))],
        themes=["mercury"],
    )  # fmt: skip
    grants.proposal_submit(actor=officer, proposal=proposal)
    assignment = grants.review_assign(actor=admin, proposal=proposal, reviewer=people["reviewer"])
    award = grants.proposal_award(actor=admin, proposal=proposal, amount="20000", reasons="Good")

    event = make_event(
        capacity=5, registration_deadline=None,
        starts_on=today + datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=31),
    )  # fmt: skip
    registration = registration_create(
        actor=officer, event=event, data=registration_data(full_name="Ama Officer")
    )

    arm = network_factories.organisation("Alliance for Responsible Mining", "CO", acronym="ARM")
    private_person = network_factories.person("Bo Private", public=False)
    project = network_factories.project("Fairmined", arm)
    regional = network.regional_network_create(actor=None, data={"name": "Asia"})
    from casm.core.models import AdminArea

    area = AdminArea.objects.create(
        country=ghana, level=1, code="GH-WP", name="Western", min_x=-3.2, min_y=4.7, max_x=-1.5,
        max_y=6.5, area_ha=2.4e6, geometry={"type": "Polygon", "coordinates": [[[-3.2, 4.7],
        [-1.5, 4.7], [-1.5, 6.5], [-3.2, 6.5], [-3.2, 4.7]]]},
    )  # fmt: skip
    partnership = network.partnership_create(
        actor=None, data={"name": "Durban Process", "start": datetime.date(2003, 1, 1)}
    )
    from casm.licensing.models import Layer, LayerFeature, LicenceType

    title = LayerFeature.objects.create(
        layer=Layer.objects.create(country=ghana, kind="title"), code="PL-1", min_x=-2.0,
        min_y=5.3, max_x=-1.9, max_y=5.4, area_ha=12.0, geometry={"type": "Polygon",
        "coordinates": [[[-2.0, 5.3], [-1.9, 5.3], [-1.9, 5.4], [-2.0, 5.4], [-2.0, 5.3]]]},
    )  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile
    from shapely.geometry import box

    from casm.licensing.models import Licence
    from casm.licensing.services import application_file
    from casm.licensing.services.applications import Upload

    ssml = LicenceType.objects.get(country=ghana, code="SSML")
    application = application_file(
        actor=admin, country=ghana, licence_type=ssml, holder_kind="citizen",
        applicant_name="Kofi Applicant", applicant_contact="+233 20 000 0000",
        commodities=[Commodity.objects.get(code="gold")], geometry=box(-2.0, 5.5, -1.99, 5.51),
        documents=[Upload("Site plan", SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan"))],
    )  # fmt: skip
    licence = Licence.objects.create(
        country=ghana, licence_type=ssml, number="GH-SSML-2026-00001", holder_kind="citizen",
        holder_name="Kofi Applicant", area_ha=12.0, granted_on=today,
    )  # fmt: skip
    from casm.traceability import services as chain
    from casm.traceability.models import RedFlag

    ghana_actor = chain.actor_register(
        actor=None, organisation=ghana_cooperative, country=ghana, roles=["miner"]
    )
    batch = chain.tag_batch_issue(actor=None, country=ghana, site=site, numbers=["GH-WALK-TAG"])
    lot = chain.lot_produce(
        actor=None, producer=ghana_actor, site=site, tag="GH-WALK-TAG", commodity=gold,
        mass="100", unit="g", grade="85", number="GH-WALK-LOT",
    )  # fmt: skip
    flag = RedFlag.objects.create(
        kind="taxes", severity="medium", country=ghana, lot=lot, actor=ghana_actor,
        evidence={"text": "GH-WALK-FLAG"}, raised_at=timezone.now(),
    )  # fmt: skip
    from casm.traceability.models import ExportCertificate

    # Issued as it stands (its signature is not checked on the way: the walk asks who opens it).
    certificate = ExportCertificate.objects.create(
        identifier="GH-EC-WALK", country=ghana, operation=lot.made_by, status="issued",
        ore_type="gold", verified_on=today, data={"identifier": "GH-EC-WALK"},
        check_code="walk-check-code",
    )  # fmt: skip
    inspection = chain.inspection_record(
        actor=None, site=site, inspected_on=today, authority="Minerals Commission",
        findings=dict.fromkeys(chain.Criterion.values, "met"),
    )  # fmt: skip
    from casm.incidents.services import incident_report

    incident, _key = incident_report(
        actor=None, country=ghana, kind="extortion", occurred_on=today, site=site,
        description="GH-WALK-INCIDENT: a levy at the pit", reporter_name="Yaw Whistle",
        reporter_contact="yaw@example.org",
    )  # fmt: skip
    return {
        # Records that are not public: only their owner, their country and administrators.
        "private": {
            "site": site.pk, "visit": visit.pk, "operator": operator.pk, "miner": miner.pk,
            "production": production.pk, "organisation": ghana_cooperative.pk,
            "token": token.pk, "job": job.pk, "user": officer.pk,
            "role": officer.role_assignments.get().pk, "draft": draft.pk,
            "proposal": proposal.pk, "award": award.pk, "assignment": assignment.pk,
            "registration": registration.pk, "person": private_person.pk,
            "application_document": application.documents.get().pk,
            "lot": lot.pk, "operation": lot.made_by_id, "tag": "GH-WALK-TAG", "flag": flag.pk,
            "certificate": certificate.pk, "inspection": inspection.pk,
            "incident": incident.pk, "tag_batch": batch.pk,
        },
        "public": {
            "document": published.pk, "file": published_file.pk, "comment": comment.pk,
            "collection": collection.slug, "call": call.pk, "fund": fund.pk, "event": event.pk,
            "network_organisation": arm.pk, "project": project.pk, "regional": regional.pk,
            "partnership": partnership.pk, "alpha2": "GH", "pillar": "governance",
            "export_format": "csv", "ogc_collection": "titles", "title": title.pk,
            "licence_type": LicenceType.objects.get(code="PML").pk,
            "estimate": estimate.pk, "area": area.pk, "application": application.pk,
            "step": "screen", "licence": licence.pk, "chain_actor": ghana_actor.pk,
            "check_code": certificate.check_code, "public_site": site.pk,
            "check_rule": "productivity", "open_data_table": "production",
        },
    }  # fmt: skip


# Which record a URL parameter names, by the part of the path before it.
def _record_for(path: str, name: str) -> str:
    plain = {
        "site_id": "site", "visit_id": "visit", "operator_id": "operator", "miner_id": "miner",
        "record_id": "production", "organisation_id": "organisation", "token_id": "token",
        "job_id": "job", "user_id": "user", "estimate_id": "estimate", "alpha2": "alpha2",
        "document_id": "document", "file_id": "file", "slug": "collection", "call_id": "call",
        "fund_id": "fund", "proposal_id": "proposal", "award_id": "award",
        "registration_id": "registration", "event_id": "event", "person_id": "person",
        "network_id": "regional", "partnership_id": "partnership", "project_id": "project",
        "pillar": "pillar", "area_id": "area", "fmt": "export_format",
        "collection_id": "ogc_collection", "feature_id": "title", "type_id": "licence_type",
        "step": "step", "application_id": "application", "objection_id": "application",
        "licence_id": "licence", "invoice_id": "licence", "lot_id": "lot",
        "operation_id": "operation", "number": "tag", "flag_id": "flag",
        "actor_id": "chain_actor", "certificate_id": "certificate", "check_code": "check_code",
        "inspection_id": "inspection", "incident_id": "incident", "rule": "check_rule",
        "table": "open_data_table", "batch_id": "tag_batch",
    }  # fmt: skip
    if name == "site_id" and path.rstrip("/").endswith("/status"):
        return "public_site"  # a site's status page is public, as the site list is
    if name == "document" and path.startswith("licensing/applications/"):
        return "application_document"
    if name == "assignment_id":
        return "assignment" if "grants" in path else "role"
    if name == "organisation_id" and "network" in path:
        return "network_organisation"
    if name == "document_id" and "files" not in path:
        return "document"
    if name != "pk":
        return plain[name]
    for prefix, record in [
        ("library/comments/", "comment"), ("library/", "document"),
        ("grants/secretariat/calls/", "call"), ("grants/secretariat/proposals/", "proposal"),
        ("grants/secretariat/awards/", "award"), ("grants/calls/", "call"),
        ("grants/proposals/", "proposal"), ("grants/awards/", "award"),
        ("grants/reviews/", "assignment"), ("events/registrations/", "registration"),
        ("events/", "event"), ("network/organisations/", "network_organisation"),
        ("network/people/", "person"), ("network/partnerships/", "partnership"),
        ("network/projects/", "project"), ("licensing/types/", "licence_type"),
        ("licensing/applications/", "application"), ("licensing/licences/", "licence"),
    ]:  # fmt: skip
        if path.startswith(prefix):
            return record
    raise LookupError(f"no record for {name} in {path}")


# Who may open a record that is not public, besides the administrators: the Ghana data
# officer (their country's records and their own), or as below.
OWNERS = {"assignment": "reviewer", "person": "admin_user", "user": "admin_user",
          "role": "admin_user", "lot": "admin_user", "operation": "admin_user",
          "tag": "admin_user", "flag": "admin_user", "certificate": "admin_user",
          "inspection": "admin_user", "tag_batch": "admin_user"}  # fmt: skip
# Pages of a reviewer's own assignment: not even an administrator opens them.
OWNER_ONLY = ("grants/reviews/<int:pk>/", "grants/reviews/<int:pk>/conflict/")
# What the administrator meets on pages whose record lacks something in this world: the
# export job has no file yet, is no census import, the proposal has no attachment and is no
# longer a draft. They still show that the URL reached the view.
EXPECTED = {
    "jobs/<int:job_id>/download": {404},
    "imports/<int:job_id>/": {404},
    "grants/proposals/<int:pk>/attachment/": {404},
    "grants/proposals/<int:pk>/edit/": {403},
}
# Library drafts are reached through the document URLs: the edit pages take the draft.
DRAFT_PAGES = ("library/<int:pk>/edit/", "library/<int:pk>/files/", "library/<int:pk>/submit/")
# Not for a walk: they end the session or need a one-time link.
SKIPPED = ("accounts/logout/", "accounts/password/reset/<uidb64>/<token>/", "i18n/setlang/")


def _web_endpoints() -> list[tuple[str, Any]]:
    def walk(patterns: Any, prefix: str = "") -> Any:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    return [(path, view) for path, view in walk(get_resolver().url_patterns)
            if not path.startswith("api/")]  # fmt: skip


def _api_operations() -> list[tuple[str, str, Any]]:
    from casm.api import api

    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append((path, method, operation.view_func))
    return found


def _fill(path: str, world: dict[str, Any], *, draft: bool = False) -> tuple[str, set[str]]:
    """The URL with its parameters filled, and who may open it: the owners of the records it
    names that are not public (an empty set when all are public)."""
    owners: set[str] = set()

    def value(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        record = "draft" if draft and name == "pk" else _record_for(path, name)
        if record in world["private"]:
            owners.add(OWNERS.get(record, "ghana_officer"))
        return str({**world["public"], **world["private"]}[record])

    return re.sub(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", value, path), owners


def _holds(user: Any, access: str) -> bool:
    if access == PUBLIC:
        return True
    if user is None:
        return False
    return access == SIGNED_IN or permissions.can(user, access)


def _check(report: list[str], label: str, persona: str, status: int, ok: set[int] | None,
           *, location: str = "", refused: bool, listing: bytes | None = None) -> None:  # fmt: skip
    if listing is not None and status == 200:
        text = listing.decode("utf-8", "replace")
        leaked = [name for name in PRIVATE_NAMES if name in text]
        if leaked:
            report.append(f"{label} as {persona}: shows {leaked}")
        return
    if status >= 500:
        report.append(f"{label} as {persona}: server error {status}")
    elif refused:
        login = status == 302 and location.startswith(LOGIN)
        if status not in REFUSED and not login:
            report.append(f"{label} as {persona}: {status}, expected a refusal")
    elif ok is not None and status not in ok:
        report.append(f"{label} as {persona}: {status}, expected one of {sorted(ok)}")


def _body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_every_endpoint_declares_who_may_reach_it():
    undeclared = [path for path, view in _web_endpoints()
                  if permissions.endpoint_access(view) is None]  # fmt: skip
    undeclared += [f"api {method} {path}" for path, method, view in _api_operations()
                   if permissions.endpoint_access(view) is None]  # fmt: skip
    assert undeclared == []


def test_every_web_page_as_every_persona(people, world):
    report: list[str] = []
    clients = {"anonymous": Client()}
    for name in PERSONAS[1:] + ["reviewer"]:
        clients[name] = Client()
        clients[name].force_login(people[name])
    for template, view in _web_endpoints():
        if template.startswith(SKIPPED):
            continue
        access = permissions.endpoint_access(view)
        url, owners = _fill(template, world, draft=template in DRAFT_PAGES)
        url, private = "/" + url, bool(owners)
        for persona in PERSONAS + sorted(owners - set(PERSONAS)):
            user = people.get(persona)
            admin = persona == "admin_user" and template not in OWNER_ONLY
            in_scope = persona in owners or admin
            refused = not _holds(user, access) or (private and not in_scope)
            response = clients[persona].get(url)
            expected = None
            if in_scope or (admin and not private):
                expected = EXPECTED.get(template, {200, 302, 405})
            listing = _body(response) if persona in OUTSIDERS and not private else None
            _check(report, f"GET {url}", persona, response.status_code, expected,
                   location=response.get("Location", ""), refused=refused,
                   listing=listing)  # fmt: skip
            if refused and persona != "anonymous" and private:
                response = clients[persona].post(url, {})
                _check(report, f"POST {url}", persona, response.status_code, None,
                       location=response.get("Location", ""), refused=True)  # fmt: skip
    assert report == [], "\n".join(report)


def test_every_api_operation_as_every_persona(people, world, token_for):
    report: list[str] = []
    headers = {"anonymous": {}}
    for name in PERSONAS[1:] + ["reviewer"]:
        headers[name] = token_for(people[name])
    client = Client()
    for template, method, view in _api_operations():
        access = permissions.endpoint_access(view)
        url, owners = _fill(template, world)
        url, private = "/api/v1" + url, bool(owners)
        for persona in PERSONAS + sorted(owners - set(PERSONAS)):
            user = people.get(persona)
            in_scope = persona in owners or persona == "admin_user"
            refused = not _holds(user, access) or (private and not in_scope)
            if method != "GET" and not refused:
                continue  # writes are sent only where they must be refused
            response = getattr(client, method.lower())(
                url, {}, content_type="application/json", **headers[persona]
            ) if method != "GET" else client.get(url, **headers[persona])  # fmt: skip
            expected = {200, 204, 302} if in_scope and method == "GET" else None
            status = response.status_code
            if method != "GET" and status == 422:
                continue  # refused for its empty body, before any record is read
            listing = (
                _body(response)
                if persona in OUTSIDERS and not private and method == "GET"
                else None
            )
            _check(report, f"{method} {url}", persona, status, expected, refused=refused,
                   listing=listing)  # fmt: skip
    assert report == [], "\n".join(report)
