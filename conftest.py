"""Fixtures shared by every test: named personas and small factories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 (test persona)


def run_casm(*args: str, env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    """Run the `casm` command in a child process with only the given CASM_* settings."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("CASM_", "DJANGO_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "casm.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def migrated_installation(tmp_path_factory):
    """The folder of an installation migrated by `casm migrate` (SQLite), made once a run.

    Migrating takes ten seconds or more: the tests that run `casm` in a child process copy
    this folder with `installation_copy` instead of migrating their own.
    """
    folder = tmp_path_factory.mktemp("migrated") / "var"
    done = run_casm("migrate", "--noinput", "--verbosity", "0", env={"CASM_VAR_DIR": str(folder)})
    assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture
def installation_copy(migrated_installation):
    """Copy the migrated installation to a folder of the test's; the copy is its own."""

    def copy(destination):
        shutil.copytree(migrated_installation, destination)
        return destination

    return copy


@pytest.fixture(autouse=True)
def _media_and_mail(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CERTIFICATE_KEY_FILE = tmp_path / "certificate_key.pem"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Plain static storage: the tests do not run collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply: the real hasher costs half a second per persona."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _generous_rates(settings):
    """Request rates no test reaches by chance; a test of the limits lowers them itself."""
    settings.API_RATES = {
        "api": "1000000/s", "api_anonymous": "1000000/s", "export": "1000000/s",
        "report": "1000000/s",
    }  # fmt: skip


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Each test starts with an empty cache (cached figures, API rate counters)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in French (LocaleMiddleware) or a
    command in the shell's locale leaves its language active after it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def country():
    from casm.core.models import Country

    return lambda code: Country.objects.get(alpha2=code)


@pytest.fixture
def make_user(db, country):
    from casm.accounts.models import User
    from casm.accounts.services import user_create

    def make(username, role=User.Role.MEMBER, countries=(), organisation=None, **extra):
        return user_create(
            actor=None,
            username=username,
            email=f"{username}@example.org",
            role=role,
            countries=[country(code) for code in countries],
            organisation=organisation,
            password=PASSWORD,
            **extra,
        )

    return make


@pytest.fixture
def admin_user(make_user):
    from casm.accounts.models import User

    return make_user("root", role=User.Role.ADMINISTRATOR)


@pytest.fixture
def ghana_officer(make_user):
    from casm.accounts.models import User

    return make_user("ama", role=User.Role.DATA_OFFICER, countries=["GH"])


@pytest.fixture
def congo_officer(make_user):
    from casm.accounts.models import User

    return make_user("kabila", role=User.Role.DATA_OFFICER, countries=["CD"])


@pytest.fixture
def member(make_user):
    return make_user("mary")


@pytest.fixture
def make_organisation(db, country):
    from casm.accounts.models import Organisation
    from casm.accounts.services import organisation_create

    def make(name, code="GH", kind=Organisation.Kind.MINERS, **extra):
        return organisation_create(actor=None, name=name, kind=kind, country=country(code), **extra)

    return make


@pytest.fixture
def congo_cooperative(make_organisation):
    return make_organisation("Coopérative minière de Kamituga", "CD")


@pytest.fixture
def ghana_cooperative(make_organisation):
    return make_organisation("Tarkwa Small-Scale Miners Association", "GH")


@pytest.fixture
def login(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def token_for(db):
    from casm.accounts.services import api_token_create

    def make(user):
        _token, raw = api_token_create(actor=user, name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


@pytest.fixture
def make_site(db):
    """A site registered by the system (no actor), in a country given by alpha-2."""
    from casm.registry.tests.factories import make_site

    return make_site
