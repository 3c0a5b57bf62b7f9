"""The knowledge library: documents with their files, extracted text, reviews, comments,
votes, visits and collections.

Only published documents are in the search index (``SearchEntry`` and ``DocumentFacet``); the
services add a document when an editor publishes it and take it out when it is withdrawn.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casm.core.context_processors import PILLARS
from casm.core.models import Commodity, Country


class DocumentType(models.TextChoices):
    GUIDANCE_NOTE = "guidance_note", _("guidance note")
    TOOLKIT = "toolkit", _("toolkit")
    TRAINING = "training_material", _("training material")
    REPORT = "report", _("report")
    RESEARCH = "research_paper", _("research paper")
    POLICY_BRIEF = "policy_brief", _("policy brief")
    PRESENTATION = "presentation", _("presentation")
    PROCEEDINGS = "conference_proceedings", _("conference proceedings")
    LEGISLATION = "legislation", _("legislation")
    FACT_SHEET = "fact_sheet", _("fact sheet")
    NEWS = "news", _("news")
    WEB_PAGE = "web_page", _("web page")


# Plural names for "#19 of 33 toolkits".
DOCUMENT_TYPE_PLURALS = {
    DocumentType.GUIDANCE_NOTE: _("guidance notes"),
    DocumentType.TOOLKIT: _("toolkits"),
    DocumentType.TRAINING: _("training materials"),
    DocumentType.REPORT: _("reports"),
    DocumentType.RESEARCH: _("research papers"),
    DocumentType.POLICY_BRIEF: _("policy briefs"),
    DocumentType.PRESENTATION: _("presentations"),
    DocumentType.PROCEEDINGS: _("conference proceedings"),
    DocumentType.LEGISLATION: _("legislation"),
    DocumentType.FACT_SHEET: _("fact sheets"),
    DocumentType.NEWS: _("news items"),
    DocumentType.WEB_PAGE: _("web pages"),
}


class Theme(models.TextChoices):
    FORMALIZATION = "formalization", _("formalization")
    GOVERNANCE = "governance", _("governance and policy")
    GENDER = "gender", _("gender")
    CHILD_LABOUR = "child_labour", _("child labour")
    MERCURY = "mercury", _("mercury")
    HEALTH_SAFETY = "health_safety", _("health and safety")
    ENVIRONMENT = "environment", _("environment and biodiversity")
    WATER = "water", _("water")
    ASM_LSM = "asm_lsm", _("ASM–LSM relations")
    LIVELIHOODS = "livelihoods", _("alternative livelihoods")
    SUPPLY_CHAINS = "supply_chains", _("certification and supply chains")
    FINANCE = "finance", _("finance and microcredit")
    CONFLICT = "conflict", _("conflict and security")
    ILLICIT_FLOWS = "illicit_flows", _("illicit financial flows")
    LAND = "land", _("land and resettlement")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    PORTUGUESE = "pt", _("Portuguese")
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh", _("Chinese")
    RUSSIAN = "ru", _("Russian")
    SWAHILI = "sw", _("Swahili")
    GERMAN = "de", _("German")
    INDONESIAN = "id", _("Indonesian")
    MONGOLIAN = "mn", _("Mongolian")
    OTHER = "other", _("other")


def choice_labels(choices: type[models.TextChoices], codes: Any) -> str:
    """Codes shown by their names in the reader's language ("child labour, livelihoods"); a
    code that is no longer a choice is shown as it is."""
    named = dict(choices.choices)
    return ", ".join(str(named.get(code, code)) for code in codes or [])


class Licence(models.TextChoices):
    CC_BY = "CC-BY-4.0", _("CC BY 4.0")
    CC_BY_SA = "CC-BY-SA-4.0", _("CC BY-SA 4.0")
    CC_BY_NC = "CC-BY-NC-4.0", _("CC BY-NC 4.0")
    CC_BY_NC_SA = "CC-BY-NC-SA-4.0", _("CC BY-NC-SA 4.0")
    CC_BY_ND = "CC-BY-ND-4.0", _("CC BY-ND 4.0")
    CC0 = "CC0-1.0", _("CC0 (public domain dedication)")
    PUBLIC_DOMAIN = "public-domain", _("public domain")
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("all rights reserved")
    UNKNOWN = "unknown", _("not stated")


LICENCE_URLS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC_BY_NC: "https://creativecommons.org/licenses/by-nc/4.0/",
    Licence.CC_BY_NC_SA: "https://creativecommons.org/licenses/by-nc-sa/4.0/",
    Licence.CC_BY_ND: "https://creativecommons.org/licenses/by-nd/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
}

PILLAR_CHOICES = [(slug, title) for slug, title in PILLARS]


class Document(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for review")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    title = models.CharField(_("title"), max_length=500)
    subtitle = models.CharField(_("subtitle"), max_length=500, blank=True)
    abstract = models.TextField(_("abstract"), blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    doc_type = models.CharField(_("type"), max_length=30, choices=DocumentType.choices)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    pillars = models.JSONField(_("pillars"), default=list, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries"), blank=True, related_name="documents"
    )
    commodities = models.ManyToManyField(
        Commodity, verbose_name=_("commodities"), blank=True, related_name="documents"
    )
    licence = models.CharField(
        _("licence"), max_length=30, choices=Licence.choices, default=Licence.UNKNOWN
    )
    url = models.URLField(_("external address"), max_length=1000, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=20, blank=True)
    version = models.CharField(_("version"), max_length=40, blank=True)
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="library_documents",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0, editable=False)
    download_count = models.PositiveIntegerField(_("downloads"), default=0, editable=False)
    helpful_yes = models.PositiveIntegerField(_("found it helpful"), default=0, editable=False)
    helpful_no = models.PositiveIntegerField(
        _("did not find it helpful"), default=0, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["-published_on", "-year", "title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["status", "doc_type"])]

    def __str__(self) -> str:
        return self.title

    @property
    def popularity(self) -> int:
        """Views plus downloads, a download weighing three views."""
        return self.view_count + 3 * self.download_count

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED


class DocumentAuthor(models.Model):
    """An author of a document: a person or an organisation, in order."""

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        ORGANISATION = "organisation", _("organisation")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="authors")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation in the directory"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="authored_documents",
    )

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self) -> str:
        return self.name


class DocumentFile(models.Model):
    """A file of a document and the text extracted from it in the background."""

    class Extraction(models.TextChoices):
        PENDING = "pending", _("waiting for text extraction")
        DONE = "done", _("text extracted")
        NO_TEXT = "no_text", _("no text layer (scanned)")
        ENCRYPTED = "encrypted", _("password-protected")
        FAILED = "failed", _("text could not be read")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="library/%Y/%m/", max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    media_type = models.CharField(_("media type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    text = models.TextField(_("extracted text"), blank=True, editable=False)
    extraction = models.CharField(
        _("text extraction"), max_length=10, choices=Extraction.choices, default=Extraction.PENDING
    )
    extraction_message = models.CharField(_("extraction message"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["document", "id"]
        verbose_name = _("file")
        verbose_name_plural = _("files")

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """An editor's decision on a submitted document, with the comment the submitter reads."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("approved and published")
        REVISE = "revise", _("revisions requested")
        REJECT = "reject", _("rejected")
        WITHDRAW = "withdraw", _("withdrawn")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="reviews")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.document_id}: {self.decision}"


