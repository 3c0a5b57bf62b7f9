"""Reads of the imports app."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casm.core import permissions
from casm.core.models import Country, Job
from casm.core.selectors import job_get_for_user, job_list_for_user

from .services import JOB_KIND


def census_import_list_for_user(user: Any) -> QuerySet[Job]:
    """The census imports the user started (all of them, for administrators)."""
    return job_list_for_user(user).filter(kind=JOB_KIND)


def census_import_get_for_user(user: Any, pk: Any) -> Job:
    job = job_get_for_user(user, pk)
    if job.kind != JOB_KIND:
        from django.http import Http404

        raise Http404
    return job


def import_countries_for_user(user: Any) -> QuerySet[Country]:
    """The countries whose registry the user may import into."""
    ids = permissions.country_ids_for(user, "registry.import")
    return Country.objects.all() if ids is None else Country.objects.filter(pk__in=ids)
