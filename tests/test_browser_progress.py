"""An engineer on a phone posts progress, and the map's popup shows it."""

import pytest

from hazards.models import WorkOrder

from .browser import log_in, open_hazard_popup
from .conftest import jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_engineer_posts_60_percent_with_a_photo_and_the_popup_shows_it(browser, live_server, demo, tmp_path):
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg(colour="#a0522d").read())
    order = WorkOrder.objects.get(title="口子村铺外路涵管扩挖改造")
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(page, live_server, "engineer", "floodwatch-demo")

    page.click("nav a[href$='/work-orders/mine/']")
    card = page.locator(f"#order-{order.pk}")
    card.locator("input[type=number]").fill("60")
    card.locator("textarea").fill("新涵管安装过半")
    card.locator("input[type=file]").set_input_files(str(photo))
    card.locator("button.primary").click()
    page.wait_for_selector(".messages li")
    assert "60" in page.inner_text(".messages")  # 进度已保存：60%
    page.screenshot(path=str(tmp_path / "mine.png"), full_page=True)

    order.refresh_from_db()
    assert (order.progress_pct, order.updates.first().photos.count()) == (60, 1)

    page.goto(live_server.url + "/")
    popup_html = open_hazard_popup(page, order.hazard)
    assert "60 %" in popup_html and "口子村铺外路涵管扩挖改造" in popup_html
    assert page.locator(".leaflet-popup-content .progress span", has_text="60 %").is_visible()

    other = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(other, live_server, "engineer2", "floodwatch-demo")
    other.goto(f"{live_server.url}{order.get_absolute_url()}")  # reading is allowed
    assert other.locator("#progress").count() == 0  # but no progress form
    token = next(c["value"] for c in other.context.cookies() if c["name"] == "csrftoken")
    response = other.request.post(f"{live_server.url}/api/work-orders/{order.pk}/progress/",
                                  form={"percent": "70", "version": str(order.version)},
                                  headers={"X-CSRFToken": token})
    assert response.status == 403
    assert "Only the engineers assigned" in response.json()["error"]
    order.refresh_from_db()
    assert order.progress_pct == 60
