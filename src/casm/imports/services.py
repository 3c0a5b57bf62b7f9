"""Writes of the imports app: storing an uploaded census file and queueing its import."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from casm.core import permissions
from casm.core.models import Country, Job
from casm.core.services import job_enqueue

from .mapping import mapping_from_dict
from .readers import ImportFileError

JOB_KIND = "imports.census"
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".zip", ".geojson", ".json")
MAX_UPLOAD_BYTES = 2 * 1024**3
MAX_MAPPING_BYTES = 1024**2
UPLOAD_FOLDER = "imports"


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES))


def check_can_import(actor: Any, country: Country | None) -> None:
    """Administrators import anywhere; data officers into their countries."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to import field data."))
    permissions.require(actor, "registry.import", country=country)


def census_import_enqueue(
    *,
    actor: Any,
    upload: IO[bytes],
    filename: str,
    size: int,
    country: Country | None = None,
    mapping_text: str = "",
    mapping_name: str = "mapping.json",
    dry_run: bool = False,
    skip_invalid: bool = False,
    update: bool = False,
) -> Job:
    """Store an uploaded census file under MEDIA_ROOT and queue its import as a job."""
    check_can_import(actor, country)
    name = get_valid_filename(Path(filename or "census.csv").name) or "census.csv"
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError(
            {"file": [_("Give a .csv, .xlsx, .zip (ODK Central) or .geojson file.")]}
        )
    if size > max_upload_bytes():
        limit = filesizeformat(max_upload_bytes())
        raise ValidationError(
            {"file": [_("The file is bigger than the %(limit)s allowed.") % {"limit": limit}]}
        )
    mapping: dict[str, Any] = {}
    if mapping_text.strip():
        if len(mapping_text) > MAX_MAPPING_BYTES:
            raise ValidationError({"mapping": [_("The mapping file is too big.")]})
        try:
            mapping = json.loads(mapping_text)
            mapping_from_dict(mapping, mapping_name)
        except (ValueError, ImportFileError) as exc:
            raise ValidationError({"mapping": [_("The mapping is not valid: %s") % exc]}) from exc
    relative = Path(UPLOAD_FOLDER) / uuid.uuid4().hex / name
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with target.open("wb") as handle:
        while chunk := upload.read(1024 * 1024):
            written += len(chunk)
            if written > max_upload_bytes():
                handle.close()
                target.unlink()
                raise ValidationError({"file": [_("The file is bigger than allowed.")]})
            handle.write(chunk)
    title = (_("Check of %(file)s") if dry_run else _("Import of %(file)s")) % {"file": name}
    return job_enqueue(
        kind=JOB_KIND,
        title=title[:200],
        actor=actor,
        params={
            "path": str(relative),
            "file": name,
            "country": country.alpha2 if country else "",
            "mapping": mapping,
            "mapping_name": mapping_name,
            "dry_run": dry_run,
            "skip_invalid": skip_invalid,
            "update": update,
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
