"""The backup round trip on PostgreSQL (pg_dump and pg_restore), in databases of its own."""

import uuid

import pytest
from django.db import connection

from conftest import run_casm

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL round trip; SQLite has its own test"
)


def casm(tmp_path, database_url, *args):
    env = {"CASM_VAR_DIR": str(tmp_path / "var"), "CASM_DATABASE_URL": database_url}
    return run_casm(*args, env=env)


@pytest.fixture
def scratch_databases(db):
    """Two empty databases beside the test database, dropped afterwards."""
    import psycopg

    settings = connection.settings_dict
    names = [f"casm_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    dsn = dict(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**dsn) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    base = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/"
    yield [base + name for name in names]
    with psycopg.connect(**dsn) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_and_restore_round_trip_on_postgresql(tmp_path, scratch_databases):
    source, target = scratch_databases
    assert casm(tmp_path, source, "migrate", "--noinput").returncode == 0
    assert casm(tmp_path, source, "demo").returncode == 0
    archive = tmp_path / "backup.tar.gz"
    made = casm(tmp_path, source, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    restored = casm(tmp_path, target, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    count = casm(
        tmp_path,
        target,
        "shell",
        "-c",
        "from casm.accounts.models import Organisation; print(Organisation.objects.count())",
    )
    assert int(count.stdout.strip().splitlines()[-1]) > 20
    refused = casm(tmp_path, target, "restore", str(archive))
    assert refused.returncode != 0
    assert "already holds data" in refused.stderr
