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
