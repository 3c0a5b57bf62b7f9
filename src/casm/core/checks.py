"""System checks run by `casm check` (and before `casm run`)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_folders_writable(app_configs, **kwargs):
    problems = []
    for name, folder in [
        ("CASM_VAR_DIR", settings.VAR_DIR),
        ("CASM_MEDIA_ROOT", settings.MEDIA_ROOT),
    ]:
        if folder.exists() and not os.access(folder, os.W_OK):
            problems.append(Error(f"{name}: {folder} is not writable", id="casm.E001"))
    return problems


@register(deploy=True)
def check_production_database(app_configs, **kwargs):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return [
            Warning(
                "CASM_DATABASE_URL: SQLite suits one machine; use PostgreSQL for a shared "
                "deployment with several workers (docs/deploy.md).",
                id="casm.W001",
            )
        ]
    return []
