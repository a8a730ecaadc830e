"""A district leader, in a real browser, downloads the Xiaotaihou risk list and plans a tour."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from hazards.models import Hazard, Tour

from .browser import log_in
from .reports import add_works, codes_in, drawn_images, pdf_pages, qr_codes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)
    engineer = User.objects.get(username="engineer")
    add_works(Hazard.objects.get(code="XTH-001"), engineer, progress=60, note="涵管扩建完成左侧两孔。")
    add_works(Hazard.objects.get(code="XTH-002"), engineer, progress=25, days_left=-10, note="迁改方案已报批。")


def xiaotaihou_upstream_to_downstream():
    return list(Hazard.objects.filter(river__code="xiaotaihou").order_by("chainage_m").values_list("code", flat=True))


def test_a_leader_filters_the_xiaotaihou_and_downloads_its_risk_list(browser, live_server, demo, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    log_in(page, live_server, "leader", "floodwatch-demo")
    page.click("nav a[href$='/hazards/']")
    page.click("details.filter:has(input[name=river]) summary")
    page.check("input[name=river][value=xiaotaihou]")
    page.click("#filters button")
    page.wait_for_url("**river=xiaotaihou**")
    with page.expect_download() as download:
        page.click("#download-pdf")
    path = tmp_path / "risk-list.pdf"
    download.value.save_as(path)
    data = path.read_bytes()

    pages = pdf_pages(data)
    expected = xiaotaihou_upstream_to_downstream()
    assert codes_in("".join(pages)) == expected
    assert "萧太后河" in pages[0]  # the title, and the river's name on the overview map
    assert "60%" in "".join(pages) and "涵管扩建完成左侧两孔。" in "".join(pages)
    assert sorted(qr_codes(data)) == sorted(f"{live_server_site()}/hazards/{code}/" for code in expected)
    assert drawn_images(data) == 2 * len(expected)  # a photo and a QR code per stop
    page.close()


def test_a_leader_plans_a_tour_from_a_preset_saves_it_and_prints_it(browser, live_server, demo, tmp_path):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    log_in(page, live_server, "leader", "floodwatch-demo")
    page.click("nav a[href$='/tours/']")
    page.click("a[href$='/tours/new/']")
    page.wait_for_selector("#tour-map path.leaflet-interactive")
    page.click("button.preset[data-query*='river=xiaotaihou']")
    page.wait_for_selector("#tour-stops li[data-code]")
    serious = [c for c in xiaotaihou_upstream_to_downstream()
               if Hazard.objects.get(code=c).risk_level in ("major", "high") and Hazard.objects.get(code=c).is_open]
    assert page.locator("#tour-stops li[data-code]").evaluate_all("els => els.map(e => e.dataset.code)") == serious
    page.fill("#id_name", "萧太后河汛前拉练")
    page.click("#tour-form button.primary")
    page.wait_for_selector("#tour-pdf")
    tour = Tour.objects.get()
    assert sorted(tour.hazards.values_list("code", flat=True)) == sorted(serious)
    with page.expect_download() as download:
        page.click("#tour-pdf")
    path = tmp_path / "tour.pdf"
    download.value.save_as(path)
    pages = pdf_pages(path.read_bytes())
    assert codes_in("".join(pages)) == serious
    assert "萧太后河汛前拉练" in pages[0]
    page.close()


def live_server_site():
    from django.conf import settings

    return settings.SITE_URL
