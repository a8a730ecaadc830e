"""An inspector reports a hazard in a real browser: log in, click the map, add a photo."""

import pytest
from django.core.management import call_command

from hazards.models import Hazard

from .browser import log_in
from .conftest import jpeg

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("load_demo", verbosity=0)


def test_an_inspector_clicks_the_map_adds_a_photo_and_sees_the_new_marker(browser, live_server, demo, tmp_path):
    photo = tmp_path / "culvert.jpg"
    photo.write_bytes(jpeg().read())
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    log_in(page, live_server, "inspector", "floodwatch-demo")
    page.wait_for_selector("path.leaflet-interactive")
    markers_before = page.locator("path.leaflet-interactive").count()

    page.click("nav a[href$='/hazards/new/']")
    page.wait_for_selector("#pick-map path.leaflet-interactive")  # the rivers are drawn
    page.wait_for_function("!window.pickMap._animatingZoom")  # and the map has zoomed to them
    xth = Hazard.objects.get(code="XTH-002").river
    target = xth.point_at(4200, offset_m=10)
    page.locator("#pick-map").scroll_into_view_if_needed()
    # Click the map where the Xiaotaihou is: Leaflet converts the lat/lon to a pixel.
    point = page.evaluate(
        "([lat, lon]) => { const m = window.pickMap; m.setView([lat, lon], 16, {animate: false});"
        " const p = m.latLngToContainerPoint([lat, lon]); const r = m.getContainer().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        [target.y, target.x],
    )
    page.mouse.click(*point)
    assert abs(float(page.input_value("#id_latitude")) - target.y) < 3e-4  # a few pixels
    page.fill("#id_title", "萧太后河新发现堆土")
    page.select_option("#id_kind", "debris")
    page.fill("#id_blockage_pct", "20")
    page.set_input_files("#id_photos", str(photo))
    page.click("button.primary.big")

    page.wait_for_selector("h1 .code")
    hazard = Hazard.objects.get(title="萧太后河新发现堆土")
    assert page.inner_text("h1 .code") == hazard.code
    assert hazard.river.code == "xiaotaihou" and hazard.photos.count() == 1
    assert abs(hazard.chainage_m - 4200) < 50
    assert page.locator(".photos img").count() == 1

    page.goto(live_server.url + "/")
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length > {markers_before}")
    page.screenshot(path=str(tmp_path / "map.png"))
