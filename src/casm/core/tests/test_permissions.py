"""The permissions table: several roles per person, each with its own scope."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from casm.core import permissions
from casm.core.permissions import CAPABILITIES, Role, Scope


@pytest.fixture
def congo_officer_and_licensing(make_user, country):
    """A data officer for CD who is also a licensing officer for CD and RW."""
    from casm.accounts.services import role_assign

    user = make_user("mbuyi", role=Role.DATA_OFFICER, countries=["CD"])
    role_assign(
        actor=None,
        user=user,
        role=Role.LICENSING_OFFICER,
        countries=[country("CD"), country("RW")],
    )
    return user


def test_each_role_keeps_its_own_scope(congo_officer_and_licensing, country):
    user = congo_officer_and_licensing
    assert permissions.can(user, "registry.edit", country=country("CD"))
    assert not permissions.can(user, "registry.edit", country=country("RW"))
    assert permissions.can(user, "licensing.decide", country=country("RW"))
    assert not permissions.can(user, "licensing.decide", country=country("GH"))
    # Seeing the registry follows every country-scoped role.
    assert permissions.country_ids_for(user, "registry.view") == {
        country("CD").pk,
        country("RW").pk,
    }


def test_it_says_why_it_refuses(congo_officer_and_licensing, member, country):
    with pytest.raises(PermissionDenied, match="outside your scope"):
        permissions.require(congo_officer_and_licensing, "registry.edit", country=country("RW"))
    with pytest.raises(PermissionDenied, match="Only administrators and data officers edit"):
        permissions.require(member, "registry.edit", country=country("CD"))
    with pytest.raises(PermissionDenied, match="Only library editors"):
        permissions.require(member, "library.edit")


def test_the_system_and_administrators_may_do_everything(admin_user, country):
    for code in CAPABILITIES:
        assert permissions.can(None, code, country=country("CD"))
        assert permissions.can(admin_user, code, country=country("CD"))
    assert permissions.country_ids_for(admin_user, "registry.edit") is None


def test_anonymous_and_deactivated_users_hold_nothing(ghana_officer, country):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.can(AnonymousUser(), "registry.view", country=country("GH"))
    ghana_officer.is_active = False
    assert not permissions.can(ghana_officer, "registry.view", country=country("GH"))
    with pytest.raises(PermissionDenied, match="Sign in"):
        permissions.require(ghana_officer, "registry.view", country=country("GH"))


def test_a_move_needs_the_old_and_the_new_country(ghana_officer, make_site, country):
    site = make_site("Prestea", "GH")
    permissions.require_change(ghana_officer, "registry.edit", instance=site, data={})
    with pytest.raises(PermissionDenied):
        permissions.require_change(
            ghana_officer, "registry.edit", instance=site, data={"country": country("CD")}
        )
    congo = make_site("Kamituga", "CD")
    with pytest.raises(PermissionDenied):
        permissions.require_change(
            ghana_officer, "registry.edit", instance=congo, data={"country": country("GH")}
        )


def test_a_supply_chain_actor_acts_for_its_organisation_only(
    make_user, congo_cooperative, ghana_cooperative
):
    trader = make_user("trader", role=Role.SUPPLY_CHAIN_ACTOR, organisation=congo_cooperative)
    assert permissions.can(trader, "traceability.trade", organisation=congo_cooperative)
    assert not permissions.can(trader, "traceability.trade", organisation=ghana_cooperative)
    assert not permissions.can(trader, "registry.view")


def test_scope_queryset_finds_nothing_outside_scope(ghana_officer, make_site):
    from casm.registry.models import Site

    ghana, congo = make_site("Prestea", "GH"), make_site("Kamituga", "CD")
    seen = permissions.scope_queryset(Site.objects.all(), ghana_officer, "registry.view")
    assert list(seen) == [ghana]
    with pytest.raises(Http404):
        permissions.get_in_scope_or_404(
            Site.objects.all(), ghana_officer, congo.pk, "registry.view"
        )
    with pytest.raises(Http404):
        permissions.get_in_scope_or_404(Site.objects.all(), ghana_officer, 2**63, "registry.view")


def test_every_role_and_capability_is_consistent():
    for code, capability in CAPABILITIES.items():
        assert capability.code == code
        assert capability.roles <= set(Role.values)
        assert Role.ADMINISTRATOR not in capability.roles  # administrators hold all anyway
        if capability.scope is Scope.ORGANISATION:
            assert capability.roles <= permissions.ORGANISATION_ROLES
    with pytest.raises(LookupError):
        permissions.can(None, "registry.fly")


def test_an_unknown_capability_is_named_in_the_error():
    with pytest.raises(LookupError, match="registry.fly"):
        permissions.can(None, "registry.fly")
    assert permissions.roles_with("registry.edit") == {Role.DATA_OFFICER}


def test_a_superuser_without_an_administrator_role_may_do_everything(make_user, country):
    from casm.accounts.models import User

    user = make_user("boss")
    User.objects.filter(pk=user.pk).update(is_superuser=True)
    boss = User.objects.get(pk=user.pk)
    assert permissions.can(boss, "users.manage")
    assert permissions.can(boss, "registry.edit", country=country("CD"))


def test_a_new_role_counts_at_once_for_the_same_user(ghana_officer, country):
    from casm.accounts.services import role_assign

    assert not permissions.can(ghana_officer, "registry.edit", country=country("CD"))
    role_assign(
        actor=None,
        user=ghana_officer,
        role=Role.DATA_OFFICER,
        countries=[country("GH"), country("CD")],
    )
    assert permissions.can(ghana_officer, "registry.edit", country=country("CD"))


def test_the_countries_of_every_role_holding_a_capability_add_up(make_user, country):
    from casm.accounts.services import role_assign

    user = make_user("adjoa", role=Role.DATA_OFFICER, countries=["GH"])
    role_assign(actor=None, user=user, role=Role.LICENSING_OFFICER, countries=[country("CD")])
    assert permissions.country_ids_for(user, "registry.view") == {
        country("GH").pk,
        country("CD").pk,
    }


def test_a_role_without_countries_reaches_no_country(make_user, country):
    officer = make_user("nobody", role=Role.DATA_OFFICER, countries=[])
    assert not permissions.can(officer, "registry.edit")
    assert not permissions.can(officer, "registry.edit", country=country("GH"))


def test_a_supply_chain_actor_trades_for_their_organisation_only(
    make_user, admin_user, ghana_officer, ghana_cooperative, congo_cooperative
):
    actor = make_user("kofi", role=Role.SUPPLY_CHAIN_ACTOR, organisation=ghana_cooperative)
    assert permissions.organisation_ids_for(actor, "traceability.trade") == {ghana_cooperative.pk}
    assert permissions.organisation_ids_for(admin_user, "traceability.trade") is None
    assert permissions.organisation_ids_for(None, "traceability.trade") is None
    assert permissions.organisation_ids_for(ghana_officer, "traceability.trade") == set()
    assert permissions.can(actor, "traceability.trade")
    assert permissions.can(actor, "traceability.trade", organisation=ghana_cooperative)
    with pytest.raises(PermissionDenied, match="organisation is outside your scope"):
        permissions.require(actor, "traceability.trade", organisation=congo_cooperative)


def test_a_holder_may_act_somewhere_and_a_global_role_everywhere(ghana_officer, make_user, country):
    # "Somewhere" (a "new site" button): a country where the role reaches is enough.
    assert permissions.can(ghana_officer, "registry.edit")
    editor = make_user("ines", role=Role.LIBRARY_EDITOR)
    assert permissions.can(editor, "library.edit")
    assert not permissions.can(ghana_officer, "library.edit")


def test_a_move_to_another_organisation_needs_both(make_user, ghana_cooperative, congo_cooperative):
    trader = make_user("trader", role=Role.SUPPLY_CHAIN_ACTOR, organisation=ghana_cooperative)
    record = make_user("clerk", organisation=ghana_cooperative)  # a record of the cooperative

    def change(data):
        permissions.require_change(
            trader,
            "traceability.trade",
            instance=record,
            data=data,
            country_field=None,
            organisation_field="organisation",
        )

    change({})
    change({"organisation": ghana_cooperative})
    with pytest.raises(PermissionDenied, match="organisation is outside your scope"):
        change({"organisation": congo_cooperative})


def test_a_merge_needs_every_country(ghana_officer, country):
    permissions.require_each(ghana_officer, "registry.edit", countries=[country("GH")])
    with pytest.raises(PermissionDenied, match="outside your scope"):
        permissions.require_each(
            ghana_officer, "registry.edit", countries=[country("GH"), country("CD")]
        )


def test_organisations_are_seen_by_country_and_by_the_role_s_organisation(
    make_user, country, make_organisation, ghana_cooperative, congo_cooperative
):
    from casm.accounts.selectors import organisation_list_for_user
    from casm.accounts.services import role_assign

    kivu = make_organisation("Kivu Gold Traders", "CD")
    officer = make_user("efua", role=Role.DATA_OFFICER, countries=["GH"])
    role_assign(
        actor=None,
        user=officer,
        role=Role.DATA_OFFICER,
        countries=[country("GH")],
        organisation=congo_cooperative,
    )
    permissions.forget_grants(officer)
    seen = set(organisation_list_for_user(officer))
    assert seen == {ghana_cooperative, congo_cooperative}
    own = make_user("kabila", role=Role.DATA_OFFICER, countries=["GH"], organisation=kivu)
    assert set(organisation_list_for_user(own)) == {ghana_cooperative, kivu}


def test_people_see_their_own_jobs_and_rows_beside_those_of_their_countries(
    member, ghana_officer, make_user, country
):
    from casm.core.models import Job
    from casm.core.selectors import job_list_for_user
    from casm.events.models import Registration
    from casm.events.tests.factories import make_event

    mine = Job.objects.create(kind="export", title="My export", created_by=member)
    Job.objects.create(kind="export", title="Someone else's", created_by=ghana_officer)
    assert list(job_list_for_user(member)) == [mine]

    event = make_event(capacity=10)
    ghanaian = Registration.objects.create(
        event=event, user=make_user("abena"), full_name="Abena", country=country("GH")
    )
    own_abroad = Registration.objects.create(
        event=event, user=ghana_officer, full_name="Officer", country=country("CD")
    )
    Registration.objects.create(
        event=event, user=make_user("mbuyi"), full_name="Mbuyi", country=country("CD")
    )
    seen = permissions.scope_queryset(
        Registration.objects.all(), ghana_officer, "registry.view", owner_field="user"
    )
    assert set(seen) == {ghanaian, own_abroad}


def test_a_declaration_is_read_through_any_decorator_and_class_based_views():
    import functools

    from django.views import View

    from casm.core.permissions import PUBLIC, endpoint, endpoint_access

    @endpoint(PUBLIC)
    def page(request):
        return None

    # A decorator that keeps only ``__wrapped__``, not the view's attributes.
    @functools.wraps(page, updated=())
    def logged(request):
        return page(request)

    assert endpoint_access(logged) == PUBLIC

    @endpoint("registry.view")
    class Sites(View):
        pass

    assert endpoint_access(Sites.as_view()) == "registry.view"
    assert endpoint_access(lambda request: None) is None
