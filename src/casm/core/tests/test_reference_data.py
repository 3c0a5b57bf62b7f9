import json

from shapely.geometry import shape

from casm.core.maps import OUTLINES_PATH
from casm.core.models import Commodity, Country


def test_it_ships_every_iso_country_with_french_names_and_regions(db):
    assert Country.objects.count() == 249
    congo = Country.objects.get(alpha2="CD")
    assert (congo.alpha3, congo.numeric) == ("COD", "180")
    assert congo.name_fr == "Congo, République démocratique du"
    assert (congo.region_en, congo.subregion_en) == ("Africa", "Sub-Saharan Africa")
    assert Country.objects.get(alpha2="EC").region_fr == "Amériques"
    assert Country.objects.exclude(alpha2="AQ").filter(region_m49="").count() == 0


def test_it_ships_the_sector_commodities_with_hs_codes_and_units(db):
    gold = Commodity.objects.get(code="gold")
    assert (gold.hs_code, gold.unit, gold.name_fr) == ("7108.12", "g", "Or")
    assert Commodity.objects.get(code="tin").hs_code == "2609.00"
    assert Commodity.objects.get(code="tantalum").hs_code == "2615.90"
    assert Commodity.objects.get(code="tungsten").hs_code == "2611.00"
    codes = set(Commodity.objects.values_list("code", flat=True))
    assert {"diamond", "sapphire", "ruby", "emerald", "tourmaline", "cobalt", "copper"} <= codes
    assert {"lithium", "coal", "sand", "gravel", "clay", "limestone", "salt"} <= codes
    assert Commodity.objects.filter(name_pt="").count() == 0


def test_the_outlines_are_valid_and_name_real_countries(db):
    data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    assert "Natural Earth" in data["source"]
    codes = set(Country.objects.values_list("alpha3", flat=True))
    for feature in data["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid, feature["properties"]
        assert feature["properties"]["alpha3"] in codes | {"XKX"}
    assert len(data["features"]) > 170
