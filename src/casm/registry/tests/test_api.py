import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from casm.accounts.models import User
from casm.core.models import Commodity
from casm.registry import services
from casm.registry.models import Miner, Operator, ProductionRecord, Site, SiteVisit
from casm.registry.selectors import PUBLIC_SITE_FIELDS
from casm.registry.tests import factories

LAST_YEAR = datetime.date.today().year - 1


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def ghana_member(make_user):
    """A member of the Ghanaian team: sees Ghana's registry, edits nothing."""
    return make_user("kofi", role=User.Role.MEMBER, countries=["GH"])


@pytest.fixture
def world(make_site):
    """A Ghanaian site with a visit, an operator, a miner and production; a possible duplicate."""
    gold = Commodity.objects.get(code="gold")
    site = make_site("Prestea Gold Pit", "GH", commodities=[gold], legal_status="informal")
    duplicate = make_site("Prestea Gold Pitt", "GH", latitude=6.2001, longitude=-1.7001)
    assert duplicate.duplicate_of == site
    visit = factories.make_visit(site, datetime.date(LAST_YEAR, 3, 1), workers=40, men=30, women=10)
    operator = factories.make_operator("Prestea Diggers", sites=[site])
    miner = factories.make_miner("Kwame Mensah", sites=[site])
    record = factories.make_production(site=site)
    return {
        "site": site.pk,
        "duplicate": duplicate.pk,
        "visit": visit.pk,
        "operator": operator.pk,
        "miner": miner.pk,
        "production": record.pk,
    }


PERSONAS = ["anonymous", "member", "ghana_member", "congo_officer", "ghana_officer", "admin_user"]
READ = {"anonymous": 401, "member": 404, "ghana_member": 200, "congo_officer": 404}
LIST = {"anonymous": 401, "member": 200, "ghana_member": 200, "congo_officer": 200}
EDIT = {"anonymous": 401, "member": 404, "ghana_member": 403, "congo_officer": 404}
CREATE = {"anonymous": 401, "member": 403, "ghana_member": 403, "congo_officer": 403}
# Creating something that names a Ghanaian site or operator: unknown outside scope.
CREATE_LINKED = {"anonymous": 401, "member": 422, "ghana_member": 403, "congo_officer": 422}
PUBLIC = {"anonymous": 200, "member": 200, "ghana_member": 200, "congo_officer": 200}


def _site_body(w):
    return {"country": "GH", "name": "Tarkwa Banket", "latitude": 5.3, "longitude": -2.0}


