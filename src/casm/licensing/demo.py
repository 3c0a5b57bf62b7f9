"""The demo cadastre of DR Congo: invented shapes around the demo's sites, so that the public
cadastre, the pre-check and the layer import can be tried. Not DR Congo's cadastre: the real
one (``../shared/data/drc-cadastre``) imports with the shipped mappings."""

from __future__ import annotations

import json
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shapely.geometry import box, mapping

from casm.core.models import Country
from casm.registry.models import Site

from .layers import layer_import

SOURCE = "Demo: invented shapes around the demo sites, not DR Congo's cadastre"
HOLDERS = ["Demo Mining SARL", "Kivu Demo Resources SA", "Société Démo de l'Ituri"]


def _square(site: Site, half: float) -> Any:
    return box(site.longitude - half, site.latitude - half,
               site.longitude + half, site.latitude + half)  # fmt: skip


def _write(folder: Path, name: str, features: list[dict[str, Any]]) -> Path:
    path = folder / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def build(rng: random.Random, say: Callable[[str], None]) -> None:
    congo = Country.objects.get(alpha2="CD")
    sites = list(Site.objects.filter(country=congo).order_by("code")[:40])
    if len(sites) < 12:
        return
    local = random.Random(4242)  # noqa: S311 (repeatable demo data)
    titles, parks, restricted = [], [], []
    for number, site in enumerate(sites[:6], start=1):
        titles.append({"type": "Feature", "geometry": mapping(_square(site, 0.03)),
                       "properties": {"code": f"ZEA-D{number:02d}", "type": "ZEA",
                                      "holder": "", "status": "Actif", "granted": ""}})  # fmt: skip
    for number, site in enumerate(sites[6:10], start=1):
        kind = "PE" if number % 2 else "PR"
        titles.append({"type": "Feature", "geometry": mapping(_square(site, 0.05)),
                       "properties": {"code": f"{kind}-D{number:02d}", "type": kind,
                                      "holder": local.choice(HOLDERS), "status": "Actif",
                                      "granted": f"201{number}-0{number}-15"}})  # fmt: skip
    parks.append({"type": "Feature", "geometry": mapping(_square(sites[10], 0.2)),
                  "properties": {"name": "Réserve démo"}})  # fmt: skip
    restricted.append({"type": "Feature", "geometry": mapping(_square(sites[11], 0.04)),
                       "properties": {"code": "R-D01", "name": "Captage démo",
                                      "rule": "consultation", "reason": "water"}})  # fmt: skip
    title_mapping = {
        "code": "code", "title_type": "type", "holder": "holder", "status": "status",
        "granted_on": "granted", "kinds": {"field": "type", "values": {"ZEA": "asm_zone"}},
        "source": SOURCE, "holders_public": True,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for name, kind, features, layer_mapping in (
            ("titles.geojson", "title", titles, title_mapping),
            ("parks.geojson", "protected", parks,
             {"code": "name", "name": "name", "source": SOURCE}),
            ("restricted.geojson", "restriction", restricted,
             {"code": "code", "name": "name", "rule": "rule", "reason": "reason",
              "source": SOURCE}),
        ):  # fmt: skip
            result = layer_import(
                actor=None, path=_write(Path(folder), name, features), country=congo,
                kind=kind, mapping=layer_mapping,
            )  # fmt: skip
            assert result.committed, [p.text for p in result.problems]
    say(f"demo: cadastre of DR Congo with {len(titles)} titles and zones, 1 protected area, "
        "1 restriction zone (invented shapes)")  # fmt: skip
    build_register(rng, say)


def build_register(rng: random.Random, say: Callable[[str], None]) -> None:
    """Applications at every step, and licences (one expiring soon), filed by a demo
    cooperative's member and handled by the demo's licensing officer of DR Congo."""
    import datetime
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile

    from casm.accounts.models import Organisation, User
    from casm.accounts.services import user_create
    from casm.core.models import Commodity

    from . import services
    from .models import Application, Licence, LicenceType
    from .services.applications import Upload

    congo = Country.objects.get(alpha2="CD")
    officer = User.objects.filter(username="officer.cd").first()
    cooperative = Organisation.objects.filter(country=congo, kind="miners").order_by("pk").first()
    sites = list(Site.objects.filter(country=congo).order_by("code")[12:21])
    if officer is None or cooperative is None or len(sites) < 9:
        return
    kind, _created = LicenceType.objects.get_or_create(
        country=congo, code="DEMO-PPE",
        defaults={
            "name_en": "Demo small-scale permit (an example, not DR Congo's law)",
            "name_fr": "Permis démo à petite échelle (exemple, pas le droit congolais)",
            "category": "small_scale", "holders": ["cooperative", "company"],
            "max_area_ha": 500, "term_years": 5, "renewals": 2, "renewal_years": 5,
            "notice_days": 21, "completeness_days": 15, "decision_days": 30,
            "documents": ["Statuts", "Plan de situation"], "currency": "USD",
            "application_fee": Decimal("50.00"), "rent_per_ha": ["2.00", "3.00"],
            "source": SOURCE, "is_example": True,
        },
    )  # fmt: skip
    kind.commodities.set(Commodity.objects.filter(code__in=["gold", "tin", "coltan"]))
    applicant = User.objects.filter(username="applicant.cd").first() or user_create(
        actor=None, username="applicant.cd", email="applicant.cd@example.org",
        role=User.Role.MEMBER, organisation=cooperative, password=None,
    )  # fmt: skip
    gold = list(Commodity.objects.filter(code="gold"))

    def filed(site: Site) -> Application:
        return services.application_file(
            actor=applicant, country=congo, licence_type=kind, holder_kind="cooperative",
            organisation=cooperative, commodities=gold, geometry=_square(site, 0.004),
            fee_paid=Decimal("50.00"), fee_reference=f"DEMO-{site.code}",
            documents=[Upload(name, SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4 demo"))
                       for i, name in enumerate(kind.documents)],
        )  # fmt: skip

    received, incomplete, complete, notice, decision, granted, soon, refused, withdrawn = (
        filed(site) for site in sites
    )
    services.application_complete(actor=officer, application=incomplete, complete=False,
                                   note="Plan de situation illisible")  # fmt: skip
    for application in (complete, notice, decision, granted, soon, refused):
        services.application_complete(actor=officer, application=application, complete=True)
    for application in (notice, decision, granted, soon):
        services.application_notice_publish(actor=officer, application=application)
    services.objection_record(actor=officer, application=notice, objector="Chef de groupement",
                              text="Des champs sont dans la zone.")  # fmt: skip
    # Their notices ran long ago in the demo's story.
    Application.objects.filter(pk__in=[decision.pk, granted.pk, soon.pk]).update(
        notice_until=datetime.date.today() - datetime.timedelta(days=1)
    )
    for application in (decision, granted, soon):
        services.application_notice_close(actor=officer, application=application)
    for application in (granted, soon):
        services.application_decide(actor=officer, application=application, grant=True,
                                    reasons="Dossier complet, zone libre")  # fmt: skip
    services.application_decide(actor=officer, application=refused, grant=False,
                                reasons="Frais de dépôt non justifiés")  # fmt: skip
    services.application_withdraw(actor=applicant, application=withdrawn, reason="Autre zone")
    Licence.objects.filter(application=soon).update(
        expires_on=datetime.date.today() + datetime.timedelta(days=40)
    )
    # A share of the first licence went to another cooperative of the country: a co-holder.
    partner = (
        Organisation.objects.filter(country=congo, kind="miners")
        .exclude(pk=cooperative.pk)
        .order_by("pk")
        .first()
    )
    if partner is not None:
        services.licence_transfer(actor=officer, licence=Licence.objects.get(application=granted),
                                  organisation=partner, share=30,
                                  reason="Partenariat enregistré")  # fmt: skip
    say(f"demo: register of DR Congo with 9 applications at every step and 2 licences "
        f"(one expiring soon, one with a co-holder; {received.number} waits for its "
        "completeness check)")  # fmt: skip
