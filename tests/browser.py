"""Headless Chromium (Debian's) driven by Playwright, for tests that click."""

import os

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


_shared = {"users": 0}


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run, however many test modules import this fixture.

    Each importing module gets its own copy of the fixture, but Playwright's
    sync API allows one instance per thread: the copies share it.
    """
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the
    # test's own ORM calls are still synchronous, so tell Django so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not _shared["users"]:
        _shared["playwright"] = sync_playwright().start()
        _shared["chromium"] = _shared["playwright"].chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    _shared["users"] += 1
    yield _shared["chromium"]
    _shared["users"] -= 1
    if not _shared["users"]:
        _shared["chromium"].close()
        _shared["playwright"].stop()


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
