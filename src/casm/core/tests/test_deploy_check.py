"""`casm check --deploy` reports nothing with the settings docs/deploy.md gives."""

import re
import secrets
from pathlib import Path

import pytest

from conftest import run_casm

DEPLOY_DOC = Path(__file__).resolve().parents[4] / "docs" / "deploy.md"


def documented_settings() -> dict[str, str]:
    """The CASM_* lines of the configuration block in docs/deploy.md."""
    block = re.search(r"```sh\n(.*?)```", DEPLOY_DOC.read_text(), re.S)
    assert block, "docs/deploy.md has no ```sh block"
    settings = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("CASM_"):
            name, _equals, value = line.partition("=")
            settings[name] = value.strip()
    return settings


def test_the_documented_settings_pass_the_deploy_check(tmp_path):
    env = documented_settings()
    assert {"CASM_HSTS_SECONDS", "CASM_SSL_REDIRECT", "CASM_PROXY_SSL_HEADER"} <= env.keys()
    env["CASM_SECRET_KEY"] = secrets.token_urlsafe(48)  # the placeholder, filled in
    env["CASM_VAR_DIR"] = str(tmp_path)
    result = run_casm("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("value", ["X-Forwarded-Proto", "https", ":https"])
def test_a_proxy_ssl_header_without_its_value_stops_with_one_line(tmp_path, value):
    result = run_casm("check", env={"CASM_VAR_DIR": str(tmp_path), "CASM_PROXY_SSL_HEADER": value})
    assert result.returncode == 2
    assert result.stderr.startswith("casm: CASM_PROXY_SSL_HEADER:")


def test_a_bad_rate_stops_with_one_line(tmp_path):
    result = run_casm("check", env={"CASM_VAR_DIR": str(tmp_path), "CASM_API_RATE": "fast"})
    assert result.returncode == 2
    assert result.stderr.startswith("casm: CASM_API_RATE: 'fast' is not a rate")
