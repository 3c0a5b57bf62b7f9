"""The demo events reproduce the growth CASM reported."""

import random

from casm.events import demo
from casm.events.models import Event
from casm.events.selectors import statistics_by_year


def test_the_demo_conferences_grow_five_fold_with_47_countries_in_2008(db):
    said: list[str] = []
    demo.build(random.Random(2001), said.append)
    years = {row["year"]: row for row in statistics_by_year()}
    assert years[2010]["attendees"] == 5 * years[2001]["attendees"]
    assert years[2008]["countries"] == 47
    assert years[2001]["first_time"] == years[2001]["attendees"]
    assert 0 < years[2010]["first_time"] < years[2010]["attendees"]
    assert 0.25 < years[2008]["women"] / years[2008]["attendees"] < 0.5
    assert Event.objects.filter(kind=Event.Kind.ROUNDTABLE, year=2012).exists()
    assert Event.objects.filter(kind=Event.Kind.WEBINAR).exists()
    assert "events:" in said[-1]
