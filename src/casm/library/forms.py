"""Forms of the library's contribution pages. They read input; the services enforce the rules."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casm.core.forms import DateInput
from casm.core.models import Commodity, Country
from casm.library import extraction, services
from casm.library.models import (
    PILLAR_CHOICES,
    Collection,
    Document,
    DocumentAuthor,
    DocumentType,
    Language,
    Licence,
    Review,
    Theme,
)

CHECKBOXES = forms.CheckboxSelectMultiple

# "UNEP (organisation)": the words that mark an author line as an organisation.
_ORGANISATION_MARK = re.compile(r"^(?P<name>.*\S)\s*\((?P<mark>[^()]+)\)\s*$")
_ORGANISATION_WORDS = {"organisation", "organization", "org", "org."}

# A document named by its number or by its address on the site: "42", "/library/42/", "42 Title".
_DOCUMENT_REFERENCE = re.compile(r"^\s*(?:\S*/library/)?(?P<pk>\d+)\b")


def _organisation_words() -> set[str]:
    return _ORGANISATION_WORDS | {gettext("organisation").lower()}


def authors_from_text(text: str) -> list[dict[str, str]]:
    """One author a line: "Name", or "Name (organisation)" for an organisation."""
    authors = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        kind = DocumentAuthor.Kind.PERSON
        marked = _ORGANISATION_MARK.match(line)
        if marked and marked["mark"].strip().lower() in _organisation_words():
            line, kind = marked["name"], DocumentAuthor.Kind.ORGANISATION
        authors.append({"name": line, "kind": str(kind)})
    return authors


def authors_as_text(document: Document) -> str:
    word = gettext("organisation")
    return "\n".join(
        f"{a.name} ({word})" if a.kind == DocumentAuthor.Kind.ORGANISATION else a.name
        for a in document.authors.all()
    )


def document_reference(text: str) -> int | None:
    """The number of a document given as "42", "42 Its title" or its address; None otherwise."""
    found = _DOCUMENT_REFERENCE.match(text or "")
    return int(found["pk"]) if found else None


class DocumentReferenceField(forms.ModelChoiceField):
    """A published document, named by its number or its address (there may be thousands)."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        pk = document_reference(str(value))
        if pk is None:
            raise forms.ValidationError(
                _("Give the number or the address of a published document, e.g. /library/42/."),
                code="invalid_choice",
            )
        return super().to_python(pk)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Document):
            return f"{value.pk} {value.title}"
        return super().prepare_value(value)


def upload_accept() -> str:
    return ",".join(extraction.ALLOWED_EXTENSIONS)


def _file_field(required: bool, label: Any) -> forms.FileField:
    limit = filesizeformat(services.max_upload_bytes())
    return forms.FileField(
        label=label,
        required=required,
        help_text=_(
            "PDF, Word (DOCX), OpenDocument (ODT), HTML, text or Markdown; at most %(limit)s."
        )
        % {"limit": limit},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": upload_accept(),
                "data-max-bytes": services.max_upload_bytes(),
                "data-limit": limit,
                "data-too-large": _("The file is {size}; files may be at most {limit}."),
            }
        ),
    )


class _RefusedUploadMixin:
    """Shows the upload that was too large to be read (see uploads.UploadLimit)."""

    refused_size: int | None = None

    def clean_file(self) -> Any:
        if self.refused_size is not None:
            raise forms.ValidationError(services.upload_too_large_message(self.refused_size))
        return cast(forms.Form, self).cleaned_data.get("file")