ENDPOINTS = [
    ("get", "/sites", None, LIST, 200),
    ("get", "/sites.geojson", None, LIST, 200),
    ("get", "/sites/export?format=csv", None, LIST, 200),
    ("get", "/sites/{site}", None, READ, 200),
    ("post", "/sites", _site_body, CREATE, 201),
    ("patch", "/sites/{site}", lambda w: {"admin1": "Western"}, EDIT, 200),
    ("post", "/sites/{duplicate}/merge", lambda w: {"into": w["site"]}, EDIT, 200),
    ("post", "/sites/{duplicate}/dismiss-duplicate", None, EDIT, 200),
    (
        "post",
        "/sites/{site}/certifications",
        lambda w: {"status": "green", "valid_from": f"{LAST_YEAR}-06-01"},
        EDIT,
        201,
    ),
    ("get", "/public/sites", None, PUBLIC, 200),
    ("get", "/public/sites.geojson", None, PUBLIC, 200),
    ("get", "/public/sites/export?format=csv", None, PUBLIC, 200),
    ("get", "/visits", None, LIST, 200),
    ("get", "/visits/export?format=xlsx", None, LIST, 200),
    ("get", "/visits/{visit}", None, READ, 200),
    (
        "post",
        "/visits",
        lambda w: {"site": w["site"], "date": f"{LAST_YEAR}-09-01", "workers": 12},
        CREATE_LINKED,
        201,
    ),
    ("patch", "/visits/{visit}", lambda w: {"pits": 4}, EDIT, 200),
    ("get", "/operators", None, LIST, 200),
    ("get", "/operators/export", None, LIST, 200),
    ("get", "/operators/{operator}", None, READ, 200),
    (
        "post",
        "/operators",
        lambda w: {"country": "GH", "kind": "company", "name": "Akoon Mining"},
        CREATE,
        201,
    ),
    ("patch", "/operators/{operator}", lambda w: {"member_count": 45}, EDIT, 200),
    ("get", "/miners", None, LIST, 200),
    ("get", "/miners/{miner}", None, READ, 200),
    ("post", "/miners", lambda w: {"country": "GH", "name": "Esi Owusu", "sex": "f"}, CREATE, 201),
    ("patch", "/miners/{miner}", lambda w: {"roles": ["washer"]}, EDIT, 200),
    ("get", "/production", None, LIST, 200),
    ("get", "/production/export?format=xlsx", None, LIST, 200),
    ("get", "/production/{production}", None, READ, 200),
    (
        "post",
        "/production",
        lambda w: {
            "site": w["site"],
            "commodity": "gold",
            "period": "month",
            "year": LAST_YEAR,
            "period_number": 5,
            "quantity": "12.5",
            "unit": "g",
        },
        CREATE_LINKED,
        201,
    ),
    ("patch", "/production/{production}", lambda w: {"quantity": "130"}, EDIT, 200),
    ("delete", "/production/{production}", None, EDIT, 204),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected", "allowed"),
    ENDPOINTS,
    ids=[f"{method} {path}" for method, path, *_rest in ENDPOINTS],
)
def test_every_endpoint_answers_each_persona_as_its_scope_allows(
    client, request, token_for, world, persona, method, path, body, expected, allowed
):
    headers = {}
    if persona != "anonymous":
        headers = token_for(request.getfixturevalue(persona))
    url = "/api/v1" + path.format(**world)
    kwargs = {"content_type": "application/json"}
    if body is not None:
        kwargs["data"] = json.dumps(body(world))
    response = getattr(client, method)(url, **kwargs, **headers)
    status = expected.get(persona, allowed)
    assert response.status_code == status, body_of(response)[:500]
    if status >= 400:
        assert error_of(response)["code"] in {
            "unauthenticated",
            "forbidden",
            "not_found",
            "invalid",
        }


def test_an_officer_lists_only_their_countrys_sites(
    client, token_for, world, make_site, congo_officer
):
    make_site("Kamituga", "CD")
    page = client.get("/api/v1/sites", **token_for(congo_officer)).json()
    assert page["count"] == 1
    assert [site["name"] for site in page["items"]] == ["Kamituga"]


def test_the_site_list_takes_every_filter_of_the_web(client, token_for, admin_user, make_site):
    gold = Commodity.objects.get(code="gold")
    tin = Commodity.objects.get(code="tin")
    make_site("Obuasi Galamsey", "GH", commodities=[gold], legal_status="informal")
    make_site("Kalimbi", "CD", commodities=[tin], legal_status="licensed", admin1="Sud-Kivu")
    far = make_site("Mugogo", "CD", latitude=-1.5, longitude=29.0, commodities=[gold])
    services.site_visit_record(
        actor=None, site=far, date=datetime.date(LAST_YEAR, 1, 1), boys_under_15=3, mercury_use=True
    )
    headers = token_for(admin_user)

    def names(**params):
        page = client.get("/api/v1/sites", params, **headers)
        assert page.status_code == 200, page.content
        return {site["name"] for site in page.json()["items"]}

    assert names(country="CD") == {"Kalimbi", "Mugogo"}
    assert names(country="COD") == {"Kalimbi", "Mugogo"}
    assert names(commodity="gold") == {"Obuasi Galamsey", "Mugogo"}
    assert names(legal_status="licensed") == {"Kalimbi"}
    assert names(admin1="sud-kivu") == {"Kalimbi"}
    assert names(children_present="true") == {"Mugogo"}
    assert names(mercury_use="1") == {"Mugogo"}
    assert names(q="galam") == {"Obuasi Galamsey"}
    assert names(bbox="28.5,-2,29.5,-1") == {"Mugogo"}
    assert names(country="CD", commodity="gold", limit=1) == {"Mugogo"}