class Comment(models.Model):
    """A member's comment on a published document; shown once an editor approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for moderation")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_comments"
    )
    body = models.TextField(_("comment"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.author_id} on {self.document_id}"


class Vote(models.Model):
    """One "was this helpful?" answer per person (or per anonymous visitor) and document."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(_("voter"), max_length=64)
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("voted"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "voter"], name="library_vote_once")
        ]

    def __str__(self) -> str:
        return f"{self.voter} on {self.document_id}: {self.helpful}"


class Hit(models.Model):
    """A view or a download, counted once per visitor and day; bots are not counted."""

    class Kind(models.TextChoices):
        VIEW = "view", _("view")
        DOWNLOAD = "download", _("download")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    visitor = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document", "kind", "visitor", "day"], name="library_hit_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.document_id} on {self.day}"


class Collection(models.Model):
    """An ordered set of documents, e.g. a conference's proceedings or a toolkit."""

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    documents = models.ManyToManyField(
        Document, through="CollectionItem", related_name="collections", blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["collection", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "document"], name="library_collection_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.document_id}"


class SearchEntry(models.Model):
    """The searchable text of a published document.

    SQLite indexes it in the FTS5 table ``library_fts`` (kept in step by triggers); PostgreSQL
    keeps a weighted ``tsvector`` column ``vector`` with a GIN index, written by the services.
    Both are made by this app's migrations, outside the model.
    """

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, primary_key=True, related_name="search_entry"
    )
    title = models.TextField()
    abstract = models.TextField(blank=True)
    body = models.TextField(blank=True)
    language = models.CharField(max_length=5, blank=True)
    sort_date = models.DateField(null=True, db_index=True)
    year = models.PositiveSmallIntegerField(null=True, db_index=True)

    def __str__(self) -> str:
        return self.title


class DocumentFacet(models.Model):
    """One facet value of a published document (type, pillar, theme, country…), for counting."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    facet = models.CharField(max_length=12)
    value = models.CharField(max_length=100)

    class Meta:
        indexes = [
            models.Index(fields=["facet", "value", "document"], name="library_facet_value"),
            models.Index(fields=["document", "facet", "value"], name="library_facet_document"),
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"
