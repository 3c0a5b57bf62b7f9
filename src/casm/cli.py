"""The `casm` command: the platform's operations, over Django's management commands."""

from __future__ import annotations

import os
import sys

COMMANDS = [
    ("run", "serve the site with gunicorn and run the background worker (Ctrl-C stops both)"),
    ("migrate", "create or update the database tables and reference data"),
    ("demo", "load the deterministic demo data set (--if-empty: only into an empty database)"),
    ("createadmin", "create an administrator and print its password once"),
    ("worker", "run queued background jobs (imports, exports, text extraction)"),
    ("jobs", "list background jobs and their progress"),
    ("export", "export sites, visits, operators or production as CSV, XLSX or GeoJSON"),
    ("backup", "write the database and uploaded files into one archive: casm backup FILE"),
    ("restore", "restore an archive made by backup into an empty installation"),
    ("check", "check the configuration, the folders and the database"),
    ("import", "import field data: casm import census FILE [--mapping M] [--dry-run]"),
    ("census-form", "write the standard census form (XLSForm): casm census-form OUT.xlsx"),
    ("library", "import documents: casm library import DIR --metadata FILE.csv [--dry-run]"),
    ("network", "casm network import-organisations FILE.csv [--dry-run] | export-organisations"),
    ("events", "casm events remind [--days N] | export-attendees EVENT_ID [--output F]"),
    ("licensing", "casm licensing import-layer FILE --kind K --country CD | precheck | remind"),
    ("traceability", "casm traceability issue-tags | stock | provenance N | verify F | daily"),
    ("incidents", "casm incidents daily | statistics [--country CD] [--year Y] [--output F]"),
]
# Commands whose name is not a Python module's.
ALIASES = {"census-form": "census_form"}

HELP = (
    "usage: casm COMMAND [options]\n\ncommands:\n"
    + "".join(f"  {name:<12} {text}\n" for name, text in COMMANDS)
    + (
        "\n`casm COMMAND --help` tells more about a command; every Django management command\n"
        "(e.g. createsuperuser, shell, dbshell) works too: `casm help --commands` lists them.\n"
        "Configuration comes from CASM_* environment variables (docs/configuration.md).\n"
    )
)


def _fail(message: str) -> int:
    print(f"casm: {message}", file=sys.stderr)
    return 2


def locale_language() -> str | None:
    """The platform language the shell's locale asks for (``LANGUAGE``, ``LC_ALL``,
    ``LC_MESSAGES``, ``LANG``: ``fr_FR.UTF-8`` gives ``fr``); None keeps the default."""
    from django.conf import settings

    offered = {code for code, _name in settings.LANGUAGES}
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        for part in value.split(":"):
            code = part.split(".", 1)[0].split("@", 1)[0].replace("_", "-").lower()
            if code in offered:
                return code
            if code.split("-", 1)[0] in offered:
                return code.split("-", 1)[0]
        if value and value not in ("C", "POSIX", "C.UTF-8"):
            return None
    return None


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"} or args == ["help"]:
        print(HELP, end="")
        return 0
    if args[0] in {"-V", "--version"}:
        from casm import __version__

        print(f"casm {__version__}")
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casm.settings")
    args[0] = ALIASES.get(args[0], args[0])

    import django
    from django.core.exceptions import ImproperlyConfigured

    from casm.lib.env import EnvError

    try:
        django.setup()
    except (EnvError, ImproperlyConfigured) as exc:
        return _fail(str(exc))

    from django.conf import settings
    from django.core.management import execute_from_command_line
    from django.db.utils import DatabaseError, OperationalError
    from django.utils import translation

    from casm.core.audit import audit_source
    from casm.core.models import AuditEvent

    try:
        with audit_source(AuditEvent.Source.CLI), translation.override(locale_language()):
            execute_from_command_line(["casm", *args])
    except OperationalError as exc:
        if settings.DEBUG:
            raise
        vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return _fail(f"database ({vendor}) error: {first_line}")
    except DatabaseError as exc:
        if settings.DEBUG:
            raise
        return _fail(f"database error: {str(exc).strip().splitlines()[0]}")
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if settings.DEBUG:
            raise
        return _fail(f"unexpected error: {type(exc).__name__}: {exc} (CASM_DEBUG=1 shows where)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
