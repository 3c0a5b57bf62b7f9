"""Forms of the cadastre: the filters of the public map, the pre-check, a layer's import, and
the register's filing and steps."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casm.accounts.models import Organisation
from casm.core.forms import CountryChoiceField, FilterForm, date_picker
from casm.core.models import Commodity, Country

from .areas import AreaError, area_from_corners, area_from_geojson, area_from_upload
from .layers import MappingError, mapping_check, shipped_mappings
from .models import HolderKind, LayerKind, LicenceType

# A pasted or uploaded area; a cadastre layer is imported by the command or the import form.
MAX_AREA_UPLOAD = 5 * 1024 * 1024
MAX_LAYER_UPLOAD = 200 * 1024 * 1024


def _countries_with_cadastre() -> Any:
    return Country.objects.filter(
        pk__in=LicenceType.objects.values("country")
    ) | Country.objects.filter(layers__isnull=False)


class FeatureFilterForm(FilterForm):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.none(), required=False,
        empty_label=_("all"),
    )  # fmt: skip
    kind = forms.ChoiceField(
        label=_("Layer"), required=False, choices=[("", _("all"))] + list(LayerKind.choices)
    )
    title_type = forms.CharField(label=_("Type"), required=False, max_length=40)
    q = forms.CharField(label=_("Code, name or holder"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = Country.objects.filter(layers__isnull=False).distinct()
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries


def _type_label(licence_type: LicenceType) -> str:
    return f"{licence_type.country.name} — {licence_type.name} ({licence_type.code})"


class AreaFields(forms.Form):
    """The ways to give an area; ``cleaned_data["geometry"]`` is its checked polygon and
    ``cleaned_data["area_given_as"]`` says which way was used."""

    area_file = forms.FileField(
        label=_("Area file (GeoJSON, KML or zipped Shapefile)"), required=False,
        help_text=_("One polygon; a Shapefile in any projection, the others in WGS 84."),
    )  # fmt: skip
    area = forms.CharField(
        label=_("Area drawn on the map or pasted (GeoJSON)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_AREA_UPLOAD,
    )  # fmt: skip
    corners = forms.CharField(
        label=_("Or its corners, one per line: latitude, longitude"), required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "-2.5012, 28.8601\n2°30'04\"S 28°51'36\"E"}),  # noqa: E501
        max_length=50_000,
        help_text=_("Decimal degrees, or degrees, minutes and seconds with N, S, E or W."),
    )  # fmt: skip
    grid = forms.CharField(
        label=_("Grid of the corners, if they are in metres (EPSG code)"), required=False,
        max_length=80, widget=forms.TextInput(attrs={"placeholder": "EPSG:32735"}),
        help_text=_("Then type each corner as easting, northing (e.g. UTM zone 35 S: EPSG:32735)."),
    )  # fmt: skip

    def clean_area_fields(self) -> None:
        data = self.cleaned_data
        upload = data.get("area_file")
        field = "area"
        try:
            if upload is not None:
                field = "area_file"
                if upload.size > MAX_AREA_UPLOAD:
                    raise forms.ValidationError(_("The file is larger than 5 MB."))
                data["geometry"] = area_from_upload(upload.name, upload.read())
                data["area_given_as"] = "file"
            elif (data.get("area") or "").strip():
                data["geometry"] = area_from_geojson(data["area"])
                data["area_given_as"] = "drawn"
            elif (data.get("corners") or "").strip():
                field = "corners"
                grid = (data.get("grid") or "").strip()
                data["geometry"] = area_from_corners(data["corners"], grid)
                data["area_given_as"] = f"corners {grid}".strip()
            else:
                self.add_error(
                    "area", _("Give the area: a file, a shape drawn on the map or its corners.")
                )
        except AreaError as exc:
            self.add_error(field, str(exc.message))
        except forms.ValidationError as exc:
            self.add_error(field, exc)


class PrecheckForm(AreaFields):
    """An area, a licence type and a commodity; ``cleaned_data["geometry"]`` is the polygon."""

    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.none())
    licence_type = forms.ModelChoiceField(
        label=_("Licence type"), queryset=LicenceType.objects.none(), required=False,
        empty_label=_("any (no type's limits)"),
    )  # fmt: skip
    commodity = forms.ModelChoiceField(
        label=_("Commodity"), queryset=Commodity.objects.all(), required=False,
        empty_label=_("any"),
    )  # fmt: skip
    field_order = ["country", "licence_type", "commodity"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        countries = _countries_with_cadastre().distinct()
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries
        types = cast(forms.ModelChoiceField, self.fields["licence_type"])
        types.queryset = LicenceType.objects.select_related("country")
        types.label_from_instance = _type_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        country, licence_type = data.get("country"), data.get("licence_type")
        if country is not None and licence_type is not None and licence_type.country != country:
            self.add_error(
                "licence_type",
                _("The licence type %(code)s is not one of %(country)s.")
                % {"code": licence_type.code, "country": country.name},
            )
        self.clean_area_fields()
        return data


class ApplicationForm(AreaFields):
    """An application for one licence type (chosen before: its documents are the form's
    fields). Officers entering a paper filing also see its date and may leave documents out."""

    holder_kind = forms.ChoiceField(label=_("Who applies"), choices=HolderKind.choices)
    organisation = forms.ModelChoiceField(
        label=_("Cooperative, association or company"), queryset=Organisation.objects.none(),
        required=False,
    )  # fmt: skip
    applicant_name = forms.CharField(
        label=_("Applicant's name (a person)"), max_length=200, required=False,
        help_text=_("Kept private: only officers and you read it."),
    )  # fmt: skip
    applicant_contact = forms.CharField(
        label=_("Applicant's telephone or e-mail"), max_length=200, required=False,
        help_text=_("Kept private: only officers and you read it."),
    )  # fmt: skip
    nationality = CountryChoiceField(
        label=_("Nationality (a person)"), queryset=Country.objects.all(), required=False
    )
    commodities = forms.ModelMultipleChoiceField(
        label=_("Commodities"), queryset=Commodity.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    fee_paid = forms.DecimalField(
        label=_("Application fee paid"), required=False, min_value=0, max_digits=14,
        decimal_places=2,
    )  # fmt: skip
    fee_reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)
    paper = forms.BooleanField(
        label=_("A paper filing, entered by an officer"), required=False,
        help_text=_("Its documents may follow; the completeness check asks for them."),
    )  # fmt: skip
    paper_dated = forms.DateField(
        label=_("Date on the paper filing"), required=False,
        widget=date_picker(),
    )  # fmt: skip
    field_order = [
        "holder_kind", "organisation", "applicant_name", "applicant_contact", "nationality",
        "commodities", "area_file", "area", "corners", "grid", "fee_paid", "fee_reference",
    ]  # fmt: skip

    def __init__(
        self, *args: Any, licence_type: LicenceType, user: Any, officer: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.licence_type = licence_type
        holders = licence_type.holders or list(HolderKind.values)
        self.fields["holder_kind"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in HolderKind.choices if value in holders
        ]
        organisations = cast(forms.ModelChoiceField, self.fields["organisation"])
        if officer:
            organisations.queryset = Organisation.objects.filter(
                country=licence_type.country
            ).order_by("name")
        else:
            organisations.queryset = Organisation.objects.filter(pk=user.organisation_id or 0)
        allowed = licence_type.commodities.all()
        commodities = cast(forms.ModelMultipleChoiceField, self.fields["commodities"])
        commodities.queryset = allowed if allowed.exists() else Commodity.objects.all()
        if not officer:
            del self.fields["paper"]
            del self.fields["paper_dated"]
        self.document_fields = []
        for index, name in enumerate(licence_type.documents or []):
            key = f"document_{index}"
            self.fields[key] = forms.FileField(
                label=name, required=False, help_text=_("PDF, PNG or JPEG, at most 10 MB.")
            )
            self.document_fields.append((key, name))

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.clean_area_fields()
        data = self.cleaned_data
        data["documents"] = [
            (name, data[key]) for key, name in self.document_fields if data.get(key) is not None
        ]
        return data


class LayerImportForm(forms.Form):
    country = CountryChoiceField(label=_("Country"), queryset=Country.objects.all())
    kind = forms.ChoiceField(label=_("Layer"), choices=LayerKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("GeoJSON, or a Shapefile zipped with its .dbf, .shx and .prj; any projection."),
    )
    mapping = forms.ChoiceField(label=_("Mapping of the file's fields"), required=False)
    mapping_file = forms.FileField(label=_("Or a mapping file (JSON)"), required=False)
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)
    skip_invalid = forms.BooleanField(
        label=_("Import the valid shapes and skip the others"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mapping = self.fields["mapping"]
        assert isinstance(mapping, forms.ChoiceField)
        mapping.choices = [("", "—")] + [(m, m) for m in shipped_mappings()]

    def clean(self) -> dict[str, Any]:
        import json

        from .layers import mapping_load

        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload is not None and upload.size > MAX_LAYER_UPLOAD:
            self.add_error("file", _("The file is larger than 200 MB."))
        try:
            if data.get("mapping_file") is not None:
                name = data["mapping_file"].name
                try:
                    loaded = json.loads(data["mapping_file"].read().decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    self.add_error("mapping_file", _("The mapping is not UTF-8 JSON."))
                    return data
                data["loaded_mapping"] = mapping_check(loaded, name)
            elif data.get("mapping"):
                data["loaded_mapping"] = mapping_load(data["mapping"])
            else:
                self.add_error("mapping", _("Choose a mapping or upload one."))
        except MappingError as exc:
            self.add_error(
                "mapping_file" if data.get("mapping_file") else "mapping", str(exc.message)
            )
        return data


class LicenceTypeForm(forms.ModelForm):
    """A licence type as an administrator enters it from the law."""

    holders = forms.MultipleChoiceField(
        label=_("Who may hold it"), choices=HolderKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    documents = forms.CharField(
        label=_("Required documents, one per line"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
    )  # fmt: skip

    rent_per_ha = forms.CharField(
        label=_("Annual surface rent per ha, year by year"), required=False, max_length=2000,
        help_text=_("Separated by semicolons, e.g. 1.50; 2; 3 (the last rate holds after)."),
    )  # fmt: skip

    class Meta:
        model = LicenceType
        fields = [
            "country", "code", "name_en", "name_fr", "category", "holders", "nationality_rule",
            "min_area_ha", "max_area_ha", "asm_zone", "overlap_rule", "commodities",
            "term_years", "renewals", "renewal_years", "notice_days", "completeness_days",
            "decision_days", "second_approval", "documents", "currency", "application_fee",
            "rent_per_ha", "source", "is_example",
        ]  # fmt: skip
        field_classes = {"country": CountryChoiceField}
        widgets = {"commodities": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The country and the code name the type for good: applications will cite them.
            for name in ("country", "code"):
                self.fields[name].disabled = True
            self.initial["documents"] = "\n".join(self.instance.documents or [])
            self.initial["rent_per_ha"] = "; ".join(self.instance.rent_per_ha or [])

    def clean_rent_per_ha(self) -> list[str]:
        text = self.cleaned_data.get("rent_per_ha") or ""
        return [part.strip().replace(",", ".") for part in text.split(";") if part.strip()]

    def clean_documents(self) -> list[str]:
        text = self.cleaned_data.get("documents") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class ApplicationFilterForm(forms.Form):
    country = CountryChoiceField(
        label=_("Country"), queryset=Country.objects.none(), required=False,
        empty_label=_("all"),
    )  # fmt: skip
    status = forms.ChoiceField(label=_("Status"), required=False)
    q = forms.CharField(label=_("Number"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import ApplicationStatus

        super().__init__(*args, **kwargs)
        countries = Country.objects.filter(applications__isnull=False).distinct()
        cast(forms.ModelChoiceField, self.fields["country"]).queryset = countries
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("all")), ("pending", _("pending")), *ApplicationStatus.choices,
        ]  # fmt: skip

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        status = data.get("status") or ""
        return {
            "country": data.get("country"), "q": data.get("q") or "",
            "status": "" if status == "pending" else status, "pending": status == "pending",
        }  # fmt: skip


class CompletenessForm(forms.Form):
    complete = forms.TypedChoiceField(
        label=_("The application is"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("complete")), ("no", _("incomplete"))],
    )  # fmt: skip
    note = forms.CharField(
        label=_("What is missing, or a note"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class ObjectionForm(forms.Form):
    objector = forms.CharField(label=_("Who objects"), max_length=200)
    received_on = forms.DateField(label=_("Received on"), required=False, widget=date_picker())
    text = forms.CharField(
        label=_("Objection"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    grant = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda v: v == "grant", widget=forms.RadioSelect,
        choices=[("grant", _("grant")), ("refuse", _("refuse"))],
    )  # fmt: skip
    reasons = forms.CharField(
        label=_("Reasons"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class DocumentForm(forms.Form):
    name = forms.CharField(label=_("Document"), max_length=200)
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG or JPEG, at most 10 MB."))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RenewalDecisionForm(ReasonForm):
    grant = forms.TypedChoiceField(
        label=_("Renewal"), coerce=lambda v: v == "grant", widget=forms.RadioSelect,
        choices=[("grant", _("renew")), ("refuse", _("refuse"))],
    )  # fmt: skip


class TransferForm(ReasonForm):
    organisation = forms.ModelChoiceField(
        label=_("To the organisation"), queryset=Organisation.objects.none()
    )
    share = forms.IntegerField(
        label=_("Share transferred (%)"), min_value=1, max_value=100, initial=100,
        help_text=_("Of the whole licence, from the holder. The holder's whole part makes the "
                    "organisation the holder; less makes it a co-holder."),
    )  # fmt: skip

    def __init__(self, *args: Any, country: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = cast(forms.ModelChoiceField, self.fields["organisation"])
        organisations.queryset = Organisation.objects.filter(country=country).order_by("name")


class SurrenderForm(AreaFields, ReasonForm):
    """The whole licence, or the part of its area given as an area."""

    whole = forms.BooleanField(label=_("Surrender the whole licence"), required=False)
    field_order = ["whole", "area_file", "area", "corners", "grid", "reason"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.cleaned_data.get("whole"):
            self.clean_area_fields()
        return self.cleaned_data


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=date_picker())
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)
