"""The spatial index: bounding boxes of shapes, indexed on both databases.

A table with the float columns ``min_x``, ``min_y``, ``max_x`` and ``max_y`` (longitude and
latitude in WGS 84) gets, by :func:`spatial_index_operation` in its migration:

- on SQLite, an R*Tree virtual table ``<table>_rtree`` kept in step by triggers;
- on PostgreSQL, a GiST index on ``box(point(min_x, min_y), point(max_x, max_y))``.

:func:`bbox_filter` then keeps the rows whose box meets a given box, through that index; the
exact test (Shapely) runs on those candidates only.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection, migrations, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

M = TypeVar("M", bound=models.Model)


def _sqlite_statements(table: str) -> list[str]:
    rtree = f"{table}_rtree"
    values = "new.id, new.min_x, new.max_x, new.min_y, new.max_y"
    # A row without a box (a nullable one) stays out of the index.
    boxed = "new.min_x IS NOT NULL"
    return [
        f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, min_x, max_x, min_y, max_y)",
        f"INSERT INTO {rtree} SELECT id, min_x, max_x, min_y, max_y FROM {table} "
        "WHERE min_x IS NOT NULL",
        f"CREATE TRIGGER {rtree}_insert AFTER INSERT ON {table} WHEN {boxed} BEGIN "
        f"INSERT INTO {rtree} VALUES ({values}); END",
        f"CREATE TRIGGER {rtree}_update AFTER UPDATE OF min_x, max_x, min_y, max_y ON {table} "
        f"BEGIN DELETE FROM {rtree} WHERE id = old.id; INSERT INTO {rtree} SELECT {values} "
        f"WHERE {boxed}; END",
        f"CREATE TRIGGER {rtree}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {rtree} WHERE id = old.id; END",
    ]


def _sqlite_reverse(table: str) -> list[str]:
    rtree = f"{table}_rtree"
    return [f"DROP TRIGGER IF EXISTS {rtree}_{kind}" for kind in ("insert", "update", "delete")] + [
        f"DROP TABLE IF EXISTS {rtree}"
    ]


def _postgres_statements(table: str) -> list[str]:
    return [
        f"CREATE INDEX {table}_bbox_gist ON {table} "
        "USING gist (box(point(min_x, min_y), point(max_x, max_y)))"
    ]


def spatial_index_operation(table: str) -> migrations.RunPython:
    """The migration operation that indexes ``table``'s bounding boxes on either database."""

    def forward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        statements = (
            _sqlite_statements(table) if vendor == "sqlite" else _postgres_statements(table)
        )
        for statement in statements:
            schema_editor.execute(statement)

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            for statement in _sqlite_reverse(table):
                schema_editor.execute(statement)
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_bbox_gist")

    return migrations.RunPython(forward, backward)


def bbox_filter(queryset: QuerySet[M], box: tuple[float, float, float, float]) -> QuerySet[M]:
    """The rows of ``queryset`` whose bounding box meets ``box`` (min_x, min_y, max_x, max_y)."""
    min_x, min_y, max_x, max_y = (float(v) for v in box)
    table = queryset.model._meta.db_table
    if connection.vendor == "sqlite":
        ids = RawSQL(
            f"SELECT id FROM {table}_rtree "
            "WHERE max_x >= %s AND min_x <= %s AND max_y >= %s AND min_y <= %s",
            (min_x, max_x, min_y, max_y),
        )
        return queryset.filter(pk__in=ids)
    return queryset.extra(
        where=[
            "box(point(min_x, min_y), point(max_x, max_y)) && box(point(%s, %s), point(%s, %s))"
        ],
        params=[min_x, min_y, max_x, max_y],
    )
