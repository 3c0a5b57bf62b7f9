"""Load the ISO 3166-1 countries and the commodities shipped in casm/core/data/."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    Country = apps.get_model("core", "Country")
    Commodity = apps.get_model("core", "Commodity")
    countries = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))
    Country.objects.bulk_create(
        Country(**{key: value or "" for key, value in row.items()}) for row in countries
    )
    commodities = json.loads((DATA / "commodities.json").read_text(encoding="utf-8"))
    Commodity.objects.bulk_create(
        Commodity(**{key: value or "" for key, value in row.items()}) for row in commodities
    )


def unload(apps, schema_editor):
    apps.get_model("core", "Commodity").objects.all().delete()
    apps.get_model("core", "Country").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
