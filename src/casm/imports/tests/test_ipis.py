"""Acceptance: the eight IPIS GeoJSON files of eastern DR Congo import with the shipped mapping.

The data is not part of the repository: the test runs where the shared sample data is present,
in the folder named by CASM_SAMPLE_DATA or else ``../shared/data`` next to the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casm.imports.census import census_import
from casm.imports.mapping import mapping_load
from casm.registry.models import Site, SiteVisit

REPOSITORY = Path(__file__).resolve().parents[4]
SAMPLE_DATA = Path(os.environ.get("CASM_SAMPLE_DATA", REPOSITORY.parent / "shared" / "data"))
DATA = SAMPLE_DATA / "ipis-drc-sites"
MAPPING = Path(__file__).resolve().parents[1] / "mappings" / "ipis-drc.json"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"the IPIS data set is not on this machine ({DATA})"
)


def _import_all(actor):
    mapping = mapping_load(MAPPING)
    return [
        census_import(actor=actor, path=path, mapping=mapping)
        for path in sorted(DATA.glob("*.geojson"))
    ]


def test_the_eight_ipis_files_import_and_a_second_import_changes_nothing(db, congo_officer):
    results = _import_all(congo_officer)

    assert len(results) == 8
    for result in results:
        assert result.committed, (result.file, result.problems[:5])
    assert sum(result.rows for result in results) == 4513
    visits = SiteVisit.objects.count()
    sites = Site.objects.count()
    assert visits == sum(result.visits_created for result in results)
    # The same point and name in several files (or twice in one) is one site with visits.
    assert sites < visits <= 4513
    print(f"IPIS: {visits} visits of {sites} sites")
    assert Site.objects.filter(visits__isnull=False).distinct().count() == sites
    assert Site.objects.filter(duplicate_of__isnull=False).exists()
    gold = Site.objects.filter(commodities__code="gold").count()
    tin = Site.objects.filter(commodities__code="tin").count()
    assert gold > 1000 and tin > 500
    assert Site.objects.filter(commodities__code="tantalum").exists()
    assert any(
        "washer" in visit.children_work for visit in SiteVisit.objects.exclude(children_work=[])
    )

    again = _import_all(congo_officer)

    assert sum(result.visits_created + result.sites_created for result in again) == 0
    assert (SiteVisit.objects.count(), Site.objects.count()) == (visits, sites)
