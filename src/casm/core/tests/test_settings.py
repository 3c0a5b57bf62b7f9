from pathlib import Path

import pytest

from casm.lib.env import EnvError, env_bool, env_int, parse_database_url, parse_email_url
from conftest import run_casm


def test_it_reads_booleans_and_names_the_variable_when_wrong():
    assert env_bool("CASM_DEBUG", False, {"CASM_DEBUG": "yes"}) is True
    assert env_bool("CASM_DEBUG", True, {"CASM_DEBUG": "0"}) is False
    with pytest.raises(EnvError, match="CASM_DEBUG: expected true or false"):
        env_bool("CASM_DEBUG", False, {"CASM_DEBUG": "maybe"})


def test_it_checks_whole_numbers_and_their_range():
    assert env_int("N", 3, {"N": " 7 "}) == 7
    with pytest.raises(EnvError, match="N: expected a whole number, got 'seven'"):
        env_int("N", 3, {"N": "seven"})
    with pytest.raises(EnvError, match="N: must be at least 1"):
        env_int("N", 3, {"N": "0"}, minimum=1)


def test_it_reads_database_urls():
    sqlite = parse_database_url("X", "sqlite:////srv/casm.db")
    assert sqlite["ENGINE"] == "django.db.backends.sqlite3"
    assert sqlite["NAME"] == "/srv/casm.db"
    pg = parse_database_url("X", "postgres://casm:s3cret@db.internal:5433/casm")
    assert (pg["ENGINE"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "django.db.backends.postgresql",
        "db.internal",
        5433,
        "casm",
    )
    with pytest.raises(EnvError, match="unknown database scheme 'mysql'"):
        parse_database_url("X", "mysql://u@h/db")
    with pytest.raises(EnvError, match="names no database"):
        parse_database_url("X", "postgres://u@h")


def test_it_reads_email_urls():
    assert parse_email_url("E", "console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = parse_email_url("E", "smtp://user:p%40ss@mail.example.org:587?tls=1")
    assert smtp["EMAIL_HOST"] == "mail.example.org"
    assert smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_HOST_PASSWORD"] == "p@ss"
    assert smtp["EMAIL_USE_TLS"] is True
    with pytest.raises(EnvError, match="unknown e-mail scheme 'pigeon'"):
        parse_email_url("E", "pigeon://coop")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CASM_DEBUG": "maybe"}, "casm: CASM_DEBUG: expected true or false"),
        (
            {"CASM_DATABASE_URL": "mysql://root@localhost/casm"},
            "casm: CASM_DATABASE_URL: unknown database scheme 'mysql'",
        ),
        ({"CASM_TIME_ZONE": "Mars/Olympus"}, "casm: CASM_TIME_ZONE: unknown time zone"),
        ({"CASM_SECRET_KEY": "short"}, "casm: CASM_SECRET_KEY: must be at least 32 characters"),
        ({"CASM_EMAIL_URL": "smtp://"}, "casm: CASM_EMAIL_URL: an smtp:// URL needs a host"),
    ],
)
def test_it_stops_with_one_line_on_a_bad_setting(tmp_path, env, message):
    result = run_casm("check", env={"CASM_VAR_DIR": str(tmp_path), **env})
    assert result.returncode == 2
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_it_stops_with_one_line_when_var_cannot_be_made(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_casm("check", env={"CASM_VAR_DIR": str(blocker / "var")})
    assert result.returncode == 2
    assert result.stderr.startswith("casm: CASM_VAR_DIR: cannot create")
    assert "Traceback" not in result.stderr


def test_it_stops_with_one_line_when_postgresql_is_unreachable(tmp_path):
    result = run_casm(
        "migrate",
        env={
            "CASM_VAR_DIR": str(tmp_path),
            "CASM_DATABASE_URL": "postgres://casm@127.0.0.1:9/casm",
            "CASM_DATABASE_CONNECT_TIMEOUT": "2",
        },
    )
    assert result.returncode == 2
    assert result.stderr.startswith("casm: database (postgresql) error:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_it_keeps_a_generated_secret_key_private(tmp_path):
    result = run_casm("check", env={"CASM_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    key_file = Path(tmp_path) / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    first = key_file.read_text()
    run_casm("check", env={"CASM_VAR_DIR": str(tmp_path)})
    assert key_file.read_text() == first


def test_it_lists_its_commands():
    result = run_casm("--help", env={})
    assert result.returncode == 0
    for command in [
        "run",
        "migrate",
        "demo",
        "createadmin",
        "worker",
        "backup",
        "restore",
        "check",
    ]:
        assert f"\n  {command} " in result.stdout
