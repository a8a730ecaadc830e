"""A leader, in a real browser, asks for the risk list of every hazard and watches its progress bar fill.

The list is longer than a request answers by itself, so a real job worker (tests/jobs.py) renders it
while the My downloads page polls its status; the leader then downloads the PDF from there.
"""

import time

import pytest

from hazards.models import Hazard, Job

from .browser import log_in
from .conftest import make_hazard
from .reports import codes_in, pdf_pages


@pytest.fixture
def small_parts(settings):
    """Parts of eight stops, so that the bar moves part by part (set before the worker starts)."""
    settings.REPORT_STOPS_PER_PART = 8
    settings.REPORT_DIRECT_STOPS = 10


@pytest.fixture
def many_hazards(demo, rivers):
    for n in range(60):
        make_hazard(rivers["chaobai"], 2000 + 350 * n, title=f"宋庄段阻水堆土 {n + 1}", kind="sediment", blockage_pct=12)


def test_a_leader_watches_the_risk_list_of_every_hazard_being_made_and_downloads_it(
        browser, live_server, small_parts, many_hazards, job_worker, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    log_in(page, live_server, "leader", "floodwatch-demo")
    page.click("#download-pdf")  # no filter: every hazard
    page.wait_for_url("**/downloads/#job-*")
    job = Job.objects.get()
    row = page.locator(f"#job-{job.pk}")
    assert job.total == Hazard.objects.count() > 60
    seen = []
    deadline = time.monotonic() + 300  # generous: a busy machine renders slowly, and only "filled" is asserted
    while time.monotonic() < deadline:
        # Whether it is ready first, then the bar: a poll answered between the two would otherwise end the
        # list on the bar's last value before "ready" (the page sets the bar before it shows the file).
        ready = row.locator(".file").is_visible()
        seen.append(int(row.locator(".progress").get_attribute("aria-valuenow")))
        if 0 < seen[-1] < 100 and not (tmp_path / "filling.png").exists():
            page.screenshot(path=str(tmp_path / "filling.png"))
        if ready:
            break
        page.wait_for_timeout(100)
    page.screenshot(path=str(tmp_path / "ready.png"))
    # It filled and never went back. (How many steps between 0 and 100 a poll catches depends on how
    # fast the machine renders.)
    assert seen[-1] == 100 and seen == sorted(seen), seen
    assert row.locator(".label").inner_text() == "已就绪" and row.locator(".error").is_hidden()

    page.goto(f"{live_server.url}/")
    page.click("nav a[href$='/downloads/']")  # found again under My downloads
    with page.expect_download() as download:
        page.click(f"#job-{job.pk} a.file")
    path = tmp_path / "risk-list.pdf"
    download.value.save_as(path)
    codes = codes_in("".join(pdf_pages(path.read_bytes())))
    assert sorted(codes) == sorted(Hazard.objects.values_list("code", flat=True))
    assert page.locator(".error").count() == 0 or page.locator(".error").first.is_hidden()
