"""``casm licensing import-layer FILE --kind K --country CC --mapping M``: load a layer of the
cadastre; ``casm licensing precheck FILE --country CC [--type T]``: screen an area;
``casm licensing remind [--days N]``: the daily round (expiries, reminders, overdue steps);
``casm licensing invoices --country CC``: issue the annual rent that has fallen due."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from casm.core.audit import audit_source
from casm.core.geometry import problem_text
from casm.core.models import AuditEvent, Commodity, Country
from casm.lib.geometry import GeometryFileError
from casm.licensing.areas import AreaError, area_from_geojson
from casm.licensing.layers import MappingError, layer_import, mapping_load, shipped_mappings
from casm.licensing.models import LayerKind, LicenceType
from casm.licensing.screening import area_screen

KINDS = {"titles": "title", "asm-zones": "asm_zone", "protected": "protected",
         "restriction": "restriction"}  # fmt: skip


class Command(BaseCommand):
    help = (
        "The mining cadastre. import-layer FILE --kind titles|asm-zones|protected|restriction "
        "--country CC --mapping M.json (or a shipped mapping: "
        + ", ".join(shipped_mappings())
        + ") [--dry-run] [--skip-invalid] [--repair]; precheck FILE.geojson --country CC "
        "[--type CODE] [--commodity CODE]; remind [--days 90] (expire licences past their date, "
        "mail the reminders of those expiring soon and each officer's overdue steps; run it "
        "daily); invoices --country CC (the annual surface rent fallen due)"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["import-layer", "precheck", "remind", "invoices"])
        parser.add_argument(
            "file", nargs="?", help="GeoJSON or a zipped Shapefile (any projection)"
        )
        parser.add_argument("--country", help="ISO code of the country")
        parser.add_argument(
            "--days", type=int, default=90, help="remind: how long before expiry (days)"
        )
        parser.add_argument("--kind", choices=sorted(KINDS), help="import-layer: the layer")
        parser.add_argument("--mapping", help="import-layer: a mapping file or a shipped name")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the valid shapes, skip the rest"
        )
        parser.add_argument("--repair", action="store_true", help="mend invalid polygons")
        parser.add_argument("--type", help="precheck: the licence type's code")
        parser.add_argument("--commodity", help="precheck: the commodity's code")

    def handle(
        self, *args: Any, action: str, file: str | None, country: str | None, **options: Any
    ) -> None:
        if action == "remind":
            return self._remind(options["days"])
        if not country:
            raise CommandError(f"{action} needs --country")
        wanted = country.upper()
        chosen = Country.objects.filter(Q(alpha2=wanted) | Q(alpha3=wanted)).first()
        if chosen is None:
            raise CommandError(f"unknown country code {country!r}")
        if action == "invoices":
            return self._invoices(chosen)
        if not file:
            raise CommandError(f"{action} needs a FILE")
        if action == "precheck":
            return self._precheck(file, chosen, options)
        if not options.get("kind") or not options.get("mapping"):
            raise CommandError("import-layer needs --kind and --mapping")
        try:
            mapping = mapping_load(options["mapping"])
            with audit_source(AuditEvent.Source.IMPORT):
                result = layer_import(
                    actor=None, path=file, country=chosen, kind=KINDS[options["kind"]],
                    mapping=mapping, dry_run=options["dry_run"],
                    skip_invalid=options["skip_invalid"], repair=options["repair"],
                )  # fmt: skip
        except MappingError as exc:
            raise CommandError(str(exc.message)) from exc
        except GeometryFileError as exc:
            raise CommandError(f"{file}: {problem_text(exc)}") from exc
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        for problem in result.problems[:50]:
            self.stderr.write(f"{problem.where()}: {problem.text}")
        if result.problem_count > 50:
            self.stderr.write(f"... and {result.problem_count - 50} more problems")
        for note in result.notes[:200]:
            self.stderr.write(str(note))
        if result.problem_count and not (options["skip_invalid"] and result.committed):
            raise CommandError(str(result.summary))
        self.stdout.write(str(result.summary))
        for kind, count in sorted(result.by_kind.items()):
            self.stdout.write(f"  {LayerKind(kind).label}: {count}")

    def _precheck(self, file: str, country: Country, options: dict[str, Any]) -> None:
        licence_type = None
        if options.get("type"):
            licence_type = LicenceType.objects.filter(country=country, code=options["type"]).first()
            if licence_type is None:
                raise CommandError(f"no licence type {options['type']!r} in {country.alpha2}")
        commodity = None
        if options.get("commodity"):
            commodity = Commodity.objects.filter(code=options["commodity"]).first()
            if commodity is None:
                raise CommandError(f"unknown commodity {options['commodity']!r}")
        try:
            with open(file, "rb") as handle:
                geometry = area_from_geojson(handle.read())
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except AreaError as exc:
            raise CommandError(f"{file}: {exc.message}") from exc
        screening = area_screen(
            country=country, geometry=geometry, licence_type=licence_type, commodity=commodity
        )
        self.stdout.write(f"{screening.verdict}: {round(screening.area_ha, 2)} ha")
        for finding in screening.findings:
            self.stdout.write(f"  [{finding.verdict}] {finding.text}")

    def _remind(self, days: int) -> None:
        from casm.licensing.services.licences import licensing_remind

        if not 1 <= days <= 3650:
            raise CommandError("--days must be from 1 to 3650")
        with audit_source(AuditEvent.Source.CLI):
            done = licensing_remind(days=days)
        self.stdout.write(
            f"licences expired: {done['expired']}; expiry reminders sent: {done['reminded']}; "
            f"officers told of overdue steps: {done['officers_told']}"
        )

    def _invoices(self, country: Country) -> None:
        from casm.licensing.services import rent_invoices_issue

        with audit_source(AuditEvent.Source.CLI):
            made = rent_invoices_issue(actor=None, country=country)
        self.stdout.write(f"rent invoices issued for {country.name}: {len(made)}")
        for invoice in made:
            self.stdout.write(
                f"  {invoice.licence.number} year {invoice.year}: {invoice.amount} "
                f"{invoice.currency}, due {invoice.due_on.isoformat()}"
            )
