"""Typed readers for environment variables.

Each helper raises :class:`EnvError` with a message that names the variable and says what is
wrong, so that start-up can stop with one clear line instead of a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class EnvError(Exception):
    """A configuration variable holds a value the platform cannot use."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(name)


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(f"{name}: expected true or false (1/0, yes/no, on/off), got {value!r}")


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or not value.strip():
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise EnvError(f"{name}: expected a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}: must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise EnvError(f"{name}: must be at most {maximum}, got {number}")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_time_zone(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    import zoneinfo

    value = env_str(name, default, environ)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise EnvError(
            f"{name}: unknown time zone {value!r} (use a name like 'Africa/Kinshasa')"
        ) from None
    return value


DATABASE_SCHEMES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
}


def parse_database_url(name: str, url: str) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/db`` into Django settings."""
    import dj_database_url

    scheme = urlsplit(url).scheme
    if scheme not in DATABASE_SCHEMES:
        known = ", ".join(sorted(DATABASE_SCHEMES))
        raise EnvError(f"{name}: unknown database scheme {scheme!r} in {url!r} (known: {known})")
    try:
        config = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise EnvError(f"{name}: cannot read {url!r}: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME") or config["NAME"] == ":memory:":
            raise EnvError(f"{name}: a SQLite URL needs a file path, e.g. sqlite:////srv/casm.db")
    elif not config.get("NAME"):
        raise EnvError(f"{name}: the URL names no database, e.g. postgres://user@host/casm")
    return config


EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
}


def parse_email_url(name: str, url: str) -> dict:
    """Read ``console://``, ``file:///dir``, ``smtp://user:pass@host:587?tls=1`` or ``smtps://``."""
    parts = urlsplit(url)
    if parts.scheme not in EMAIL_BACKENDS:
        known = ", ".join(sorted(EMAIL_BACKENDS))
        raise EnvError(f"{name}: unknown e-mail scheme {parts.scheme!r} (known: {known})")
    config: dict = {"EMAIL_BACKEND": EMAIL_BACKENDS[parts.scheme]}
    if parts.scheme == "file":
        if not parts.path:
            raise EnvError(f"{name}: a file:// URL needs a folder, e.g. file:///var/casm/mail")
        config["EMAIL_FILE_PATH"] = parts.path
    if parts.scheme in {"smtp", "smtps"}:
        if not parts.hostname:
            raise EnvError(f"{name}: an smtp:// URL needs a host, e.g. smtp://mail.example.org:587")
        query = parse_qs(parts.query)
        try:
            port = parts.port
        except ValueError:
            raise EnvError(f"{name}: the port in {url!r} is not a number") from None
        config.update(
            EMAIL_HOST=parts.hostname,
            EMAIL_PORT=port or (465 if parts.scheme == "smtps" else 25),
            EMAIL_HOST_USER=unquote(parts.username or ""),
            EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
            EMAIL_USE_SSL=parts.scheme == "smtps",
            EMAIL_USE_TLS=query.get("tls", ["0"])[0].lower() in TRUE_WORDS,
        )
    return config
