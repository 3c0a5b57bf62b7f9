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
# The private key that signs export certificates: made on first use (mode 0600). Keep a copy
# apart from the backups; the public keys stay in the database, so certificates signed by a
# lost or replaced key still verify.
CERTIFICATE_KEY_FILE = Path(
    env_str("CASM_CERTIFICATE_KEY_FILE", str(VAR_DIR / "certificate_key.pem"))
).resolve()
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
# English dates day first ("3 Feb 2027"), never the US "02/03/2027"; the other languages keep
# Django's formats (French "03/02/2027" is day first already).
FORMAT_MODULE_PATH = ["casm.formats"]
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
    "casm.licensing",
    "casm.traceability",
    "casm.incidents",
    "axes",
    "csp",
]

MIDDLEWARE = [
    # Pages travel compressed over slow links; Django pads them against the BREACH attack.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "casm.core.middleware.MultipartBoundaryMiddleware",
    "casm.core.middleware.NulCharacterMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "casm.core.middleware.AuditContextMiddleware",
    "casm.core.middleware.ApiErrorShapeMiddleware",
    # Turns a paused sign-in into its answer (casm.accounts.lockout).
    "axes.middleware.AxesMiddleware",
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
# Sign-in throttling (casm.accounts.lockout, on django-axes): failures of one account from one
# address before a pause, failures from one address over all accounts before a pause of the
# address, and the seconds a pause lasts after the last failure counted.
LOGIN_FAILURE_LIMIT = env_int("CASM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("CASM_LOGIN_ADDRESS_FAILURE_LIMIT", 100, minimum=1)
LOGIN_FAILURE_WINDOW = env_int("CASM_LOGIN_FAILURE_WINDOW", 900, minimum=10)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "casm.accounts.lockout.LoginAttemptHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "casm.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "casm.accounts.lockout.cool_off"
AXES_USERNAME_CALLABLE = "casm.accounts.lockout.username_key"
AXES_CLIENT_IP_CALLABLE = "casm.core.middleware.client_address"
AXES_LOCKOUT_CALLABLE = "casm.accounts.lockout.locked_out_response"
AXES_RESET_ON_SUCCESS = True
# A paused sign-in is not counted again: the pause ends on time, and one account's guesses
# never add up to the address's limit.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# The client address (sign-in throttling, the audit trail): REMOTE_ADDR, unless the site runs
# behind this many reverse proxies, each appending the address it saw to this header.
TRUSTED_PROXY_COUNT = env_int("CASM_TRUSTED_PROXY_COUNT", 0, minimum=0)
CLIENT_ADDRESS_HEADER = env_str("CASM_CLIENT_ADDRESS_HEADER", "X-Forwarded-For")


def _rate(name: str, default: str) -> str:
    """A request rate such as ``600/min``: a count, a slash and s, min, hour or day."""
    import re

    value = env_str(name, default)
    if not re.fullmatch(r"[1-9][0-9]*/[0-9]*(s|sec|m|min|h|hour|d|day)", value):
        raise EnvError(f"{name}: {value!r} is not a rate such as 600/min (s, min, hour or day)")
    return value


# Request rates (casm.core.throttling): API operations per signed-in account and per address of
# visitors, and whole-table exports (API and web) per account or address.
API_RATES = {
    "api": _rate("CASM_API_RATE", "1200/min"),
    "api_anonymous": _rate("CASM_API_RATE_ANONYMOUS", "300/min"),
    "export": _rate("CASM_EXPORT_RATE", "60/hour"),
    # Incident reports and follow-up keys sent from one account or address.
    "report": _rate("CASM_REPORT_RATE", "20/hour"),
}

CACHES = {
    # A database table, so that every gunicorn worker sees the same cached figures.
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
# HTTPS behind a TLS proxy: send plain HTTP to HTTPS, tell browsers to use HTTPS only (HSTS),
# and believe the proxy's header saying a request came over HTTPS (never set it unless the
# proxy always sets or removes that header: a client could send it).
SECURE_SSL_REDIRECT = env_bool("CASM_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("CASM_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CASM_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("CASM_HSTS_PRELOAD", False)


def _proxy_ssl_header(name: str) -> tuple[str, str] | None:
    """``X-Forwarded-Proto: https`` as Django wants it: ("HTTP_X_FORWARDED_PROTO", "https")."""
    value = env_str(name, "")
    if not value:
        return None
    header, colon, expected = value.partition(":")
    if not colon or not header.strip() or not expected.strip():
        raise EnvError(
            f"{name}: {value!r} is not a header and its value, as X-Forwarded-Proto: https"
        )
    return "HTTP_" + header.strip().upper().replace("-", "_"), expected.strip()


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header("CASM_PROXY_SSL_HEADER")

# Content-Security-Policy (django-csp) on every answer: scripts, styles, images, fonts and
# requests from the site itself only; no inline script or style, no plug-in, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the small images stylesheets embed (the API's documentation page).
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
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
JOB_STALE_AFTER = env_int("CASM_JOB_STALE_AFTER", 3600, minimum=60)
# The geometry layer: a shape with more vertices than this is refused (simplify it first).
GEOMETRY_MAX_VERTICES = env_int("CASM_GEOMETRY_MAX_VERTICES", 100_000, minimum=10)
# A site's footprint: the largest plausible site (10 km²), its vertices, and how far from the
# site's point it may lie.
FOOTPRINT_MAX_HECTARES = env_int("CASM_FOOTPRINT_MAX_HECTARES", 1_000, minimum=1)
FOOTPRINT_MAX_VERTICES = env_int("CASM_FOOTPRINT_MAX_VERTICES", 10_000, minimum=4)
FOOTPRINT_MAX_DISTANCE_M = env_int("CASM_FOOTPRINT_MAX_DISTANCE_M", 2_000, minimum=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CASM_LOG_LEVEL", "INFO").upper()},
    # django-axes says every sign-in at INFO; its warnings (failures, pauses) are kept.
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

SITE_NAME = _("CASM — artisanal and small-scale mining")
