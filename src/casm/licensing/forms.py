"""Forms of the cadastre: the filters of the public map, the pre-check, a layer's import."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from casm.core.forms import CountryChoiceField
from casm.core.models import Commodity, Country

from .areas import AreaError, area_from_corners, area_from_geojson
from .layers import MappingError, mapping_check, shipped_mappings
from .models import HolderKind, LayerKind, LicenceType

# A pasted or uploaded area; a cadastre layer is imported by the command or the import form.
MAX_AREA_UPLOAD = 5 * 1024 * 1024
MAX_LAYER_UPLOAD = 200 * 1024 * 1024


def _countries_with_cadastre() -> Any:
    return Country.objects.filter(
        pk__in=LicenceType.objects.values("country")
    ) | Country.objects.filter(layers__isnull=False)


class FeatureFilterForm(forms.Form):
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

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


def _type_label(licence_type: LicenceType) -> str:
    return f"{licence_type.country.name} — {licence_type.name} ({licence_type.code})"


class PrecheckForm(forms.Form):
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
    area_file = forms.FileField(
        label=_("Area file (GeoJSON)"), required=False,
        help_text=_("One polygon, in longitude and latitude (WGS 84)."),
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
        upload = data.get("area_file")
        field = "area"
        try:
            if upload is not None:
                if upload.size > MAX_AREA_UPLOAD:
                    raise forms.ValidationError(_("The file is larger than 5 MB."))
                field = "area_file"
                data["geometry"] = area_from_geojson(upload.read())
            elif (data.get("area") or "").strip():
                field = "area"
                data["geometry"] = area_from_geojson(data["area"])
            elif (data.get("corners") or "").strip():
                field = "corners"
                data["geometry"] = area_from_corners(data["corners"])
            else:
                self.add_error(
                    "area", _("Give the area: a GeoJSON shape or its corner coordinates.")
                )
        except AreaError as exc:
            self.add_error(field, str(exc.message))
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

    class Meta:
        model = LicenceType
        fields = [
            "country", "code", "name_en", "name_fr", "category", "holders", "nationality_rule",
            "min_area_ha", "max_area_ha", "asm_zone", "overlap_rule", "commodities",
            "term_years", "renewals", "renewal_years", "notice_days", "documents", "source",
            "is_example",
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

    def clean_documents(self) -> list[str]:
        text = self.cleaned_data.get("documents") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]
