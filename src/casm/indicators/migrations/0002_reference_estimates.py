"""Ship the ASM workforce estimates named in the platform's facts, each with its source.

Figures only where a source gives one: Delve also ranks Ethiopia, Ghana, Burkina Faso, Zimbabwe,
Sudan and Tanzania next, without figures in our sources, so they are not loaded.
"""

from django.db import migrations

IGF_BRIEF = "IGF, Artisanal and small-scale mining (brief)"
WORLD_BANK_2013 = "World Bank, Artisanal and Small-Scale Mining (2013)"
DELVE = "Delve, the global ASM database"
DELVE_URL = "https://delvedatabase.org/data"

# (country alpha-2 or None for the world, year, value, low, high, best, source, url, note)
ESTIMATES = [
    (None, 1993, 6_000_000, None, None, False, IGF_BRIEF, "", ""),
    (None, 1999, 13_000_000, None, None, False, IGF_BRIEF, "", ""),
    (None, 2014, 30_000_000, None, None, False, IGF_BRIEF, "", ""),
    (None, 2017, 40_500_000, None, None, True, IGF_BRIEF, "", ""),
    (None, 1999, 10_000_000, None, None, False, f"ILO (1999), cited by {WORLD_BANK_2013}", "",
     "About 10 million."),
    (None, 2013, None, 20_000_000, 30_000_000, False, f"IIED (2013), cited by {WORLD_BANK_2013}",
     "", "Potentially upwards of 20–30 million."),
    ("IN", None, 15_000_000, None, None, True, DELVE, DELVE_URL, ""),
    ("CN", None, 9_000_000, None, None, True, DELVE, DELVE_URL, ""),
    ("ID", None, 3_600_000, None, None, True, DELVE, DELVE_URL, ""),
    ("CD", None, 2_000_000, None, None, True, DELVE, DELVE_URL, ""),
]  # fmt: skip


def load(apps, schema_editor):
    Country = apps.get_model("core", "Country")
    WorkforceEstimate = apps.get_model("indicators", "WorkforceEstimate")
    countries = {c.alpha2: c for c in Country.objects.filter(alpha2__in=["IN", "CN", "ID", "CD"])}
    WorkforceEstimate.objects.bulk_create(
        WorkforceEstimate(
            country=countries[code] if code else None,
            year=year,
            value=value,
            low=low,
            high=high,
            is_best=best,
            source=source,
            source_url=url,
            note=note,
        )
        for code, year, value, low, high, best, source, url, note in ESTIMATES
        if code is None or code in countries
    )


def unload(apps, schema_editor):
    WorkforceEstimate = apps.get_model("indicators", "WorkforceEstimate")
    for _code, year, value, low, high, _best, source, _url, _note in ESTIMATES:
        WorkforceEstimate.objects.filter(
            year=year, value=value, low=low, high=high, source=source
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial"), ("core", "0002_reference_data")]
    operations = [migrations.RunPython(load, unload)]
