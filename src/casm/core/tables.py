"""Tables out: the one writer of CSV, XLSX and GeoJSON for every export of the platform.

Every cell goes through :func:`cell_value`, which *neutralises formulas*: a text that a
spreadsheet would run when the file is opened (it begins with ``= + - @``, a tab, a carriage
return or a line feed, once characters a spreadsheet cannot hold are removed) gets a leading
apostrophe, so ``=HYPERLINK(...)`` typed by a visitor comes out as inert text. Large exports
stream: :class:`Table` reads its rows lazily, and :func:`table_export` writes them chunk by
chunk into an :class:`ExportFile` that :func:`export_response` sends as a download.

Small tables (a profile, a report) use :func:`csv_text`; files written on disk (import reports,
the audit log) use :func:`csv_writer`. Nothing else in the platform calls ``csv.writer``.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

FORMATS = ("csv", "xlsx", "geojson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
FILE_CHUNK_BYTES = 64 * 1024
# Text a spreadsheet would run as a formula when the cell is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Control characters no spreadsheet cell may hold (XML 1.0 forbids them; openpyxl refuses them).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ExportError(ValueError):
    """An export that cannot be made (unknown format, or not offered publicly)."""


class ExportFile(NamedTuple):
    filename: str
    content_type: str
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class Table:
    """What an export reads: the columns, the rows, and where each row is on a map."""

    name: str
    columns: list[str]
    rows: Callable[[], Iterator[dict[str, Any]]]
    # The names of the latitude and longitude columns, for GeoJSON.
    point: tuple[str, str] | None = None
    # The column holding each row's GeoJSON geometry (a footprint), drawn instead of the point
    # where a row has one; GeoJSON only.
    shape: str | None = None


def neutralise(text: str) -> str:
    """``text`` without control characters, and inert if a spreadsheet would run it."""
    text = CONTROL_CHARACTERS.sub("", text)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _joined(values: Iterable[Any]) -> str:
    return ";".join(str(value) for value in values)


def cell_value(value: Any) -> Any:
    """A cell value for CSV and XLSX: lists joined, JSON as text, formulas defused."""
    if isinstance(value, list | tuple):
        if any(isinstance(item, dict) for item in value):
            return neutralise(json.dumps(value, ensure_ascii=False))
        return neutralise(_joined(value))
    if isinstance(value, dict):
        return neutralise(json.dumps(value, ensure_ascii=False))
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return value


def _csv_cell(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


class _SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`cell_value`."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([_csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(handle: IO[str], **options: Any) -> _SafeWriter:
    """A CSV writer on an open text file; options as for ``csv.writer``."""
    return _SafeWriter(handle, **options)


def csv_text(rows: Iterable[Iterable[Any]], **options: Any) -> str:
    """Small tables (a header row first) as CSV text, formulas neutralised."""
    buffer = io.StringIO()
    csv_writer(buffer, **options).writerows(rows)
    return buffer.getvalue()


def csv_chunks(table: Table) -> Iterator[bytes]:
    """CSV in UTF-8 with a byte order mark (so spreadsheets read accents right)."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.columns)
    for number, row in enumerate(table.rows(), start=1):
        writer.writerow([row.get(column) for column in table.columns])
        if number % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """One sheet written by openpyxl in write-only mode into a temporary file, then streamed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    sheet.append(table.columns)
    for row in table.rows():
        values = []
        for column in table.columns:
            value = cell_value(row.get(column))
            if isinstance(value, datetime.datetime) and value.tzinfo is not None:
                value = value.replace(tzinfo=None)
            values.append(value)
        sheet.append(values)
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="casm-export-")
    os.close(handle)
    try:
        workbook.save(path)
        with open(path, "rb") as file:
            while chunk := file.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def geojson_chunks(table: Table) -> Iterator[bytes]:
    """A FeatureCollection, one feature per row (its shape, else its point), written feature
    by feature."""
    if table.point is None and table.shape is None:
        raise ExportError(_("This export has no locations, so no GeoJSON."))
    latitude, longitude = table.point or ("", "")
    shape = table.shape
    yield b'{"type": "FeatureCollection", "features": ['
    separator = b""
    batch: list[bytes] = []
    for row in table.rows():
        geometry = row.get(shape) if shape else None
        if geometry is None:
            geometry = {"type": "Point", "coordinates": [row[longitude], row[latitude]]}
            hidden: tuple[str | None, ...] = (latitude, longitude, shape)
        else:
            hidden = (shape,)  # the point stays, as properties
        feature = {
            "type": "Feature",
            "geometry": geometry,
            "properties": {k: v for k, v in row.items() if k not in hidden},
        }
        batch.append(separator + json.dumps(feature, default=_json_default).encode("utf-8"))
        separator = b",\n"
        if len(batch) >= 500:
            yield b"".join(batch)
            batch = []
    batch.append(b"]}\n")
    yield b"".join(batch)


WRITERS: dict[str, Callable[[Table], Iterator[bytes]]] = {
    "csv": csv_chunks,
    "xlsx": xlsx_chunks,
    "geojson": geojson_chunks,
}


def table_export(table: Table, fmt: str) -> ExportFile:
    """``table`` written as ``fmt``; nothing is read until the chunks are iterated."""
    if fmt not in WRITERS:
        raise ExportError(
            _("Unknown format %(format)s: choose csv, xlsx or geojson.") % {"format": fmt}
        )
    if fmt == "geojson" and table.point is None and table.shape is None:
        raise ExportError(_("This export has no locations, so no GeoJSON."))
    if table.shape is not None and fmt != "geojson":
        raise ExportError(_("Shapes are exported as GeoJSON only."))
    stamp = datetime.date.today().isoformat()
    return ExportFile(f"casm-{table.name}-{stamp}.{fmt}", CONTENT_TYPES[fmt], WRITERS[fmt](table))


def export_response(export: ExportFile, *, attachment: bool = True) -> StreamingHttpResponse:
    """A streaming download of ``export``."""
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
