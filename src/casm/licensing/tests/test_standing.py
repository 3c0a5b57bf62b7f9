"""A site's legal status read from the cadastre, and the formalization rate from it."""

from __future__ import annotations

import pytest

from casm.indicators.selectors import country_profile
from casm.licensing.layers import layer_import
from casm.licensing.models import SiteStanding

from .factories import TITLE_PE, ZONE, load_cadastre

pytestmark = pytest.mark.django_db


def _inside(bounds):
    west, south, _east, _north = bounds
    return {"latitude": south + 0.005, "longitude": west + 0.005}


def test_loading_the_cadastre_places_the_sites_and_the_profile_reads_it(
    tmp_path, country, make_site
):
    congo = country("CD")
    in_zone = make_site("Chantier ZEA", "CD", **_inside(ZONE), legal_status="informal")
    in_title = make_site("Chantier PE", "CD", **_inside(TITLE_PE), legal_status="licensed")
    elsewhere = make_site("Chantier libre", "CD", latitude=-4.0, longitude=16.5,
                          legal_status="licensed")  # fmt: skip
    assert country_profile(congo)["formalization"]["rate"] == 66.7  # as the census stated
    load_cadastre(tmp_path, congo)
    standings = {s.site_id: s for s in SiteStanding.objects.select_related("feature")}
    assert (standings[in_zone.pk].status, standings[in_zone.pk].reason) == ("asm_zone", "in_zone")
    assert standings[in_zone.pk].feature.code == "ZEA-001"
    assert (standings[in_title.pk].status, standings[in_title.pk].reason) == (
        "informal", "in_title",
    )  # fmt: skip
    assert standings[elsewhere.pk].reason == "outside"
    profile = country_profile(congo)
    assert profile["formalization"] == {"known": 3, "formal": 1, "rate": 33.3}
    assert profile["formalization_source"] == "cadastre"


def test_a_site_registered_or_moved_later_is_placed_too(tmp_path, country, make_site, admin_user):
    from casm.registry.services import site_update

    load_cadastre(tmp_path, country("CD"))
    site = make_site("Nouveau chantier", "CD", latitude=-4.0, longitude=16.5)
    assert SiteStanding.objects.get(site=site).reason == "outside"
    site_update(actor=admin_user, site=site, **_inside(ZONE), override_location=True)
    standing = SiteStanding.objects.get(site=site)
    assert (standing.status, standing.feature.code) == ("asm_zone", "ZEA-001")


def test_a_country_without_a_cadastre_keeps_the_census_figures(country, make_site):
    make_site("Tarkwa", "GH", legal_status="licensed")
    assert not SiteStanding.objects.exists()
    assert country_profile(country("GH"))["formalization_source"] == "census"


def test_the_site_page_shows_the_derivation_beside_what_the_census_stated(
    client, login, congo_officer, tmp_path, country, make_site
):
    site = make_site("Chantier ZEA", "CD", **_inside(ZONE), legal_status="informal")
    load_cadastre(tmp_path, country("CD"))
    login(congo_officer)
    page = client.get(f"/registry/sites/{site.pk}/").content.decode()
    assert "inside an ASM zone <small>(from the cadastre: inside an ASM zone ZEA-001;" in page
    assert "stated at the census: informal" in page
    profile = client.get("/profiles/CD/").content.decode()
    assert "(from the mining cadastre)" in profile


def test_a_layer_import_that_changes_nothing_leaves_the_standings(tmp_path, country, make_site):
    site = make_site("Chantier ZEA", "CD", **_inside(ZONE))
    load_cadastre(tmp_path, country("CD"))
    first = SiteStanding.objects.get(site=site)
    from .factories import TITLES_MAPPING

    again = layer_import(actor=None, path=tmp_path / "titles.geojson", country=country("CD"),
                         kind="title", mapping=TITLES_MAPPING)  # fmt: skip
    assert again.unchanged == 2
    assert SiteStanding.objects.get(site=site).pk == first.pk


def test_all_sites_at_once_the_edge_is_inside_the_smallest_shape_names_and_only_changes_are_written(
    tmp_path, country, make_site
):
    from shapely.geometry import box

    from casm.lib.geometry import area_hectares, as_geojson
    from casm.licensing.models import Layer, LayerFeature
    from casm.licensing.services import site_standings_update

    congo = country("CD")
    zones = Layer.objects.create(country=congo, kind="asm_zone")
    titles = Layer.objects.create(country=congo, kind="title")

    def shape_in(layer, code, bounds):
        west, south, east, north = bounds
        return LayerFeature.objects.create(
            layer=layer, code=code, name=code, geometry=as_geojson(box(*bounds)),
            min_x=west, min_y=south, max_x=east, max_y=north, area_ha=area_hectares(box(*bounds)),
        )  # fmt: skip

    large = shape_in(zones, "ZEA-L", (15.0, -5.0, 16.0, -4.0))
    small = shape_in(zones, "ZEA-S", (15.2, -4.8, 15.4, -4.6))
    shape_in(zones, "ZEA-T", (15.2, -4.8, 15.4, -4.6))  # as small as ZEA-S, recorded after
    shape_in(titles, "PE-1", (15.3, -4.7, 15.5, -4.5))
    on_edge = make_site("Bord", "CD", latitude=-4.5, longitude=16.0)  # the large zone's corner
    nested = make_site("Imbriqué", "CD", latitude=-4.65, longitude=15.35)
    just_out = make_site("Dehors", "CD", latitude=-4.5, longitude=16.0001)
    assert site_standings_update(country_id=congo.pk) == 3
    standing = {s.site_id: s for s in SiteStanding.objects.all()}
    assert (standing[on_edge.pk].reason, standing[on_edge.pk].feature_id) == ("in_zone", large.pk)
    # In three zones and a title: the smallest zone names it (of two as small, the first
    # recorded), and a zone comes before a title.
    assert (standing[nested.pk].reason, standing[nested.pk].feature_id) == ("in_zone", small.pk)
    assert (standing[just_out.pk].reason, standing[just_out.pk].feature) == ("outside", None)
    # Again with one shape gone: only the site that changes is written.
    before = {s.site_id: s.updated_at for s in SiteStanding.objects.all()}
    LayerFeature.objects.filter(code__in=["ZEA-S", "ZEA-T"]).delete()
    site_standings_update(country_id=congo.pk)
    after = {s.site_id: s for s in SiteStanding.objects.all()}
    assert after[nested.pk].feature_id == large.pk
    assert after[nested.pk].updated_at > before[nested.pk]
    assert after[on_edge.pk].updated_at == before[on_edge.pk]
    # No cadastre left: no standing left.
    LayerFeature.objects.all().delete()
    assert site_standings_update(country_id=congo.pk) == 0
    assert not SiteStanding.objects.exists()
