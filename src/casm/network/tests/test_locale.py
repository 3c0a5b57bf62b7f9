"""The expert roster names themes, languages and countries, never their codes."""

import pytest
from django.utils import translation

from casm.core.models import Country
from casm.library.models import Language, Theme
from casm.network import services
from casm.network.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def expert(db):
    person = factories.person("Awa Traoré")
    return services.expert_profile_save(
        actor=None,
        person=person,
        data={
            "themes": ["child_labour", "livelihoods"],
            "languages": ["es", "fr"],
            "countries": list(Country.objects.filter(alpha2__in=["IN", "ML", "RW"])),
        },
    )


def _roster(client, language):
    client.cookies["django_language"] = language
    return client.get("/network/experts/").content.decode()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_it_shows_the_roster_with_labels_not_codes(client, expert, language):
    page = _roster(client, language)
    table = page[page.index("<table") : page.index("</table>")]

    with translation.override(language):
        for label in (Theme.CHILD_LABOUR.label, Theme.LIVELIHOODS.label,
                      Language.SPANISH.label, Language.FRENCH.label):  # fmt: skip
            assert str(label) in table
        for code in ("IN", "ML", "RW"):
            assert Country.objects.get(alpha2=code).name in table
    assert "child_labour" not in table and ">livelihoods" not in table
    assert ">IN," not in table and "ML, RW" not in table and "es, fr" not in table


def test_the_countries_filter_is_in_french_and_in_french_order(client, expert):
    page = _roster(client, "fr")

    assert "Égypte" in page
    # Accents aside: Égypte comes between Éthiopie's neighbours in E, before Espagne.
    assert page.index(">Égypte<") < page.index(">Espagne<") < page.index(">Zambie<")
