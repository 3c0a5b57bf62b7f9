"""The attendee list as CSV and the badges as a printable PDF (several to an A4 page)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from fpdf import FPDF

from casm.core import tables
from casm.events.models import Event, Registration
from casm.events.selectors import attendees

CSV_COLUMNS = [
    "full_name",
    "organisation",
    "organisation_type",
    "country",
    "gender",
    "status",
    "waiting_position",
    "field_visit",
    "dietary_needs",
    "accessibility_needs",
    "visa_letter",
    "first_time",
    "checked_in_at",
    "registered_at",
]


def _organisation(registration: Registration) -> str:
    if registration.organisation_name:
        return registration.organisation_name
    return registration.organisation.name if registration.organisation else ""


def attendees_csv(event: Event, *, include_waiting: bool = False) -> str:
    """One row per attendee (confirmed first; the waiting list too if asked)."""
    rows: list[list[Any]] = [CSV_COLUMNS]
    for registration in attendees(event, include_waiting=include_waiting):
        rows.append(
            [
                registration.full_name,
                _organisation(registration),
                registration.organisation_kind,
                registration.country.alpha2,
                registration.gender,
                registration.status,
                registration.waiting_position or "",
                registration.field_visit.title if registration.field_visit else "",
                registration.dietary_needs,
                registration.accessibility_needs,
                "yes" if registration.visa_letter else "no",
                "yes" if registration.first_time else "no",
                registration.checked_in_at.isoformat() if registration.checked_in_at else "",
                registration.created_at.isoformat(),
            ]
        )
    return tables.csv_text(rows, lineterminator="\n")


# Badges: 2 columns × 4 rows of 90 × 62 mm on A4 (210 × 297 mm).
BADGE_W, BADGE_H = 90.0, 62.0
COLUMNS, ROWS = 2, 4
MARGIN_X, MARGIN_Y = (210 - COLUMNS * BADGE_W) / 2, (297 - ROWS * BADGE_H) / 2


def _latin(text: str) -> str:
    """The core PDF fonts know Latin-1 only; other letters become '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def badges_pdf(event: Event) -> bytes:
    """Name badges of the confirmed attendees: name, organisation, country and the event."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(_latin(_("Badges: %(event)s") % {"event": event.title}))
    people = list(attendees(event))
    per_page = COLUMNS * ROWS
    if not people:
        pdf.add_page()
        pdf.set_font("Helvetica", size=14)
        pdf.cell(0, 20, _latin(_("No confirmed attendees yet.")))
    for index, registration in enumerate(people):
        if index % per_page == 0:
            pdf.add_page()
        slot = index % per_page
        x = MARGIN_X + (slot % COLUMNS) * BADGE_W
        y = MARGIN_Y + (slot // COLUMNS) * BADGE_H
        pdf.set_draw_color(150, 150, 150)
        pdf.rect(x, y, BADGE_W, BADGE_H)
        pdf.set_xy(x + 4, y + 5)
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(BADGE_W - 8, 4.5, _latin(event.title), align="C")
        pdf.set_xy(x + 4, y + 20)
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.multi_cell(BADGE_W - 8, 8, _latin(registration.full_name), align="C")
        pdf.set_xy(x + 4, y + 40)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(BADGE_W - 8, 5.5, _latin(_organisation(registration)), align="C")
        pdf.set_xy(x + 4, y + 53)
        pdf.set_font("Helvetica", style="I", size=10)
        pdf.cell(BADGE_W - 8, 5, _latin(registration.country.name_en), align="C")
    return bytes(pdf.output())
