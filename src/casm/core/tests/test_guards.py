"""The guards that protect people, each tried at its edge as a user would notice it.

Each test here was checked by planting the bug it names and watching it fail.
"""

import csv
import datetime
import io

import pytest

pytestmark = pytest.mark.django_db

# Exactly what anyone may download of a site: a new internal field never leaks by default.
PUBLIC_SITE_COLUMNS = [
    "id", "code", "name", "other_names", "country", "admin1", "admin2", "admin3", "admin4",
    "latitude", "longitude", "commodities", "activity_status", "legal_status",
    "certification_status", "certification_valid_until", "first_visit", "last_visit",
    "children_present", "armed_presence", "mercury_use",
]  # fmt: skip


def _visit(site, **counts):
    from casm.registry.services import site_visit_record

    site_visit_record(actor=None, site=site, date=datetime.date(2024, 1, 1), **counts)


@pytest.mark.parametrize(("women", "shown"), [(4, False), (5, True)])
def test_a_cell_of_four_people_is_hidden_and_of_five_is_shown(make_site, women, shown):
    from casm.indicators.selectors import country_profile

    site = make_site("Kalima", code="CD")
    _visit(site, workers=women + 40, men=40, women=women)
    cell = country_profile(site.country)["people"]["women"]
    assert cell == ({"value": women, "suppressed": False} if shown
                    else {"value": None, "suppressed": True})  # fmt: skip


def test_the_public_site_export_has_exactly_the_public_columns(client, make_site):
    site = make_site("Prestea", "GH")
    _visit(site, workers=40, men=30, women=10)
    response = client.get("/api/v1/public/sites/export?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text))) == PUBLIC_SITE_COLUMNS
    listed = client.get("/api/v1/public/sites").json()["items"][0]
    assert set(listed) <= set(PUBLIC_SITE_COLUMNS)
    assert not {"workers", "women", "source", "location_note"} & set(listed)


def test_the_audit_of_a_new_token_never_holds_its_hash(member):
    from casm.accounts.services import api_token_create
    from casm.core.models import AuditEvent

    token, raw = api_token_create(actor=member, name="laptop")
    event = AuditEvent.objects.get(model="accounts.apitoken", object_id=str(token.pk))
    assert event.changes["key_hash"] == ["(hidden)", "(hidden)"]
    assert token.key_hash not in str(event.changes) and raw not in str(event.changes)


def test_a_person_without_a_public_profile_has_no_public_page(client):
    from casm.network.tests import factories

    hidden = factories.person("Bo Private", public=False)
    shown = factories.person("Ana Public")
    assert client.get(f"/network/people/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/v1/network/people/{hidden.pk}").status_code == 404
    assert client.get(f"/network/people/{shown.pk}/").status_code == 200


def test_a_deactivated_users_token_is_refused(client, token_for, ghana_officer):
    headers = token_for(ghana_officer)
    assert client.get("/api/v1/me", **headers).status_code == 200
    ghana_officer.is_active = False
    ghana_officer.save(update_fields=["is_active"])  # even without the service
    assert client.get("/api/v1/me", **headers).status_code == 401


def test_a_negated_phrase_excludes():
    from casm.library.query import parse

    query = parse('mercury -"whole ore"')
    clauses = [clause for group in query.groups for clause in group]
    phrase = next(c for c in clauses if c.is_phrase)
    assert phrase.negated and phrase.words == ("whole", "ore")
    assert query.words == ["mercury"]  # the phrase is not among the words looked for


def test_a_bad_last_row_of_the_last_chunk_leaves_nothing_written(tmp_path, monkeypatch):
    from casm.imports import census
    from casm.imports.census import importer
    from casm.registry.models import Site, SiteVisit

    # The smallest chunks: every row is written in its own chunk before the last is read.
    monkeypatch.setattr(importer, "CHUNK_ROWS", 1)
    monkeypatch.setattr(importer, "FLUSH_ROWS", 1)
    rows = [f"Site {n},GH,6.{n + 10},-1.7,2024-03-01,10" for n in range(5)]
    rows.append("Bad site,GH,6.2,-1.7,2024-03-01,-3")  # a negative count, last of all
    path = tmp_path / "census.csv"
    path.write_text("site_name,country,latitude,longitude,date,workers\n" + "\n".join(rows))
    result = census.census_import(actor=None, path=path)
    assert result.problem_count == 1 and not result.committed
    assert Site.objects.count() == 0 and SiteVisit.objects.count() == 0
