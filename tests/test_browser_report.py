"""An inspector reports a hazard in a real browser: log in, click the map, add a photo."""

import pytest

from hazards.models import Hazard

from .browser import log_in
from .conftest import jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inspector_clicks_the_map_adds_a_photo_and_sees_the_new_marker(browser, live_server, demo, tmp_path):
    photo = tmp_path / "culvert.jpg"
    photo.write_bytes(jpeg().read())
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    log_in(page, live_server, "inspector", "floodwatch-demo")
    page.wait_for_selector("path.leaflet-interactive")
    markers_before = page.locator("path.leaflet-interactive").count()

    page.click("nav a[href$='/hazards/new/']")
    page.wait_for_selector("#pick-map path.leaflet-interactive")  # the rivers are drawn
    xth = Hazard.objects.get(code="XTH-002").river
    target = xth.point_at(4200, offset_m=10)
    # Click the map where the Xiaotaihou is: Leaflet converts the lat/lon to a pixel.
    point = page.evaluate(
        """([lat, lon]) => new Promise((resolve) => {
             const m = window.pickMap;
             m.stop();  // the fit to the rivers may still be animating
             m.setView([lat, lon], 16, {animate: false});
             requestAnimationFrame(() => {
               const p = m.latLngToContainerPoint([lat, lon]);
               resolve({x: p.x, y: p.y});
             });
           })""",
        [target.y, target.x],
    )
    page.locator("#pick-map").click(position=point)
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
    assert abs(hazard.chainage_m - 4200) < 10
    assert page.locator(".photos img").count() == 1

    page.goto(live_server.url + "/")
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length > {markers_before}")
    page.screenshot(path=str(tmp_path / "map.png"))


def test_a_photo_with_gps_puts_the_marker_on_the_map_before_saving(browser, live_server, demo, tmp_path):
    photo = tmp_path / "gps.jpg"
    photo.write_bytes(jpeg(gps=(39.8531, 116.6400)).read())
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server, "inspector", "floodwatch-demo")
    page.goto(live_server.url + "/hazards/new/")
    page.set_input_files("#id_photos", str(photo))
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")
    assert (round(float(page.input_value("#id_latitude")), 4), round(float(page.input_value("#id_longitude")), 4)) == (
        39.8531, 116.6400)
    assert page.locator("#pick-map .leaflet-marker-icon").count() == 1
