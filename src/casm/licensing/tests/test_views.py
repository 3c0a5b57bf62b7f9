"""The cadastre's pages and API as a visitor, an officer and an administrator use them."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from shapely.geometry import box, mapping

from casm.core.permissions import Role
from casm.licensing.models import LayerFeature

from .factories import TITLE_PE, TITLES_MAPPING, ZONE, collection, load_cadastre, title

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadastre(tmp_path, country):
    load_cadastre(tmp_path, country("CD"))
    return country("CD")


def _over_the_permit():
    west, south, east, north = TITLE_PE
    return box(west + 0.01, south + 0.01, east + 0.01, north + 0.01)


def test_a_visitor_reads_the_cadastre_filters_it_and_downloads_it(client, cadastre):
    page = client.get("/licensing/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "101" in text and "ZEA-001" in text and "Parc test" in text
    zones = client.get("/licensing/", {"kind": "asm_zone"}).content.decode()
    assert "ZEA-001" in zones and "SOCIETE MINIERE TEST" not in zones
    csv = b"".join(client.get("/licensing/cadastre.csv", {"kind": "title"}).streaming_content)
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:3] == ["kind", "code", "name"] and len(lines) == 2
    shapes = client.get("/licensing/cadastre.geojson", {"kind": "protected"})
    document = json.loads(b"".join(shapes.streaming_content))
    (park,) = document["features"]
    assert park["geometry"]["type"] == "Polygon" and park["properties"]["name"] == "Parc test"
    assert client.get("/licensing/cadastre.xlsx").status_code == 404


def test_the_cadastre_is_empty_before_any_layer_is_loaded(client):
    text = client.get("/licensing/").content.decode()
    assert "No layer of the cadastre has been loaded yet." in text


def test_the_licence_types_show_their_source_in_english_and_french(client):
    english = client.get("/licensing/types/").content.decode()
    assert "Primary Mining Licence" in english and "Mining Act" in english
    french = client.get("/licensing/types/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Carte d&#x27;exploitant artisanal" in french or "Carte d'exploitant artisanal" in french
    assert "Types de licence" in french


def test_a_visitor_checks_an_area_typed_as_corners_and_reads_why_in_french(client, cadastre):
    west, south, east, north = _over_the_permit().bounds
    corners = f"{south}, {west}\n{south}, {east}\n{north}, {east}\n{north}, {west}"
    page = client.post(
        "/licensing/precheck/", {"country": cadastre.pk, "corners": corners},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert page.status_code == 200
    text = page.content.decode()
    assert "Une demande sur cette zone serait refusée" in text
    assert "La zone empiète sur le titre 101" in text


def test_a_bad_area_is_refused_on_the_form_with_the_line(client, cadastre):
    page = client.post("/licensing/precheck/", {"country": cadastre.pk, "corners": "1 2\nx y"})
    assert page.status_code == 422
    assert "Line 2: “x y” is not a corner" in page.content.decode()
    empty = client.post("/licensing/precheck/", {"country": cadastre.pk})
    assert "Give the area" in empty.content.decode()


def test_an_uploaded_geojson_area_is_checked(client, cadastre):
    upload = io.BytesIO(json.dumps(mapping(_over_the_permit())).encode())
    upload.name = "area.geojson"
    page = client.post("/licensing/precheck/", {"country": cadastre.pk, "area_file": upload})
    assert "An application over this area would be refused" in page.content.decode()


def test_the_api_prechecks_an_area_and_says_the_verdict_in_the_readers_language(client, cadastre):
    answer = client.post(
        "/api/v1/licensing/precheck",
        {"country": "CD", "area": mapping(_over_the_permit())},
        content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert answer.status_code == 200
    data = answer.json()
    assert data["verdict"] == "blocks" and data["layer_versions"]["title"] == 1
    (finding,) = data["findings"]
    assert finding["feature"] == {"kind": "title", "code": "101", "name": "101"}
    assert finding["message"].startswith("La zone empiète sur le titre 101")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"country": "CD"}, "area"),
        ({"country": "XX", "corners": "1 2\n2 3\n3 1"}, "country"),
        ({"country": "CD", "licence_type": "PML", "corners": "1 2\n2 3\n3 1"}, "licence_type"),
        ({"country": "CD", "corners": "1 2\n2 3"}, "corners"),
        ({"country": "CD", "area": {"type": "Point", "coordinates": [1, 2]}}, "area"),
    ],
)
def test_the_api_refuses_a_bad_precheck_naming_the_field(client, cadastre, body, field):
    answer = client.post("/api/v1/licensing/precheck", body, content_type="application/json")
    assert answer.status_code == 422
    assert field in [detail["field"].split(".")[-1] for detail in answer.json()["error"]["details"]]


def test_the_api_lists_features_in_pages_with_shapes_on_request(client, cadastre):
    page = client.get("/api/v1/licensing/features", {"kind": "title", "limit": 1}).json()
    assert page["count"] == 1 and page["items"][0]["geometry"] is None
    assert page["items"][0]["bbox"] == pytest.approx(list(TITLE_PE))
    shaped = client.get("/api/v1/licensing/features", {"shapes": "true"}).json()
    assert all(item["geometry"]["type"] == "Polygon" for item in shaped["items"])
    west, south, east, north = ZONE
    near = client.get("/api/v1/licensing/features", {"bbox": f"{west},{south},{east},{north}"})
    assert [item["code"] for item in near.json()["items"]] == ["ZEA-001"]
    assert client.get("/api/v1/licensing/features", {"bbox": "1,2"}).status_code == 422
    types = client.get("/api/v1/licensing/licence-types", {"country": "TZ"}).json()
    assert [t["code"] for t in types["items"]] == ["PML"] and types["items"][0]["max_area_ha"] == 10


def test_only_a_licensing_officer_or_an_administrator_reaches_the_import(
    client, login, make_user, congo_officer, admin_user
):
    assert client.get("/licensing/layers/import/").status_code == 302
    login(congo_officer)
    assert client.get("/licensing/layers/import/").status_code == 403
    login(make_user("lic", role=Role.LICENSING_OFFICER, countries=["CD"]))
    assert client.get("/licensing/layers/import/").status_code == 200
    login(admin_user)
    assert client.get("/licensing/layers/import/").status_code == 200


def test_an_officer_imports_a_zipped_shapefile_with_a_mapping_file(
    client, login, make_user, country, tmp_path
):
    import shapefile

    west, south, east, north = TITLE_PE
    base = tmp_path / "titres"
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON) as writer:
        writer.field("name", "C")
        writer.field("type", "C")
        writer.poly([[[west, south], [west, north], [east, north], [east, south], [west, south]]])
        writer.record("101", "PE")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for suffix in (".shp", ".shx", ".dbf"):
            zipped.write(f"{base}{suffix}", f"titres{suffix}")
    archive.seek(0)
    archive.name = "titres.zip"
    mapping_file = io.BytesIO(json.dumps({"code": "name", "title_type": "type"}).encode())
    mapping_file.name = "m.json"
    login(make_user("lic", role=Role.LICENSING_OFFICER, countries=["CD"]))
    page = client.post("/licensing/layers/import/", {
        "country": country("CD").pk, "kind": "title", "file": archive, "mapping_file": mapping_file,
    })  # fmt: skip
    assert page.status_code == 200
    assert "titres.zip: 1 created, 0 updated, 0 unchanged." in page.content.decode()
    assert LayerFeature.objects.get(code="101").title_type == "PE"


def test_an_officer_of_another_country_cannot_import_into_this_one(
    client, login, make_user, country, tmp_path
):
    path = collection(tmp_path / "t.geojson", [title(TITLE_PE, "101")])
    login(make_user("kofi", role=Role.LICENSING_OFFICER, countries=["GH"]))
    with open(path, "rb") as handle:
        page = client.post("/licensing/layers/import/", {
            "country": country("CD").pk, "kind": "title", "file": handle,
            "mapping": "drc-titles-2016",
        })  # fmt: skip
    assert page.status_code == 403
    assert not LayerFeature.objects.exists()
    assert TITLES_MAPPING


def test_the_cadastre_downloads_as_a_zipped_shapefile_gis_tools_read(client, cadastre):
    import shapefile

    answer = client.get("/licensing/cadastre.zip", {"kind": "asm_zone"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as zipped:
        names = sorted(name.rsplit(".", 1)[1] for name in zipped.namelist())
        assert names == ["cpg", "dbf", "prj", "shp", "shx"]
        base = zipped.namelist()[0].rsplit(".", 1)[0]
        reader = shapefile.Reader(
            shp=io.BytesIO(zipped.read(f"{base}.shp")), dbf=io.BytesIO(zipped.read(f"{base}.dbf")),
            shx=io.BytesIO(zipped.read(f"{base}.shx")),
        )  # fmt: skip
        assert "WGS_1984" in zipped.read(f"{base}.prj").decode()
    (record,) = reader.records()
    assert (record["CODE"], record["KIND"], record["COUNTRY"]) == ("ZEA-001", "asm_zone", "CD")
    assert reader.shape(0).bbox == pytest.approx(list(ZONE))
