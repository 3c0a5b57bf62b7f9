"""A visitor never sees a miner or an operator's contact: not in pages, exports, nor the API.

The test registers people with names nobody would write by chance, then walks every page a
visitor can reach without arguments (found by the URL resolver, so new pages are walked too),
the public API and its exports, and looks for those names in every body, unzipping XLSX files.
"""

import datetime
import io
import re
import zipfile

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from casm.core.context_processors import PILLARS
from casm.core.models import Commodity
from casm.registry.tests import factories

LAST_YEAR = datetime.date.today().year - 1

SECRETS = [
    "Zephyrine Quaglietti",  # miner's name
    "ZQ-4417-PRIVATE",  # miner's ID number
    "Bartholomew Xanthopoulos",  # second miner
    "Ottoline Wraxall-Pym",  # operator's contact person
    "+243 999 314 159",  # operator's contact phone
    "secret.contact@kamituga.example",  # operator's contact e-mail
]
GHANAIAN_MINER = SECRETS[2]
EXPORT_FORMATS = ["csv", "xlsx", "geojson"]


@pytest.fixture
def people(make_site):
    """Sites in DR Congo and Ghana, worked by miners and operators with private details."""
    gold = Commodity.objects.get(code="gold")
    kamituga = make_site("Kamituga Mobale", "CD", commodities=[gold])
    factories.make_visit(kamituga, datetime.date(LAST_YEAR, 5, 1), workers=3, women=1, men=2)
    prestea = make_site("Prestea Top", "GH", commodities=[gold])
    operator = factories.make_operator(
        "Coopérative de Mobale",
        "CD",
        contact_name=SECRETS[3],
        contact_phone=SECRETS[4],
        contact_email=SECRETS[5],
        sites=[kamituga],
    )
    factories.make_miner(
        SECRETS[0], "CD", sex="f", id_number=SECRETS[1], operator=operator, sites=[kamituga]
    )
    factories.make_miner(SECRETS[2], "GH", sites=[prestea])
    factories.make_production(site=kamituga, quantity=5)
    return {"kamituga": kamituga, "prestea": prestea, "operator": operator}


def _walkable_paths(arguments, patterns=None, prefix=""):
    """Every path of the site; arguments (``<int:…>``, ``<slug:…>``) are filled from
    ``arguments`` by converter, and a path with an argument of another kind is left out."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        route = str(entry.pattern)
        if "(" in route:
            continue
        for converter, value in arguments.items():
            route = re.sub(rf"<{converter}:\w+>", value, route)
        if "<" in route:
            continue
        route = route.lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            yield from _walkable_paths(arguments, entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + route


def _text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):  # an XLSX (or another zip): look inside every member
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            body = b"".join(archive.read(name) for name in archive.namelist())
    return body.decode("utf-8", "replace")


def _squeezed(text: str) -> str:
    return re.sub(r"\W", "", text)


def _assert_nothing_private(client, path, secrets=SECRETS, **headers):
    response = client.get(path, **headers)
    assert response.status_code < 500, path
    text = _text_of(response)
    squeezed = _squeezed(text)
    for secret in secrets:
        assert secret not in text, f"{secret!r} is shown at {path}"
        # Also as it would be escaped in HTML or JSON.
        assert _squeezed(secret) not in squeezed, f"{secret!r} is shown at {path}"
    return response


def _public_paths(people):
    site = people["kamituga"]
    paths = set(_walkable_paths({}))
    # Pages about one thing, asked about the Congolese site or its country.
    for argument in (str(site.pk), str(people["operator"].pk)):
        paths |= set(_walkable_paths({"int": argument, "slug": "cd", "str": "cd"}))
    paths |= {f"/pillars/{slug}/" for slug, _title in PILLARS}
    paths |= {"/profiles/", "/profiles/cd/", "/profiles/gh/", "/profiles/CD/"}
    paths |= {
        f"/registry/sites/{site.pk}/",
        f"/registry/operators/{people['operator'].pk}/",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/api/v1/public/sites",
        "/api/v1/public/sites?country=CD",
        "/api/v1/public/sites.geojson",
    }
    for fmt in EXPORT_FORMATS:
        paths.add(f"/api/v1/public/sites/export?format={fmt}")
    # The web's own exports, when they exist, in each format.
    for path in list(paths):
        if "export" in path and "?" not in path:
            paths |= {f"{path}?format={fmt}" for fmt in EXPORT_FORMATS}
    return sorted(paths)


def test_an_anonymous_visitor_never_sees_a_miner_or_a_contact(client, people):
    walked = 0
    for path in _public_paths(people):
        if path.startswith(("/accounts/logout", "/i18n/setlang")):
            continue
        response = _assert_nothing_private(client, path)
        walked += response.status_code == 200
    assert walked >= 10  # the walk reached real pages, not only 404s


def test_the_public_api_names_sites_but_no_people(client, people):
    text = _text_of(client.get("/api/v1/public/sites?limit=500"))
    assert "Kamituga Mobale" in text  # the walk would see a name if one were there
    for path in ("/api/v1/miners", "/api/v1/operators", "/api/v1/visits", "/api/v1/sites"):
        assert client.get(path).status_code == 401


def test_an_officer_of_another_country_sees_no_one_of_this_country(
    client, people, token_for, ghana_officer, login
):
    headers = token_for(ghana_officer)
    congolese = [secret for secret in SECRETS if secret != GHANAIAN_MINER]
    kamituga, operator = people["kamituga"], people["operator"]
    paths = [
        "/api/v1/miners",
        "/api/v1/miners?q=Zephyrine",
        "/api/v1/operators",
        "/api/v1/operators/export?format=csv",
        "/api/v1/operators/export?format=xlsx",
        "/api/v1/visits",
        "/api/v1/sites",
        "/api/v1/sites.geojson",
        f"/api/v1/sites/{kamituga.pk}",
        f"/api/v1/operators/{operator.pk}",
        "/api/v1/production",
    ]
    for fmt in EXPORT_FORMATS:
        paths += [f"/api/v1/sites/export?format={fmt}", f"/api/v1/visits/export?format={fmt}"]
    for path in paths:
        _assert_nothing_private(client, path, congolese, **headers)
    from casm.registry.models import Miner

    for miner in Miner.objects.filter(country__alpha2="CD"):
        assert client.get(f"/api/v1/miners/{miner.pk}", **headers).status_code == 404
    # The same officer browsing the site with a session.
    browser = login(ghana_officer)
    for path in _public_paths(people):
        if path.startswith(("/accounts/logout", "/i18n/setlang")):
            continue
        _assert_nothing_private(browser, path, congolese)


def test_the_walk_would_notice_a_leak(client, people, token_for, admin_user):
    """The check itself works: an administrator does see the miner through the API."""
    with pytest.raises(AssertionError):
        _assert_nothing_private(client, "/api/v1/miners", **token_for(admin_user))
