"""Forms of the chain of custody: the lot list's filters, each operation, tags, actors and
red flags. The services check everything; the forms take the input and name its fields."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import Organisation, person_name
from casm.core.forms import CountryChoiceField, FilterForm, date_picker
from casm.core.models import Commodity, Country
from casm.registry.models import CertificationStatus

from .models import (
    ANNEX_II,
    CRITICAL_CRITERIA,
    Actor,
    BreachAction,
    ChainRole,
    Criterion,
    Finding,
    Label,
    Lot,
    LotStatus,
    MassUnit,
    OperationKind,
    plain_decimal,
)
from .services import MAX_BATCH, Part, tag_numbers


def _mass(label: Any) -> forms.DecimalField:
    """A mass as typed; the services say what is wrong with it (zero, too large...)."""
    return forms.DecimalField(label=label, max_digits=20, decimal_places=4)


DATE = date_picker()


def _actor_label(actor: Actor) -> str:
    return f"{actor.organisation.name} ({actor.country.name})"


class ActorField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _actor_label(obj)


class LotFilterForm(FilterForm):
    q = forms.CharField(label=_("Lot or tag number"), required=False, max_length=40)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all"))] + list(LotStatus.choices)
    )


class ProduceForm(forms.Form):
    producer = ActorField(label=_("Producer"), queryset=Actor.objects.none())
    site = forms.CharField(
        label=_("Mine site code"), max_length=60,
        help_text=_("The site's code in the registry."),
    )  # fmt: skip
    tag = forms.CharField(label=_("Tag number"), max_length=40)
    mineral = forms.ModelChoiceField(
        label=_("Mineral"), queryset=Commodity.objects.all(), to_field_name="code"
    )
    mass = _mass(_("Mass"))
    unit = forms.ChoiceField(label=_("Unit"), choices=MassUnit.choices, initial="kg")
    grade = forms.DecimalField(label=_("Grade (%)"), required=False, max_digits=9,
                               decimal_places=4)  # fmt: skip
    package_type = forms.CharField(label=_("Package type"), required=False, max_length=60)
    package_count = forms.IntegerField(label=_("Packages"), required=False, min_value=1,
                                       max_value=1_000_000)  # fmt: skip
    sealed_on = forms.DateField(label=_("Sealed on"), required=False, widget=DATE)
    taxes_paid = forms.NullBooleanField(label=_("Taxes paid"), required=False)
    tax_reference = forms.CharField(label=_("Tax receipt"), required=False, max_length=100)
    label = forms.ChoiceField(label=_("Certification label"), required=False,
                              choices=Label.choices)  # fmt: skip

    def __init__(self, *args: Any, actors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["producer"])
        field.queryset = actors
        if actors.count() == 1:
            field.initial = actors.first()


class TransferForm(forms.Form):
    receiver = ActorField(label=_("Receiver"), queryset=Actor.objects.none())
    shipped_on = forms.DateField(label=_("Shipped on"), required=False, widget=DATE)
    transport_method = forms.CharField(label=_("Transport"), required=False, max_length=60)
    route = forms.CharField(label=_("Route"), required=False, max_length=300)
    transport_company = forms.CharField(label=_("Transport company"), required=False,
                                        max_length=200)  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args: Any, lot: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["receiver"]).queryset = (
            Actor.objects.filter(country_id=lot.country_id, suspended_on__isnull=True)
            .exclude(pk=lot.holder_id)
            .select_related("organisation", "country")
        )


class AcceptForm(forms.Form):
    mass = _mass(_("Weight found"))
    unit = forms.ChoiceField(label=_("Unit"), choices=MassUnit.choices)
    grade = forms.DecimalField(label=_("Grade (%)"), required=False, max_digits=9,
                               decimal_places=4)  # fmt: skip
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DATE)


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=1000)


class PartsField(forms.CharField):
    """Parts as lines of "mass unit [grade]": ``600 g 80`` or ``1.2 kg``."""

    def clean(self, value: Any) -> list[Part]:
        text = super().clean(value) or ""
        parts = []
        for number, line in enumerate(text.splitlines(), 1):
            words = line.replace(",", ".").split()
            if not words:
                continue
            if len(words) not in (2, 3) or words[1] not in MassUnit.values:
                raise forms.ValidationError(
                    _("Line %(line)s: write the mass, its unit (g, kg or t) and, if it changes, "
                      "the grade, e.g. “600 g 80”.") % {"line": number}
                )  # fmt: skip
            parts.append(Part(words[0], words[1], words[2] if len(words) == 3 else None))
        if not parts:
            raise forms.ValidationError(_("Give the parts, one per line."))
        return parts


class SplitForm(forms.Form):
    parts = PartsField(
        label=_("Parts"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000,
        help_text=_("One part per line: its mass, unit and, if it changes, grade (“600 g 80”)."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ProcessForm(SplitForm):
    pass


class ExportForm(forms.Form):
    importer = forms.CharField(label=_("Importer"), max_length=200)
    destination = CountryChoiceField(label=_("Destination"), queryset=Country.objects.all())
    shipped_on = forms.DateField(label=_("Shipped on"), required=False, widget=DATE)
    customs_value = forms.CharField(label=_("Customs value"), required=False, max_length=60)
    route = forms.CharField(label=_("Route"), required=False, max_length=300)
    transport_company = forms.CharField(label=_("Transport company"), required=False,
                                        max_length=200)  # fmt: skip


class LotsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        grade = f", {plain_decimal(obj.grade)} %" if obj.grade is not None else ""
        return f"{obj.number} — {obj.commodity.name}, {obj.mass} {obj.unit}{grade}"


class CombineForm(forms.Form):
    lots = LotsField(
        label=_("Lots to combine"), queryset=Lot.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    grade = forms.DecimalField(
        label=_("Assayed grade (%)"), required=False, max_digits=9, decimal_places=4,
        help_text=_("Leave empty for the mass-weighted grade of the lots."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)

    def __init__(self, *args: Any, lots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["lots"]).queryset = lots


class TagLookupForm(forms.Form):
    number = forms.CharField(label=_("Tag number"), max_length=40)


class TagBatchForm(forms.Form):
    site = forms.CharField(label=_("Mine site code"), required=False, max_length=60)
    actor = ActorField(label=_("Or an actor"), queryset=Actor.objects.none(), required=False)
    numbers = forms.CharField(
        label=_("Tag numbers"), widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_BATCH * 42,
        help_text=_("One per line, or a range as FIRST..LAST (e.g. CD-0001..CD-0500)."),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, actors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["actor"]).queryset = actors

    def clean_numbers(self) -> list[str]:
        return tag_numbers(self.cleaned_data["numbers"])


class TagMarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Mark as"), choices=[("lost", _("lost")), ("voided", _("voided"))]
    )
    reason = forms.CharField(label=_("Why"), max_length=300)


class ActorForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.none())
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=ChainRole.choices, widget=forms.CheckboxSelectMultiple
    )
    registration = forms.CharField(label=_("Registration or licence number"), required=False,
                                   max_length=80)  # fmt: skip

    def __init__(self, *args: Any, countries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=500)


class FlagCloseForm(forms.Form):
    closure = forms.CharField(
        label=_("How the risk was mitigated, or why the flag is overridden"),
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
    )  # fmt: skip


class FlagPlanForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"))
    plan = forms.CharField(
        label=_("Mitigation plan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    due = forms.DateField(
        label=_("Mitigate by"), required=False, widget=DATE,
        help_text=_("At most six months after the flag; empty: six months."),
    )  # fmt: skip

    def __init__(self, *args: Any, inspectors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inspectors = {str(user.pk): user for user in inspectors}
        cast(forms.ChoiceField, self.fields["owner"]).choices = [
            (pk, person_name(user)) for pk, user in self.inspectors.items()
        ]

    def owner_user(self) -> Any:
        return self.inspectors.get(self.cleaned_data["owner"])


class FlagRaiseForm(forms.Form):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.none(), to_field_name="alpha2"
    )
    kind = forms.ChoiceField(label=_("Risk"))
    text = forms.CharField(
        label=_("What was found or reported"), widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000, help_text=_("Where, when, by whom it was reported; no victim's name."),
    )  # fmt: skip
    site = forms.CharField(label=_("Mine site code"), required=False, max_length=60)
    lot = forms.CharField(label=_("Lot number"), required=False, max_length=40)
    supplier = forms.CharField(
        label=_("Supplier's registration number"), required=False, max_length=80
    )

    def __init__(self, *args: Any, countries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        country_field = cast(forms.ModelChoiceField, self.fields["country"])
        country_field.queryset = countries
        kinds = cast(forms.ChoiceField, self.fields["kind"])
        kinds.choices = [(kind.value, kind.label) for kind in ANNEX_II]


class ImportForm(forms.Form):
    importer = ActorField(label=_("Importer"), queryset=Actor.objects.none())
    origin = CountryChoiceField(
        label=_("Country of origin"), queryset=Country.objects.all(), to_field_name="alpha2"
    )
    mineral = forms.ModelChoiceField(
        label=_("Mineral"), queryset=Commodity.objects.all(), to_field_name="code"
    )
    mass = _mass(_("Mass"))
    unit = forms.ChoiceField(label=_("Unit"), choices=MassUnit.choices, initial="kg")
    grade = forms.DecimalField(label=_("Grade (%)"), required=False, max_digits=9,
                               decimal_places=4)  # fmt: skip
    exporter = forms.CharField(label=_("Exporter"), required=False, max_length=200)
    certificate = forms.CharField(
        label=_("Exporting country's certificate"), required=False, max_length=100,
        help_text=_("Its identifier, e.g. an ICGLR certificate number."),
    )  # fmt: skip
    shipped_on = forms.DateField(label=_("Shipped on"), required=False, widget=DATE)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DATE)
    route = forms.CharField(label=_("Route"), required=False, max_length=300)
    transport_company = forms.CharField(
        label=_("Transport company"), required=False, max_length=200
    )

    def __init__(self, *args: Any, actors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["importer"])
        field.queryset = actors
        if actors.count() == 1:
            field.initial = actors.first()


class _CountryMineral(forms.Form):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.none(), to_field_name="alpha2"
    )
    commodity = forms.ModelChoiceField(
        label=_("Mineral"), queryset=Commodity.objects.all(), to_field_name="code"
    )

    def __init__(self, *args: Any, countries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries


class ProductivityForm(_CountryMineral):
    mass = _mass(_("Output of one worker in a month"))
    unit = forms.ChoiceField(label=_("Unit"), choices=MassUnit.choices, initial="g")
    margin_percent = forms.DecimalField(
        label=_("Margin (%)"), max_digits=7, decimal_places=2, initial=25,
        help_text=_("How far above the capacity the tagged output may go before a red flag."),
    )  # fmt: skip
    source = forms.CharField(
        label=_("Source"), max_length=300,
        help_text=_("The study or survey the figure comes from."),
    )  # fmt: skip


class BalanceRuleForm(_CountryMineral):
    kind = forms.ChoiceField(label=_("Operation"), choices=OperationKind.choices)
    tolerance_percent = forms.DecimalField(
        label=_("Tolerance (%)"), max_digits=6, decimal_places=2,
        help_text=_("How much more contained metal may come out than went in."),
    )  # fmt: skip
    on_breach = forms.ChoiceField(label=_("On a breach"), choices=BreachAction.choices)


def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


class CertificatePrepareForm(forms.Form):
    ore_type = forms.CharField(
        label=_("Type of ore"), max_length=100, help_text=_("E.g. gold doré, cassiterite.")
    )
    issuing_authority = forms.CharField(label=_("Issuing authority"), max_length=200)


class CertificateValidateForm(forms.Form):
    expires_on = forms.DateField(label=_("Date of expiry"), widget=DATE)


class VerifyForm(forms.Form):
    """A certificate checked by the code printed on it, or by its document (a JSON file)."""

    code = forms.CharField(label=_("Check code"), required=False, max_length=32)
    document = forms.FileField(
        label=_("Or the certificate's document (.json)"), required=False,
        help_text=_("The file downloaded with the certificate: it is checked against the "
                    "platform's public keys, nothing is kept."),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("code") and not data.get("document"):
            raise forms.ValidationError(_("Type the check code or choose the document."))
        return data


class InspectionForm(forms.Form):
    """A site inspection: the day, the authority, a finding on every criterion and a note."""

    inspected_on = forms.DateField(label=_("Inspected on"), widget=DATE)
    authority = forms.CharField(
        label=_("Inspecting authority"), max_length=200,
        help_text=_("e.g. the provincial mines division"),
    )  # fmt: skip
    note = forms.CharField(
        label=_("Inspector's note (not public)"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in Criterion:
            self.fields[f"c_{criterion.value}"] = forms.ChoiceField(
                label=criterion.label, choices=Finding.choices, widget=forms.RadioSelect,
                help_text=_("critical: red if breached") if criterion in CRITICAL_CRITERIA
                else _("yellow if breached"),
            )  # fmt: skip
        self.fields["inspected_on"].initial = datetime.date.today()
        self.order_fields(["inspected_on", "authority", *self.criteria_fields(), "note"])

    @staticmethod
    def criteria_fields() -> list[str]:
        return [f"c_{criterion}" for criterion in Criterion.values]

    def findings(self) -> dict[str, str]:
        return {c: self.cleaned_data[f"c_{c}"] for c in Criterion.values}  # the criteria_fields


class InspectionFilterForm(FilterForm):
    country = CountryChoiceField(
        label=_("Country"), required=False, queryset=Country.objects.all(),
        to_field_name="alpha2", empty_label=_("all"),
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Resulting status"), required=False,
        choices=[("", _("all"))]
        + [(value, label) for value, label in CertificationStatus.choices if value != "blue"],
    )  # fmt: skip
    site = forms.CharField(label=_("Site code or name"), required=False, max_length=100)


class OpenDataFilterForm(FilterForm):
    country = CountryChoiceField(
        label=_("Country"), required=False, queryset=Country.objects.all(),
        to_field_name="alpha2", empty_label=_("all"),
    )  # fmt: skip
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    mineral = forms.ModelChoiceField(
        label=_("Mineral"), required=False, queryset=Commodity.objects.none(),
        to_field_name="code", empty_label=_("all"),
    )  # fmt: skip

    def __init__(self, *args: Any, years: list[int], minerals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            ("", _("all")),
            *((year, str(year)) for year in years),
        ]
        cast(forms.ModelChoiceField, self.fields["mineral"]).queryset = minerals
