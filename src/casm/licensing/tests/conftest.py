"""Fixtures of the register's tests: the test cadastre, an example licence type, officers of
DR Congo and an applicant who belongs to a cooperative."""

from __future__ import annotations

import pytest

from casm.accounts.models import User
from casm.core.models import Commodity
from casm.licensing.models import LicenceType

from .factories import load_cadastre


@pytest.fixture
def cadastre(tmp_path, country):
    load_cadastre(tmp_path, country("CD"))
    return country("CD")


@pytest.fixture
def small_scale(cadastre):
    """An example type (not DR Congo's law): the tests' own limits and steps."""
    kind = LicenceType.objects.create(
        country=cadastre, code="TEST", name_en="Test small-scale permit", category="small_scale",
        holders=["citizen", "cooperative"], max_area_ha=500, documents=["Statutes", "Site plan"],
        notice_days=21, completeness_days=10, decision_days=30, source="test",
        is_example=True,
    )  # fmt: skip
    kind.commodities.set(Commodity.objects.filter(code__in=["gold", "tin"]))
    return kind


@pytest.fixture
def officer(make_user):
    return make_user("lukusa", role=User.Role.LICENSING_OFFICER, countries=["CD"])


@pytest.fixture
def second_officer(make_user):
    return make_user("mbuyi", role=User.Role.LICENSING_OFFICER, countries=["CD"])


@pytest.fixture
def applicant(make_user, congo_cooperative):
    return make_user("kasongo", organisation=congo_cooperative)
