from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casm.core.models import AdminArea
from casm.registry.exports import EXPORT_KINDS, FORMATS, ExportError, system_export
from casm.registry.models import ActivityStatus, CertificationStatus, LegalStatus
from casm.registry.selectors import SiteFilters, country_by_code

YES_NO = {"yes": True, "no": False}


class Command(BaseCommand):
    help = (
        "Export sites, visits, operators or production as CSV, XLSX or GeoJSON, filtered like "
        "the site list (everything, as the system sees it; --public: public site fields only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=EXPORT_KINDS)
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--output", "-o", help="the file to write (default: standard output)")
        parser.add_argument("--public", action="store_true", help="public site fields only")
        parser.add_argument(
            "--footprints",
            action="store_true",
            help="sites with a footprint, drawn as their polygons (with --format geojson)",
        )
        parser.add_argument("--country", default="", help="ISO alpha-2 or alpha-3 code")
        parser.add_argument("--admin1", default="", help="province or region")
        parser.add_argument(
            "--area", default="", help="official code of an administrative area (any level)"
        )
        parser.add_argument("--commodity", default="", help="commodity code, e.g. gold")
        parser.add_argument("--legal-status", choices=LegalStatus.values, default="")
        parser.add_argument(
            "--certification-status", choices=CertificationStatus.values, default=""
        )
        parser.add_argument("--activity-status", choices=ActivityStatus.values, default="")
        for name in ("children-present", "armed-presence", "mercury-use"):
            parser.add_argument(f"--{name}", choices=YES_NO)
        parser.add_argument("--duplicates", action="store_true", help="only possible duplicates")
        parser.add_argument("--q", default="", help="words in the name, other names or code")

    def handle(self, *args, kind, format, output, public, footprints, **options):
        if options["country"] and country_by_code(options["country"]) is None:
            raise CommandError(f"unknown country code {options['country']!r}")
        if options["area"] and not AdminArea.objects.filter(code=options["area"]).exists():
            raise CommandError(f"unknown administrative area code {options['area']!r}")
        filters = SiteFilters(
            country=options["country"],
            admin1=options["admin1"],
            area=options["area"],
            commodity=options["commodity"],
            legal_status=options["legal_status"],
            certification_status=options["certification_status"],
            activity_status=options["activity_status"],
            children_present=YES_NO.get(options["children_present"] or ""),
            armed_presence=YES_NO.get(options["armed_presence"] or ""),
            mercury_use=YES_NO.get(options["mercury_use"] or ""),
            duplicates=True if options["duplicates"] else None,
            q=options["q"],
        )
        if format == "xlsx" and not output:
            raise CommandError("an XLSX export needs --output FILE")
        try:
            export = system_export(
                kind, format, filters=filters, public=public, footprints=footprints
            )
        except ExportError as exc:
            raise CommandError(str(exc)) from None
        size = 0
        if output:
            path = Path(output)
            try:
                with path.open("wb") as file:
                    for chunk in export.chunks:
                        file.write(chunk)
                        size += len(chunk)
            except OSError as exc:
                raise CommandError(str(exc)) from None
            self.stderr.write(f"{kind} written to {path} ({size:,} bytes)")
        else:
            for chunk in export.chunks:
                self.stdout.write(chunk.decode("utf-8"), ending="")
