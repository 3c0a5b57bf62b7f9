"""Settings for CASM: every knob is an environment variable (see docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from casm.lib.env import (
    EnvError,
    env_bool,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    parse_database_url,
    parse_email_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
_checkout = PACKAGE_DIR.parent.parent
# In a source checkout the data lives beside the code; an installed package keeps it in ./var.
DEFAULT_VAR_DIR = _checkout / "var" if (_checkout / "pyproject.toml").exists() else Path("var")
VAR_DIR = Path(env_str("CASM_VAR_DIR", str(DEFAULT_VAR_DIR))).resolve()


def _writable_var_dir() -> Path:
    try:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvError(f"CASM_VAR_DIR: cannot create {VAR_DIR}: {exc.strerror}") from None
    return VAR_DIR


def _secret_key() -> str:
    """Use CASM_SECRET_KEY, or a key generated once and kept in var/secret_key (mode 0600)."""
    configured = env_str("CASM_SECRET_KEY", "")
    if configured:
        if len(configured) < 32:
            raise EnvError("CASM_SECRET_KEY: must be at least 32 characters long")
        return configured
    path = _writable_var_dir() / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(50)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        return path.read_text().strip()
    except OSError as exc:
        raise EnvError(
            f"CASM_SECRET_KEY: not set, and {path} cannot be written: {exc.strerror}"
        ) from None


DEBUG = env_bool("CASM_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("CASM_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CASM_CSRF_TRUSTED_ORIGINS", [])

DATABASE_URL = env_str("CASM_DATABASE_URL", "") or f"sqlite:///{_writable_var_dir() / 'casm.db'}"
_database = parse_database_url("CASM_DATABASE_URL", DATABASE_URL)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE avoids lock upgrades that
        # fail under concurrent writes; the timeout makes a writer wait instead of failing.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("CASM_SQLITE_TIMEOUT", 20, minimum=1),
    }
else:
    _database.setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "CASM_DATABASE_CONNECT_TIMEOUT", 5, minimum=1
    )
    _database["CONN_MAX_AGE"] = env_int("CASM_DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
_database.setdefault("TEST", {})
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MEDIA_ROOT = Path(env_str("CASM_MEDIA_ROOT", str(VAR_DIR / "media"))).resolve()
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("CASM_STATIC_ROOT", str(VAR_DIR / "static"))).resolve()
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (tests, a quick start) whitenoise serves straight from the apps.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

globals().update(parse_email_url("CASM_EMAIL_URL", env_str("CASM_EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("CASM_EMAIL_FROM", "CASM <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TIME_ZONE = env_time_zone("CASM_TIME_ZONE", "UTC")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("pt", "Português")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "leaflet",
    "casm.core",
    "casm.accounts",
    "casm.registry",
    "casm.indicators",
    "casm.imports",
    "casm.library",
    "casm.grants",
    "casm.events",
    "casm.network",
]

MIDDLEWARE = [
    # Pages travel compressed over slow links; Django pads them against the BREACH attack.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "casm.core.middleware.MultipartBoundaryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "casm.core.middleware.AuditContextMiddleware",
    "casm.core.middleware.ApiErrorShapeMiddleware",
]

ROOT_URLCONF = "casm.urls"
WSGI_APPLICATION = "casm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casm.core.context_processors.navigation",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("CASM_PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
# Failed logins allowed per account and per address within the window before a pause.
LOGIN_FAILURE_LIMIT = env_int("CASM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("CASM_LOGIN_FAILURE_WINDOW", 900, minimum=10)

CACHES = {
    # A database table, so that every gunicorn worker sees the same login counters.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "casm_cache",
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("CASM_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Web addresses typed without a scheme are taken as https://, as Django 6 will do.
FORMS_URLFIELD_ASSUME_HTTPS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CASM_UPLOAD_MAX_MEMORY", 10 * 1024 * 1024, minimum=1024)

# Field data imports: the largest upload, and what a compressed file (zip, xlsx) may unpack to.
IMPORT_MAX_UPLOAD_BYTES = env_int("CASM_IMPORT_MAX_UPLOAD", 2 * 1024**3, minimum=1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("CASM_IMPORT_MAX_UNCOMPRESSED", 4 * 1024**3, minimum=1024)
IMPORT_MAX_COMPRESSION_RATIO = env_int("CASM_IMPORT_MAX_COMPRESSION_RATIO", 200, minimum=2)
IMPORT_MAX_GEOJSON_BYTES = env_int("CASM_IMPORT_MAX_GEOJSON", 200 * 1024**2, minimum=1024)

# Library files: the largest upload accepted, and the address used in links sent by e-mail.
LIBRARY_MAX_UPLOAD_BYTES = env_int("CASM_LIBRARY_MAX_UPLOAD", 100 * 1024**2, minimum=1024)
CASM_SITE_URL = env_str("CASM_SITE_URL", "http://127.0.0.1:8000")
# OAI-PMH: the repository's name in record identifiers (oai:<id>:library/<n>) and its contact.
OAI_REPOSITORY_ID = env_str("CASM_OAI_REPOSITORY_ID", "casm")
OAI_ADMIN_EMAIL = env_str("CASM_OAI_ADMIN_EMAIL", "")

# Background jobs: how often an idle worker looks for work, in seconds.
JOB_POLL_INTERVAL = env_int("CASM_JOB_POLL_INTERVAL", 2, minimum=1)
# A running job whose worker has given no news for this long (seconds) is taken to be dead:
# queued again once, then marked failed. A worker on the same machine that is gone is seen at once.
# The geometry layer: a shape with more vertices than this is refused (simplify it first).
GEOMETRY_MAX_VERTICES = env_int("CASM_GEOMETRY_MAX_VERTICES", 100_000, minimum=10)
JOB_STALE_AFTER = env_int("CASM_JOB_STALE_AFTER", 3600, minimum=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CASM_LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SITE_NAME = _("CASM — artisanal and small-scale mining")
