"""The register as its users meet it: an applicant files in the web and by the API, the public
reads the register without anyone's private data, officers take the steps in their country
only, and a bad area is named in the reader's language."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
import shapefile
from django.core.files.uploadedfile import SimpleUploadedFile
from pyproj import Transformer
from shapely.geometry import box, mapping, shape

from casm.accounts.models import User
from casm.licensing.areas import AreaError, area_from_corners, area_from_upload
from casm.licensing.models import Application, ApplicationStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a test document\n"
FREE = (15.80, -4.32, 15.81, -4.31)


def _web_file(client, kind, **extra):
    data = {
        "type": kind.pk, "holder_kind": "cooperative",
        "organisation": extra.pop("organisation", ""), "commodities": [_gold()],
        "area": extra.pop("area", None) or _geojson(FREE),
        "document_0": SimpleUploadedFile("statutes.pdf", PDF),
        "document_1": SimpleUploadedFile("plan.pdf", PDF),
    }  # fmt: skip
    data.update(extra)
    return client.post("/licensing/applications/new/", data)


def _gold():
    from casm.core.models import Commodity

    return Commodity.objects.get(code="gold").pk


def _geojson(bounds):
    import json

    return json.dumps(mapping(box(*bounds)))


def test_an_applicant_files_in_the_web_and_the_public_reads_the_register(
    client, login, small_scale, applicant
):
    login(applicant)
    chooser = client.get("/licensing/applications/new/")
    assert small_scale.name_en in chooser.content.decode()
    form = client.get("/licensing/applications/new/", {"type": small_scale.pk}).content.decode()
    assert "Statutes" in form and "Site plan" in form
    response = _web_file(client, small_scale, organisation=applicant.organisation.pk)
    assert response.status_code == 302, response.context["form"].errors
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/licensing/applications/{application.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert application.number in page and "Statutes" in page
    client.logout()
    public = client.get(f"/licensing/applications/{application.pk}/").content.decode()
    assert application.number in public and applicant.organisation.name in public
    assert "Statutes" not in public  # documents are the filer's and the officers'
    register = client.get("/licensing/applications/", {"status": "pending"}).content.decode()
    assert application.number in register


def test_a_person_s_name_never_reaches_the_public_register(
    client, login, small_scale, applicant, country
):
    login(applicant)
    _web_file(client, small_scale, holder_kind="citizen", applicant_name="Jean Mwamba Privé",
              applicant_contact="+243 81 000 0000", nationality=country("CD").pk)  # fmt: skip
    application = Application.objects.get()
    assert (
        client.get(f"/licensing/applications/{application.pk}/")
        .content.decode()
        .count("Jean Mwamba Privé")
        == 1
    )
    client.logout()
    for url in ("/licensing/applications/", f"/licensing/applications/{application.pk}/",
                f"/api/v1/licensing/applications/{application.pk}",
                "/api/v1/licensing/applications"):  # fmt: skip
        text = client.get(url).content.decode()
        assert "Mwamba" not in text and "+243 81" not in text, url
    assert client.get(f"/api/v1/licensing/applications/{application.pk}").json()["private"] is None


def test_a_bad_area_is_named_on_its_field_in_french(client, login, small_scale, applicant):
    login(applicant)
    response = client.post(
        "/licensing/applications/new/",
        {"type": small_scale.pk, "holder_kind": "cooperative",
         "organisation": applicant.organisation.pk, "commodities": [_gold()],
         "area_file": SimpleUploadedFile("area.kml", b"<kml><Placemark>broken"),
         "document_0": SimpleUploadedFile("s.pdf", PDF),
         "document_1": SimpleUploadedFile("p.pdf", PDF)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert response.status_code == 422
    text = response.content.decode()
    assert "Le fichier KML ne contient aucun polygone lisible." in text
    assert not Application.objects.exists()


def test_officers_take_steps_in_their_country_only(
    client, login, small_scale, applicant, officer, make_user
):
    login(applicant)
    _web_file(client, small_scale, organisation=applicant.organisation.pk)
    application = Application.objects.get()
    document = application.documents.first()
    rwanda = make_user("uwase", role=User.Role.LICENSING_OFFICER, countries=["RW"])
    outsider = make_user("someone")
    for user in (rwanda, outsider):
        login(user)
        for step in ("complete", "decide", "screen", "notice", "withdraw", "document"):
            response = client.post(
                f"/licensing/applications/{application.pk}/{step}/",
                {"complete": "yes", "grant": "refuse", "reasons": "x"},
            )
            assert response.status_code == 404, (user.username, step)
        url = f"/licensing/applications/{application.pk}/documents/{document.pk}/"
        assert client.get(url).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RECEIVED
    login(officer)
    page = client.get(f"/licensing/applications/{application.pk}/").content.decode()
    assert "Completeness check" in page
    response = client.post(
        f"/licensing/applications/{application.pk}/complete/", {"complete": "yes"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETE
    # A step that is not open says why, on the page.
    response = client.post(f"/licensing/applications/{application.pk}/close/")
    assert response.status_code == 422
    assert "that step is not open" in response.content.decode()
    download = client.get(f"/licensing/applications/{application.pk}/documents/{document.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_the_api_files_an_application_and_an_officer_of_another_country_gets_404(
    client, small_scale, applicant, officer, make_user, token_for
):
    body = {
        "country": "CD", "licence_type": "TEST", "holder_kind": "cooperative",
        "organisation": applicant.organisation.pk, "commodities": ["gold"],
        "area": mapping(box(*FREE)),
        "documents": [
            {"name": name, "filename": f"{name}.pdf",
             "content_base64": base64.b64encode(PDF).decode()}
            for name in ("Statutes", "Site plan")
        ],
    }  # fmt: skip
    filed = client.post("/api/v1/licensing/applications", body,
                        content_type="application/json", **token_for(applicant))  # fmt: skip
    assert filed.status_code == 201, filed.content
    data = filed.json()
    assert data["number"].startswith("CD-") and data["screening"]["verdict"] == "clear"
    assert data["private"]["documents"] == ["Site plan", "Statutes"]
    assert shape(data["area"]).equals(box(*FREE))
    again = client.post("/api/v1/licensing/applications", body,
                        content_type="application/json", **token_for(applicant))  # fmt: skip
    assert again.status_code == 422 and data["number"] in again.content.decode()
    rwanda = make_user("uwase", role=User.Role.LICENSING_OFFICER, countries=["RW"])
    url = f"/api/v1/licensing/applications/{data['id']}"
    for step, payload in (("completeness", {"complete": True}), ("decision", {"grant": False,
                          "reasons": "x"}), ("notice", {}), ("screenings", {})):  # fmt: skip
        response = client.post(f"{url}/{step}", payload, content_type="application/json",
                               **token_for(rwanda))  # fmt: skip
        assert response.status_code == 404, step
    response = client.post(f"{url}/completeness", {"complete": True},
                           content_type="application/json", **token_for(officer))  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "complete"
    response = client.post(f"{url}/notice", {}, content_type="application/json",
                           **token_for(officer))  # fmt: skip
    assert response.json()["notice_until"] is not None
    bad = dict(body, area={"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1],
                                                                [0, 0]]]})  # fmt: skip
    response = client.post("/api/v1/licensing/applications", bad,
                           content_type="application/json", **token_for(applicant))  # fmt: skip
    assert response.status_code == 422 and "area" in response.content.decode()


def test_areas_come_as_kml_zipped_shapefiles_and_national_grid_corners(tmp_path):
    kml = b"""<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark>
      <Polygon><outerBoundaryIs><LinearRing><coordinates>15.80,-4.32,0 15.81,-4.32,0
      15.81,-4.31,0 15.80,-4.31,0 15.80,-4.32,0</coordinates></LinearRing></outerBoundaryIs>
      </Polygon></Placemark></kml>"""
    assert area_from_upload("area.kml", kml).equals(box(*FREE))
    with pytest.raises(AreaError):
        area_from_upload("bomb.kml", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><kml>&a;</kml>')
    # A zipped Shapefile
    buffer = io.BytesIO()
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as writer:
        writer.field("name", "C")
        writer.poly([list(box(*FREE).exterior.coords)[::-1]])
        writer.record("area")
    with zipfile.ZipFile(buffer, "w") as archive:
        for suffix, part in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            archive.writestr(f"area.{suffix}", part.getvalue())
    assert area_from_upload("area.zip", buffer.getvalue()).equals(box(*FREE))
    # Corners in UTM zone 33 S, as a national survey gives them
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32733", always_xy=True)
    corners = [to_utm.transform(x, y) for x, y in list(box(*FREE).exterior.coords)[:-1]]
    text = "\n".join(f"{e:.2f}, {n:.2f}" for e, n in corners)
    polygon = area_from_corners(text, "EPSG:32733")
    assert polygon.symmetric_difference(box(*FREE)).area / box(*FREE).area < 1e-5
    with pytest.raises(AreaError, match="unknown"):
        area_from_corners(text, "EPSG:999999")
    # Metres typed without their grid are not taken for degrees.
    with pytest.raises(AreaError, match="in metres"):
        area_from_corners(text)


def _granted(client, login, licence_type, applicant, officer, **type_changes):
    """A licence of ``licence_type`` (with no public notice), filed in the web by the applicant
    and granted by the officer; the applicant stays signed in."""
    from casm.licensing import services
    from casm.licensing.models import Licence

    licence_type.notice_days = None
    for name, value in type_changes.items():
        setattr(licence_type, name, value)
    licence_type.save()
    login(applicant)
    _web_file(client, licence_type, organisation=applicant.organisation.pk)
    application = Application.objects.get()
    services.application_complete(actor=officer, application=application, complete=True)
    services.application_decide(actor=officer, application=application, grant=True)
    return Licence.objects.get()


def test_a_licence_s_acts_in_the_web_are_its_officers_and_its_holder_s(
    client, login, small_scale, applicant, officer, make_user
):
    licence = _granted(client, login, small_scale, applicant, officer, term_years=5)
    rwanda = make_user("uwase", role=User.Role.LICENSING_OFFICER, countries=["RW"])
    login(rwanda)
    for step in ("suspend", "revoke", "renewal", "transfer", "surrender", "renew"):
        response = client.post(f"/licensing/licences/{licence.pk}/{step}/", {"reason": "x"})
        assert response.status_code == 404, step
    assert client.post(
        "/licensing/licences/rent/", {"country": licence.country_id}
    ).status_code in (403, 404)
    login(applicant)  # the holder files the renewal, may not suspend
    assert (
        client.post(f"/licensing/licences/{licence.pk}/suspend/", {"reason": "x"}).status_code
        == 404
    )
    response = client.post(f"/licensing/licences/{licence.pk}/renew/", {"reason": ""})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.renewal_filed_on is not None
    login(officer)
    response = client.post(f"/licensing/licences/{licence.pk}/suspend/", {"reason": ""})
    assert response.status_code == 422 and "Say why" in response.content.decode()
    response = client.post(f"/licensing/licences/{licence.pk}/suspend/", {"reason": "Mercury"})
    assert response.status_code == 302
    page = client.get(f"/licensing/licences/{licence.pk}/").content.decode()
    assert "suspended" in page and "Mercury" in page


def test_the_api_records_a_licence_s_events_for_its_officers_and_holder_only(
    client, small_scale, applicant, officer, make_user, token_for, login
):
    licence = _granted(client, login, small_scale, applicant, officer, term_years=5,
                       currency="CDF", rent_per_ha=["1000"])  # fmt: skip
    client.logout()
    url = f"/api/v1/licensing/licences/{licence.pk}"
    rwanda = make_user("uwase", role=User.Role.LICENSING_OFFICER, countries=["RW"])

    def post(path, body, user):
        return client.post(path, body, content_type="application/json", **token_for(user))

    assert post(f"{url}/events", {"kind": "suspended", "reason": "x"}, rwanda).status_code == 404
    assert post(f"{url}/events", {"kind": "suspended", "reason": "x"}, applicant).status_code == 404
    assert post(f"{url}/events", {"kind": "renewal_filed"}, applicant).status_code == 201
    answer = post(f"{url}/events", {"kind": "suspended", "reason": "Mercury"}, officer)
    assert answer.status_code == 201
    assert answer.json()["status"] == "suspended"
    assert [e["kind"] for e in answer.json()["events"]] == ["granted", "renewal_filed", "suspended"]
    assert post("/api/v1/licensing/rent", {"country": "CD"}, rwanda).status_code == 403
    issued = post("/api/v1/licensing/rent", {"country": "CD"}, officer)
    assert issued.status_code == 201 and issued.json()["issued"] == 1
    invoices = client.get(f"{url}/invoices", **token_for(applicant)).json()["items"]
    assert invoices[0]["currency"] == "CDF" and invoices[0]["unpaid_late"] is False
    assert client.get(f"{url}/invoices", **token_for(rwanda)).status_code == 404


def test_a_share_transferred_in_the_web_shows_the_co_holder_on_the_page_and_in_the_api(
    client, login, small_scale, applicant, officer, make_organisation
):
    licence = _granted(client, login, small_scale, applicant, officer)
    partner = make_organisation("Coopérative Ilunga", "CD")
    login(officer)
    step = f"/licensing/licences/{licence.pk}/transfer/"
    answer = client.post(step, {"organisation": partner.pk, "share": 25, "reason": "Partner"})
    assert answer.status_code == 302
    page = client.get(f"/licensing/licences/{licence.pk}/").content.decode()
    holder = applicant.organisation.name
    assert f"{holder}, holder: 75%" in page and f"{partner.name}, co-holder: 25%" in page
    assert 'name="share" value="75"' in page  # the form offers what the holder still has
    # More than the holder has is refused with the figure, and nothing changes.
    answer = client.post(step, {"organisation": partner.pk, "share": 76, "reason": "More"})
    assert answer.status_code == 422 and "75 %" in answer.content.decode()
    client.logout()
    holders = client.get(f"/api/v1/licensing/licences/{licence.pk}").json()["holders"]
    assert holders == [{"holder": holder, "percent": 75}, {"holder": partner.name, "percent": 25}]
