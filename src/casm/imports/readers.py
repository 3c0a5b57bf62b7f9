"""Readers of census files: they turn a file into records, whatever its format.

A record is one submission (a row of the main sheet, or a GeoJSON feature): its sheet and row
number (as a person sees them in a spreadsheet, header = row 1), its values keyed by column name,
and the rows of its repeat groups (KoBoToolbox XLSX sheets, ODK Central CSVs in a zip).

Readers stream: a CSV or an XLSX sheet is read row by row, so a file of several GB never sits in
memory. Only repeat sheets (small: a few rows per submission) and GeoJSON are read whole. Anything
wrong with the file itself raises :class:`ImportFileError` with a message for a person.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from casm.core import messages
from casm.core.messages import Message
from casm.lib.text import sniff_encoding

# Archive limits (an XLSX is a zip too); the settings may lower or raise them.
MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
MAX_COMPRESSION_RATIO = 200
# GeoJSON is parsed whole: bigger files should be CSV.
MAX_GEOJSON_BYTES = 200 * 1024**2
CSV_SEPARATORS = (",", ";", "\t", "|")
# Keys of a submission, in order of preference: KoBoToolbox, ODK Central, plain files.
KEY_COLUMNS = ("_uuid", "KEY", "meta/instanceID", "meta-instanceID", "instanceID", "submission_id")


class ImportFileError(Exception):
    """The file cannot be read at all: the message says why, for a person."""

    @property
    def message(self) -> Message:
        return messages.plain(self.args[0] if self.args else "")


class Record:
    """One submission. ``values`` maps column to value; readers of tables give the row's cells
    and the header instead, and the importer reads them column by column (much faster)."""

    __slots__ = ("sheet", "row", "cells", "header", "_values", "repeats", "geometry_problem")

    def __init__(
        self,
        sheet: str,
        row: int,
        values: dict[str, Any] | None = None,
        *,
        cells: list[Any] | None = None,
        header: list[str] | None = None,
        repeats: dict[str, list[dict[str, Any]]] | None = None,
        geometry_problem: Message | None = None,
    ) -> None:
        self.sheet = sheet
        self.row = row
        self._values = values
        self.cells = cells
        self.header = header
        self.repeats = repeats or {}
        # For GeoJSON: a message when the geometry is not a usable point.
        self.geometry_problem = geometry_problem

    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = dict(zip(self.header or [], self.cells or [], strict=False))
        return self._values


@dataclass
class Source:
    """An opened file: its format, the columns of its main sheet and its records."""

    name: str
    kind: str
    columns: list[str]
    records: Iterator[Record]
    size: int
    position: Any = None  # a callable giving how many bytes have been read, for progress


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, so progress can be told on a stream."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.handle.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


def check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs before extracting anything: total size and compression ratio."""
    limit = _limit("IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES)
    ratio_limit = _limit("IMPORT_MAX_COMPRESSION_RATIO", MAX_COMPRESSION_RATIO)
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > 1024**2 and info.file_size > ratio_limit * max(info.compress_size, 1):
            raise ImportFileError(
                Message(
                    "imports.zip_bomb",
                    file=path.name,
                    member=info.filename,
                    ratio=info.file_size // max(info.compress_size, 1),
                    limit=ratio_limit,
                )
            )
    if total > limit:
        raise ImportFileError(
            Message(
                "imports.zip_too_big", file=path.name, size=total // 1024**2, limit=limit // 1024**2
            )
        )


# --- CSV -------------------------------------------------------------------------------------


def _sniff_separator(header_line: str) -> str:
    counts = {separator: header_line.count(separator) for separator in CSV_SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _csv_rows(
    name: str, handle: IO[bytes], sheet: str
) -> tuple[list[str], Iterator[tuple[int, list[str]]], _CountingReader]:
    sample = handle.read(64 * 1024)
    handle.seek(0)
    if not sample.strip(
        codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE + b" \r\n\t\x00"
    ):
        raise ImportFileError(Message("imports.file_empty", file=name))
    encoding = sniff_encoding(sample)
    counting = _CountingReader(handle)
    text = io.TextIOWrapper(io.BufferedReader(counting, 1024 * 1024), encoding=encoding, newline="")
    first_line = sample.decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    reader = csv.reader(text, delimiter=_sniff_separator(first_line))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFileError(Message("imports.no_header", file=name)) from exc
    header = [column.strip().lstrip("\ufeff") for column in header]

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for number, row in enumerate(reader, start=2):  # noqa: B007 (used after the loop)
                yield number, row
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                Message("imports.encoding", file=name, row=number, encoding=encoding)
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(
                Message("imports.csv_row_error", file=name, row=number + 1, error=exc)
            ) from exc

    return header, rows(), counting


def _records_from_rows(
    header: list[str],
    rows: Iterator[tuple[int, list[str]]],
    sheet: str,
    repeats: dict[str, dict[str, list[dict[str, Any]]]],
    link_column: str,
) -> Iterator[Record]:
    width = len(header)
    link_index = header.index(link_column) if link_column in header else None
    for number, row in rows:
        if not any(row):
            continue  # blank line (CSV cells are "" and XLSX empty cells too)
        if len(row) != width:
            row = (row + [""] * (width - len(row)))[:width]
        record = Record(sheet, number, cells=row, header=header)
        if repeats and link_index is not None:
            link = str(row[link_index]).strip()
            record.repeats = {
                group: items[link] for group, items in repeats.items() if link in items
            }
        yield record


def open_csv(path: Path) -> Source:
    handle = path.open("rb")
    header, rows, counting = _csv_rows(path.name, handle, path.name)
    return Source(
        name=path.name,
        kind="csv",
        columns=header,
        records=_records_from_rows(header, rows, path.name, {}, ""),
        size=path.stat().st_size,
        position=lambda: counting.count,
    )


# --- ODK Central: a zip of CSVs, repeats linked by PARENT_KEY --------------------------------


def open_odk_zip(path: Path) -> Source:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportFileError(Message("imports.zip_invalid", file=path.name)) from exc
    check_archive(path, archive)
    names = sorted(name for name in archive.namelist() if name.lower().endswith(".csv"))
    if not names:
        raise ImportFileError(Message("imports.zip_no_csv", file=path.name))
    # The main CSV is the one whose name is the shortest (ODK names repeats form-group.csv).
    main = min(names, key=len)
    repeats: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in names:
        if name == main:
            continue
        group = Path(name).stem.rsplit("-", 1)[-1]
        with archive.open(name) as member:
            header, rows, _counting = _csv_rows(name, io.BytesIO(member.read()), name)
        items = repeats.setdefault(group, {})
        for _number, row in rows:
            values = dict(zip(header, row, strict=False))
            items.setdefault(values.get("PARENT_KEY", "").strip(), []).append(values)
    member = archive.open(main)
    header, rows, counting = _csv_rows(main, member, main)  # type: ignore[arg-type]
    return Source(
        name=path.name,
        kind="odk-zip",
        columns=header,
        records=_records_from_rows(header, rows, main, repeats, "KEY"),
        size=archive.getinfo(main).file_size,
        position=lambda: counting.count,
    )


# --- XLSX: KoBoToolbox exports, repeat groups on their own sheets ----------------------------


def _sheet_has_formulas(archive: zipfile.ZipFile, member: str) -> bool:
    with archive.open(member) as handle:
        tail = b""
        while chunk := handle.read(1024 * 1024):
            if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                return True
            tail = chunk[-4:]
    return False


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return value  # text, dates and datetimes are parsed later


def _xlsx_sheet_rows(
    path: Path, workbook: Any, values_workbook: Any, sheet_name: str
) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    sheet = workbook[sheet_name]
    rows = sheet.iter_rows(values_only=False)
    cached = values_workbook[sheet_name].iter_rows(values_only=True) if values_workbook else None
    try:
        header_cells = next(rows)
        if cached is not None:
            next(cached)
    except StopIteration as exc:
        raise ImportFileError(
            Message("imports.sheet_empty", file=path.name, sheet=sheet_name)
        ) from exc
    header = [str(cell.value).strip() if cell.value is not None else "" for cell in header_cells]

    def generate() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(rows, start=2):
            saved = next(cached) if cached is not None else None
            row = []
            for index, cell in enumerate(cells):
                value = cell.value
                if getattr(cell, "data_type", "") == "f":
                    value = saved[index] if saved is not None and index < len(saved) else None
                    if value is None:
                        letter = getattr(cell, "column_letter", str(index + 1))
                        raise ImportFileError(
                            Message(
                                "imports.formula_without_value",
                                file=path.name,
                                sheet=sheet_name,
                                cell=f"{letter}{number}",
                            )
                        )
                row.append(_cell(value))
            yield number, row

    return header, generate()


def open_xlsx(path: Path) -> Source:
    import openpyxl

    if path.suffix.lower() in {".xlsm", ".xltm", ".xlsb", ".xls"}:
        raise ImportFileError(Message("imports.xls_refused", file=path.name, suffix=path.suffix))
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ImportFileError(Message("imports.xlsx_invalid", file=path.name)) from exc
    check_archive(path, archive)
    members = archive.namelist()
    if any(name.lower().endswith("vbaproject.bin") for name in members):
        raise ImportFileError(Message("imports.xlsx_macros", file=path.name))
    formulas = any(
        _sheet_has_formulas(archive, name)
        for name in members
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
    )
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
        values_workbook = (
            openpyxl.load_workbook(path, read_only=True, data_only=True) if formulas else None
        )
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise ImportFileError(
            Message("imports.xlsx_unreadable", file=path.name, error=exc)
        ) from exc
    sheet_names = workbook.sheetnames
    main = sheet_names[0]
    repeats: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for name in sheet_names[1:]:
        header, rows = _xlsx_sheet_rows(path, workbook, values_workbook, name)
        link = "_parent_index" if "_parent_index" in header else "PARENT_KEY"
        if link not in header:
            continue  # a sheet of notes or choices, not a repeat group
        items = repeats.setdefault(name, {})
        for _number, row in rows:
            values = dict(zip(header, row, strict=False))
            items.setdefault(str(values.get(link, "")).strip(), []).append(values)
    header, rows = _xlsx_sheet_rows(path, workbook, values_workbook, main)
    counter = {"rows": 0}
    total_rows = workbook[main].max_row or 0

    def counted() -> Iterator[tuple[int, list[Any]]]:
        for number, row in rows:
            counter["rows"] = number
            yield number, row

    link_column = "_index" if "_index" in header else "KEY"
    return Source(
        name=path.name,
        kind="xlsx",
        columns=header,
        records=_records_from_rows(header, counted(), main, repeats, link_column),
        size=max(total_rows, 1),
        position=lambda: counter["rows"],
    )


# --- GeoJSON ---------------------------------------------------------------------------------


def _geometry_point(geometry: Any) -> tuple[float | None, float | None, Any, Message | None]:
    """(latitude, longitude, footprint, problem) of a feature's geometry."""
    from shapely.geometry import shape

    if not geometry:
        return None, None, None, Message("imports.geometry_missing")
    try:
        shaped = shape(geometry)
    except Exception as exc:  # shapely raises several kinds on malformed coordinates
        return None, None, None, Message("imports.geometry_unreadable", error=exc)
    if shaped.is_empty:
        return None, None, None, Message("imports.geometry_empty")
    if not shaped.is_valid:
        # Said as the geometry layer says it (where the outline crosses itself), never in the
        # library's words.
        from casm.core.geometry import problem_message
        from casm.lib.geometry import geometry_check

        _shape, problems, _repaired = geometry_check(shaped, polygonal=False)
        if problems:
            return None, None, None, problem_message(problems[0])
        return None, None, None, Message("geometry.invalid")
    if shaped.geom_type == "Point":
        return shaped.y, shaped.x, None, None
    if shaped.geom_type in {"Polygon", "MultiPolygon"}:
        point = shaped.representative_point()
        return point.y, point.x, geometry, None
    return (
        None,
        None,
        None,
        Message("imports.geometry_kind", kind=shaped.geom_type),
    )


def open_geojson(path: Path) -> Source:
    size = path.stat().st_size
    if size == 0:
        raise ImportFileError(Message("imports.file_empty", file=path.name))
    if size > _limit("IMPORT_MAX_GEOJSON_BYTES", MAX_GEOJSON_BYTES):
        raise ImportFileError(
            Message("imports.geojson_too_big", file=path.name, size=size // 1024**2)
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportFileError(
            Message("imports.geojson_invalid", file=path.name, error=exc)
        ) from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, dict) and isinstance(data.get("features"), list):
        features = data["features"]
    else:
        raise ImportFileError(Message("imports.geojson_not_collection", file=path.name))
    columns: list[str] = []
    for feature in features:
        for key in (feature.get("properties") or {}) if isinstance(feature, dict) else {}:
            if key not in columns:
                columns.append(key)
    counter = {"done": 0}

    def records() -> Iterator[Record]:
        for number, feature in enumerate(features, start=1):
            counter["done"] = number
            if not isinstance(feature, dict):
                yield Record(
                    path.name, number, {}, geometry_problem=Message("imports.geojson_not_feature")
                )
                continue
            properties = dict(feature.get("properties") or {})
            latitude, longitude, footprint, problem = _geometry_point(feature.get("geometry"))
            values = {key: "" if value is None else value for key, value in properties.items()}
            # The raw feature, for a deterministic submission ID when it has none.
            values["_feature_key"] = json.dumps(
                [properties, (feature.get("geometry") or {}).get("coordinates")],
                sort_keys=True,
                ensure_ascii=False,
                default=str,
            )
            values["_latitude"], values["_longitude"] = latitude, longitude
            values["_footprint"] = footprint
            yield Record(path.name, number, values, geometry_problem=problem)

    return Source(
        name=path.name,
        kind="geojson",
        columns=columns,
        records=records(),
        size=len(features),
        position=lambda: counter["done"],
    )


def open_census_file(path: Path) -> Source:
    """Open a census file by its name's ending: .csv, .xlsx, .zip (ODK Central), .geojson."""
    if not path.exists():
        raise ImportFileError(Message("imports.file_missing", file=path))
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        return open_csv(path)
    if suffix in {".xlsx", ".xlsm", ".xltm", ".xlsb", ".xls"}:
        return open_xlsx(path)
    if suffix == ".zip":
        return open_odk_zip(path)
    if suffix in {".geojson", ".json"}:
        return open_geojson(path)
    raise ImportFileError(Message("imports.file_kind_unknown", file=path.name))
