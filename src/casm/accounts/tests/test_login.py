import re

from django.core import mail

from casm.core.models import AuditEvent
from conftest import PASSWORD


def test_it_signs_in_and_out(client, member):
    response = client.post("/accounts/login/", {"username": "mary", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/accounts/profile/").status_code == 302


def test_a_password_is_reset_by_e_mail_and_the_change_is_audited(client, member):
    client.post("/accounts/password/reset/", {"email": "mary@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    weak = client.post(form.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})
    assert b"too short" in weak.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-much-better-passphrase", "new_password2": "a-much-better-passphrase"},
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-much-better-passphrase")
    event = AuditEvent.objects.filter(model="accounts.user", object_id=str(member.pk)).first()
    assert event.changes == {"password": ["(hidden)", "(hidden)"]}


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post("/accounts/password/reset/", {"email": "ghost@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
