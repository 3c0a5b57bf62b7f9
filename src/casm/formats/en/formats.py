"""English dates as the platform's readers write them: day, month, year ("3 Feb 2027" in tables,
"3 February 2027" in text), never the US numeric "02/03/2027" that a French or British reader
takes for the 2nd of March. Django's own English formats give everything not set here."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
