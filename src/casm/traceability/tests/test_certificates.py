"""Export certificates: verified by one inspector, validated and signed by another; the signed
document checks, and a copy with one field changed does not."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import PermissionDenied, ValidationError

from casm.accounts.models import User
from casm.core.models import AuditEvent, Country
from casm.traceability import certificates, services
from casm.traceability.models import CertificateStatus, ExportCertificate, SigningKey

pytestmark = pytest.mark.django_db


def _exported(chain, tag: str = "CD-A-0001"):
    lot = chain.sell(chain.sell(chain.produce(tag)), to=chain.exporter)
    return services.lot_export(
        actor=chain.exporter_user, lot=lot, importer="Refinery AG",
        destination=Country.objects.get(alpha2="CH"), customs_value="62,000 USD",
        route="Bukavu – Kigali – Zurich", transport_company="Air Cargo",
        shipped_on=datetime.date.today(),
    )  # fmt: skip


@pytest.fixture
def second_inspector(make_user):
    return make_user("kasongo", role=User.Role.INSPECTOR, countries=["CD"])


def _issued(chain, second_inspector, tag: str = "CD-A-0001"):
    prepared = services.certificate_prepare(
        actor=chain.inspector, operation=_exported(chain, tag), ore_type="gold doré",
        issuing_authority="CEEC, Ministère des Mines",
    )  # fmt: skip
    return services.certificate_validate(
        actor=second_inspector, certificate=prepared,
        expires_on=datetime.date.today() + datetime.timedelta(days=90),
    )  # fmt: skip


def test_an_issued_certificate_carries_the_icglr_fields_and_its_signature_checks(
    chain, second_inspector
):
    certificate = _issued(chain, second_inspector)
    data = certificate.data
    assert certificate.status == CertificateStatus.ISSUED
    assert (
        certificate.identifier.startswith("CD-EC-") and data["identifier"] == certificate.identifier
    )
    assert data["exporter"]["name"] == "Comptoir de Bukavu"
    assert data["importer"] == "Refinery AG" and data["destination"].endswith("(CH)")
    assert data["mineral"] == {"name": "Gold", "hs_code": "7108.12"}
    assert data["weight"] == {"mass": "1000", "unit": "g"} and data["grade"] == "80"
    assert [site["name"] for site in data["origin"]] == ["Kamituga Mobale"]
    assert data["verifier"]["name"] and data["validator"]["name"]
    assert data["verifier"] != data["validator"]
    verdict = certificates.verify(json.dumps(certificates.document(certificate)),
                                  certificates.known_keys())  # fmt: skip
    assert verdict.valid and verdict.code == "valid"
    assert SigningKey.objects.count() == 1
    # Prepared, then validated: two audited writes.
    events = AuditEvent.objects.filter(object_id=str(certificate.pk), model__endswith="certificate")
    assert sorted(events.values_list("action", flat=True)) == ["create", "update"]


@pytest.mark.parametrize(
    ("path", "value"),
    [(("importer",), "Someone Else Ltd"), (("weight", "mass"), "1001"),
     (("origin", 0, "name"), "Other site"), (("expires_on",), "2099-01-01")],
)  # fmt: skip
def test_changing_one_field_of_the_document_makes_it_fail(chain, second_inspector, path, value):
    document = certificates.document(_issued(chain, second_inspector))
    changed = copy.deepcopy(document)
    target = changed["certificate"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    verdict = certificates.verify(json.dumps(changed), certificates.known_keys())
    assert not verdict.valid and verdict.code == "tampered"
    assert certificates.verify(json.dumps(document), certificates.known_keys()).valid


def test_documents_that_are_not_certificates_are_named_so(chain, second_inspector):
    document = certificates.document(_issued(chain, second_inspector))
    keys = certificates.known_keys()
    assert certificates.verify(b"\xff\xfe not json", keys).code == "malformed"
    assert certificates.verify("[1, 2]", keys).code == "malformed"
    assert certificates.verify(json.dumps({**document, "format": "x"}), keys).code == "malformed"
    assert certificates.verify(json.dumps({**document, "signature": "%%%"}), keys).code == (
        "tampered"
    )
    assert certificates.verify(json.dumps({**document, "key_id": "0" * 16}), keys).code == (
        "unknown_key"
    )
    assert certificates.verify("x" * (certificates.MAX_DOCUMENT_BYTES + 1), keys).code == (
        "too_large"
    )
    # Checked offline against the published keys alone.
    published = certificates.public_keys_from_pem(certificates.published_keys_pem())
    assert certificates.verify(json.dumps(document), published).valid


def test_the_verifier_does_not_validate_and_an_export_is_certified_once(chain, second_inspector):
    operation = _exported(chain)
    prepared = services.certificate_prepare(
        actor=chain.inspector, operation=operation, ore_type="gold doré", issuing_authority="CEEC"
    )
    later = datetime.date.today() + datetime.timedelta(days=30)
    with pytest.raises(ValidationError, match="Another inspector"):
        services.certificate_validate(actor=chain.inspector, certificate=prepared, expires_on=later)
    with pytest.raises(ValidationError, match="after today"):
        services.certificate_validate(
            actor=second_inspector, certificate=prepared, expires_on=datetime.date.today()
        )
    with pytest.raises(ValidationError, match="already"):
        services.certificate_prepare(
            actor=second_inspector, operation=operation, ore_type="gold", issuing_authority="CEEC"
        )
    services.certificate_validate(actor=second_inspector, certificate=prepared, expires_on=later)
    again = ExportCertificate.objects.get(pk=prepared.pk)
    with pytest.raises(ValidationError, match="issued already"):
        services.certificate_validate(actor=second_inspector, certificate=again, expires_on=later)
    assert ExportCertificate.objects.count() == 1


def test_only_an_inspector_of_the_country_certifies_an_export(chain, make_user):
    operation = _exported(chain)
    ghana = make_user("asante", role=User.Role.INSPECTOR, countries=["GH"])
    for someone in (ghana, chain.exporter_user):
        with pytest.raises(PermissionDenied):
            services.certificate_prepare(
                actor=someone, operation=operation, ore_type="gold", issuing_authority="CEEC"
            )
    production = chain.produce("CD-A-0002").made_by
    with pytest.raises(ValidationError, match="exported lot"):
        services.certificate_prepare(
            actor=chain.inspector, operation=production, ore_type="gold", issuing_authority="X"
        )
    with pytest.raises(ValidationError) as refused:
        services.certificate_prepare(
            actor=chain.inspector, operation=operation, ore_type=" ", issuing_authority="X"
        )
    assert "ore_type" in refused.value.error_dict
    assert not ExportCertificate.objects.exists()


def test_the_pdf_is_one_page_with_the_identifier_and_its_signature(chain, second_inspector):
    from io import BytesIO

    from pypdf import PdfReader

    certificate = _issued(chain, second_inspector)
    pdf = certificates.certificate_pdf(certificate, "http://testserver/traceability/verify/x/")
    reader = PdfReader(BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert certificate.identifier in text and "Certificat d'exportation" in text
    assert "Kamituga Mobale" in text and "7108.12" in text
    assert certificate.signature[:20] in text.replace("\n", "")


# --- Through the web, the API and the command ----------------------------------------------


def _as(user):
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _upload(document: dict, name: str = "certificate.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, json.dumps(document).encode(), "application/json")


def test_a_certificate_through_the_web_from_the_lot_to_the_public_check(chain, second_inspector):
    operation = _exported(chain)
    lot = operation.inputs.get()
    first = _as(chain.inspector)
    page = first.get(f"/traceability/lots/{lot.pk}/").content.decode()
    assert f'action="/traceability/lots/{lot.pk}/certificate/"' in page
    answer = first.post(f"/traceability/lots/{lot.pk}/certificate/",
                        {"ore_type": "gold doré", "issuing_authority": "CEEC"})  # fmt: skip
    assert answer.status_code == 302, answer.content.decode()
    certificate = ExportCertificate.objects.get()
    # The one who verified it is not offered the validation; another inspector is.
    assert "certificate_validate" not in first.get(answer["Location"]).content.decode()
    assert "/validate/" not in first.get(answer["Location"]).content.decode()
    second = _as(second_inspector)
    too_soon = second.post(f"/traceability/certificates/{certificate.pk}/validate/",
                           {"expires_on": str(datetime.date.today())})  # fmt: skip
    assert too_soon.status_code == 422 and 'id="id_expires_on_error"' in too_soon.content.decode()
    later = datetime.date.today() + datetime.timedelta(days=60)
    done = second.post(f"/traceability/certificates/{certificate.pk}/validate/",
                       {"expires_on": str(later)})  # fmt: skip
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "issued"
    # The exporter downloads its PDF and its signed document; a trader sees none of it.
    exporter = _as(chain.exporter_user)
    pdf = exporter.get(f"/traceability/certificates/{certificate.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    document = exporter.get(f"/traceability/certificates/{certificate.pk}/document/").json()
    assert document["certificate"]["identifier"] == certificate.identifier
    trader = _as(chain.trader_user)
    assert trader.get(f"/traceability/certificates/{certificate.pk}/").status_code == 404
    assert certificate.identifier not in trader.get("/traceability/certificates/").content.decode()
    # Anyone: the QR code's page, and the document checked by upload.
    public = _as(None)
    shown = public.get(f"/traceability/verify/{certificate.check_code}/").content.decode()
    assert "The signature is valid" in shown and "Kamituga Mobale" in shown
    ok = public.post("/traceability/verify/", {"document": _upload(document)})
    assert ok.status_code == 200 and "The signature is valid" in ok.content.decode()
    document["certificate"]["importer"] = "Someone Else Ltd"
    bad = public.post("/traceability/verify/", {"document": _upload(document)})
    assert bad.status_code == 422 and "this copy was changed" in bad.content.decode()
    by_code = public.post("/traceability/verify/", {"code": certificate.check_code})
    assert by_code.status_code == 302
    wrong = public.post("/traceability/verify/", {"code": "not-a-code"})
    assert wrong.status_code == 422 and "No certificate has this check code" in (
        wrong.content.decode()
    )
    assert public.get("/traceability/verify/not-a-code/").status_code == 404
    keys = public.get("/traceability/certificates/keys.pem").content.decode()
    assert keys.startswith("-----BEGIN PUBLIC KEY-----")


def test_the_public_check_in_french_and_a_file_that_is_no_document(chain, second_inspector):
    certificate = _issued(chain, second_inspector)
    public = _as(None)
    shown = public.get(f"/traceability/verify/{certificate.check_code}/",
                       HTTP_ACCEPT_LANGUAGE="fr").content.decode()  # fmt: skip
    assert "Exportateur" in shown and "La signature est valide" in shown
    from django.core.files.uploadedfile import SimpleUploadedFile

    junk = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 not json", "image/jpeg")
    answer = public.post("/traceability/verify/", {"document": junk}, HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == 422
    assert "Ce n’est pas un document de certificat" in answer.content.decode()
    empty = public.post("/traceability/verify/", {})
    assert empty.status_code == 422 and "Type the check code" in empty.content.decode()


@pytest.fixture
def api(client, token_for):
    def call(user, method, path, body=None):
        headers = token_for(user) if user is not None else {}
        if method == "get":
            return client.get("/api/v1/traceability" + path, body or {}, **headers)
        return getattr(client, method)(
            "/api/v1/traceability" + path, body or {}, content_type="application/json", **headers
        )

    return call


def test_a_certificate_through_the_api(api, chain, second_inspector):
    lot = _exported(chain).inputs.get()
    body = {"lot": lot.pk, "ore_type": "gold doré", "issuing_authority": "CEEC"}
    assert api(chain.trader_user, "post", "/certificates", body).status_code == 403
    made = api(chain.inspector, "post", "/certificates", body)
    assert made.status_code == 201, made.content
    number = made.json()["id"]
    assert made.json()["status"] == "prepared" and made.json()["signature"] == ""
    assert api(chain.inspector, "get", f"/certificates/{number}/document").status_code == 404
    later = str(datetime.date.today() + datetime.timedelta(days=60))
    same = api(chain.inspector, "post", f"/certificates/{number}/validate", {"expires_on": later})
    assert same.status_code == 422
    assert same.json()["error"]["details"][0]["field"] == "expires_on"
    issued = api(second_inspector, "post", f"/certificates/{number}/validate",
                 {"expires_on": later})  # fmt: skip
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    document = api(chain.exporter_user, "get", f"/certificates/{number}/document").json()
    assert api(chain.trader_user, "get", f"/certificates/{number}").status_code == 404
    listed = api(chain.exporter_user, "get", "/certificates").json()
    assert [item["id"] for item in listed["items"]] == [number]
    # Anyone checks a document; one changed field fails it.
    checked = api(None, "post", "/verify", document)
    assert checked.status_code == 200 and checked.json()["valid"] is True
    document["certificate"]["weight"]["mass"] = "999"
    checked = api(None, "post", "/verify", document)
    assert checked.json()["valid"] is False and checked.json()["code"] == "tampered"
    again = api(second_inspector, "post", "/certificates", body)
    assert again.status_code == 422


def test_casm_traceability_verify_checks_a_document_offline(chain, second_inspector, tmp_path):
    from django.core.management import CommandError, call_command

    certificate = _issued(chain, second_inspector)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(certificates.document(certificate)))
    keys = tmp_path / "keys.pem"
    keys.write_text(certificates.published_keys_pem())
    import io

    out = io.StringIO()
    call_command("traceability", "verify", str(good), "--key", str(keys), stdout=out)
    assert f"{certificate.identifier}: The signature is valid" in out.getvalue()
    changed = certificates.document(certificate)
    changed["certificate"]["expires_on"] = "2099-12-31"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(changed))
    with pytest.raises(CommandError, match="does not match"):
        call_command("traceability", "verify", str(bad), stdout=io.StringIO())
    with pytest.raises(CommandError, match="No such file"):
        call_command("traceability", "verify", str(tmp_path / "none.json"))
    other = tmp_path / "other.pem"
    other.write_text(certificates.public_pem(Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(CommandError, match="not signed by a key"):
        call_command("traceability", "verify", str(good), "--key", str(other))


def test_a_certificate_asked_for_a_lot_one_may_not_see_names_the_field(api, chain, make_user):
    lot = _exported(chain).inputs.get()
    ghana = make_user("asante", role=User.Role.INSPECTOR, countries=["GH"])
    for body in ({"lot": lot.pk}, {"lot": 2**62}):
        answer = api(ghana, "post", "/certificates",
                     {**body, "ore_type": "gold", "issuing_authority": "CEEC"})  # fmt: skip
        assert answer.status_code == 422
        assert answer.json()["error"]["details"][0]["field"] == "lot"
    assert not ExportCertificate.objects.exists()
