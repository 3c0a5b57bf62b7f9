from django.core import mail

from casm.accounts.models import User


def test_an_administrator_creates_a_scoped_user_who_is_invited_by_e_mail(
    login, admin_user, country
):
    response = login(admin_user).post(
        "/accounts/users/new/",
        {
            "username": "kwame",
            "email": "kwame@minerals.gov.gh",
            "role": "data_officer",
            "countries": [country("GH").pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    user = User.objects.get(username="kwame")
    (assignment,) = user.role_assignments.all()
    assert assignment.role == "data_officer"
    assert [c.alpha2 for c in assignment.countries.all()] == ["GH"]
    assert len(mail.outbox) == 1
    assert "kwame" in mail.outbox[0].body
    assert "/accounts/password/reset/" in mail.outbox[0].body


def test_usernames_are_unique_whatever_their_case(login, admin_user, member):
    response = login(admin_user).post(
        "/accounts/users/new/",
        {"username": "MARY", "email": "other@example.org", "role": "member", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "username" in response.context["form"].errors


def test_an_administrator_gives_a_second_role_and_it_is_audited(
    login, admin_user, congo_officer, country
):
    from casm.core.models import AuditEvent

    client = login(admin_user)
    response = client.post(
        f"/accounts/users/{congo_officer.pk}/roles/",
        {"role": "licensing_officer", "countries": [country("CD").pk, country("RW").pk]},
    )
    assert response.status_code == 302, response.content
    page = client.get(f"/accounts/users/{congo_officer.pk}/edit/").content.decode()
    assert "data officer" in page and "licensing officer" in page and "Rwanda" in page
    roles = {a.role: a for a in congo_officer.role_assignments.all()}
    assert sorted(roles) == ["data_officer", "licensing_officer"]
    event = AuditEvent.objects.get(
        model="accounts.roleassignment",
        action="create",
        object_id=str(roles["licensing_officer"].pk),
    )
    assert event.actor == admin_user
    assert sorted(event.changes["countries"][1]) == sorted([country("CD").pk, country("RW").pk])

    # The same role again changes its scope, audited as an update.
    client.post(
        f"/accounts/users/{congo_officer.pk}/roles/",
        {"role": "licensing_officer", "countries": [country("RW").pk]},
    )
    assert [c.alpha2 for c in roles["licensing_officer"].countries.all()] == ["RW"]
    assert AuditEvent.objects.filter(model="accounts.roleassignment", action="update").exists()

    revoked = client.post(
        f"/accounts/users/{congo_officer.pk}/roles/{roles['licensing_officer'].pk}/revoke"
    )
    assert revoked.status_code == 302
    assert [a.role for a in congo_officer.role_assignments.all()] == ["data_officer"]
    assert AuditEvent.objects.filter(model="accounts.roleassignment", action="delete").exists()


def test_a_supply_chain_actor_needs_an_organisation(login, admin_user, member):
    response = login(admin_user).post(
        f"/accounts/users/{member.pk}/roles/", {"role": "supply_chain_actor"}
    )
    assert response.status_code == 400
    assert "organisation" in response.context["role_form"].errors
    assert not member.role_assignments.filter(role="supply_chain_actor").exists()


def test_only_administrators_reach_the_role_pages(login, congo_officer, ghana_officer, country):
    client = login(congo_officer)
    target = ghana_officer.role_assignments.get()
    assert client.get(f"/accounts/users/{ghana_officer.pk}/edit/").status_code == 403
    assert (
        client.post(
            f"/accounts/users/{ghana_officer.pk}/roles/",
            {"role": "administrator"},
        ).status_code
        == 403
    )
    assert (
        client.post(f"/accounts/users/{ghana_officer.pk}/roles/{target.pk}/revoke").status_code
        == 403
    )
    assert not congo_officer.role_assignments.filter(role="administrator").exists()
    assert ghana_officer.role_assignments.filter(pk=target.pk).exists()


def test_an_administrator_cannot_take_away_their_own_administrator_role(login, admin_user):
    own = admin_user.role_assignments.get(role="administrator")
    client = login(admin_user)
    client.post(f"/accounts/users/{admin_user.pk}/roles/{own.pk}/revoke")
    assert admin_user.role_assignments.filter(pk=own.pk).exists()


def test_deactivating_a_user_ends_their_tokens_and_sessions(
    client, login, admin_user, ghana_officer, token_for
):
    from django.test import Client

    headers = token_for(ghana_officer)
    officer_browser = Client()
    officer_browser.force_login(ghana_officer)
    assert officer_browser.get("/accounts/profile/").status_code == 200
    response = login(admin_user).post(
        f"/accounts/users/{ghana_officer.pk}/edit/",
        {"username": "ama", "email": "ama@example.org"},  # "is_active" unticked
    )
    assert response.status_code == 302, response.content
    assert Client().get("/api/v1/me", **headers).status_code == 401
    assert not ghana_officer.api_tokens.filter(revoked_at__isnull=True).exists()
    assert officer_browser.get("/accounts/profile/").status_code == 302  # to the sign-in page


def test_the_profile_makes_and_revokes_tokens(login, member):
    client = login(member)
    made = client.post("/accounts/profile/tokens/", {"name": "laptop script"})
    assert made.status_code == 200
    raw = made.context["new_token"]
    assert raw.startswith("casm_")
    assert raw.encode() in made.content
    token = member.api_tokens.get()
    assert raw.encode() not in client.get("/accounts/profile/").content
    client.post(f"/accounts/profile/tokens/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked_at is not None
    blank = client.post("/accounts/profile/tokens/", {"name": "  "})
    assert blank.status_code == 400
