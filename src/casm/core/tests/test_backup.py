import os
import shutil
import tarfile
import time

import pytest
from django.db import connection

from conftest import run_casm

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite round trip; PostgreSQL has its own test"
)


def casm(tmp_path, name, *args):
    return run_casm(*args, env={"CASM_VAR_DIR": str(tmp_path / name)})


@pytest.fixture(scope="module")
def demo_installation(migrated_installation, tmp_path_factory):
    """An installation holding the demo, built once for the module (it takes most of a minute).

    Each test works on its own copy.
    """
    folder = tmp_path_factory.mktemp("demo") / "var"
    shutil.copytree(migrated_installation, folder)
    built = run_casm("demo", env={"CASM_VAR_DIR": str(folder)})
    assert built.returncode == 0, built.stderr
    return folder


def test_backup_and_restore_round_trip(tmp_path, demo_installation, installation_copy):
    shutil.copytree(demo_installation, tmp_path / "a")
    media = tmp_path / "a" / "media"
    (media / "jobs").mkdir(parents=True)
    (media / "jobs" / "report.csv").write_text("uploaded,file\n")
    earlier = time.time() - 3600  # there well before the backup, whatever the clock's grain
    os.utime(media / "jobs" / "report.csv", (earlier, earlier))
    # Files as a backup finds them while the site runs: a document's file touched after the
    # snapshot (its row is in it), a file uploaded after the snapshot (its row is not), and a
    # document whose file has gone.
    documents = sorted((media / "library").rglob("*.*"))
    touched, gone = documents[0], documents[1]
    later = time.time() + 3600
    os.utime(touched, (later, later))
    (media / "library" / "late.pdf").write_bytes(b"%PDF-1.4 uploaded during the backup")
    os.utime(media / "library" / "late.pdf", (later, later))
    gone.unlink()
    archive = tmp_path / "backup.tar.gz"
    made = casm(tmp_path, "a", "backup", str(archive))
    assert made.returncode == 0, made.stderr
    gone_name = gone.relative_to(media).as_posix()
    assert f"a record names {gone_name}, which is not in the media folder" in made.stderr
    with tarfile.open(archive) as opened:
        members = set(opened.getnames())
    assert f"media/{touched.relative_to(media).as_posix()}" in members
    assert "media/library/late.pdf" not in members
    installation_copy(tmp_path / "b")
    restored = casm(tmp_path, "b", "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    count = casm(
        tmp_path,
        "b",
        "shell",
        "-c",
        "from casm.accounts.models import Organisation; print(Organisation.objects.count())",
    )
    assert int(count.stdout.strip().splitlines()[-1]) > 20
    assert (tmp_path / "b" / "media" / "jobs" / "report.csv").read_text() == "uploaded,file\n"
    again = casm(tmp_path, "b", "restore", str(archive))
    assert again.returncode != 0
    assert "already holds data" in again.stderr


@pytest.mark.parametrize("kind", ["corrupt", "foreign", "truncated"])
def test_a_bad_archive_leaves_the_installation_as_it_was(tmp_path, demo_installation, kind):
    shutil.copytree(demo_installation, tmp_path / "a")
    database = tmp_path / "a" / "casm.db"
    bad = tmp_path / "bad.tar.gz"
    if kind == "corrupt":
        bad.write_bytes(b"\x1f\x8b this is not really gzip")
    elif kind == "foreign":
        other = tmp_path / "notes.txt"
        other.write_text("holiday photos")
        with tarfile.open(bad, "w:gz") as archive:
            archive.add(other, arcname="notes.txt")
    else:
        assert casm(tmp_path, "a", "backup", str(tmp_path / "good.tar.gz")).returncode == 0
        bad.write_bytes((tmp_path / "good.tar.gz").read_bytes()[:2000])
    before = database.read_bytes()
    result = casm(tmp_path, "a", "restore", "--force", str(bad))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert database.read_bytes() == before