def test_sites_come_back_with_commodity_codes_and_alpha2_country(
    client, token_for, world, admin_user
):
    site = client.get(f"/api/v1/sites/{world['site']}", **token_for(admin_user)).json()
    assert site["country"] == "GH"
    assert site["commodities"] == ["gold"]
    assert site["workers"] == 40
    assert site["code"].startswith("GH+6.2000-1.7000-")


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "north of here"},
        {"bbox": "1,2,3"},
        {"bbox": "10,10,0,0"},
        {"commodity": "unobtainium"},
        {"country": "ZZ"},
        {"legal_status": "pirate"},
        {"children_present": "maybe"},
        {"certification_status": "purple"},
        {"limit": "many"},
        {"country": "TOOLONG"},
    ],
)
def test_bad_site_filters_are_refused_with_the_field_never_a_server_error(
    client, token_for, admin_user, params
):
    for path in ("/api/v1/sites", "/api/v1/sites.geojson", "/api/v1/public/sites"):
        if "limit" in params and path.endswith(".geojson"):
            continue  # GeoJSON is not paginated
        response = client.get(path, params, **token_for(admin_user))
        assert response.status_code == 422, (path, response.content)
        error = error_of(response)
        assert error["code"] == "invalid"
        assert error["details"][0]["field"] == next(iter(params))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 95}, "latitude"),
        ({"longitude": -200}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"name": ""}, "name"),
        ({"country": "ZZ"}, "country"),
        ({"commodities": ["gold", "kryptonite"]}, "commodities.1"),
        ({"mining_methods": ["blasting"]}, "mining_methods.0"),
        ({"legal_status": 3}, "legal_status"),
        ({"latitude": 48.85, "longitude": 2.35}, "latitude"),  # Paris is not in Ghana
    ],
)
def test_a_bad_site_is_refused_with_the_field_named(client, token_for, ghana_officer, body, field):
    data = {"country": "GH", "name": "Tarkwa Banket", "latitude": 5.3, "longitude": -2.0, **body}
    response = client.post(
        "/api/v1/sites", data, content_type="application/json", **token_for(ghana_officer)
    )
    assert response.status_code == 422, response.content
    assert field in {detail["field"] for detail in error_of(response)["details"]}
    assert not Site.objects.exists()


def test_a_point_outside_the_country_is_kept_with_a_reason(client, token_for, ghana_officer):
    data = {"country": "GH", "name": "Border camp", "latitude": 48.85, "longitude": 2.35}
    data |= {"override_location": True, "location_note": "GPS of the buying office"}
    response = client.post(
        "/api/v1/sites", data, content_type="application/json", **token_for(ghana_officer)
    )
    assert response.status_code == 201, response.content
    assert response.json()["location_note"] == "GPS of the buying office"


def test_a_malformed_body_is_refused_not_a_server_error(client, token_for, ghana_officer):
    headers = token_for(ghana_officer)
    for path in ("/api/v1/sites", "/api/v1/visits", "/api/v1/production", "/api/v1/miners"):
        response = client.post(path, "{not json", content_type="application/json", **headers)
        assert response.status_code in {400, 422}, (path, response.content)
        error_of(response)
        response = client.post(path, [1, 2], content_type="application/json", **headers)
        assert response.status_code == 422, (path, response.content)