class DocumentForm(_RefusedUploadMixin, forms.Form):
    """A document's description; on creation also its first file (and, for editors, publishing)."""

    title = forms.CharField(label=_("Title"), max_length=500)
    subtitle = forms.CharField(label=_("Subtitle"), max_length=500, required=False)
    abstract = forms.CharField(
        label=_("Abstract"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    authors = forms.CharField(
        label=_("Authors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, people and organisations in the order of the title page. "
            "Write “(organisation)” after an organisation's name, e.g. “UNEP (organisation)”."
        ),
    )
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    published_on = forms.DateField(label=_("Date of publication"), required=False, widget=DateInput)
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1900,
        max_value=9999,
        help_text=_("When only the year is known."),
    )
    doc_type = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *DocumentType.choices])
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=CHECKBOXES,
        help_text=_("Left empty, the language is found from the file's text."),
    )
    pillars = forms.MultipleChoiceField(
        label=_("Pillars"), choices=PILLAR_CHOICES, required=False, widget=CHECKBOXES
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=CHECKBOXES
    )
    countries = forms.ModelMultipleChoiceField(
        label=_("Countries"),
        queryset=Country.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    commodities = forms.ModelMultipleChoiceField(
        label=_("Commodities"),
        queryset=Commodity.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    licence = forms.ChoiceField(
        label=_("Licence"), choices=Licence.choices, initial=Licence.UNKNOWN
    )
    url = forms.URLField(
        label=_("External address"),
        max_length=1000,
        required=False,
        help_text=_("Where the document is published elsewhere, if it is."),
    )
    doi = forms.CharField(label=_("DOI"), max_length=200, required=False)
    isbn = forms.CharField(label=_("ISBN"), max_length=20, required=False)
    version = forms.CharField(label=_("Version"), max_length=40, required=False)
    supersedes = DocumentReferenceField(
        label=_("Replaces"),
        queryset=Document.objects.filter(status=Document.Status.PUBLISHED),
        required=False,
        help_text=_(
            "The earlier published version this document replaces: its number or its address, "
            "e.g. /library/42/."
        ),
    )
    file = forms.FileField(required=False)
    publish = forms.BooleanField(
        label=_("Publish at once (no review)"),
        required=False,
        help_text=_("As an editor you may publish without a review."),
    )

    def __init__(
        self,
        *args: Any,
        document: Document | None = None,
        editor: bool = False,
        refused_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if document is not None and not self.is_bound:
            self.initial = self.initial_from(document)
        self.refused_size = refused_size
        if document is None:
            self.fields["file"] = _file_field(False, _("File"))
        else:
            # Files are kept on their own page once the document exists.
            del self.fields["file"]
            cast(
                DocumentReferenceField, self.fields["supersedes"]
            ).queryset = Document.objects.filter(status=Document.Status.PUBLISHED).exclude(
                pk=document.pk
            )
        if document is not None or not editor:
            del self.fields["publish"]

    @staticmethod
    def initial_from(document: Document) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(document, name) for name in services.DOCUMENT_FIELDS
        }
        initial["countries"] = list(document.countries.all())
        initial["commodities"] = list(document.commodities.all())
        initial["authors"] = authors_as_text(document)
        return initial

    def document_data(self) -> dict[str, Any]:
        """The cleaned fields as the services take them."""
        data = {name: self.cleaned_data.get(name) for name in services.DOCUMENT_FIELDS}
        data["countries"] = list(data["countries"] or [])
        data["commodities"] = list(data["commodities"] or [])
        for name in ("languages", "pillars", "themes"):
            data[name] = list(data[name] or [])
        return data

    def author_list(self) -> list[dict[str, str]]:
        return authors_from_text(self.cleaned_data.get("authors", ""))


class FileUploadForm(_RefusedUploadMixin, forms.Form):
    def __init__(self, *args: Any, refused_size: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused_size = refused_size
        # A file refused for its size never arrived: say why, not that it is missing.
        self.fields["file"] = _file_field(refused_size is None, _("Add a file"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (Review.Decision.APPROVE, _("Approve and publish")),
            (Review.Decision.REVISE, _("Ask for revisions")),
            (Review.Decision.REJECT, _("Reject")),
        ],
    )
    comment = forms.CharField(
        label=_("Comment to the submitter"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Required when you ask for revisions (say what should change) or reject "
            "(say why). The submitter receives it by e-mail."
        ),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawing"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CollectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        help_text=_("Used in the address: letters, digits and hyphens, e.g. mercury-toolkit."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    documents = forms.CharField(
        label=_("Documents, in order"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "One document a line, by its number or its address (e.g. /library/42/); anything "
            "after the number is ignored, so “42 Mercury toolkit” is fine."
        ),
    )

    def __init__(self, *args: Any, collection: Collection | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if collection is not None and not self.is_bound:
            self.initial = {
                "title": collection.title,
                "slug": collection.slug,
                "description": collection.description,
                "documents": "\n".join(
                    f"{item.document_id} {item.document.title}"
                    for item in collection.items.select_related("document")
                ),
            }

    def clean_documents(self) -> list[Document]:
        numbers: list[int] = []
        wrong: list[str] = []
        for line in self.cleaned_data.get("documents", "").splitlines():
            if not line.strip():
                continue
            pk = document_reference(line)
            if pk is None:
                wrong.append(line.strip()[:60])
            else:
                numbers.append(pk)
        found = Document.objects.in_bulk(numbers)
        wrong += [str(pk) for pk in numbers if pk not in found]
        if wrong:
            raise forms.ValidationError(
                _("These lines do not name a document: %(lines)s.")
                % {"lines": "; ".join(wrong[:10])}
            )
        return [found[pk] for pk in dict.fromkeys(numbers)]

    def collection_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("title", "slug", "description")}
