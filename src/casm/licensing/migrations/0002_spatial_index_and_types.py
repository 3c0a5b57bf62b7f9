"""The layers' spatial index, and licence types whose rules a public source gives.

Only what the source says is filled in; every other value stays empty until an administrator
enters it from the law.
"""

from django.db import migrations

from casm.core.spatial import spatial_index_operation

TYPES = [
    {
        "country": "TZ",
        "code": "PML",
        "name_en": "Primary Mining Licence",
        "name_fr": "Licence minière primaire",
        "category": "artisanal",
        "holders": ["citizen", "cooperative"],
        "nationality_rule": "Citizens of Tanzania only",
        "max_area_ha": 10,
        "source": "Tanzania, Mining Act: a Primary Mining Licence covers at most 10 ha and is "
        "granted to citizens only (as summarised by Tanzanian counsel)",
    },
    {
        "country": "CD",
        "code": "CEA",
        "name_en": "Artisanal miner's card",
        "name_fr": "Carte d'exploitant artisanal",
        "category": "artisanal",
        "holders": ["citizen"],
        "asm_zone": "required",
        "source": "DR Congo, Mining Code: artisanal mining only inside artisanal exploitation "
        "zones (ZEA) instituted by ministerial order",
    },
    {
        "country": "GH",
        "code": "SSML",
        "name_en": "Small-scale mining licence",
        "name_fr": "Licence d'exploitation minière à petite échelle",
        "category": "small_scale",
        "holders": ["citizen", "cooperative"],
        "overlap_rule": "same_commodity",
        "notice_days": 21,
        "source": "Ghana, Minerals and Mining Act 2006 (Act 703) s3–s4 and the Minerals "
        "Commission: first come, first considered; 21 days' public notice at the District "
        "Assembly; land is open unless already under a right for the same mineral",
    },
]


def seed(apps, schema_editor):
    Country = apps.get_model("core", "Country")
    LicenceType = apps.get_model("licensing", "LicenceType")
    for values in TYPES:
        values = dict(values)
        country = Country.objects.filter(alpha2=values.pop("country")).first()
        if country is None:
            continue
        LicenceType.objects.get_or_create(country=country, code=values.pop("code"), defaults=values)


def unseed(apps, schema_editor):
    LicenceType = apps.get_model("licensing", "LicenceType")
    for values in TYPES:
        LicenceType.objects.filter(country__alpha2=values["country"], code=values["code"]).delete()


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]

    operations = [
        spatial_index_operation("licensing_layerfeature"),
        migrations.RunPython(seed, unseed),
    ]