def test_a_site_is_created_updated_and_its_commodities_replaced(client, token_for, ghana_officer):
    headers = token_for(ghana_officer)
    created = client.post(
        "/api/v1/sites",
        {
            "country": "gh",
            "name": "Tarkwa Banket",
            "latitude": 5.3,
            "longitude": -2.0,
            "commodities": ["gold"],
            "mining_methods": ["alluvial"],
        },
        content_type="application/json",
        **headers,
    )
    assert created.status_code == 201, created.content
    site = created.json()
    assert (site["commodities"], site["mining_methods"]) == (["gold"], ["alluvial"])
    changed = client.patch(
        f"/api/v1/sites/{site['id']}",
        {"commodities": ["diamond", "gold"], "legal_status": "licensed"},
        content_type="application/json",
        **headers,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["commodities"] == ["diamond", "gold"]
    assert changed.json()["legal_status"] == "licensed"
    assert changed.json()["name"] == "Tarkwa Banket"


def test_merging_keeps_the_visits_of_both_sites(client, token_for, world, ghana_officer):
    duplicate = Site.objects.get(pk=world["duplicate"])
    services.site_visit_record(actor=None, site=duplicate, date=datetime.date(LAST_YEAR, 4, 1))
    response = client.post(
        f"/api/v1/sites/{world['duplicate']}/merge",
        {"into": world["site"]},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 200, response.content
    assert not Site.objects.filter(pk=world["duplicate"]).exists()
    assert SiteVisit.objects.filter(site_id=world["site"]).count() == 2
    itself = client.post(
        f"/api/v1/sites/{world['site']}/merge",
        {"into": world["site"]},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert itself.status_code == 422


def test_a_site_cannot_be_merged_into_a_site_outside_scope(
    client, token_for, world, make_site, ghana_officer
):
    kamituga = make_site("Kamituga", "CD")
    response = client.post(
        f"/api/v1/sites/{world['duplicate']}/merge",
        {"into": kamituga.pk},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == "into"
    assert Site.objects.filter(pk=world["duplicate"]).exists()


def test_dismissing_a_duplicate_clears_the_flag(client, token_for, world, ghana_officer):
    headers = token_for(ghana_officer)
    flagged = client.get("/api/v1/sites", {"duplicates": "true"}, **headers).json()
    assert [site["id"] for site in flagged["items"]] == [world["duplicate"]]
    response = client.post(f"/api/v1/sites/{world['duplicate']}/dismiss-duplicate", **headers)
    assert response.json()["duplicate_of"] is None
    assert response.json()["duplicate_dismissed"] is True
    assert client.get("/api/v1/sites", {"duplicates": "true"}, **headers).json()["count"] == 0


def test_certifying_shows_on_the_site(client, token_for, world, ghana_officer):
    headers = token_for(ghana_officer)
    response = client.post(
        f"/api/v1/sites/{world['site']}/certifications",
        {"status": "green", "valid_from": f"{LAST_YEAR}-06-01"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    site = client.get(f"/api/v1/sites/{world['site']}", **headers).json()
    assert site["certification_status"] == "green"
    assert (
        client.get("/api/v1/sites", {"certification_status": "green"}, **headers).json()["count"]
        == 1
    )
    future = client.post(
        f"/api/v1/sites/{world['site']}/certifications",
        {"status": "purple", "valid_from": "2999-01-01"},
        content_type="application/json",
        **headers,
    )
    assert future.status_code == 422
    assert error_of(future)["details"][0]["field"] == "status"


def test_a_visit_is_recorded_and_the_site_follows_it(client, token_for, world, ghana_officer):
    headers = token_for(ghana_officer)
    response = client.post(
        "/api/v1/visits",
        {
            "site": world["site"],
            "date": f"{LAST_YEAR}-10-01",
            "workers": 20,
            "men": 15,
            "women": 3,
            "boys_15_17": 2,
            "commodities": [{"commodity": "gold", "selling_point": "Tarkwa"}],
            "armed_activities": ["taxation"],
            "armed_presence": True,
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    assert response.json()["children"] == 2
    site = client.get(f"/api/v1/sites/{world['site']}", **headers).json()
    assert (site["workers"], site["children_present"], site["armed_presence"]) == (20, True, True)
    visits = client.get("/api/v1/visits", {"site": world["site"]}, **headers).json()
    assert visits["count"] == 2
    since = client.get("/api/v1/visits", {"date_from": f"{LAST_YEAR}-06-01"}, **headers).json()
    assert since["count"] == 1
    armed = client.get("/api/v1/visits", {"armed_presence": "true"}, **headers).json()
    assert armed["count"] == 2  # every visit of a site where armed actors are now present


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"workers": -1}, "workers"),
        ({"workers": 5, "men": 4, "women": 4}, "workers"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"commodities": [{"commodity": "kryptonite"}]}, "commodities.0.commodity"),
        ({"state_services": ["ufo_patrol"]}, "state_services.0"),
        ({"reached": False}, "not_reached_reason"),
        ({"site": "one"}, "site"),
    ],
)
def test_a_bad_visit_is_refused_with_the_field_named(
    client, token_for, world, ghana_officer, body, field
):
    data = {"site": world["site"], "date": f"{LAST_YEAR}-10-01", **body}
    response = client.post(
        "/api/v1/visits", data, content_type="application/json", **token_for(ghana_officer)
    )
    assert response.status_code == 422, response.content
    assert field in {detail["field"] for detail in error_of(response)["details"]}
    assert SiteVisit.objects.count() == 1


def test_operators_and_miners_are_linked_within_scope(
    client, token_for, world, make_site, ghana_officer
):
    headers = token_for(ghana_officer)
    kamituga = make_site("Kamituga", "CD")
    elsewhere = client.post(
        "/api/v1/operators",
        {"country": "GH", "kind": "company", "name": "X", "sites": [kamituga.pk]},
        content_type="application/json",
        **headers,
    )
    assert elsewhere.status_code == 422
    assert error_of(elsewhere)["details"][0]["field"] == "sites"
    miner = client.post(
        "/api/v1/miners",
        {
            "country": "GH",
            "name": "Akosua Boateng",
            "sex": "f",
            "roles": ["washer", "trader"],
            "operator": world["operator"],
            "sites": [world["site"]],
            "year_of_birth": 1990,
        },
        content_type="application/json",
        **headers,
    )
    assert miner.status_code == 201, miner.content
    assert miner.json()["operator"] == world["operator"]
    operator = client.get(f"/api/v1/operators/{world['operator']}", **headers).json()
    assert operator["sites"] == [world["site"]]
    miners = client.get("/api/v1/miners", {"operator": world["operator"]}, **headers).json()
    assert [m["name"] for m in miners["items"]] == ["Akosua Boateng"]
    bad = client.post(
        "/api/v1/miners",
        {"country": "GH", "name": "Y", "sex": "x", "roles": ["wizard"]},
        content_type="application/json",
        **headers,
    )
    assert {d["field"] for d in error_of(bad)["details"]} >= {"sex", "roles.0"}


def test_production_is_recorded_changed_and_deleted(client, token_for, world, ghana_officer):
    headers = token_for(ghana_officer)
    carats = client.post(
        "/api/v1/production",
        {
            "site": world["site"],
            "commodity": "gold",
            "period": "year",
            "year": LAST_YEAR,
            "quantity": 3,
            "unit": "ct",
        },
        content_type="application/json",
        **headers,
    )
    assert carats.status_code == 422
    assert error_of(carats)["details"][0]["field"] == "unit"
    listed = client.get(
        "/api/v1/production", {"commodity": "gold", "year": LAST_YEAR}, **headers
    ).json()
    assert listed["count"] == 1
    assert listed["items"][0]["commodity"] == "gold"
    assert listed["items"][0]["quantity"] == 120
    unknown = client.get("/api/v1/production", {"commodity": "kryptonite"}, **headers)
    assert unknown.status_code == 422
    changed = client.patch(
        f"/api/v1/production/{world['production']}",
        {"quantity": "2", "unit": "kg"},
        content_type="application/json",
        **headers,
    )
    assert changed.json()["quantity_base"] == 2000
    deleted = client.delete(f"/api/v1/production/{world['production']}", **headers)
    assert deleted.status_code == 204
    assert not ProductionRecord.objects.exists()


def test_the_public_site_list_has_public_fields_only(client, world):
    page = client.get("/api/v1/public/sites").json()
    assert page["count"] == 2
    public = {"country" if f == "country__alpha2" else f for f in PUBLIC_SITE_FIELDS}
    for item in page["items"]:
        assert set(item) == public | {"commodities"}
    collection = json.loads(body_of(client.get("/api/v1/public/sites.geojson")))
    assert collection["type"] == "FeatureCollection"
    properties = collection["features"][0]["properties"]
    assert set(properties) == (public | {"commodities"}) - {"latitude", "longitude"}


def test_the_scoped_geojson_has_every_field(client, token_for, world, ghana_officer):
    response = client.get("/api/v1/sites.geojson", **token_for(ghana_officer))
    assert response["Content-Type"] == "application/geo+json"
    collection = json.loads(body_of(response))
    feature = next(f for f in collection["features"] if f["properties"]["id"] == world["site"])
    assert feature["geometry"] == {"type": "Point", "coordinates": [-1.7, 6.2]}
    assert feature["properties"]["workers"] == 40
    assert feature["properties"]["commodities"] == ["gold"]


def test_exports_download_in_each_format(client, token_for, world, ghana_officer):
    headers = token_for(ghana_officer)
    csv_text = body_of(client.get("/api/v1/sites/export", {"format": "csv"}, **headers))
    assert b"Prestea Gold Pit" in csv_text
    xlsx = client.get("/api/v1/visits/export", {"format": "xlsx"}, **headers)
    assert xlsx["Content-Disposition"].startswith("attachment; filename=")
    sheet = load_workbook(io.BytesIO(body_of(xlsx)), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("id", "site_id", "site_code")
    assert len(rows) == 2
    bad = client.get("/api/v1/sites/export", {"format": "pdf"}, **headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/operators/export", {"format": "geojson"}, **headers).status_code == (
        422
    )


def test_the_site_list_does_not_query_per_site(
    client, token_for, admin_user, make_site, django_assert_max_num_queries
):
    gold, tin = Commodity.objects.filter(code__in=["gold", "tin"])
    headers = token_for(admin_user)
    client.get("/api/v1/sites", **headers)  # warm the token's last use

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page = client.get("/api/v1/sites", {"country": "GH", "limit": 50}, **headers)
        assert page.status_code == 200
        return len(captured), page.json()["count"]

    for number in range(3):
        make_site(f"Site {number}", "GH", latitude=6 + number / 10, commodities=[gold, tin])
    few, counted = count_queries()
    assert counted == 3
    for number in range(3, 30):
        make_site(f"Site {number}", "GH", latitude=6 + number / 10, commodities=[gold, tin])
    with django_assert_max_num_queries(few):
        client.get("/api/v1/sites", {"country": "GH", "limit": 50}, **headers)
    with django_assert_max_num_queries(10):
        client.get("/api/v1/public/sites", {"limit": 50})
    for path in ("/api/v1/visits", "/api/v1/operators", "/api/v1/miners", "/api/v1/production"):
        with django_assert_max_num_queries(10):
            assert client.get(path, **headers).status_code == 200


def test_miners_are_never_reachable_without_scope(client, token_for, world, congo_officer):
    assert client.get("/api/v1/miners").status_code == 401
    assert client.get(f"/api/v1/miners/{world['miner']}").status_code == 401
    assert client.get("/api/v1/miners", **token_for(congo_officer)).json()["count"] == 0
    assert Miner.objects.count() == 1
    assert Operator.objects.count() == 1


def test_the_site_list_total_follows_new_sites(client, make_site):
    make_site("First")
    assert client.get("/api/v1/public/sites?country=GH").json()["count"] == 1
    make_site("Second", latitude=5.5, longitude=-2.0)
    assert client.get("/api/v1/public/sites?country=GH").json()["count"] == 2
