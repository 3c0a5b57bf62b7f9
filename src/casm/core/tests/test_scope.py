"""A user sees only the countries and organisations they are scoped to; the rest is a 404."""


def test_a_ghana_officer_gets_404_for_a_congo_object_on_the_web(
    login, ghana_officer, congo_cooperative, ghana_cooperative
):
    client = login(ghana_officer)
    assert client.get(f"/accounts/organisations/{ghana_cooperative.pk}/").status_code == 200
    for path in ["", "edit/"]:
        url = f"/accounts/organisations/{congo_cooperative.pk}/{path}"
        assert client.get(url).status_code == 404
    assert client.post(f"/accounts/organisations/{congo_cooperative.pk}/delete/").status_code == 404
    listing = client.get("/accounts/organisations/")
    assert ghana_cooperative in listing.context["page"].object_list
    assert congo_cooperative not in listing.context["page"].object_list


def test_a_ghana_officer_gets_404_for_a_congo_object_in_the_api(
    client, ghana_officer, congo_cooperative, ghana_cooperative, token_for
):
    headers = token_for(ghana_officer)
    url = f"/api/v1/organisations/{congo_cooperative.pk}"
    for response in [
        client.get(url, **headers),
        client.patch(url, {"name": "x"}, content_type="application/json", **headers),
        client.delete(url, **headers),
    ]:
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": "Not found.", "details": None}
        }
    names = [o["name"] for o in client.get("/api/v1/organisations", **headers).json()["items"]]
    assert names == [ghana_cooperative.name]
    congo_cooperative.refresh_from_db()
    assert congo_cooperative.name == "Coopérative minière de Kamituga"


def test_an_officer_cannot_move_an_organisation_out_of_scope(
    client, ghana_officer, ghana_cooperative, token_for
):
    response = client.patch(
        f"/api/v1/organisations/{ghana_cooperative.pk}",
        {"country": "CD"},
        content_type="application/json",
        **token_for(ghana_officer),
    )
    assert response.status_code == 403
    ghana_cooperative.refresh_from_db()
    assert ghana_cooperative.country.alpha2 == "GH"


def test_an_administrator_sees_every_country(
    login, admin_user, congo_cooperative, ghana_cooperative
):
    listing = login(admin_user).get("/accounts/organisations/")
    assert set(listing.context["page"].object_list) == {congo_cooperative, ghana_cooperative}


def test_a_member_sees_their_own_organisation_only(
    make_user, login, ghana_cooperative, congo_cooperative
):
    member = make_user("esi", organisation=ghana_cooperative)
    client = login(member)
    assert client.get(f"/accounts/organisations/{ghana_cooperative.pk}/").status_code == 200
    assert client.get(f"/accounts/organisations/{congo_cooperative.pk}/").status_code == 404
    assert client.get("/accounts/organisations/new/").status_code == 403


def test_the_organisation_list_costs_the_same_queries_for_many_rows(
    login, admin_user, make_organisation, django_assert_max_num_queries
):
    for index in range(40):
        make_organisation(f"Cooperative {index}", "GH" if index % 2 else "CD")
    client = login(admin_user)
    with django_assert_max_num_queries(8):
        response = client.get("/accounts/organisations/")
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 40
