"""Bulk writes that the ORM has no word for: rows into PostgreSQL with COPY."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def copy_rows(cursor: Any, target: str, rows: Iterable[tuple[Any, ...]]) -> int:
    """Write ``rows`` into a PostgreSQL table with COPY (psycopg 3), through Django's cursor;
    ``target`` is the table and its columns (``"t" ("a", "b")``), written by the caller from
    the model, never from input. Returns how many rows were written."""
    written = 0
    with cursor.cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def copy_into_temporary(
    cursor: Any, name: str, like: str, columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """A PostgreSQL temporary table ``name`` with the types of ``columns`` of table ``like``
    (no constraints), filled with ``rows`` by COPY: set-based UPDATEs and INSERTs read from it
    (dropped at the end of the transaction, or when made again in it). Names are quoted by the
    caller, from the models."""
    listed = ", ".join(columns)
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {name} ON COMMIT DROP AS"  # noqa: S608 (the models' names)
        f" SELECT {listed} FROM {like} WITH NO DATA"
    )
    copy_rows(cursor, f"{name} ({listed})", rows)
