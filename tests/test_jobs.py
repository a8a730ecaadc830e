"""Background jobs with a real worker: long risk lists, large exports and imports, their progress and results.

The worker is `manage.py jobs_worker` in its own process (tests/jobs.py): the database backend, or
RQ on Redis when .ci/run runs this file again with JOBS_BACKEND=rq.
"""

import datetime
import json
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hazards import jobs
from hazards.models import Hazard, ImportRecord, Job

from .conftest import make_hazard
from .jobs import latest_job, wait_for
from .reports import codes_in, pdf_pages
from .test_imports import XLSX, upload

PDF = reverse("hazards:risk-list-pdf")
DOWNLOADS = reverse("hazards:downloads")


@pytest.fixture
def nine(rivers):
    """Hazards every 400 m along the Chaobai, in driving order."""
    return [make_hazard(rivers["chaobai"], 1000 + 400 * n, title=f"堆土 {n}") for n in range(9)]


@pytest.fixture
def immediate(settings):
    """Jobs run in the request, whatever backend the environment names (tests that need no worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def client_for(user):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_a_long_risk_list_is_made_by_the_worker_while_the_leader_watches_its_progress(job_worker, nine, cast,
                                                                                     settings):
    settings.REPORT_DIRECT_STOPS = 4  # nine stops: a job to follow on My downloads
    leader = client_for(cast["leader"])
    response = leader.get(PDF + "?river=chaobai")
    job = latest_job(cast["leader"])
    assert response.status_code == 302 and response["Location"] == f"{DOWNLOADS}#job-{job.pk}"
    assert job.kind == Job.Kind.RISK_LIST and job.total == 9
    page = leader.get(DOWNLOADS).content.decode()
    assert f'id="job-{job.pk}"' in page and "9 stops · PDF" in page
    status, seen = wait_for(leader, job)
    assert status["status"] == "done" and status["percent"] == 100 and status["error"] == ""
    assert [s["done"] for s in seen] == sorted(s["done"] for s in seen)  # the bar only moves forward
    download = leader.get(status["file"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    data = b"".join(download.streaming_content)
    assert codes_in("".join(pdf_pages(data))) == [hazard.code for hazard in nine]


def test_a_short_list_comes_back_in_the_request_rendered_by_the_worker(job_worker, nine, cast, settings):
    settings.REPORT_WAIT_SECONDS = 60  # what is tested is the path, not the speed: a loaded machine starts workers slowly
    response = client_for(cast["leader"]).get(PDF + f"?code={nine[0].code}&code={nine[1].code}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert codes_in("".join(pdf_pages(response.content))) == [nine[0].code, nine[1].code]
    job = latest_job(cast["leader"])
    assert job.status == Job.Status.DONE and job.attempts == 1 and job.task_id


def test_the_result_is_served_to_its_owner_and_admins_only(job_worker, nine, cast, settings):
    settings.REPORT_DIRECT_STOPS = 1
    leader = client_for(cast["leader"])
    leader.get(PDF)
    job = latest_job(cast["leader"])
    status, _seen = wait_for(leader, job)
    for name in ("inspector", "engineer", "stranger"):
        other = client_for(cast[name])
        expected = 403 if name == "stranger" else 404
        assert other.get(status["file"]).status_code == expected
        assert other.get(reverse("hazards:download-status", args=[job.pk])).status_code == expected
        assert f"job-{job.pk}" not in other.get(DOWNLOADS).content.decode()
    assert client_for(cast["admin"]).get(status["file"]).status_code == 200
    assert Client().get(status["file"]).status_code == 302  # to the login page
    assert not str(job.result_path).startswith(str(settings.MEDIA_ROOT))


def test_a_large_export_is_written_by_the_worker(job_worker, nine, cast, settings):
    settings.EXPORT_DIRECT_ROWS = 5
    leader = client_for(cast["leader"])
    response = leader.get(reverse("hazards:export-hazards", args=["geojson"]) + "?river=chaobai")
    job = latest_job(cast["leader"])
    assert response.status_code == 302 and job.kind == Job.Kind.EXPORT
    status, _seen = wait_for(leader, job)
    collection = json.loads(b"".join(leader.get(status["file"]).streaming_content))
    assert [feature["properties"]["code"] for feature in collection["features"]] == [h.code for h in nine]


def test_an_import_runs_as_a_job_and_links_to_its_record(job_worker, rivers, cast):
    admin = client_for(cast["admin"])
    page = admin.post(reverse("hazards:import"), {"file": upload(XLSX)})
    form = {"token": page.context["token"], "shift": "gcj02", "skip_bad_rows": "on", "action": "import"}
    form.update({f"map_{i}": page.context["form"].initial.get(f"map_{i}", "") for i in range(15)})
    response = admin.post(reverse("hazards:import"), form)
    job = latest_job(cast["admin"])
    assert response.status_code == 302 and job.kind == Job.Kind.IMPORT
    status, seen = wait_for(admin, job)
    record = ImportRecord.objects.get()
    assert status["status"] == "done" and status["record"] == record.get_absolute_url()
    assert (record.created_count, record.skipped_count, Hazard.objects.count()) == (11, 3, 11)


def test_a_job_delivered_twice_imports_once(job_worker, rivers, cast):
    """A retry or a redelivery after a crash finds the job taken or done: one import, one result."""
    admin = client_for(cast["admin"])
    page = admin.post(reverse("hazards:import"), {"file": upload(XLSX)})
    form = {"token": page.context["token"], "shift": "gcj02", "skip_bad_rows": "on", "action": "import"}
    form.update({f"map_{i}": page.context["form"].initial.get(f"map_{i}", "") for i in range(15)})
    admin.post(reverse("hazards:import"), form)
    job = latest_job(cast["admin"])
    jobs.run_job.enqueue(job.pk)  # the same job, once more
    wait_for(admin, job)
    jobs.run_job.enqueue(job.pk)  # and again after it finished
    time.sleep(3)  # time for the worker to take it (and skip it)
    job.refresh_from_db()
    assert ImportRecord.objects.count() == 1 and Hazard.objects.count() == 11
    assert job.status == Job.Status.DONE and job.attempts == 1
    assert not Job.directory_of(job.pk).exists()  # an import leaves no file


def test_a_job_whose_worker_died_is_marked_failed_not_left_running(immediate, client_as, cast):
    job = Job.objects.create(kind=Job.Kind.RISK_LIST, user=cast["leader"], title="200 stops", status="running",
                             heartbeat_at=timezone.now() - datetime.timedelta(minutes=10))
    status = client_as("leader").get(reverse("hazards:download-status", args=[job.pk])).json()
    assert status["status"] == "failed" and status["finished"]
    assert "stopped before it finished" in status["error"]
    assert not job.claim() and Job.objects.get(pk=job.pk).status == "failed"


def test_a_job_that_cannot_be_done_says_why_in_plain_words(immediate, client_as, cast, rivers):
    job = Job.objects.create(kind=Job.Kind.RISK_LIST, user=cast["leader"], title="tour", total=3, language="en",
                             params={"extension": "pdf", "query": [], "tour": 999999})
    jobs.run_job.enqueue(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.error == "The tour this list was asked from has been deleted."
    page = client_as("leader").get(DOWNLOADS).content.decode()
    assert "has been deleted" in page and "Failed" in page


def test_results_expire_and_are_deleted_with_their_files(immediate, client_as, cast, nine, settings):
    settings.REPORT_DIRECT_STOPS = 1
    leader = client_as("leader")
    leader.get(PDF)
    job = latest_job(cast["leader"])
    assert job.has_file
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=25))
    assert f"job-{job.pk}" not in leader.get(DOWNLOADS).content.decode()
    assert not Job.objects.filter(pk=job.pk).exists() and not job.result_path.exists()
    assert leader.get(reverse("hazards:download-file", args=[job.pk])).status_code == 404


def test_a_user_with_several_jobs_under_way_waits_for_them(immediate, client_as, cast, nine, settings):
    settings.JOBS_PER_USER = 2
    for _ in range(2):
        Job.objects.create(kind=Job.Kind.RISK_LIST, user=cast["leader"], title="waiting")
    response = client_as("leader").get(PDF)
    assert response.status_code == 429 and "still being made" in response.content.decode()
    assert client_as("inspector").get(PDF).status_code == 200
