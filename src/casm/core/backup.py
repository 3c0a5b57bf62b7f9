"""Backup and restore: the database and the uploaded files in one .tar.gz archive.

SQLite is copied with its online backup API and PostgreSQL with pg_dump, so a backup is
consistent while the site runs. A restore checks the whole archive before it touches anything,
and swaps the old data out only once the new data is in place.
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
import zlib
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection, connections

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
        if vendor == "sqlite":
            member = SQLITE_MEMBER
            source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
            target = sqlite3.connect(work_dir / member)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        elif vendor == "postgresql":
            member = POSTGRES_MEMBER
            result = subprocess.run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--file={work_dir / member}",
                    f"--dbname={_postgres_url()}",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")
        else:
            raise BackupError(f"backups of {vendor} databases are not supported")
        manifest["database_file"] = member
        (work_dir / MANIFEST).write_text(json.dumps(manifest, indent=1))
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work_dir / MANIFEST, arcname=MANIFEST)
            archive.add(work_dir / member, arcname=member)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname="media")
        os.replace(partial, destination)
    return manifest


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
