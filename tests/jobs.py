"""A real job worker for tests: `manage.py jobs_worker` in its own process, on the test database.

The database backend by default; with JOBS_BACKEND=rq in the environment (.ci/run's second pass)
the RQ backend on the Redis at REDIS_URL, and RQ's own worker. Tests that use it need committed
data (transactional_db): the worker is another process.
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection

from hazards.models import Job

BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
}


def worker_backend():
    return "rq" if os.environ.get("JOBS_BACKEND") == "rq" else "database"


def _database_env():
    db = connection.settings_dict
    if db["ENGINE"].endswith("spatialite"):
        return {"SQLITE_PATH": db["NAME"]}
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return {"DATABASE_URL": f"postgis://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}"}


@pytest.fixture
def job_worker(transactional_db, settings):
    """Start a job worker on the test database; the web side enqueues to its backend. Stopped after the test."""
    backend = worker_backend()
    settings.TASKS = {"default": BACKENDS[backend]}
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SQLITE_PATH")}
    env.update(_database_env())
    env.update({
        "FLOODWATCH_TESTING": "1", "JOBS_BACKEND": backend, "DJANGO_SETTINGS_MODULE": "floodwatch.settings",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT), "JOBS_DIR": str(settings.JOBS_DIR),
        "REPORT_CACHE_DIR": str(settings.REPORT_CACHE_DIR), "IMPORT_DIR": str(settings.IMPORT_DIR),
        "SITE_URL": settings.SITE_URL, "REPORT_STOPS_PER_PART": str(settings.REPORT_STOPS_PER_PART),
    })
    process = subprocess.Popen([sys.executable, str(django_settings.BASE_DIR / "manage.py"), "jobs_worker"],
                               env=env, start_new_session=True)
    yield process
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(client, job, timeout=120):
    """Poll the job's status page as the browser does until it has finished; returns the last status."""
    from django.urls import reverse

    url = reverse("hazards:download-status", args=[job.pk])
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        status = client.get(url).json()
        seen.append(status)
        if status["finished"]:
            return status, seen
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} did not finish in {timeout} s: {seen[-1:]}")


def latest_job(user):
    return Job.objects.filter(user=user).latest("created_at")
