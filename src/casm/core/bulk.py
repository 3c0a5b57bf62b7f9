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


class CopyStream:
    """A COPY into a PostgreSQL table kept open across many writes, so that the server
    inserts (indexes, constraints) while the caller prepares the next rows. :meth:`close`
    ends it (when the connection is needed for anything else, or at the end), the next
    :meth:`write` opens it again; after an error, ``close(error)`` makes the server drop what
    this COPY sent. ``target`` as for :func:`copy_rows`."""

    def __init__(self, connection: Any, target: str) -> None:
        self.connection = connection
        self.target = target
        self._cursor: Any = None
        self._open: Any = None
        self._copy: Any = None
        self.written = 0

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        if self._copy is None:
            self._cursor = self.connection.cursor()
            self._open = self._cursor.cursor.copy(f"COPY {self.target} FROM STDIN")
            self._copy = self._open.__enter__()
        write_row = self._copy.write_row
        for row in rows:
            write_row(row)
            self.written += 1

    def close(self, error: BaseException | None = None) -> None:
        if self._copy is None:
            return
        opened, cursor = self._open, self._cursor
        self._open = self._copy = self._cursor = None
        try:
            if error is None:
                opened.__exit__(None, None, None)
            else:
                opened.__exit__(type(error), error, error.__traceback__)
        finally:
            cursor.close()
