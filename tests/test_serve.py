"""`make serve`, for real: gunicorn with several workers and WhiteNoise, the job worker beside it, production settings.

`manage.py serve` (what `make serve` runs) starts on a free port against the test database with DEBUG
off and only what a local run needs in the environment; the test asks for a page, a static file, the
API and risk lists through HTTP, then stops it with SIGTERM and checks that nothing is left running.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client

from .conftest import make_hazard
from .jobs import _database_env
from .reports import codes_in, pdf_pages


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(transactional_db, settings, cast):
    port = free_port()
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), **_database_env(),
           # Production: DEBUG off; the key the test suite signs its sessions with, so its login holds.
           "SECRET_KEY": settings.SECRET_KEY, "ALLOWED_HOSTS": "127.0.0.1", "SITE_URL": f"http://127.0.0.1:{port}",
           # A local run with no HTTPS proxy in front (README, Deployment).
           "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0",
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "JOBS_DIR": str(settings.JOBS_DIR),
           "REPORT_CACHE_DIR": str(settings.REPORT_CACHE_DIR), "REPORT_DIRECT_STOPS": "1",
           "CACHE_DIR": str(settings.JOBS_DIR.parent / "cache")}
    process = subprocess.Popen([sys.executable, str(django_settings.BASE_DIR / "manage.py"), "serve",
                                "--bind", f"127.0.0.1:{port}", "--workers", "2"], env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, "manage.py serve stopped while starting"
            time.sleep(0.3)
    yield port, process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def get(port, path, session=""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers={"Cookie": f"sessionid={session}; django_language=en"})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read()


def descendants(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in out] + [grandchild for child in out for grandchild in descendants(int(child))]


def test_make_serve_answers_pages_the_api_and_risk_lists_through_its_job_worker(served, rivers, cast):
    hazards = [make_hazard(rivers["xiaotaihou"], 500 + 1000 * n) for n in range(2)]
    client = Client()
    client.force_login(cast["leader"])
    session = client.cookies["sessionid"].value
    port, process = served
    children = descendants(process.pid)
    assert len(children) >= 4  # gunicorn's arbiter and its 2 workers, the job worker

    status, headers, _body = get(port, "/accounts/login/")
    assert status == 200 and "Strict-Transport-Security" not in headers
    status, headers, _body = get(port, "/static/css/app.css")  # WhiteNoise
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    status, _headers, body = get(port, "/api/hazards/?river=xiaotaihou", session)
    assert status == 200 and [f["properties"]["code"] for f in json.loads(body)["features"]] == [
        h.code for h in hazards]
    assert get(port, "/api/hazards/")[0] == 401  # no session

    # One stop: rendered by the job worker, answered by the same request.
    status, headers, body = get(port, f"/reports/risk-list.pdf?code={hazards[0].code}", session)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert codes_in("".join(pdf_pages(body))) == [hazards[0].code]
    # Two stops (over REPORT_DIRECT_STOPS): a job to follow on My downloads.
    status, headers, _body = get(port, "/reports/risk-list.pdf?river=xiaotaihou", session)
    assert status == 302 and "/downloads/#job-" in headers["Location"]
    job = headers["Location"].rsplit("-", 1)[1]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job_status = json.loads(get(port, f"/downloads/{job}/status/", session)[2])
        if job_status["finished"]:
            break
        time.sleep(0.3)
    assert job_status["status"] == "done", job_status
    status, _headers, body = get(port, job_status["file"], session)
    assert status == 200 and codes_in("".join(pdf_pages(body))) == [h.code for h in hazards]

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    time.sleep(0.5)
    assert [pid for pid in children if os.path.exists(f"/proc/{pid}") and
            "zombie" not in open(f"/proc/{pid}/status").read()] == []


def test_serve_refuses_to_start_without_a_secret_key():
    env = {"PATH": os.environ["PATH"], "ALLOWED_HOSTS": "127.0.0.1"}
    out = subprocess.run([sys.executable, str(django_settings.BASE_DIR / "manage.py"), "serve"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "SECRET_KEY is not set" in out.stderr
