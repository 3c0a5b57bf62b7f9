from casm.accounts.models import Organisation


def test_a_data_officer_registers_and_edits_an_organisation_of_their_country(
    login, ghana_officer, country
):
    client = login(ghana_officer)
    form = client.get("/accounts/organisations/new/")
    offered = list(form.context["form"].fields["country"].queryset)
    assert offered == [country("GH")]
    created = client.post(
        "/accounts/organisations/new/",
        {"name": "Akwatia Diamond Diggers", "kind": "miners", "country": country("GH").pk},
    )
    organisation = Organisation.objects.get(name="Akwatia Diamond Diggers")
    assert created.url == f"/accounts/organisations/{organisation.pk}/"
    edited = client.post(
        f"/accounts/organisations/{organisation.pk}/edit/",
        {
            "name": "Akwatia Diamond Diggers",
            "acronym": "ADD",
            "kind": "miners",
            "country": country("GH").pk,
        },
    )
    assert edited.status_code == 302
    organisation.refresh_from_db()
    assert organisation.acronym == "ADD"


def test_a_data_officer_cannot_register_an_organisation_elsewhere(login, ghana_officer, country):
    response = login(ghana_officer).post(
        "/accounts/organisations/new/",
        {"name": "Kamituga Cooperative", "kind": "miners", "country": country("CD").pk},
    )
    assert response.status_code == 400
    assert "country" in response.context["form"].errors
    assert not Organisation.objects.exists()


def test_a_bad_form_says_what_is_wrong_and_changes_nothing(
    login, ghana_officer, ghana_cooperative, country
):
    response = login(ghana_officer).post(
        f"/accounts/organisations/{ghana_cooperative.pk}/edit/",
        {"name": "", "kind": "miners", "country": country("GH").pk, "website": "nope"},
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "website"}
    ghana_cooperative.refresh_from_db()
    assert ghana_cooperative.name == "Tarkwa Small-Scale Miners Association"


def test_an_organisation_with_members_is_not_deleted(
    login, admin_user, make_user, ghana_cooperative
):
    make_user("esi", organisation=ghana_cooperative)
    client = login(admin_user)
    response = client.post(f"/accounts/organisations/{ghana_cooperative.pk}/delete/", follow=True)
    assert b"still has members" in response.content
    assert Organisation.objects.filter(pk=ghana_cooperative.pk).exists()


def test_the_list_filters_by_search_country_and_type(
    login, admin_user, ghana_cooperative, congo_cooperative, make_organisation
):
    make_organisation("Ghana Chamber of Mines", "GH", kind="lsm")
    client = login(admin_user)

    def names(**params):
        return {o.name for o in client.get("/accounts/organisations/", params).context["page"]}

    assert names(q="kamituga") == {"Coopérative minière de Kamituga"}
    assert names(country="gh") == {
        "Tarkwa Small-Scale Miners Association",
        "Ghana Chamber of Mines",
    }
    assert names(kind="lsm") == {"Ghana Chamber of Mines"}
    empty = client.get("/accounts/organisations/", {"q": "nothing like it"})
    assert b"No organisation matches these filters." in empty.content


def test_members_cannot_write_through_the_api(client, make_user, ghana_cooperative, token_for):
    member = make_user("esi", organisation=ghana_cooperative)
    response = client.patch(
        f"/api/v1/organisations/{ghana_cooperative.pk}",
        {"name": "Renamed"},
        content_type="application/json",
        **token_for(member),
    )
    assert response.status_code == 403
    ghana_cooperative.refresh_from_db()
    assert ghana_cooperative.name == "Tarkwa Small-Scale Miners Association"


def _named_by_the_network(organisation):
    import datetime

    from casm.network import services as network
    from casm.network.tests import factories

    factories.project("Fairmined Tarkwa", organisation)
    factories.project("Retorts for Prestea", factories.organisation("ARM", "CO"))
    network.project_update(
        actor=None,
        project=network_project("Retorts for Prestea"),
        data={"partners": [organisation]},
    )
    network.partnership_create(
        actor=None,
        data={
            "name": "Durban Process",
            "start": datetime.date(2003, 1, 1),
            "organisations": [organisation],
        },
    )


def network_project(title):
    from casm.network.models import Project

    return Project.objects.get(title=title)


def test_an_organisation_the_network_still_names_is_not_deleted(
    login, admin_user, ghana_cooperative
):
    _named_by_the_network(ghana_cooperative)
    client = login(admin_user)
    response = client.post(f"/accounts/organisations/{ghana_cooperative.pk}/delete/", follow=True)
    page = response.content.decode()
    assert "still named by 2 projects: Fairmined Tarkwa, Retorts for Prestea" in page
    assert "still named by 1 partnership: Durban Process" in page
    assert Organisation.objects.filter(pk=ghana_cooperative.pk).exists()


def test_in_french_the_page_says_what_names_it(login, admin_user, ghana_cooperative):
    _named_by_the_network(ghana_cooperative)
    client = login(admin_user)
    response = client.post(
        f"/accounts/organisations/{ghana_cooperative.pk}/delete/",
        follow=True,
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert "2 projets" in response.content.decode()


def test_the_api_answers_a_conflict_naming_what_refers_to_it(
    client, admin_user, ghana_cooperative, token_for
):
    _named_by_the_network(ghana_cooperative)
    url = f"/api/v1/organisations/{ghana_cooperative.pk}"
    response = client.delete(url, **token_for(admin_user))
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert "2 projects" in error["message"] and "Durban Process" in error["message"]
    assert client.get(url, **token_for(admin_user)).status_code == 200
