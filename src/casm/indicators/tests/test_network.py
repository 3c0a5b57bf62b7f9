"""The network indicators page: series by year from partnerships, projects, the conference,
the library and the grants."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from casm.indicators.network import network_series

URL = reverse("indicators:network")


def test_an_empty_platform_says_so(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert "No figures yet" in response.content.decode()


@pytest.mark.django_db
def test_the_demo_shows_attendance_growth_and_partnerships(client):
    # The demo of every app these series read, in the demo's order (that of `casm demo`). The
    # registry, which they do not read, is left out: it is the slowest part of the demo.
    from casm.accounts import demo as accounts
    from casm.events import demo as events
    from casm.grants import demo as grants
    from casm.library import demo as library
    from casm.network import demo as network

    rng = random.Random(7)
    for demo in (accounts, library, grants, events, network):
        demo.build(rng, lambda *_: None)
    rows = {row["year"]: row for row in network_series()}
    assert rows[2010]["conference_attendees"] >= 5 * rows[2001]["conference_attendees"] * 0.9
    assert rows[2008]["conference_countries"] == 47
    partnerships = [rows[year]["partnerships"] for year in sorted(rows) if year <= 2012]
    assert max(partnerships) >= 32 and min(p for p in partnerships if p) >= 13
    page = client.get(URL).content.decode()
    assert "<svg" in page and "2001" in page and "2010" in page
    csv_text = client.get(URL, {"format": "csv"}).content.decode()
    assert csv_text.splitlines()[0].startswith("year,partnerships,")
    assert "\n2008," in csv_text
    answer = client.get("/api/v1/network-indicators")
    assert answer.status_code == 200
    by_year = {row["year"]: row for row in answer.json()["items"]}
    assert by_year[2008]["conference_countries"] == 47


def test_the_api_answers_anyone_even_when_empty(client, db, member, token_for):
    assert client.get("/api/v1/network-indicators").json()["items"] == []
    assert client.get("/api/v1/network-indicators", **token_for(member)).status_code == 200
    assert client.post("/api/v1/network-indicators").status_code == 405
