"""APA 7 and BibTeX text for documents."""

import datetime

import pytest

from casm.accounts.models import User
from casm.library import citation, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user("edith", role=User.Role.LIBRARY_EDITOR)


@pytest.fixture
def make(editor):
    def create(title="Reducing mercury in gold mining", authors=(), **data):
        values = {"title": title, "doc_type": "report", **data}
        return services.document_create(
            actor=editor, data=values, authors=list(authors), publish=True
        )

    return create


def _balanced(text):
    depth = 0
    escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


# --- APA ---------------------------------------------------------------------------------


def test_apa_with_people_a_year_a_publisher_and_a_doi(make):
    document = make(
        authors=["Jane Quincy Doe", "Pierre-Marie de la Fontaine"],
        year=2019,
        publisher="World Bank",
        doi="10.1234/abc",
    )
    assert citation.apa(document) == (
        "Doe, J. Q., & de la Fontaine, P.-M. (2019). Reducing mercury in gold mining."
        " World Bank. https://doi.org/10.1234/abc"
    )


def test_apa_lists_three_authors_with_an_ampersand_before_the_last(make):
    document = make(authors=["Doe, Jane", "Roe, Richard", "Kofi Annan"], year=2020)
    assert citation.apa(document).startswith("Doe, J., Roe, R., & Annan, K. (2020).")


def test_apa_shortens_more_than_twenty_authors(make):
    document = make(authors=[f"Pat Author{n}" for n in range(25)], year=2020)
    text = citation.apa(document)
    assert "Author18, P., . . . Author24, P. (2020)" in text
    assert "Author19" not in text


def test_apa_leaves_out_a_publisher_that_is_the_author(make):
    document = make(
        authors=[{"name": "World Bank", "kind": "organisation"}],
        publisher="World Bank",
        year=2013,
        url="https://example.org/report.pdf",
    )
    assert citation.apa(document) == (
        "World Bank. (2013). Reducing mercury in gold mining. https://example.org/report.pdf"
    )


def test_apa_without_author_or_date_starts_with_the_title(make, settings):
    settings.CASM_SITE_URL = "https://casm.example.org"
    document = make(title="Mining code", subtitle="annotated", version="3")
    assert citation.apa(document) == (
        f"Mining code: annotated (Version 3). (n.d.). https://casm.example.org/library/{document.pk}/"
    )


def test_apa_dates_news_to_the_day(make):
    document = make(doc_type="news", published_on=datetime.date(2020, 3, 5), authors=["A. Writer"])
    assert "Writer, A. (2020, March 5)." in citation.apa(document)


def test_apa_html_escapes_and_puts_the_title_in_italics(make):
    document = make(title="Gold & <b>silver</b>", authors=["O'Brien, Sean"], year=2001)
    html = str(citation.apa_html(document))
    assert html.startswith("O&#x27;Brien, S. (2001). <i>Gold &amp; &lt;b&gt;silver&lt;/b&gt;</i>.")
    assert "<b>" not in html


# --- BibTeX ------------------------------------------------------------------------------


def test_bibtex_entry_with_its_fields(make, settings):
    settings.CASM_SITE_URL = "https://casm.example.org"
    document = make(
        authors=[
            "Jane Q. Doe",
            "Ludwig van Beethoven",
            {"name": "World Bank", "kind": "organisation"},
        ],
        published_on=datetime.date(2019, 3, 5),
        publisher="World Bank",
        doi="10.1234/abc_def",
        isbn="978-3-16-148410-0",
        version="2.0",
    )
    entry = citation.bibtex(document)
    assert entry.startswith("@techreport{doe2019reducing,\n")
    assert "  author      = {Doe, Jane Q. and {van Beethoven}, Ludwig and {World Bank}},\n" in entry
    assert "  title       = {{Reducing mercury in gold mining}},\n" in entry
    assert "  year        = {2019},\n" in entry
    assert "  month       = mar,\n" in entry
    assert "  institution = {World Bank},\n" in entry
    assert "  doi         = {10.1234/abc_def},\n" in entry
    assert "  isbn        = {9783161484100},\n" in entry
    assert "  note        = {Version 2.0},\n" in entry
    assert f"  url         = {{https://casm.example.org/library/{document.pk}/}}\n}}\n" in entry
    assert _balanced(entry)


def test_bibtex_escapes_every_special_character(make):
    document = make(
        title="50% of {gold} & $cash #1 under_score ~ ^ \\end",
        doc_type="toolkit",
        authors=["}{ Evil"],
        publisher="A & B",
    )
    entry = citation.bibtex(document)
    assert entry.startswith("@misc{")
    assert (
        r"{{50\% of \{gold\} \& \$cash \#1 under\_score \textasciitilde{} \textasciicircum{}"
        r" \textbackslash{}end}}" in entry
    )
    assert r"publisher    = {A \& B}" in entry
    assert r"howpublished = {Toolkit}" in entry
    assert r"Evil, \}\{" in entry
    assert _balanced(entry)


def test_bibtex_keys_are_plain_ascii(make):
    document = make(title="Économie minière", authors=["José Ñúñez"], year=2010)
    assert citation.bibtex_key(document) == "nunez2010economie"
    nameless = make(title="À l'or", year=None)
    assert citation.bibtex_key(nameless) == f"casm{nameless.pk}"


def test_bibtex_puts_a_multi_line_abstract_nowhere_and_titles_on_one_line(make):
    document = make(title="Line one\nline two", subtitle="part\tthree")
    entry = citation.bibtex(document)
    assert "{{Line one line two: part three}}" in entry
    assert _balanced(entry)
