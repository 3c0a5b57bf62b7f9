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
    assert [c.alpha2 for c in user.countries.all()] == ["GH"]
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


def test_an_administrator_changes_a_scope_and_it_is_audited(login, admin_user, member, country):
    from casm.core.models import AuditEvent

    client = login(admin_user)
    response = client.post(
        f"/accounts/users/{member.pk}/edit/",
        {
            "username": "mary",
            "email": "mary@example.org",
            "role": "data_officer",
            "countries": [country("TZ").pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(model="accounts.user", action="update").get()
    assert event.changes["role"] == ["member", "data_officer"]
    assert event.changes["countries"] == [[], [country("TZ").pk]]


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
