"""One way to find a country of the platform from what a file or a filter calls it.

A country is named by its ISO 3166-1 code (alpha-2 or alpha-3) or by a name: official, short or
common, in English, French, Spanish or Portuguese (pycountry's names and their translations,
the platform's own English and French names, and a few names people use that neither has:
"DRC", "RDC", "Congo-Kinshasa", "Ivory Coast", "Turkey", "Cape Verde", ...). Case, accents,
punctuation, a leading article and the ISO list's inverted order ("Korea, Republic of") do not
matter. Only countries of the platform's reference table are found.

Every import that reads a country (library, network directory, census) and every filter that
takes one by name asks :class:`CountryMatcher`, so a name one accepts the others accept too.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pycountry

TRANSLATIONS = ("fr", "es", "pt")
# Names in use that pycountry does not give (its English names are the ISO list's).
ALIASES = {
    "CD": ["DRC", "DR Congo", "D.R. Congo", "RDC", "RD Congo", "Congo-Kinshasa", "Congo (Kinshasa)",
           "Democratic Republic of Congo", "Congo, Democratic Republic of", "Zaire", "Zaïre"],
    "CG": ["Congo-Brazzaville", "Congo (Brazzaville)", "Republic of Congo"],
    "CI": ["Ivory Coast", "Côte d'Ivoire", "Cote d Ivoire"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "VN": ["Vietnam", "Viet Nam"],
    "CV": ["Cape Verde", "Cabo Verde"],
    "US": ["USA", "U.S.A.", "United States of America"],
    "GB": ["UK", "U.K.", "Great Britain", "Britain"],
    "RU": ["Russia"],
    "SY": ["Syria"],
    "LA": ["Laos"],
    "TZ": ["Tanzania"],
    "BO": ["Bolivia"],
    "VE": ["Venezuela"],
    "IR": ["Iran"],
    "KR": ["South Korea"],
    "KP": ["North Korea"],
    "MD": ["Moldova"],
    "MM": ["Burma"],
    "SZ": ["Swaziland"],
    "MK": ["Macedonia", "FYROM"],
    "CZ": ["Czech Republic"],
    "TL": ["East Timor"],
    "PS": ["Palestine"],
    "VA": ["Vatican", "Holy See"],
    "FM": ["Micronesia"],
    "BN": ["Brunei"],
    "NL": ["Holland"],
    "GM": ["Gambia"],
    "BS": ["Bahamas"],
    "TW": ["Taiwan"],
}  # fmt: skip
_ARTICLES = {"the", "le", "la", "les", "l", "el", "los", "las", "o", "os", "a", "as"}


def country_key(text: str) -> str:
    """What is compared: "La République démocratique du Congo" → "republiquedemocratiqueducongo".

    Lower case without accents or punctuation; a leading article and the inverted order of the
    ISO list ("Congo, The Democratic Republic of the") are undone first.
    """
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if plain.count(",") == 1:
        head, tail = plain.split(",")
        if tail.strip() and not tail.strip()[0].isdigit():
            plain = f"{tail} {head}"
    words = [word for word in re.split(r"[^0-9a-z]+", plain) if word]
    while len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return "".join(words)


@functools.cache
def _pycountry_names() -> dict[str, tuple[str, ...]]:
    """alpha-2 → every name pycountry has for it, in English and its translations."""
    translations = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True)
        for language in TRANSLATIONS
    ]
    names: dict[str, tuple[str, ...]] = {}
    for entry in pycountry.countries:
        english = [
            getattr(entry, attribute, None)
            for attribute in ("name", "official_name", "common_name")
        ]
        found = [name for name in english if name]
        found += [translation.gettext(name) for translation in translations for name in found]
        names[entry.alpha_2] = tuple(dict.fromkeys(found))
    return names


class CountryMatcher:
    """Countries of the platform found by code or name (see the module's docstring)."""

    def __init__(self, countries: Iterable[Any] | None = None) -> None:
        if countries is None:
            from casm.core.models import Country

            countries = Country.objects.all()
        self.countries = list(countries)
        self._codes: dict[str, Any] = {}
        self._names: dict[str, Any] = {}
        for country in self.countries:
            self._codes[country.alpha2.upper()] = country
            self._codes[country.alpha3.upper()] = country
        pycountry_names = _pycountry_names()
        # The platform's own names first, then pycountry's, then the aliases: the first wins.
        for country in self.countries:
            for name in (country.name_en, country.name_fr):
                self._add(name, country)
        for country in self.countries:
            for name in pycountry_names.get(country.alpha2, ()):
                self._add(name, country)
        by_code = {country.alpha2: country for country in self.countries}
        for code, aliases in ALIASES.items():
            if code in by_code:
                for name in aliases:
                    self._add(name, by_code[code])

    def _add(self, name: str, country: Any) -> None:
        key = country_key(name)
        if key:
            self._names.setdefault(key, country)

    def find(self, text: str) -> Any | None:
        """The country a code or a name means, or None."""
        text = str(text or "").strip()
        if not text:
            return None
        found = self._codes.get(text.upper())
        if found is not None:
            return found
        return self._names.get(country_key(text))


def country_matcher() -> CountryMatcher:
    """A matcher over the platform's reference table (read once per call: one per import)."""
    return CountryMatcher()


def accepted_names_help() -> str:
    """How a country may be written, for a command's help (plain English, as all help is)."""
    examples = ", ".join(
        ["CD", "COD", "DR Congo", "RDC", "Côte d'Ivoire", "Ivory Coast", "Türkiye"]
    )
    return (
        "a country is its ISO 3166-1 code (alpha-2 or alpha-3) or its official, short or common"
        f" name in English, French, Spanish or Portuguese, e.g. {examples}"
    )


@functools.cache
def _codes_by_key() -> tuple[dict[str, str], dict[str, str]]:
    """Codes and name keys → alpha-2, read from the reference table once (it is never edited)."""
    matcher = CountryMatcher()
    codes = {code: country.alpha2 for code, country in matcher._codes.items()}
    names = {key: country.alpha2 for key, country in matcher._names.items()}
    return codes, names


def country_code(text: str | None) -> str | None:
    """The alpha-2 code of a country named by code or name (for filters), or None."""
    text = str(text or "").strip()
    if not text:
        return None
    codes, names = _codes_by_key()
    return codes.get(text.upper()) or names.get(country_key(text))


def countries_by_name(countries: Iterable[Any]) -> list[Any]:
    """Countries in the alphabetical order of their names in the reader's language, accents
    aside: "Égypte" among the E in French, where the English order would put it elsewhere."""
    return sorted(countries, key=lambda country: country_key(country.name))


def country_names() -> dict[str, str]:
    """Every country's name in the reader's language (``Country.name``), by alpha-2: for
    aggregates read as rows of values, which carry the code only."""
    from casm.core.models import Country

    return {country.alpha2: country.name for country in Country.objects.all()}
