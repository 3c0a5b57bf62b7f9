"""The upload page, the report page and the API, and who may use them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from casm.core.jobs import worker_loop
from casm.core.models import Job
from casm.registry.models import SiteVisit

CSV = (
    b"site_name,country,latitude,longitude,date,_uuid,workers\n"
    b"Kamituga,CD,-3.06,28.18,2024-03-05,w-1,12\n"
    b"Twangiza,CD,-2.85,28.72,2024-03-06,w-2,abc\n"
)


def _upload(**extra):
    return {"file": SimpleUploadedFile("census.csv", CSV, "text/csv"), **extra}


def test_an_officer_checks_a_file_and_sees_every_problem(login, congo_officer, country):
    client = login(congo_officer)

    answer = client.post("/imports/", _upload(country=country("CD").pk, dry_run="on"))

    job = Job.objects.get(kind="imports.census")
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    worker_loop(once=True)
    report = client.get(f"/imports/{job.pk}/")
    assert report.status_code == 200
    assert "“abc” is not a whole number." in report.content.decode()
    assert SiteVisit.objects.count() == 0
    job.refresh_from_db()
    assert job.result_file and job.result["problem_count"] == 1
    assert "census.csv" in client.get("/imports/").content.decode()


def test_an_officer_imports_the_valid_rows(login, congo_officer):
    client = login(congo_officer)
    client.post("/imports/", _upload(skip_invalid="on"))
    worker_loop(once=True)
    assert list(SiteVisit.objects.values_list("submission_id", flat=True)) == ["w-1"]


def test_the_upload_page_refuses_anonymous_people_and_members(client, login, member):
    assert client.get("/imports/").status_code == 302  # to the sign-in page
    assert login(member).get("/imports/").status_code == 403
    assert login(member).post("/imports/", _upload()).status_code == 403
    assert not Job.objects.exists()


def test_an_officer_cannot_import_into_another_country(login, ghana_officer, country):
    answer = login(ghana_officer).post("/imports/", _upload(country=country("CD").pk))
    assert answer.status_code == 400
    assert not Job.objects.exists()


def test_rows_of_another_country_are_refused_by_the_job(login, ghana_officer):
    login(ghana_officer).post("/imports/", _upload())
    worker_loop(once=True)
    job = Job.objects.get()
    assert "outside your scope" in str(job.result["problems"])
    assert SiteVisit.objects.count() == 0


def test_a_report_is_only_seen_by_who_started_it(login, congo_officer, ghana_officer, member):
    login(congo_officer).post("/imports/", _upload())
    job = Job.objects.get()
    assert login(ghana_officer).get(f"/imports/{job.pk}/").status_code == 404
    assert login(member).get(f"/imports/{job.pk}/").status_code == 404


def test_the_api_queues_an_import_and_the_jobs_api_follows_it(client, congo_officer, token_for):
    headers = token_for(congo_officer)
    answer = client.post(
        "/api/v1/imports/census", {**_upload(), "country": "CD", "dry_run": "true"}, **headers
    )
    assert answer.status_code == 202, answer.content
    job_id = answer.json()["id"]
    worker_loop(once=True)
    status = client.get(f"/api/v1/jobs/{job_id}", **headers).json()
    assert status["status"] == "done" and status["result"]["problem_count"] == 1


def test_the_api_refuses_anonymous_people_members_and_other_countries(
    client, member, ghana_officer, congo_officer, token_for
):
    assert client.post("/api/v1/imports/census", _upload()).status_code == 401
    assert client.post("/api/v1/imports/census", _upload(), **token_for(member)).status_code == 403
    other = client.post(
        "/api/v1/imports/census", {**_upload(), "country": "CD"}, **token_for(ghana_officer)
    )
    assert other.status_code == 403
    assert not Job.objects.exists()
    # Nor may one follow another person's import.
    client.post("/api/v1/imports/census", _upload(), **token_for(congo_officer))
    job = Job.objects.get()
    assert client.get(f"/api/v1/jobs/{job.pk}", **token_for(ghana_officer)).status_code == 404


def test_the_api_says_what_is_wrong_with_a_file(client, congo_officer, token_for):
    bad = {"file": SimpleUploadedFile("census.exe", b"MZ", "application/octet-stream")}
    answer = client.post("/api/v1/imports/census", bad, **token_for(congo_officer))
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]


def test_a_file_over_the_size_limit_is_refused(login, congo_officer, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    answer = login(congo_officer).post("/imports/", _upload())
    assert answer.status_code == 400
    assert "bigger than the 10\xa0bytes allowed" in answer.content.decode()
    assert not Job.objects.exists()


def test_an_import_refused_for_its_problems_is_a_failed_job_with_its_report(
    client, login, congo_officer, token_for
):
    browser = login(congo_officer)
    browser.post("/imports/", _upload())  # all or nothing: one bad row, nothing imported
    worker_loop(once=True)
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED and job.result_file
    page = browser.get(f"/jobs/{job.pk}/").content.decode()
    assert 'class="status status-failed"' in page
    assert "census.csv: 1 problem; nothing was imported." in page
    french = client.get(
        f"/api/v1/jobs/{job.pk}", HTTP_ACCEPT_LANGUAGE="fr", **token_for(congo_officer)
    ).json()
    assert french["status"] == "failed"
    assert french["message"] == "census.csv\u00a0: 1 problème\u00a0; rien n’a été importé."
    assert (
        french["result"]["problems"][0]["message"]
        == "«\u00a0abc\u00a0» n’est pas un nombre entier."
    )
    assert SiteVisit.objects.count() == 0


def test_the_upload_page_offers_the_form_and_a_template_and_picks_the_officers_country(
    login, congo_officer, member, country
):
    import io

    import openpyxl

    client = login(congo_officer)
    page = client.get("/imports/").content.decode()
    assert (
        'href="/imports/census-form.xlsx"' in page and 'href="/imports/census-template.csv"' in page
    )
    assert f'<option value="{country("CD").pk}" selected>' in page
    form = client.get("/imports/census-form.xlsx")
    assert form.status_code == 200 and "casm-census-form.xlsx" in form["Content-Disposition"]
    assert openpyxl.load_workbook(io.BytesIO(form.content)).sheetnames == [
        "survey", "choices", "settings",
    ]  # fmt: skip
    header = client.get("/imports/census-template.csv").content.decode().splitlines()[0]
    assert header.startswith("site_code,site_name,country,admin1")
    assert "latitude,longitude,date" in header and ",commodities," in header
    assert login(member).get("/imports/census-template.csv").status_code == 403


def test_the_template_filled_in_imports_without_a_mapping(congo_officer, tmp_path):
    from casm.imports.census import census_import
    from casm.imports.census_form import census_template_columns

    columns = census_template_columns()
    values = {"site_name": "Kamituga", "country": "CD", "latitude": "-3.06",
              "longitude": "28.18", "date": "2024-03-05", "workers": "4", "men": "2",
              "women": "2", "commodities": "gold tin"}  # fmt: skip
    path = tmp_path / "filled.csv"
    path.write_text(",".join(columns) + "\n" + ",".join(values.get(c, "") for c in columns) + "\n")
    result = census_import(actor=congo_officer, path=path)
    assert result.committed, [problem.text for problem in result.problems]
    assert SiteVisit.objects.get().commodities[1]["commodity"] == "tin"
