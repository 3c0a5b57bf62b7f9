"""Backup and restore: the database and the uploaded files in one .tar.gz archive.

SQLite is copied with its online backup API and PostgreSQL with pg_dump, so a backup is
consistent while the site runs. The uploaded files are taken to match that snapshot: every
file a row of the snapshot names, and the other files only when they are older than the
snapshot (a file uploaded during the backup belongs to a row the snapshot does not hold, and
would come back without it). On PostgreSQL the files named are read in the very snapshot
pg_dump dumps (``pg_export_snapshot``). A file a row names but the folder lacks is listed in
the manifest (``media_missing``) and said by ``casm backup``.

A restore checks the whole archive before it touches anything, and swaps the old data out only
once the new data is in place. The secret key is not in the archive (whoever holds a backup
would hold it): restore with the same ``CASM_SECRET_KEY`` to keep sessions, password-reset
links and resumption tokens valid (docs/deploy.md).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections, models

FORMAT = "casm-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in one line."""


def _vendor() -> str:
    return connection.vendor


def _postgres_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or ""
    netloc = (auth + "@" if auth else "") + (quote(host, safe="") if host.startswith("/") else host)
    if db.get("PORT"):
        netloc += f":{db['PORT']}"
    return f"postgresql://{netloc}/{quote(db['NAME'], safe='')}"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise BackupError(f"{name} is not installed (Debian package postgresql-client)")


def _file_columns() -> list[tuple[str, str]]:
    """(table, column) of every file field of every model."""
    from django.apps import apps

    return [
        (model._meta.db_table, str(field.column))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _named_files(cursor: object) -> set[str]:
    """The file names the database's rows hold, read through ``cursor`` (DB-API)."""
    quote = connection.ops.quote_name
    names: set[str] = set()
    for table, column in _file_columns():
        cursor.execute(  # type: ignore[attr-defined]
            f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} <> ''"  # noqa: S608 (names from the models)
        )
        names.update(str(row[0]) for row in cursor.fetchall())  # type: ignore[attr-defined]
    return names


def media_members(root: Path, named: Iterable[str], started: float) -> tuple[list[str], list[str]]:
    """The files under ``root`` that belong with a snapshot taken at ``started`` (a
    ``time.time()``): those its rows name, and the others older than it. Also the names its
    rows hold that the folder lacks. Paths are relative, with ``/``."""
    named = set(named)
    present: list[str] = []
    if root.is_dir():
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                relative = path.relative_to(root).as_posix()
                try:
                    older = path.stat().st_mtime < started
                except FileNotFoundError:  # deleted while we walk
                    continue
                if relative in named or older:
                    present.append(relative)
    missing = sorted(named - set(present))
    return sorted(present), missing


def backup_write(destination: Path) -> dict:
    """Write a consistent snapshot of the database and the uploaded files to ``destination``."""
    destination = Path(destination)
    if destination.exists() and destination.is_dir():
        raise BackupError(f"{destination} is a folder; give a file name such as casm.tar.gz")
    vendor = _vendor()
    from django.db.migrations.recorder import MigrationRecorder

    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": vendor,
        "migrations": len(MigrationRecorder(connection).applied_migrations()),
    }
    with tempfile.TemporaryDirectory(dir=destination.parent) as work:
        work_dir = Path(work)
        # A second earlier than the snapshot: a file system's times may be coarse.
        started = time.time() - 1
        if vendor == "sqlite":
            member = SQLITE_MEMBER
            named = _sqlite_snapshot(work_dir / member)
        elif vendor == "postgresql":
            member = POSTGRES_MEMBER
            named = _postgres_snapshot(work_dir / member)
        else:
            raise BackupError(f"backups of {vendor} databases are not supported")
        media = Path(settings.MEDIA_ROOT)
        files, missing = media_members(media, named, started)
        manifest["database_file"] = member
        manifest["media_files"] = len(files)
        manifest["media_missing"] = missing
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=1))
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / MANIFEST, arcname=MANIFEST)
            archive.add(work_dir / member, arcname=member)
            if media.is_dir():
                archive.add(media, arcname="media", recursive=False)
            for relative in files:
                try:
                    archive.add(media / relative, arcname=f"media/{relative}")
                except FileNotFoundError:  # deleted since: its row is gone from the site too
                    continue
        os.replace(partial, destination)
    return manifest


