"""``casm traceability issue-tags --country CC (--site CODE | --actor REG) --tags T...``: issue a
batch of tags (numbers or ranges FIRST..LAST); ``casm traceability stock --country CC``: the tag
batches with what is used, unused, lost and voided; ``casm traceability provenance NUMBER``: a
lot (by its number or its tag's) back to its mine sites, with their statuses and red flags;
``casm traceability verify FILE [--key KEYS.pem]``: check an export certificate's signed
document, against this installation's keys or the public keys given (offline);
``casm traceability daily``: the daily round (site statuses that ran out change, red flags past
their mitigation deadline are marked overdue)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from casm.core.audit import audit_source
from casm.core.models import AuditEvent, Country
from casm.registry.models import Site
from casm.registry.selectors import country_by_code
from casm.traceability import certificates, selectors, services
from casm.traceability.models import Actor, Lot


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in errors[0].messages)}"
            if field != "__all__"
            else " ".join(str(m) for m in errors[0].messages)
            for field, errors in exc.error_dict.items()
        )
    return " ".join(str(m) for m in exc.messages)


class Command(BaseCommand):
    help = (
        "The chain of custody. issue-tags --country CC (--site CODE | --actor REGISTRATION) "
        "--tags NUMBER|FIRST..LAST ... [--note TEXT]; stock --country CC; "
        "provenance NUMBER (a lot's or its tag's number); verify FILE.json [--key KEYS.pem] "
        "(an export certificate's signed document; exits 1 when it does not verify); "
        "labels --batch N --output F.pdf [--unused] (a batch's label sheet with QR codes); "
        "daily (the daily round: site statuses that ran out change, red flags past their "
        "deadline are marked overdue, sites above their capacity are flagged; run it from "
        "cron); capacity [--country CC] (the sites whose tagged output of the last 90 days "
        "is above their capacity, as tab-separated lines)"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "action",
            choices=["issue-tags", "stock", "labels", "provenance", "verify", "daily", "capacity"],
        )
        parser.add_argument(
            "number", nargs="?", help="provenance: a lot's or its tag's number; verify: the file"
        )
        parser.add_argument("--key", help="verify: a PEM file of public keys (offline)")
        parser.add_argument(
            "--tags", nargs="+", default=[], help="issue-tags: numbers or ranges FIRST..LAST"
        )
        parser.add_argument("--country", help="ISO code of the country")
        parser.add_argument("--site", help="issue-tags: the mine site's code")
        parser.add_argument("--actor", help="issue-tags: the actor's registration number")
        parser.add_argument("--note", default="", help="issue-tags: a note on the batch")
        parser.add_argument("--batch", type=int, help="labels: the tag batch's number")
        parser.add_argument("--output", help="labels: the PDF file to write")
        parser.add_argument("--unused", action="store_true", help="labels: unused tags only")

    def handle(self, *args: Any, action: str, number: str | None, **options: Any) -> None:
        if action == "daily":
            with audit_source(AuditEvent.Source.CLI):
                done = services.round_daily()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{done['lapsed']} site statuses ran out and changed; "
                    f"{done['overdue']} red flags went past their mitigation deadline; "
                    f"{done['capacity']} sites flagged above their capacity."
                )
            )
            return None
        if action == "capacity":
            return self._capacity(options.get("country"))
        if action == "labels":
            return self._labels(options.get("batch"), options.get("output"), options["unused"])
        if action == "provenance":
            if not number:
                raise CommandError("provenance needs a lot or tag number")
            return self._provenance(number)
        if action == "verify":
            if not number:
                raise CommandError("verify needs the certificate's document (a .json file)")
            return self._verify(number, options.get("key"))
        country = self._country(options.get("country"))
        if action == "stock":
            return self._stock(country)
        return self._issue(country, options["tags"], options)

    def _country(self, code: str | None) -> Country:
        if not code:
            raise CommandError("this needs --country")
        chosen = country_by_code(code)
        if chosen is None:
            raise CommandError(f"unknown country code {code!r}")
        return chosen

    def _issue(self, country: Country, numbers: list[str], options: dict[str, Any]) -> None:
        site = chain_actor = None
        if bool(options.get("site")) == bool(options.get("actor")):
            raise CommandError("issue-tags needs --site or --actor (one of them)")
        if options.get("site"):
            site = Site.objects.filter(country=country, code=options["site"].strip()).first()
            if site is None:
                raise CommandError(f"no site {options['site']!r} in {country.name}")
        else:
            chain_actor = Actor.objects.filter(
                country=country, registration=options["actor"].strip()
            ).first()
            if chain_actor is None:
                raise CommandError(f"no actor registered as {options['actor']!r} in {country.name}")
        try:
            wanted = services.tag_numbers("\n".join(numbers))
            if not wanted:
                raise CommandError("issue-tags needs --tags: numbers or ranges FIRST..LAST")
            with audit_source(AuditEvent.Source.IMPORT):
                batch = services.tag_batch_issue(
                    actor=None, country=country, numbers=wanted, site=site,
                    chain_actor=chain_actor, note=options.get("note", ""),
                )  # fmt: skip
        except ValidationError as exc:
            raise CommandError(_message(exc)) from None
        holder = str(site.name if site is not None else chain_actor)
        self.stdout.write(
            self.style.SUCCESS(f"{len(wanted)} tags issued to {holder} (batch {batch.pk}).")
        )

    def _labels(self, batch_id: int | None, output: str | None, unused: bool) -> None:
        from urllib.parse import urlencode

        from django.conf import settings

        from casm.traceability.labels import batch_labels_pdf

        if batch_id is None or not output:
            raise CommandError("labels needs --batch N and --output FILE.pdf")
        batch = selectors.tag_batches_visible(None).filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"no tag batch {batch_id}")
        tags = list(selectors.batch_tags(batch, unused_only=unused))
        lookup = settings.CASM_SITE_URL.rstrip("/") + "/traceability/tags/"
        Path(output).write_bytes(
            batch_labels_pdf(batch, tags, lambda n: f"{lookup}?{urlencode({'number': n})}")
        )
        self.stdout.write(self.style.SUCCESS(f"{len(tags)} labels written to {output}."))

    def _capacity(self, code: str | None) -> None:
        country_ids = [self._country(code).pk] if code else None
        rows = selectors.capacity_rows(country_ids=country_ids)
        self.stdout.write("site\tmineral\tworkers\tcapacity_kg\toutput_kg\tpercent")
        for row in rows:
            self.stdout.write(
                f"{row.site_code}\t{row.commodity_code}\t{row.workers}\t"
                f"{row.capacity_kg:.3f}\t{row.output_kg:.3f}\t{row.percent_of_capacity}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"{len(rows)} sites above their capacity (margin included).")
        )

    def _stock(self, country: Country) -> None:
        batches = selectors.tag_batches_visible(None).filter(country=country)
        self.stdout.write("batch\tissued on\tholder\tissued\tused\tunused\tlost\tvoided")
        row: Any
        for row in batches:  # annotated with its counts
            batch = row
            holder = batch.site.name if batch.site_id else str(batch.actor)
            self.stdout.write(
                f"{batch.pk}\t{batch.issued_on}\t{holder}\t{batch.issued}\t{batch.used}\t"
                f"{batch.unused}\t{batch.lost}\t{batch.voided}"
            )

    def _provenance(self, number: str) -> None:
        number = number.strip()
        lot = Lot.objects.filter(Q(number=number) | Q(tag__number=number)).order_by("-pk").first()
        if lot is None:
            raise CommandError(f"no lot numbered or tagged {number!r}")
        found = selectors.provenance(lot)
        self.stdout.write(f"{lot.number}: {lot.mass} {lot.unit} of {lot.commodity.name}, "
                          f"{lot.get_status_display()}, held by {lot.holder}")  # fmt: skip
        for depth, each in found.rows[1:]:
            site: Any = each.site
            origin = f" from {site.name} ({site.code})" if site is not None else ""
            self.stdout.write(f"{'  ' * depth}{each.number}: {each.mass} {each.unit}{origin}")
        self.stdout.write("Mine sites of origin:")
        for status in found.sites:
            lapsed = " (lapsed)" if status.lapsed else ""
            self.stdout.write(
                f"  {status.site.code} {status.site.name}: {status.certification_label}{lapsed}, "
                f"{status.legal_label}"
            )
        self.stdout.write(f"Red flags: {len(found.flags)}")
        for flag in found.flags:
            self.stdout.write(f"  {flag.get_kind_display()} ({flag.get_status_display()}): "
                              f"{selectors.evidence_text(flag)}")  # fmt: skip

    def _verify(self, file: str, key_file: str | None) -> None:
        try:
            raw = Path(file).read_bytes()[: certificates.MAX_DOCUMENT_BYTES + 1]
            keys = (
                certificates.public_keys_from_pem(Path(key_file).read_text(errors="replace"))
                if key_file
                else certificates.known_keys()
            )
        except OSError as exc:
            raise CommandError(f"{exc.filename}: {exc.strerror}") from None
        if key_file and not keys:
            raise CommandError(f"{key_file}: no Ed25519 public key in it")
        verdict = certificates.verify(raw, keys)
        identifier = verdict.data.get("identifier", "") if verdict.data else ""
        line = f"{identifier}: {verdict.message}" if identifier else str(verdict.message)
        if not verdict.valid:
            raise CommandError(line)
        self.stdout.write(self.style.SUCCESS(line))
