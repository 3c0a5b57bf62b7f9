"""The platform's standard census form, as an XLSForm (KoBoToolbox, ODK Central).

Its question names are the importer's field names, so the submissions it collects import with no
mapping. Labels are in English and French; the choice lists come from the registry's choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import translation

from casm.core.models import Commodity
from casm.registry.models import ArmedActivity, NotReachedReason, StateService, WorkRole

FORM_ID = "casm_census"
FORM_VERSION = "1"
EN = "label::English (en)"
FR = "label::French (fr)"
SURVEY_COLUMNS = [
    "type",
    "name",
    EN,
    FR,
    "required",
    "relevant",
    "constraint",
    "hint::English (en)",
]
REACHED = "${reached} = 'yes'"
COUNT = ". >= 0"

# (type, name, English, French, required, relevant, constraint, hint)
QUESTIONS: list[tuple[str, ...]] = [
    ("start", "start", "", "", "", "", "", ""),
    ("end", "end", "", "", "", "", "", ""),
    ("text", "site_code", "Site code", "Code du site", "", "", "",
     "National code, if the site has one"),
    ("text", "site_name", "Site name", "Nom du site", "yes", "", "", ""),
    ("text", "country", "Country (ISO code, e.g. CD)", "Pays (code ISO, p. ex. CD)", "yes", "",
     "string-length(.) = 2 or string-length(.) = 3", ""),
    ("text", "admin1", "Province or region", "Province ou région", "", "", "", ""),
    ("text", "admin2", "District or territory", "District ou territoire", "", "", "", ""),
    ("text", "admin3", "Sector or chiefdom", "Secteur ou chefferie", "", "", "", ""),
    ("text", "admin4", "Locality", "Localité", "", "", "", ""),
    ("geopoint", "location", "Location of the site", "Position du site", "yes", "", "", ""),
    ("date", "date", "Date of the visit", "Date de la visite", "yes", "", ". <= today()", ""),
    ("text", "team", "Team", "Équipe", "", "", "", ""),
    ("select_one yes_no", "reached", "Was the site reached?", "Le site a-t-il été atteint ?",
     "yes", "", "", ""),
    ("select_one not_reached", "not_reached_reason", "Why was it not reached?",
     "Pourquoi n'a-t-il pas été atteint ?", "yes", "${reached} = 'no'", "", ""),
    ("integer", "workers", "Workers in total", "Nombre total de travailleurs", "", REACHED, COUNT,
     ""),
    ("integer", "men", "Men (18 and over)", "Hommes (18 ans et plus)", "", REACHED, COUNT, ""),
    ("integer", "women", "Women (18 and over)", "Femmes (18 ans et plus)", "", REACHED, COUNT, ""),
    ("integer", "boys_under_15", "Boys under 15", "Garçons de moins de 15 ans", "", REACHED, COUNT,
     ""),
    ("integer", "girls_under_15", "Girls under 15", "Filles de moins de 15 ans", "", REACHED,
     COUNT, ""),
    ("integer", "boys_15_17", "Boys 15 to 17", "Garçons de 15 à 17 ans", "", REACHED, COUNT, ""),
    ("integer", "girls_15_17", "Girls 15 to 17", "Filles de 15 à 17 ans", "", REACHED, COUNT, ""),
    ("integer", "pits", "Pits", "Puits", "", REACHED, COUNT, ""),
    ("decimal", "max_depth_m", "Deepest pit (m)", "Puits le plus profond (m)", "", REACHED, COUNT,
     ""),
    ("begin_repeat", "commodities", "Commodities", "Minerais", "", REACHED, "", ""),
    ("select_one commodity", "commodity", "Commodity", "Minerai", "yes", "", "", ""),
    ("text", "selling_point", "Where is it sold?", "Où est-il vendu ?", "", "", "", ""),
    ("text", "destination", "Where does it go next?", "Où va-t-il ensuite ?", "", "", "", ""),
    ("end_repeat", "", "", "", "", "", "", ""),
    ("select_multiple state_service", "state_services", "State services present",
     "Services de l'État présents", "", REACHED, "", ""),
    ("select_one yes_no", "armed_presence", "Armed actors present?",
     "Présence d'hommes armés ?", "", REACHED, "", ""),
    ("select_multiple armed_activity", "armed_activities", "What do the armed actors do?",
     "Que font les hommes armés ?", "", "${armed_presence} = 'yes'", "", ""),
    ("text", "traceability_scheme", "Traceability scheme", "Système de traçabilité", "", REACHED,
     "", "Leave empty when there is none"),
    ("select_one yes_no", "mercury_use", "Mercury used?", "Utilisation de mercure ?", "",
     REACHED, "", ""),
    ("select_multiple work_role", "women_work", "Work done by women",
     "Travail fait par les femmes", "", REACHED, "", ""),
    ("select_multiple work_role", "children_work", "Work done by children",
     "Travail fait par les enfants", "", REACHED, "", ""),
    ("text", "notes", "Notes", "Remarques", "", "", "", ""),
]  # fmt: skip


def _labels(choices: Any) -> list[tuple[str, str, str]]:
    rows = []
    for value, label in choices:
        with translation.override("en"):
            english = str(label)
        with translation.override("fr"):
            french = str(label)
        rows.append((value, english, french))
    return rows


def census_form_rows() -> dict[str, list[list[str]]]:
    """The three sheets of the form, each a list of rows (the first is the header)."""
    survey = [SURVEY_COLUMNS] + [list(question) for question in QUESTIONS]
    lists: list[tuple[str, list[tuple[str, str, str]]]] = [
        ("yes_no", [("yes", "Yes", "Oui"), ("no", "No", "Non")]),
        ("not_reached", _labels(NotReachedReason.choices)),
        ("commodity", [(c.code, c.name_en, c.name_fr) for c in Commodity.objects.order_by("code")]),
        ("state_service", _labels(StateService.choices)),
        ("armed_activity", _labels(ArmedActivity.choices)),
        ("work_role", _labels(WorkRole.choices)),
    ]
    choices = [["list_name", "name", EN, FR]]
    for list_name, items in lists:
        choices += [[list_name, value, english, french] for value, english, french in items]
    settings = [
        ["form_title", "form_id", "version", "default_language"],
        ["CASM site census", FORM_ID, FORM_VERSION, "English (en)"],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def census_form_write(path: Path | str) -> Path:
    """Write the XLSForm to ``path`` (.xlsx)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in census_form_rows().items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = Path(path)
    workbook.save(path)
    return path


def census_template_columns() -> list[str]:
    """The columns of a plain CSV the importer reads without a mapping: the form's fields, the
    point as latitude and longitude, one commodity column (a list, separated by spaces)."""
    columns: list[str] = []
    for kind, name, *_rest in QUESTIONS:
        if kind in ("start", "end", "end_repeat") or not name:
            continue
        if kind == "geopoint":
            columns += ["latitude", "longitude"]
        elif kind == "begin_repeat":
            columns.append("commodities")
        elif name in ("commodity", "selling_point", "destination"):
            continue  # in the repeat: a plain file lists its commodities in one column
        else:
            columns.append(name)
    return columns
