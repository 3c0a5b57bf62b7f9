"""Importing a layer of the cadastre: idempotent by code, all or nothing, defects reported."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from casm.core.models import AuditEvent
from casm.core.permissions import Role
from casm.licensing.layers import MappingError, layer_import, mapping_check, mapping_load
from casm.licensing.models import Layer, LayerFeature

from .factories import TITLE_PE, TITLES_MAPPING, ZONE, collection, feature, title

pytestmark = pytest.mark.django_db

BOWTIE = {"type": "Polygon",
          "coordinates": [[[15.0, -4.0], [15.1, -4.1], [15.1, -4.0], [15.0, -4.1], [15.0, -4.0]]]}  # fmt: skip # noqa: E501


def _import(path, country, **options):
    return layer_import(
        actor=options.pop("actor", None), path=path, country=country("CD"),
        kind=options.pop("kind", "title"), mapping=options.pop("mapping", TITLES_MAPPING),
        **options,
    )  # fmt: skip


def test_it_sends_zea_rows_to_the_asm_zones_and_a_second_import_changes_nothing(tmp_path, country):
    path = collection(tmp_path / "t.geojson", [title(TITLE_PE, "101"), title(ZONE, "ZEA-1", "ZEA")])
    first = _import(path, country)
    assert (first.created, first.by_kind) == (2, {"asm_zone": 1, "title": 1})
    zone = LayerFeature.objects.get(code="ZEA-1")
    assert zone.layer.kind == "asm_zone"
    assert 490 < zone.area_ha < 510  # 0.02° × 0.02° at 4° S: about 494 ha
    assert str(zone.granted_on) == "2016-07-04"
    again = _import(path, country)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Layer.objects.get(kind="title").version == 1
    summaries = AuditEvent.objects.filter(model="licensing.layerfeature", source="import")
    assert summaries.count() == 2


def test_a_corrected_file_updates_what_changed_and_the_layer_version(tmp_path, country):
    _import(collection(tmp_path / "a.geojson", [title(TITLE_PE, "101")]), country)
    corrected = collection(tmp_path / "b.geojson", [title(TITLE_PE, "101", statut="Expiré")])
    result = _import(corrected, country)
    assert (result.updated, result.unchanged) == (1, 0)
    assert LayerFeature.objects.get(code="101").status == "Expiré"
    assert Layer.objects.get(kind="title").version == 2


def test_a_repeated_code_is_joined_and_reported_not_fatal(tmp_path, country):
    west, south, east, north = TITLE_PE
    path = collection(tmp_path / "t.geojson", [
        title(TITLE_PE, "2791"), title((east, south, east + 0.02, north), "2791"),
    ])  # fmt: skip
    result = _import(path, country)
    assert result.committed and result.created == 1
    assert [str(n) for n in result.notes] == [
        "Row 2 repeats the code 2791 of row 1: its shape was joined to that row's."
    ]
    joined = LayerFeature.objects.get(code="2791")
    assert joined.max_x == pytest.approx(east + 0.02)


def test_a_shape_partly_outside_the_country_is_reported_not_fatal(tmp_path, country):
    at_sea = (10.0, -6.1, 12.6, -5.9)  # the Atlantic, off the mouth of the Congo
    result = _import(collection(tmp_path / "t.geojson", [title(at_sea, "9")]), country)
    assert result.committed
    (note,) = [str(n) for n in result.notes]
    assert note.startswith("Row 1 (9): ") and "lies outside Congo" in note


def test_a_broken_row_writes_nothing_and_names_the_row(tmp_path, country):
    bad = {"type": "Feature", "properties": {"name": "7", "type": "PE", "parties": "",
                                             "statut": "", "date_de1": "04/07/2016"},
           "geometry": BOWTIE}  # fmt: skip
    path = collection(tmp_path / "t.geojson", [title(TITLE_PE, "101"), bad])
    result = _import(path, country)
    assert not result.committed
    assert LayerFeature.objects.count() == 0
    where = {(p.row, p.column) for p in result.problems}
    assert where == {(2, "date_de1"), (2, "geometry")}
    with translation.override("fr"):
        texts = sorted(p.text for p in result.problems)
    assert "«\u00a004/07/2016\u00a0» n’est pas une date (AAAA-MM-JJ)." in texts
    kept = _import(path, country, skip_invalid=True)
    assert kept.committed and list(LayerFeature.objects.values_list("code", flat=True)) == ["101"]


def test_a_dry_run_counts_and_writes_nothing(tmp_path, country):
    result = _import(collection(tmp_path / "t.geojson", [title(TITLE_PE, "101")]), country,
                     dry_run=True)  # fmt: skip
    assert result.created == 1 and not result.committed
    assert "nothing written" in str(result.summary)
    assert not LayerFeature.objects.exists() and not Layer.objects.exists()


def test_a_field_no_row_has_is_named_once_and_one_a_row_leaves_out_is_empty(tmp_path, country):
    path = collection(tmp_path / "t.geojson", [feature(TITLE_PE, code="1"),
                                               feature(ZONE, code="2", type="PE")])  # fmt: skip
    mapping = {"code": "code", "title_type": "type", "holder": "parties"}
    result = _import(path, country, mapping=mapping)
    assert not result.committed
    assert [(p.row, p.column, p.text) for p in result.problems] == [
        ("", "parties", "The field “parties” is not in the file.")
    ]
    del mapping["holder"]
    kept = _import(path, country, mapping=mapping)
    assert kept.committed
    assert dict(LayerFeature.objects.values_list("code", "title_type")) == {"1": "", "2": "PE"}


@pytest.mark.parametrize(
    "mapping,names",
    [
        ({"code": "name", "colour": "x"}, "colour"),
        ({"code": "name", "defaults": {"site_name": "x"}}, "defaults.site_name"),
        ({"name": "name"}, "code"),
        ({"code": "name", "kinds": {"field": "type", "values": {"ZEA": "zones"}}}, "zones"),
        ({"code": "name", "defaults": {"rule": "maybe"}}, "maybe"),
    ],
)
def test_a_bad_mapping_names_the_key_and_the_file(mapping, names):
    with pytest.raises(MappingError) as refused:
        mapping_check(mapping, "m.json")
    assert names in str(refused.value) and "m.json" in str(refused.value)


def test_the_shipped_mappings_load():
    assert mapping_load("drc-titles-2016")["kinds"]["values"] == {"ZEA": "asm_zone"}
    assert mapping_load("drc-protected-areas-wri")["code"] == "name"


def test_only_a_licensing_officer_in_scope_imports(tmp_path, country, make_user, congo_officer):
    path = collection(tmp_path / "t.geojson", [title(TITLE_PE, "101")])
    ghana = make_user("kofi", role=Role.LICENSING_OFFICER, countries=["GH"])
    for refused in (congo_officer, ghana):
        with pytest.raises(PermissionDenied):
            _import(path, country, actor=refused)
    congo = make_user("lic", role=Role.LICENSING_OFFICER, countries=["CD"])
    assert _import(path, country, actor=congo).committed
    event = AuditEvent.objects.get(model="licensing.layerfeature")
    assert event.actor == congo and event.changes["created"] == [0, 1]


def test_holders_stay_private_unless_the_mapping_says_the_country_publishes_them(
    tmp_path, country, client
):
    rows = [title(TITLE_PE, "101", parties="Jean Mukendi")]
    path = collection(tmp_path / "t.geojson", rows)
    private = {k: v for k, v in TITLES_MAPPING.items() if k != "holders_public"}
    _import(path, country, mapping=private)
    assert LayerFeature.objects.get(code="101").holder == "Jean Mukendi"  # for the officers
    for answer in (
        client.get("/licensing/"),
        client.get("/api/v1/licensing/features"),
        client.get("/licensing/cadastre.csv"),
    ):
        body = answer.content if not answer.streaming else b"".join(answer.streaming_content)
        assert b"Mukendi" not in body
    searched = client.get("/licensing/", {"q": "Mukendi"}).content.decode()
    assert "No title or zone matches." in searched
    _import(path, country)  # the same file, with a mapping that publishes holders
    assert b"Mukendi" in client.get("/licensing/").content
