"""limit/offset pagination with a total count, for every API list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import PaginationBase

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # a database cannot skip more than it can count


class LimitOffset(PaginationBase):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Items per page (1–500).")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    class Output(Schema):
        count: int
        limit: int
        offset: int
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet, pagination: Input, request: Any = None, **params: Any
    ) -> dict[str, Any]:
        return {
            "count": self.total(queryset),
            "limit": pagination.limit,
            "offset": pagination.offset,
            "items": list(queryset[pagination.offset : pagination.offset + pagination.limit]),
        }

    def total(self, queryset: Any) -> int:
        """How many items there are in all; subclasses may remember it."""
        return queryset.count() if isinstance(queryset, QuerySet) else len(queryset)


def page_of(request: Any, items: Any, size: int, *, most: int = 2000) -> Any:
    """The page of ``items`` a web list shows: ``?page=`` read leniently (not a number is the
    first page, past the end the last) and never beyond page ``most``."""
    from django.core.paginator import Paginator

    try:
        number = min(max(int(request.GET.get("page", "1")), 1), most)
    except ValueError:
        number = 1
    return Paginator(items, size).get_page(number)


class MappedRows:
    """A query's rows handed to the paginator, turned into what an API answers (labels in the
    reader's language, suppressed cells) only for the page it slices."""

    def __init__(self, rows: Any, present: Any) -> None:
        self.rows, self.present = rows, present

    def __len__(self) -> int:
        return self.rows.count() if isinstance(self.rows, QuerySet) else len(self.rows)

    def __getitem__(self, window: slice) -> list[Any]:
        return list(self.present(self.rows[window]))
