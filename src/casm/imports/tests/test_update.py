"""Importing a file again with a corrected mapping puts right what it imported before."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from casm.core.jobs import worker_loop
from casm.core.models import AuditEvent, Job
from casm.imports.census import census_import
from casm.imports.mapping import mapping_from_dict
from casm.registry.models import Site, SiteFootprint, SiteVisit

# A census whose first mapping took the women's column for the workers and the village for
# the site.
CSV = (
    "_uuid,site,village,lat,lon,date,total,women\n"
    "u-1,Kamituga,Mobale,-3.06,28.18,2024-03-05,40,12\n"
    "u-2,Kamituga,Mobale,-3.0601,28.1801,2025-03-05,44,15\n"
    "u-3,Twangiza,Luhwindja,-2.85,28.72,2025-04-06,20,5\n"
)
WRONG = {
    "columns": {"_uuid": "submission_id", "village": "site_name", "lat": "latitude",
                "lon": "longitude", "date": "date", "women": "workers"},
    "defaults": {"country": "CD"},
}  # fmt: skip
RIGHT = {
    "columns": {"_uuid": "submission_id", "site": "site_name", "lat": "latitude",
                "lon": "longitude", "date": "date", "total": "workers", "women": "women"},
    "defaults": {"country": "CD"},
}  # fmt: skip


def _file(tmp_path):
    path = tmp_path / "census.csv"
    path.write_text(CSV)
    return path


def test_a_corrected_mapping_with_update_puts_the_visits_right(db, congo_officer, tmp_path):
    path = _file(tmp_path)
    first = census_import(actor=congo_officer, path=path, mapping=mapping_from_dict(WRONG))
    assert first.committed and first.visits_created == 3
    ids = dict(SiteVisit.objects.values_list("submission_id", "pk"))
    wrong_sites = set(Site.objects.values_list("code", flat=True))
    assert Site.objects.get(name="Mobale").workers == 15

    # Without --update the rows imported before change nothing, whatever the mapping.
    plain = census_import(actor=congo_officer, path=path, mapping=mapping_from_dict(RIGHT))
    assert plain.visits_unchanged == 3 and plain.visits_updated == 0
    assert SiteVisit.objects.get(submission_id="u-1").workers == 12

    # A dry run says what the update would do, and writes nothing.
    dry = census_import(
        actor=congo_officer, path=path, mapping=mapping_from_dict(RIGHT), update=True, dry_run=True
    )
    assert dry.visits_updated == 3 and SiteVisit.objects.get(submission_id="u-1").workers == 12

    fixed = census_import(
        actor=congo_officer, path=path, mapping=mapping_from_dict(RIGHT), update=True
    )
    assert fixed.committed, fixed.problems
    assert (fixed.visits_updated, fixed.visits_created, fixed.visits_unchanged) == (3, 0, 0)
    assert "3 updated from the file" in str(fixed.summary)
    # The same visits (same ids), with the right values, on the right sites.
    assert dict(SiteVisit.objects.values_list("submission_id", "pk")) == ids
    visit = SiteVisit.objects.get(submission_id="u-2")
    assert (visit.workers, visit.women, visit.site.name) == (44, 15, "Kamituga")
    kamituga = Site.objects.get(name="Kamituga")
    assert kamituga.workers == 44 and str(kamituga.last_visit) == "2025-03-05"
    # The sites the wrong mapping made are left without visits: said, not deleted.
    empty = Site.objects.filter(code__in=wrong_sites, visits__isnull=True)
    assert empty.count() == 2 and empty.get(name="Mobale").workers is None
    (note,) = fixed.notes
    assert all(code in str(note) for code in empty.values_list("code", flat=True))
    with translation.override("fr"):
        assert "3 mises à jour depuis le fichier" in str(fixed.summary)
    audit = AuditEvent.objects.filter(source="import").order_by("pk").last()
    assert audit.changes["visits_updated"] == [0, 3]


def test_an_update_that_finds_a_problem_changes_nothing(db, congo_officer, tmp_path):
    path = _file(tmp_path)
    census_import(actor=congo_officer, path=path, mapping=mapping_from_dict(WRONG))
    bad = {**RIGHT, "columns": {**RIGHT["columns"], "village": "women"}}  # text as a count
    result = census_import(
        actor=congo_officer, path=path, mapping=mapping_from_dict(bad), update=True
    )
    assert not result.committed and result.problem_count == 3
    assert result.visits_updated == 0
    assert SiteVisit.objects.get(submission_id="u-1").workers == 12


def _polygon(lon: float, lat: float, half: float) -> dict:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def test_an_update_replaces_the_footprints_of_the_visits_it_updates(db, congo_officer, tmp_path):
    path = tmp_path / "sites.geojson"
    properties = {"id": "g-1", "name": "Kamituga", "date": "2025-03-01", "n": 7}
    feature = {
        "type": "Feature",
        "geometry": _polygon(28.18, -3.06, 0.001),
        "properties": properties,
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    mapping = {"columns": {"id": "submission_id", "name": "site_name", "date": "date"},
               "defaults": {"country": "CD"}}  # fmt: skip
    census_import(actor=congo_officer, path=path, mapping=mapping_from_dict(mapping))
    mapping["columns"]["n"] = "workers"
    result = census_import(
        actor=congo_officer, path=path, mapping=mapping_from_dict(mapping), update=True
    )
    assert result.visits_updated == 1
    assert SiteVisit.objects.get().workers == 7
    (entry,) = SiteFootprint.objects.all()
    assert entry.current and entry.visit == SiteVisit.objects.get()
    assert Site.objects.get().footprint == entry.geometry


def test_the_command_line_the_web_and_the_api_offer_the_update(
    db, congo_officer, tmp_path, login, token_for
):
    path = _file(tmp_path)
    wrong, right = tmp_path / "wrong.json", tmp_path / "right.json"
    wrong.write_text(json.dumps(WRONG))
    right.write_text(json.dumps(RIGHT))
    call_command("import", "census", str(path), "--mapping", str(wrong), "--quiet")
    call_command("import", "census", str(path), "--mapping", str(right), "--update", "--quiet")
    assert SiteVisit.objects.get(submission_id="u-1").workers == 40

    client = login(congo_officer)
    assert 'name="update"' in client.get("/imports/").content.decode()
    upload = SimpleUploadedFile("census.csv", CSV.encode(), "text/csv")
    mapping = SimpleUploadedFile("wrong.json", json.dumps(WRONG).encode(), "application/json")
    client.post("/imports/", {"file": upload, "mapping": mapping, "update": "on"})
    worker_loop(once=True)
    job = Job.objects.get(kind="imports.census")
    assert job.params["update"] is True and job.result["visits_updated"] == 3
    assert SiteVisit.objects.get(submission_id="u-1").workers == 12

    upload = SimpleUploadedFile("census.csv", CSV.encode(), "text/csv")
    mapping = SimpleUploadedFile("right.json", json.dumps(RIGHT).encode(), "application/json")
    answer = client.post(
        "/api/v1/imports/census", {"file": upload, "mapping": mapping, "update": "true"},
        **token_for(congo_officer),
    )  # fmt: skip
    assert answer.status_code == 202
    worker_loop(once=True)
    assert SiteVisit.objects.get(submission_id="u-1").workers == 40
