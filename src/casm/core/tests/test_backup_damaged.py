"""A backup archive cut short or corrupted says it is damaged, wherever the damage lies."""

import io
import json
import os
import tarfile

import pytest

from casm.core.backup import FORMAT, FORMAT_VERSION, MANIFEST, BackupError, _vendor, restore_read

pytestmark = pytest.mark.django_db


def _archive(path):
    """A small archive as `casm backup` writes it: the manifest first, then the data."""
    manifest = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "database": _vendor(),
                           "database_file": "database.bin"}).encode()  # fmt: skip
    data = os.urandom(300_000)  # does not compress: the cut falls inside it
    with tarfile.open(path, "w:gz") as archive:
        for name, content in ((MANIFEST, manifest), ("database.bin", data)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path.read_bytes()


@pytest.mark.parametrize("keep", [60, 400, 150_000, -20])
def test_a_cut_archive_is_said_damaged(tmp_path, keep):
    whole = _archive(tmp_path / "good.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[:keep])
    with pytest.raises(BackupError, match="damaged|not a CASM backup"):
        restore_read(cut, force=True)


def test_a_corrupted_middle_is_said_damaged(tmp_path):
    whole = bytearray(_archive(tmp_path / "good.tar.gz"))
    whole[len(whole) // 2 : len(whole) // 2 + 64] = b"\0" * 64
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(bytes(whole))
    with pytest.raises(BackupError, match="damaged"):
        restore_read(bad, force=True)
