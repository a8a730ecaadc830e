"""The cast every test can use: one user per role, a stranger, and the rivers."""

import io
import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from hazards.models import Hazard, River

from .jobs import job_worker  # noqa: F401  (a real background-job worker, for the tests that ask for it)

ROLES = ("inspector", "engineer", "leader", "admin")


@pytest.fixture
def rivers(db):
    call_command("load_gis_data", stdout=io.StringIO())
    return {river.code: river for river in River.objects.all()}


@pytest.fixture
def demo(db, settings):
    """The demo data that `make run` loads: users, hazards, work orders."""
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)


def make_user(username, role=None):
    user = User.objects.create_user(username, password="pw-" + username, first_name=username.title())
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def cast(db):
    """inspector, engineer, engineer2, leader, admin, and a user with no role."""
    return {
        "inspector": make_user("inspector", "inspector"),
        "engineer": make_user("engineer", "engineer"),
        "engineer2": make_user("engineer2", "engineer"),
        "leader": make_user("leader", "leader"),
        "admin": make_user("admin", "admin"),
        "stranger": make_user("stranger"),
    }


@pytest.fixture
def client_as(client, cast):
    """client_as("leader") is a test client logged in as the leader."""

    def login(name):
        client.force_login(cast[name])
        return client

    return login


def in_chinese(client):
    """The same client, for a user who kept the default language, Simplified Chinese."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def make_hazard(river, chainage_m, **fields):
    """A hazard placed on a river at a chainage, saved through the model's rules."""
    values = {"title": "Test hazard", "kind": "debris", "blockage_pct": 5}
    values.update(fields)
    hazard = Hazard(river=river, location=river.point_at(chainage_m, offset_m=10), **values)
    hazard.full_clean()
    hazard.save()
    return hazard


def jpeg(gps=None, size=(640, 480), colour="#3d85c6"):
    """A JPEG upload; gps=(lat, lon) writes the EXIF GPS tags a phone would."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    if gps:
        def dms(value):
            value = abs(value)
            d = int(value)
            m = int((value - d) * 60)
            s = round(((value - d) * 60 - m) * 60, 4)
            return (d, m, s)

        lat, lon = gps
        exif.get_ifd(0x8825).update({1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile("site.jpg", out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counts, cached pages and map tiles start empty in every test."""
    from django.core.cache import caches

    for alias in ("default", "tiles"):
        caches[alias].clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Photos, job results and kept risk-list parts of one test, in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOBS_DIR = tmp_path / "jobs"
    settings.REPORT_CACHE_DIR = tmp_path / "report-cache"


@pytest.fixture(autouse=True)
def english(client, settings):
    """Tests read messages in English, as a user who switched the UI to English would.

    Chinese is the default (tests/test_i18n.py checks it); pinning English here
    keeps the other tests' assertions readable.
    """
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the
    # test's own ORM calls are still synchronous, so tell Django so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()



@pytest.fixture
def checklists(db):
    """Each response level's default checklist, as its migration wrote it: a transactional test before this one
    (which empties every table when it ends) must not leave the levels without their lists."""
    import importlib

    from django.apps import apps

    from hazards.models import ChecklistItem

    if not ChecklistItem.objects.exists():
        importlib.import_module("hazards.migrations.0013_response_checklists").add_defaults(apps, None)


from .flood import flood  # noqa: E402, F401 (the response tests' shared world)