def _sqlite_snapshot(target_file: Path) -> set[str]:
    """Copy the database with SQLite's online backup; the file names of the copy."""
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    target = sqlite3.connect(target_file)
    try:
        source.backup(target)
        return _named_files(target.cursor())
    finally:
        target.close()
        source.close()


def _postgres_snapshot(target_file: Path) -> set[str]:
    """pg_dump the database in a snapshot exported by a transaction of our own, and read the
    file names in that same snapshot."""
    import psycopg

    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            result = subprocess.run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target_file}",
                    f"--dbname={_postgres_url()}",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
            return _named_files(cursor)
    finally:
        raw.close()


# What reading a cut or corrupted .tar.gz raises, from tarfile, gzip and zlib.
DAMAGED = (tarfile.TarError, OSError, EOFError, zlib.error)


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        handle = archive.extractfile(MANIFEST)
        raw = handle.read(1_000_000) if handle is not None else None
    except KeyError:
        raise BackupError(f"{path} is not a CASM backup (it has no {MANIFEST})") from None
    except DAMAGED as exc:
        raise BackupError(f"{path} is damaged (cut short or corrupted): {exc}") from None
    if raw is None:
        raise BackupError(f"{path} is not a CASM backup ({MANIFEST} is not a file)")
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path}: {MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a CASM backup")
    if manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path}: backup format {manifest.get('version')} is not supported")
    return manifest


def _installation_is_empty() -> bool:
    from casm.accounts.models import User

    try:
        return not User.objects.exists()
    except Exception:
        # No tables yet: as empty as it gets.
        return True


def restore_read(source: Path, *, force: bool = False) -> dict:
    """Restore ``source`` into this installation; on any error, leave everything as it was."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 (closed by the with below)
    except DAMAGED as exc:
        raise BackupError(f"{source} is not a CASM backup (not a .tar.gz archive: {exc})") from None
    with archive:
        manifest = _read_manifest(archive, source)
        vendor = _vendor()
        if manifest.get("database") != vendor:
            raise BackupError(
                f"{source} holds a {manifest.get('database')} database; "
                f"this installation uses {vendor}"
            )
        if not force and not _installation_is_empty():
            raise BackupError(
                "this installation already holds data; restore into an empty one "
                "(or pass --force to replace everything)"
            )
        media_root = Path(settings.MEDIA_ROOT)
        media_root.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".restore-") as work:
            work_dir = Path(work)
            try:
                archive.extractall(work_dir, filter="data")
                # Read the compressed stream to its end: its length and checksum (gzip's
                # trailer) then prove the archive whole, whatever database it holds.
                stream = archive.fileobj
                while stream is not None and stream.read(1024 * 1024):
                    pass
            except DAMAGED as exc:
                raise BackupError(f"{source} is damaged (cut short or corrupted): {exc}") from None
            database_file = work_dir / str(manifest.get("database_file", ""))
            if not database_file.is_file():
                raise BackupError(f"{source} is damaged: the database file is missing")
            if vendor == "sqlite":
                _restore_sqlite(database_file, source)
            else:
                _restore_postgres(database_file)
            new_media = work_dir / "media"
            if new_media.is_dir():
                old_media = work_dir / "old-media"
                if media_root.exists():
                    os.replace(media_root, old_media)
                os.replace(new_media, media_root)
    return manifest


def _restore_sqlite(database_file: Path, source: Path) -> None:
    try:
        check = sqlite3.connect(database_file)
        try:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
            check.execute("SELECT count(*) FROM django_migrations").fetchone()
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is damaged: the database cannot be read ({exc})") from None
    if verdict != "ok":
        raise BackupError(f"{source} is damaged: the database fails its integrity check")
    target = Path(settings.DATABASES["default"]["NAME"])
    # Copy beside the target first, so that the final step is one atomic rename.
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(database_file, staged)
    connections.close_all()
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staged, target)


def _restore_postgres(database_file: Path) -> None:
    connections.close_all()
    result = subprocess.run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_postgres_url()}",
            str(database_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise BackupError(f"pg_restore failed, nothing was changed: {last}")
