"""schema.org JSON-LD for a document page, so search engines and harvesters read its metadata."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from casm.library.models import (
    LICENCE_URLS,
    Document,
    DocumentAuthor,
    DocumentType,
    Language,
    Theme,
)

SCHEMA_TYPES: dict[str, str] = {
    DocumentType.REPORT: "Report",
    DocumentType.POLICY_BRIEF: "Report",
    DocumentType.GUIDANCE_NOTE: "Report",
    DocumentType.RESEARCH: "ScholarlyArticle",
    DocumentType.TRAINING: "LearningResource",
    DocumentType.PRESENTATION: "PresentationDigitalDocument",
    DocumentType.LEGISLATION: "Legislation",
    DocumentType.NEWS: "NewsArticle",
    DocumentType.WEB_PAGE: "WebPage",
}

# Characters that could end the <script> element or start markup inside it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def _absolute(path: str) -> str:
    return settings.CASM_SITE_URL.rstrip("/") + path


def _date_published(document: Document) -> str | None:
    if document.published_on:
        return document.published_on.isoformat()
    return str(document.year) if document.year else None


def document_jsonld(document: Document) -> dict[str, Any]:
    """The document as a schema.org CreativeWork (or a more precise type), as a dict.

    Reads the document's authors, countries, commodities and files (prefetched by
    ``selectors.document_get_for_user``).
    """
    page = _absolute(reverse("library:document_detail", args=[document.pk]))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(document.doc_type, "CreativeWork"),
        "@id": page,
        "url": page,
        "name": document.title,
        "genre": str(document.get_doc_type_display()),
    }
    if document.subtitle:
        data["alternativeHeadline"] = document.subtitle
    if document.abstract:
        data["abstract"] = document.abstract
    authors = [
        {
            "@type": "Person" if a.kind == DocumentAuthor.Kind.PERSON else "Organization",
            "name": a.name,
        }
        for a in document.authors.all()
    ]
    if authors:
        data["author"] = authors
    published = _date_published(document)
    if published:
        data["datePublished"] = published
    languages = [code for code in document.languages if code != Language.OTHER]
    if languages:
        data["inLanguage"] = languages[0] if len(languages) == 1 else languages
    licence_url = LICENCE_URLS.get(document.licence)  # type: ignore[call-overload]
    if licence_url:
        data["license"] = licence_url
    if document.publisher:
        data["publisher"] = {"@type": "Organization", "name": document.publisher}
    themes = [
        {"@type": "DefinedTerm", "termCode": code, "name": str(Theme(code).label)}
        for code in document.themes
        if code in Theme.values
    ]
    if themes:
        data["about"] = themes
    countries = [
        {"@type": "Country", "name": c.name_en, "identifier": c.alpha2}
        for c in document.countries.all()
    ]
    if countries:
        data["spatialCoverage"] = countries
    commodities = [c.name_en for c in document.commodities.all()]
    if commodities:
        data["keywords"] = commodities
    if document.doi:
        data["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "DOI",
            "value": document.doi,
            "url": f"https://doi.org/{document.doi}",
        }
        data["sameAs"] = f"https://doi.org/{document.doi}"
    if document.isbn:
        data["isbn"] = document.isbn
    if document.version:
        data["version"] = document.version
    if document.url:
        data["mainEntityOfPage"] = document.url
    if document.supersedes_id and document.supersedes and document.supersedes.is_public:
        data["isBasedOn"] = _absolute(
            reverse("library:document_detail", args=[document.supersedes_id])
        )
    files = [
        {
            "@type": "MediaObject",
            "name": f.name,
            "contentUrl": _absolute(reverse("library:file_download", args=[document.pk, f.pk])),
            "encodingFormat": f.media_type,
            "contentSize": f"{f.size} B",
            **({"numberOfPages": f.page_count} if f.page_count else {}),
            **({"inLanguage": f.language} if f.language else {}),
        }
        for f in document.files.all()
    ]
    if files:
        data["encoding"] = files
    data["interactionStatistic"] = [
        {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/ViewAction",
            "userInteractionCount": document.view_count,
        },
        {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/DownloadAction",
            "userInteractionCount": document.download_count,
        },
    ]
    return data


def jsonld_script(data: dict[str, Any]) -> SafeString:
    """A <script type="application/ld+json"> element holding ``data``.

    <, > and & are written as \\u003c, \\u003e and \\u0026, so no text in the data (a title
    with "</script>") can close the element.
    """
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
