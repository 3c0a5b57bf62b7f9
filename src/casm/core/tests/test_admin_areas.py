"""Administrative areas from a government's boundary file, and the sites that lie in them."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from pyproj import Geod
from shapely.geometry import box

from casm.core.areas import areas_for_point
from casm.core.models import AdminArea, AuditEvent
from casm.core.tests.test_geometry import _outline, _write_shapefile
from casm.imports.areas import admin_areas_import
from casm.registry import services
from casm.registry.models import Site

pytestmark = pytest.mark.django_db

# Rwanda cut in two at 30° E: a province on each side (made up for the test).
CUT = 30.0


@pytest.fixture
def rwanda_halves():
    outline = _outline("RWA")
    west = outline.intersection(box(28, -3, CUT, -1))
    east = outline.intersection(box(CUT, -3, 31.5, -1))
    return {"RW-W": ("Iburengerazuba", west), "RW-E": ("Iburasirazuba", east)}


@pytest.fixture
def mercator_file(tmp_path, rwanda_halves):
    return _write_shapefile(
        tmp_path / "provinces",
        [(shape, (code, name)) for code, (name, shape) in rwanda_halves.items()],
    )


def _import(path, country, **extra):
    return admin_areas_import(
        actor=None, path=path, country=country, level=1, code_field="PCODE",
        name_field="NAME", **extra,
    )  # fmt: skip


def test_a_projected_shapefile_imports_as_areas_in_wgs84(mercator_file, rwanda_halves, country):
    result = _import(mercator_file, country("RW"), source="Test boundaries")
    assert (result.created, result.problems) == (2, [])
    geod = Geod(ellps="WGS84")
    for code, (name, shape) in rwanda_halves.items():
        area = AdminArea.objects.get(country__alpha2="RW", code=code)
        assert area.name == name and area.level == 1
        expected = abs(geod.geometry_area_perimeter(shape)[0]) / 10_000
        assert area.area_ha == pytest.approx(expected, rel=0.005)
        assert 28 < area.min_x < area.max_x < 31.5  # degrees, not metres
    # The same file again changes nothing; one summary per import is audited.
    again = _import(mercator_file, country("RW"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    events = AuditEvent.objects.filter(model="core.adminarea", action="create")
    assert events.exclude(object_id="import").count() == 2  # each new area
    summaries = events.filter(object_id="import", source=AuditEvent.Source.IMPORT)
    assert [e.changes["created"][1] for e in summaries.order_by("pk")] == [2, 0]


def test_a_point_finds_its_area_through_the_index(mercator_file, country):
    _import(mercator_file, country("RW"))
    rwanda = country("RW").pk
    assert areas_for_point(rwanda, 29.5, -2.0)[1].code == "RW-W"
    assert areas_for_point(rwanda, 30.3, -2.0)[1].code == "RW-E"
    assert areas_for_point(rwanda, 10.0, 10.0) == {}
    assert areas_for_point(country("CD").pk, 29.5, -2.0) == {}


def test_sites_get_their_area_and_a_contradicting_province_is_a_problem(
    mercator_file, country, make_site
):
    before = make_site("Gatumba", "RW", latitude=-1.95, longitude=29.6)
    command = ["import", "admin-areas", str(mercator_file), "--country", "RW", "--level", "1",
               "--code-field", "PCODE", "--name-field", "NAME"]  # fmt: skip
    checked = io.StringIO()
    call_command(*command, "--dry-run", stdout=checked)
    assert "as level 1 of RW: 2 new, 0 changed" in checked.getvalue()
    assert not AdminArea.objects.exists()
    done = io.StringIO()
    call_command(*command, stdout=done)
    assert "2 new, 0 changed, 0 unchanged; 1 site placed in its area" in done.getvalue()
    before.refresh_from_db()
    assert before.area1.code == "RW-W"  # placed by the import of the areas
    site = make_site("Rutongo", "RW", latitude=-1.9641, longitude=30.0619)
    assert (site.area1.code, site.admin1) == ("RW-E", "Iburasirazuba")
    with pytest.raises(ValidationError) as error:
        make_site("Nyakabingo", "RW", latitude=-1.9, longitude=30.2, admin1="Iburengerazuba")
    (message,) = error.value.message_dict["admin1"]
    assert "Iburasirazuba (RW-E), not in Iburengerazuba" in message
    assert not Site.objects.filter(name="Nyakabingo").exists()
    # The same province written another way is no contradiction; an override with a reason
    # keeps a stated one.
    assert make_site("Musha", "RW", latitude=-1.9, longitude=30.3, admin1="IBURASIRAZUBA").area1
    kept = make_site(
        "Rwinkwavu", "RW", latitude=-1.9, longitude=30.4, admin1="Iburengerazuba",
        override_location=True, location_note="Province as the cooperative registered it",
    )  # fmt: skip
    assert (kept.admin1, kept.area1.code) == ("Iburengerazuba", "RW-E")
    # Moving a site across the cut moves it to the other area.
    services.site_update(actor=None, site=site, longitude=29.7, admin1="")
    site.refresh_from_db()
    assert (site.area1.code, site.admin1) == ("RW-W", "Iburengerazuba")


def test_a_bad_row_is_named_and_nothing_is_written(tmp_path, country, rwanda_halves):
    (name, shape) = rwanda_halves["RW-W"]
    path = _write_shapefile(
        tmp_path / "bad", [(shape, ("RW-W", name)), (rwanda_halves["RW-E"][1], ("", "No code"))]
    )
    result = _import(path, country("RW"))
    assert [(p.row, p.column, p.text) for p in result.problems] == [
        (2, "PCODE", "This field is empty.")
    ]
    assert str(result.summary) == "bad.shp: 1 problem; nothing was imported."
    assert not AdminArea.objects.exists()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import", "admin-areas", str(path), "--country", "RW", "--level", "1",
            "--code-field", "PCODE", "--name-field", "NAME", verbosity=0,
        )  # fmt: skip
    assert not AdminArea.objects.exists()
    with pytest.raises(CommandError, match="--level"):
        call_command("import", "admin-areas", str(path), "--country", "RW", verbosity=0)
    unknown = _import(path, country("RW"), parent_code_field="NAME")
    assert any("import it first" in problem.text for problem in unknown.problems)


def test_only_administrators_import_areas(mercator_file, country, ghana_officer):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        admin_areas_import(
            actor=ghana_officer, path=mercator_file, country=country("RW"), level=1,
            code_field="PCODE", name_field="NAME",
        )  # fmt: skip
    assert not AdminArea.objects.exists()


def test_a_census_import_places_its_new_sites_in_their_areas(mercator_file, country, tmp_path):
    from casm.imports.census import census_import

    _import(mercator_file, country("RW"))
    path = tmp_path / "census.csv"
    path.write_text(
        "site_name,country,latitude,longitude,date,workers\n"
        "Gatumba,RW,-1.95,29.6,2024-03-01,12\n"
        "Rwinkwavu,RW,-1.95,30.4,2024-03-01,20\n",
        encoding="utf-8",
    )
    result = census_import(actor=None, path=path)
    assert result.problem_count == 0, result.problems
    placed = dict(Site.objects.values_list("name", "area1__code"))
    assert placed == {"Gatumba": "RW-W", "Rwinkwavu": "RW-E"}


def _zipped(shp):
    import io as _io
    import zipfile

    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for suffix in (".shp", ".shx", ".dbf", ".prj"):
            archive.write(shp.with_suffix(suffix), f"provinces{suffix}")
    buffer.seek(0)
    buffer.name = "provinces.zip"
    return buffer


def test_an_administrator_imports_areas_from_the_web_in_french(
    login, admin_user, mercator_file, country, make_site
):
    site = make_site("Rutongo", "RW", latitude=-1.9641, longitude=30.0619)
    client = login(admin_user)
    form = {"country": country("RW").pk, "level": "1", "code_field": "PCODE",
            "name_field": "NAME", "source": "Test boundaries"}  # fmt: skip
    checked = client.post(
        "/reference/areas/import/", {**form, "dry_run": "on", "file": _zipped(mercator_file)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert checked.status_code == 200 and not AdminArea.objects.exists()
    # The check says, in French, what the import would do.
    assert "comme niveau 1 de RW : 2 nouvelles, 0 modifiées" in checked.content.decode()
    done = client.post("/reference/areas/import/", {**form, "file": _zipped(mercator_file)})
    assert done.status_code == 302, done.content
    listed = client.get(done["Location"]).content.decode()
    assert "Iburasirazuba" in listed and "RW-E" in listed
    site.refresh_from_db()
    assert site.area1.code == "RW-E"
    broken = client.post(
        "/reference/areas/import/", {**form, "name_field": "NOM", "file": _zipped(mercator_file)},
        HTTP_ACCEPT_LANGUAGE="fr",
    )  # fmt: skip
    assert broken.status_code == 400
    assert "Le fichier n’a pas de champ «\u00a0NOM\u00a0»" in broken.content.decode()
    wrong = client.post("/reference/areas/import/", {**form, "file": _text_file()})
    assert wrong.status_code == 400 and b".geojson" in wrong.content


def _text_file():
    import io as _io

    upload = _io.BytesIO(b"not a boundary")
    upload.name = "provinces.txt"
    return upload


def test_only_administrators_reach_the_import_page(login, ghana_officer, client):
    assert client.get("/reference/areas/import/").status_code == 302  # to sign in
    assert login(ghana_officer).get("/reference/areas/import/").status_code == 403
    assert client.get("/reference/areas/").status_code == 200  # the list is public


def test_the_api_lists_areas_and_gives_one_boundary(client, mercator_file, country):
    _import(mercator_file, country("RW"))
    listed = client.get("/api/v1/admin-areas?country=rw&level=1").json()
    assert listed["count"] == 2
    item = next(i for i in listed["items"] if i["code"] == "RW-E")
    assert "geometry" not in item and item["country"] == "RW"
    detail = client.get(f"/api/v1/admin-areas/{item['id']}").json()
    assert detail["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get("/api/v1/admin-areas/999999").status_code == 404


@pytest.fixture
def rwanda_officer(make_user):
    from casm.accounts.models import User

    return make_user("uwase", role=User.Role.DATA_OFFICER, countries=["RW"])


@pytest.fixture
def placed_sites(mercator_file, country, make_site):
    _import(mercator_file, country("RW"))
    west = [
        make_site(f"West {n}", "RW", latitude=-1.95, longitude=29.5 + n / 100) for n in range(3)
    ]
    east = make_site("East", "RW", latitude=-1.96, longitude=30.3)
    return west, east


def test_sites_are_filtered_by_area_in_the_list_the_api_and_the_export(
    client, login, token_for, rwanda_officer, placed_sites
):
    from casm.registry.exports import site_table
    from casm.registry.selectors import SiteFilters, site_filter

    west, east = placed_sites
    login(rwanda_officer)
    page = client.get("/registry/sites/", {"country": "RW", "area": "RW-E"}).content.decode()
    assert "East" in page and "West 0" not in page
    assert '<option value="RW-W">Iburengerazuba</option>' in page  # the country's provinces
    api = client.get("/api/v1/sites", {"area": "RW-W"}, **token_for(rwanda_officer))
    assert sorted(site["name"] for site in api.json()["items"]) == ["West 0", "West 1", "West 2"]
    unknown = client.get("/api/v1/sites", {"area": "XX-9"}, **token_for(rwanda_officer))
    assert unknown.status_code == 422
    table = site_table(site_filter(Site.objects.all(), SiteFilters(area="RW-E")), public=False)
    rows = list(table.rows())
    assert [(row["name"], row["area1_code"], row["area1"]) for row in rows] == [
        ("East", "RW-E", "Iburasirazuba")
    ]


def test_a_country_without_areas_has_no_area_filter(client, login, rwanda_officer):
    login(rwanda_officer)
    assert 'name="area"' not in client.get("/registry/sites/", {"country": "RW"}).content.decode()


def test_the_country_profile_counts_sites_by_province(client, placed_sites):
    page = client.get("/profiles/RW/").content.decode()
    assert 'id="sites-by-area"' in page
    assert "?country=RW&amp;area=RW-W" in page
    profile = client.get("/api/v1/profiles/RW").json()
    assert profile["sites_by_area"] == [
        {"code": "RW-W", "name": "Iburengerazuba", "sites": 3},
        {"code": "RW-E", "name": "Iburasirazuba", "sites": 1},
    ]
    assert profile["sites_unplaced"] == 0


def test_casm_export_filters_by_area(placed_sites, capsys):
    call_command("export", "sites", "--area", "RW-E")
    out = capsys.readouterr().out
    assert "East" in out and "West 0" not in out
    with pytest.raises(CommandError, match="unknown administrative area"):
        call_command("export", "sites", "--area", "XX-9")


def test_a_census_row_naming_the_wrong_province_is_a_problem(
    mercator_file, country, rwanda_officer, tmp_path
):
    from casm.imports.census import census_import

    _import(mercator_file, country("RW"))
    path = tmp_path / "census.csv"
    path.write_text(
        "site_name,country,admin1,latitude,longitude,date\n"
        "Rutongo,RW,Iburasirazuba,-1.9641,30.0619,2024-01-02\n"  # right: east of 30°
        "Gatumba,RW,Iburasirazuba,-1.95,29.6,2024-01-02\n"  # wrong: west of 30°
        "Nyakabingo,RW,,-1.9,29.7,2024-01-02\n",  # none stated: filled from the point
        encoding="utf-8",
    )
    checked = census_import(actor=rwanda_officer, path=path, dry_run=True)
    assert [(p.row, p.column, p.message.code) for p in checked.problems] == [
        (3, "admin1", "registry.area_contradicts")
    ]
    assert checked.problems[0].text.startswith("The point lies in Iburengerazuba (RW-W), not in")
    kept = census_import(actor=rwanda_officer, path=path, skip_invalid=True)
    assert kept.sites_created == 2
    placed = Site.objects.get(name="Nyakabingo")
    assert (placed.area1.code, placed.admin1) == ("RW-W", "Iburengerazuba")
