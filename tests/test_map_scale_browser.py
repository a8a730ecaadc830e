"""A leader opens the map over 10,000 generated hazards (100,000 by hand: README, "Scale"), zooms from the
whole district to single markers and pans: clusters or markers at every zoom, the right total, no error."""

import base64

import numpy
import pytest

from hazards import generate, tiles
from hazards.models import Hazard

from .browser import log_in, open_hazard_popup, wait_for_hazard_tiles, wait_for_map

pytestmark = pytest.mark.django_db(transaction=True)

N = 10_000
# A 1x1 transparent PNG for every basemap tile: the machine is offline, and a failed tile is not the error looked for.
BLANK = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

# One SVG path per cluster or marker, whether Leaflet draws GeoJSON tiles or VectorGrid vector tiles.
DRAWN = "document.querySelectorAll('.leaflet-hazards-pane path.leaflet-interactive').length"


def isolated(hazards):
    """The hazard furthest from any other (in map pixels)."""
    hazards = list(hazards)
    xy = numpy.array([(h.map_x, h.map_y) for h in hazards], dtype=float)
    nearest = [numpy.partition(numpy.hypot(*(xy - xy[i]).T), 1)[1] for i in range(len(xy))]
    return hazards[int(numpy.argmax(nearest))]


def test_the_map_stays_usable_from_the_district_to_single_hazards(browser, live_server, demo, tmp_path):
    generate.generate(N, seed=7)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.route("https://**/*", lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK))
    log_in(page, live_server, "leader", "floodwatch-demo")

    wait_for_map(page)
    page.wait_for_function("document.getElementById('map-status').textContent.match(/\\d/)")
    assert f"{Hazard.objects.count()}" in page.inner_text("#map-status")
    busiest = Hazard.objects.filter(river__code="chaobai").order_by("chainage_m")[N // 4]
    for zoom in range(9, 19):
        page.evaluate("([lat, lon, z]) => window.hazardMap.setView([lat, lon], z, {animate: false})",
                      [busiest.location.y, busiest.location.x, zoom])
        wait_for_hazard_tiles(page)
        page.wait_for_timeout(150)
        drawn = page.evaluate(DRAWN)
        assert drawn > 0, f"nothing drawn at zoom {zoom}"
        if zoom in (10, 13, tiles.POINTS_ZOOM, 18):
            page.screenshot(path=str(tmp_path / f"map-z{zoom}.png"))
    # Panning loads the tiles that come into view, and the hazards on them are drawn.
    page.evaluate("([lat, lon]) => window.hazardMap.setView([lat, lon], 14, {animate: false})",
                  [busiest.location.y, busiest.location.x])
    wait_for_hazard_tiles(page)
    for dx in (-400, 400, 400, -400):
        page.mouse.move(640, 480)
        page.mouse.down()
        page.mouse.move(640 + dx, 480, steps=6)
        page.mouse.up()
        wait_for_hazard_tiles(page)
        page.wait_for_timeout(150)
        assert page.evaluate(DRAWN) > 0

    # A marker's popup comes from the API (one with no other marker under the click).
    alone = isolated(Hazard.objects.filter(river__code="xiaotaihou"))
    html = open_hazard_popup(page, alone, zoom=18)
    assert alone.code in html and alone.title in html
    assert "error" not in page.get_attribute("#map-status", "class")
    assert errors == []
