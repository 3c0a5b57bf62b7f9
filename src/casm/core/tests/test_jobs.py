import csv
import io

import pytest
from django.core.exceptions import ValidationError

from casm.core.jobs import HANDLERS, job_handler, worker_loop
from casm.core.models import Job
from casm.core.services import job_cancel, job_enqueue


def test_the_worker_runs_a_queued_job_to_its_end_with_a_file(admin_user, ghana_cooperative):
    job = job_enqueue(kind="core.audit_export", title="Audit export", actor=admin_user)
    lines: list[str] = []
    assert worker_loop(once=True, echo=lines.append) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.progress == job.total and job.total > 0
    rows = list(csv.reader(io.StringIO(job.result_file.read().decode())))
    assert rows[0][:2] == ["at", "who"]
    assert any("Tarkwa" in row[7] for row in rows[1:])
    assert any(line.startswith(f"job {job.pk} core.audit_export: done") for line in lines)


def test_a_failing_job_says_why(admin_user):
    @job_handler("tests.broken")
    def broken(job, progress):
        raise ValueError("the file has no header row")

    try:
        job = job_enqueue(kind="tests.broken", title="Broken", actor=admin_user)
        worker_loop(once=True)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        assert "the file has no header row" in job.message
    finally:
        HANDLERS.pop("tests.broken")


def test_a_running_job_stops_when_cancelled(admin_user):
    @job_handler("tests.long")
    def long_job(job, progress):
        job_cancel(job=Job.objects.get(pk=job.pk), actor=admin_user)
        progress(1, 10, "")  # the next report notices the cancellation
        progress(10, 10, "")
        return {"message": "should not get here"}

    try:
        job = job_enqueue(kind="tests.long", title="Long", actor=admin_user)
        worker_loop(once=True)
        job.refresh_from_db()
        assert job.status == Job.Status.CANCELLED
    finally:
        HANDLERS.pop("tests.long")


def test_only_administrators_get_the_audit_log_whatever_queued_the_export(member):
    job = job_enqueue(kind="core.audit_export", title="Sneaky", actor=member)
    worker_loop(once=True)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "Only administrators export the audit log."
    assert not job.result_file


def test_unknown_kinds_are_refused(admin_user):
    with pytest.raises(ValidationError):
        job_enqueue(kind="no.such.kind", title="x", actor=admin_user)
    assert not Job.objects.exists()


def test_people_see_their_own_jobs_only(login, member, ghana_officer, client, token_for):
    mine = job_enqueue(kind="core.audit_export", title="Mine", actor=member)
    theirs = job_enqueue(kind="core.audit_export", title="Theirs", actor=ghana_officer)
    web = login(member)
    assert web.get(f"/jobs/{mine.pk}/").status_code == 200
    assert web.get(f"/jobs/{theirs.pk}/").status_code == 404
    assert web.get(f"/jobs/{theirs.pk}/status").status_code == 404
    assert web.post(f"/jobs/{theirs.pk}/cancel").status_code == 404
    assert web.get(f"/jobs/{theirs.pk}/download").status_code == 404
    assert [j.title for j in web.get("/jobs/").context["page"].object_list] == ["Mine"]
    api = client.get("/api/v1/jobs", **token_for(member)).json()
    assert [j["title"] for j in api["items"]] == ["Mine"]
    assert client.get(f"/api/v1/jobs/{theirs.pk}", **token_for(member)).status_code == 404


def test_the_job_page_reports_progress_as_json(login, member):
    job = job_enqueue(kind="core.audit_export", title="Mine", actor=member)
    status = login(member).get(f"/jobs/{job.pk}/status").json()
    assert status == {
        "status": "queued",
        "status_display": "queued",
        "progress": 0,
        "total": None,
        "percent": None,
        "message": "",
        "finished": False,
    }


def test_an_administrator_exports_the_audit_log_from_the_web(login, admin_user):
    client = login(admin_user)
    response = client.post("/audit/export", {"action": "create"})
    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    worker_loop(once=True)
    download = client.get(f"/jobs/{job.pk}/download")
    assert download.status_code == 200
    content = b"".join(download.streaming_content).decode()
    assert content.startswith("at,who,source")
    assert ",update," not in content


def test_the_jobs_command_lists_progress(admin_user, capsys):
    from django.core.management import call_command

    job_enqueue(kind="core.audit_export", title="Audit export", actor=admin_user)
    call_command("jobs")
    assert "queued" in capsys.readouterr().out


def _running(admin_user, *, worker, minutes_ago=0, attempts=1):
    import datetime

    from django.utils import timezone

    job = job_enqueue(kind="core.audit_export", title="Audit export", actor=admin_user)
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, worker=worker, started_at=at, heartbeat_at=at, attempts=attempts
    )
    return job


def _dead_pid():
    import subprocess
    import sys

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return int(child.stdout)


def test_a_job_whose_worker_died_is_queued_again_once_then_failed(client, admin_user):
    import socket

    from casm.core.jobs import jobs_reap

    job = _running(admin_user, worker=f"{socket.gethostname()}:{_dead_pid()}")
    assert [j.pk for j in jobs_reap()] == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    assert "stopped" in job.message and "queued again" in job.message
    # The next worker dies too: the second time it is failed, with the reason on its page.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, worker=f"{socket.gethostname()}:{_dead_pid()}", attempts=2
    )
    jobs_reap()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    client.force_login(admin_user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "tried twice" in page


def test_a_job_without_news_for_too_long_is_reaped_and_a_live_one_is_not(admin_user, settings):
    import os
    import socket

    from casm.core.jobs import jobs_reap

    settings.JOB_STALE_AFTER = 600
    quiet = _running(admin_user, worker="another-server:4242", minutes_ago=11)
    recent = _running(admin_user, worker="another-server:4243", minutes_ago=9)
    alive = _running(admin_user, worker=f"{socket.gethostname()}:{os.getpid()}", minutes_ago=1)
    assert [j.pk for j in jobs_reap()] == [quiet.pk]
    assert "no news for 10 minutes" in Job.objects.get(pk=quiet.pk).message
    for job in (recent, alive):
        assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING


def test_the_worker_reaps_before_it_claims(admin_user):
    import socket

    job = _running(admin_user, worker=f"{socket.gethostname()}:{_dead_pid()}")
    assert worker_loop(once=True, echo=lambda line: None) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.DONE, 2)


def test_job_handlers_are_discovered_in_every_app():
    assert {"core.audit_export", "imports.census", "library.extract"} <= set(HANDLERS)
