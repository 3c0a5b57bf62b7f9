"""Administrators keep each country's licence types; everyone reads them."""

from __future__ import annotations

import pytest

from casm.core.models import AuditEvent
from casm.core.permissions import Role
from casm.licensing.models import LicenceType

pytestmark = pytest.mark.django_db

BODY = {
    "country": "ZM", "code": "ASML", "name_en": "Artisanal mining licence (example)",
    "category": "artisanal", "holders": ["citizen", "cooperative"], "max_area_ha": 5,
    "commodities": ["gold"], "documents": ["Identity card", " "], "notice_days": 21,
    "source": "An example for the tests, not Zambia's law", "is_example": True,
}  # fmt: skip


def test_an_administrator_adds_a_type_through_the_api_and_it_is_audited(
    client, admin_user, token_for
):
    answer = client.post(
        "/api/v1/licensing/licence-types", BODY, content_type="application/json",
        **token_for(admin_user),
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert (made["country"], made["commodities"], made["documents"]) == (
        "ZM", ["gold"], ["Identity card"],
    )  # fmt: skip
    assert AuditEvent.objects.filter(model="licensing.licencetype", action="create").count() == 1
    again = client.post(
        "/api/v1/licensing/licence-types", BODY, content_type="application/json",
        **token_for(admin_user),
    )  # fmt: skip
    assert again.status_code == 422
    assert again.json()["error"]["details"][0]["field"] == "code"
    changed = client.patch(
        f"/api/v1/licensing/licence-types/{made['id']}", {"min_area_ha": 6},
        content_type="application/json", **token_for(admin_user),
    )  # fmt: skip
    assert changed.status_code == 422
    assert "The largest area is smaller than the smallest." in changed.content.decode()
    fine = client.patch(
        f"/api/v1/licensing/licence-types/{made['id']}", {"min_area_ha": 1, "renewals": 2},
        content_type="application/json", **token_for(admin_user),
    )  # fmt: skip
    assert (fine.json()["min_area_ha"], fine.json()["renewals"]) == (1, 2)
    refused_null = client.patch(
        f"/api/v1/licensing/licence-types/{made['id']}", {"source": None},
        content_type="application/json", **token_for(admin_user),
    )  # fmt: skip
    assert refused_null.status_code == 422


@pytest.mark.parametrize("persona", ["licensing_officer", "member"])
def test_no_one_else_writes_a_licence_type(client, make_user, token_for, persona):
    user = make_user(persona, role=Role.LICENSING_OFFICER if persona != "member" else Role.MEMBER,
                     countries=["ZM"])  # fmt: skip
    answer = client.post(
        "/api/v1/licensing/licence-types", BODY, content_type="application/json",
        **token_for(user),
    )  # fmt: skip
    assert answer.status_code == 403
    pml = LicenceType.objects.get(code="PML")
    patch = client.patch(
        f"/api/v1/licensing/licence-types/{pml.pk}", {"max_area_ha": 100},
        content_type="application/json", **token_for(user),
    )  # fmt: skip
    assert patch.status_code == 403
    assert LicenceType.objects.get(code="PML").max_area_ha == 10
    assert client.post("/api/v1/licensing/licence-types", BODY,
                       content_type="application/json").status_code == 401  # fmt: skip


def test_an_administrator_corrects_a_type_on_the_web_in_french(client, login, admin_user):
    login(admin_user)
    pml = LicenceType.objects.get(code="PML")
    listing = client.get("/licensing/types/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"/licensing/types/{pml.pk}/edit/" in listing and "Nouveau type de licence" in listing
    form = client.get(f"/licensing/types/{pml.pk}/edit/").content.decode()
    assert "Primary Mining Licence" in form
    bad = client.post(f"/licensing/types/{pml.pk}/edit/", {
        "name_en": "Primary Mining Licence", "category": "artisanal", "asm_zone": "any",
        "overlap_rule": "any", "min_area_ha": "20", "max_area_ha": "10", "source": "Mining Act",
    })  # fmt: skip
    assert bad.status_code == 422
    assert "The largest area is smaller than the smallest." in bad.content.decode()
    good = client.post(f"/licensing/types/{pml.pk}/edit/", {
        "name_en": "Primary Mining Licence", "category": "artisanal", "asm_zone": "any",
        "overlap_rule": "any", "max_area_ha": "10", "holders": ["citizen"],
        "documents": "Identity card\nSketch map", "source": "Mining Act", "country": "999",
    })  # fmt: skip
    assert good.status_code == 302
    pml.refresh_from_db()
    assert pml.documents == ["Identity card", "Sketch map"] and pml.holders == ["citizen"]
    assert pml.country.alpha2 == "TZ"  # the country stays


def test_the_pages_for_writing_are_refused_to_others(client, login, congo_officer):
    assert client.get("/licensing/types/new/").status_code == 302
    login(congo_officer)
    assert client.get("/licensing/types/new/").status_code == 403
    assert "New licence type" not in client.get("/licensing/types/").content.decode()
