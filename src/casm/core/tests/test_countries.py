"""One country matcher for every import and filter: codes and names, however written."""

import pytest

from casm.core.countries import CountryMatcher, country_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("CD", "CD"),
        ("cod", "CD"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo, The Democratic Republic of the", "CD"),
        ("République démocratique du Congo", "CD"),
        ("republique democratique du congo", "CD"),
        ("República Democrática del Congo", "CD"),
        ("DRC", "CD"),
        ("RDC", "CD"),
        ("Congo-Kinshasa", "CD"),
        ("Congo", "CG"),
        ("Ivory Coast", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("COTE D'IVOIRE", "CI"),
        ("Costa de Marfil", "CI"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Turquie", "TR"),
        ("Vietnam", "VN"),
        ("Viêt Nam", "VN"),
        ("Cape Verde", "CV"),
        ("Cabo Verde", "CV"),
        ("United States of America", "US"),
        ("Estados Unidos", "US"),
        ("The Gambia", "GM"),
        ("Tanzania", "TZ"),
        ("Alemanha", "DE"),
    ],
)
def test_a_country_is_found_by_code_or_name_in_english_french_spanish_or_portuguese(name, code):
    assert CountryMatcher().find(name).alpha2 == code
    assert country_code(name) == code


@pytest.mark.parametrize("name", ["", "Atlantis", "XX", "Kivu", "Europe"])
def test_anything_else_is_not_a_country(name):
    assert CountryMatcher().find(name) is None


def test_only_countries_of_the_reference_table_are_found():
    from casm.core.models import Country

    matcher = CountryMatcher(Country.objects.exclude(alpha2="VN"))
    assert matcher.find("Vietnam") is None
    assert matcher.find("Ghana").alpha2 == "GH"
