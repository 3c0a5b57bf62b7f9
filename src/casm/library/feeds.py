"""The Atom feed of the library's newest documents."""

from __future__ import annotations

import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from casm.library import selectors
from casm.library.models import Document, Theme

FEED_SIZE = 50


class LatestDocumentsFeed(Feed):
    feed_type = Atom1Feed
    title = _("CASM knowledge library: new documents")
    subtitle = _("Guidance, toolkits, research and policy on artisanal and small-scale mining.")

    def link(self) -> str:
        return reverse("library:document_search")

    def feed_url(self) -> str:
        return reverse("library:feed")

    def items(self) -> QuerySet[Document]:
        return (
            selectors.published_documents()
            .filter(published_at__isnull=False)
            .prefetch_related("authors")
            .order_by("-published_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Document) -> str:
        return f"{item.title} — {item.subtitle}" if item.subtitle else item.title

    def item_description(self, item: Document) -> str:
        return item.abstract

    def item_link(self, item: Document) -> str:
        return reverse("library:document_detail", args=[item.pk])

    def item_author_name(self, item: Document) -> str | None:
        # Atom gives an entry one author element here; every name goes in it.
        return ", ".join(a.name for a in item.authors.all()) or item.publisher or None

    def item_pubdate(self, item: Document) -> datetime.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Document) -> datetime.datetime:
        return item.updated_at

    def item_categories(self, item: Document) -> list[str]:
        return [str(Theme(code).label) for code in item.themes if code in Theme.values]
