"""An event as an iCalendar file (RFC 5545), for people's calendars."""

from __future__ import annotations

import datetime

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from casm.events.models import Event


def event_ical(event: Event, base_url: str) -> bytes:
    """One all-day VEVENT spanning the event, with a VEVENT per agenda session."""
    calendar = Calendar()
    calendar.add("prodid", "-//CASM//events//EN")
    calendar.add("version", "2.0")
    host = base_url.split("//", 1)[-1].strip("/") or "casm"
    place = ", ".join(part for part in (event.city, str(event.host_country or "")) if part)
    whole = CalendarEvent()
    whole.add("uid", f"event-{event.pk}@{host}")
    whole.add("summary", event.title)
    whole.add("dtstart", event.starts_on)
    whole.add("dtend", event.ends_on + datetime.timedelta(days=1))
    whole.add("dtstamp", datetime.datetime.now(datetime.UTC))
    if place:
        whole.add("location", place)
    if event.description:
        whole.add("description", event.description)
    whole.add("url", f"{base_url.rstrip('/')}/events/{event.pk}/")
    calendar.add_component(whole)
    for session in event.sessions.all():
        item = CalendarEvent()
        item.add("uid", f"event-{event.pk}-session-{session.pk}@{host}")
        item.add("summary", session.title)
        item.add("dtstart", session.starts_at)
        item.add("dtend", session.ends_at)
        item.add("dtstamp", datetime.datetime.now(datetime.UTC))
        if session.room:
            item.add("location", session.room)
        if session.speakers:
            item.add("description", session.speakers)
        calendar.add_component(item)
    return calendar.to_ical()
